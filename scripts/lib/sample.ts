/** The built-in sample in a library, packaged first (once, with a progress bar) when it is missing. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { learnPolicyFor } from '../../lab/learning/policy-files.js';
import { SAMPLE_MASTER } from '../../server/config.js';
import { packageSample, SAMPLE_ID } from '../../server/packager/index.js';
import { ProgressBar } from './progress-bar.js';

export async function ensureSample(mediaDir: string): Promise<void> {
  if (await stat(path.join(mediaDir, SAMPLE_ID, 'info.json')).then(() => true, () => false)) return;
  process.stderr.write('the library has no sample yet: packaging it first (once)...\n');
  const bar = new ProgressBar();
  try {
    await packageSample({ mediaDir, masterPath: SAMPLE_MASTER, learnAbrPolicy: learnPolicyFor, onProgress: (p) => bar.update({ label: p.phase, percent: p.percent }) });
  } finally {
    bar.done();
  }
}
