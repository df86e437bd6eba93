/**
 * npm run abr:policy -- --video ID|info.json [--train DIR|FILE|NAME] [--out FILE]
 * Learn the `learned` ABR's policy for one video (lab/learning/stochastic-dp.ts) and write it
 * as abr-policy.json: a library video's is renewed in place (republished atomically, nothing
 * encoded: lab/learning/policy-files.ts); a bundled video's or an info.json file's goes
 * beside it (X.info.json or X.json -> X.abr-policy.json, info.json -> abr-policy.json); or
 * to --out. Never over the video's own file.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { POLICY_FILE } from '../core/abr/learned.js';
import { BUFFER_DEFAULTS } from '../core/buffer-policy.js';
import { infoPathFor, loadTraces, loadVideo, policyPathFor, UsageError } from '../lab/inputs.js';
import { writePolicyFile } from '../lab/learning/policy-file.js';
import { DEFAULT_TRAINING, renewPolicy } from '../lab/learning/policy-files.js';
import { trainStochasticDp } from '../lab/learning/stochastic-dp.js';
import { REPO_ROOT } from '../lab/paths.js';
import { loadConfig } from '../server/config.js';
import { PackagingError, publishedDir } from '../server/packager/index.js';
import { ProgressBar } from './lib/progress-bar.js';

const USAGE = `usage: npm run abr:policy -- --video ID|info.json [--train DIR|FILE|NAME] [--out FILE]

  --video  a library video's id (its policy is renewed in place, and a running server
           serves the new one), a bundled video's name (pensieve-envivio) or an info.json file
  --train  the traces it learns from (default ${DEFAULT_TRAINING}: Pensieve's 68 Norway training traces)
  --out    where to write (default: beside the info.json, as <name>.abr-policy.json)`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { video: { type: 'string' }, train: { type: 'string', default: DEFAULT_TRAINING }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) return void console.log(USAGE);
  if (!values.video) throw new UsageError(`--video is required\n${USAGE}`);
  const mediaDir = loadConfig().mediaDir;
  if (!values.out && (await publishedDir(mediaDir, values.video))) return renewLibraryPolicy(mediaDir, values.video, values.train!);
  const info = await infoPathFor(values.video, mediaDir);
  if (!values.out && info.startsWith(path.resolve(mediaDir) + path.sep)) throw new UsageError(`--video ${values.video}: give a library video by its id (to renew its policy in place), or give --out`);
  const out = path.resolve(values.out ?? policyPathFor(info));
  if (out === path.resolve(info)) throw new UsageError(`--out ${values.out}: that is the video's own file; write the policy elsewhere`);
  const video = (await loadVideo(values.video, mediaDir)).sim;
  const traces = (await loadTraces(values.train!)).map((t) => t.trace);
  const bar = new ProgressBar();
  const t0 = performance.now();
  const model = trainStochasticDp({ traces, video, buffer: BUFFER_DEFAULTS, trainingName: values.train, onProgress: (d, n) => bar.update({ label: 'learn', percent: (d / n) * 100 }) });
  bar.done();
  await writePolicyFile(out, model.policy);
  console.log(`wrote ${path.relative(REPO_ROOT, out) || out}: ${model.samples} samples from ${traces.length} traces (${values.train}), ${model.policy.choices.length} choices, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** A library video: learned in a child process and republished with its validators (no progress to show: a spinner of elapsed time). */
async function renewLibraryPolicy(mediaDir: string, id: string, train: string): Promise<void> {
  const t0 = performance.now();
  const tick = setInterval(() => process.stderr.write(`\rlearning ${id}'s policy from ${train}... ${((performance.now() - t0) / 1000).toFixed(0)} s`), 1000);
  try {
    // The child learns from the repository's folder: a path given from here is made absolute.
    const { info, dir } = await renewPolicy({ mediaDir, id, train: existsSync(train) ? path.resolve(train) : train });
    process.stderr.write('\r\x1b[K');
    console.log(`renewed ${id}'s policy in place (${path.relative(process.cwd(), dir) || dir}): ${info.files[POLICY_FILE].bytes} bytes, learned from ${train} in ${((performance.now() - t0) / 1000).toFixed(1)} s; its other files are unchanged`);
  } catch (err) {
    if (err instanceof PackagingError && err.code === 'usage') throw new UsageError(err.message);
    throw err;
  } finally {
    clearInterval(tick);
  }
}

main().catch((err) => {
  process.stderr.write(`dashlab abr:policy: error: ${err instanceof Error ? err.message : err}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
