/** npm start: package the built-in sample into an empty library. (The server comes with the origin-server issue.) */
import { loadConfig, SAMPLE_MASTER } from '../server/config.js';
import { listPublished, packageSample, sweep } from '../server/packager/index.js';
import { fail, interruptSignal } from './lib/cli.js';
import { ProgressBar } from './lib/progress-bar.js';
import { printSummary } from './lib/summary.js';

async function main(): Promise<void> {
  const { mediaDir } = loadConfig();
  await sweep(mediaDir);
  const ids = await listPublished(mediaDir);
  if (ids.length) {
    console.log(`library ${mediaDir}: ${ids.join(', ')}`);
    return;
  }
  console.log('the library is empty: packaging the built-in sample first');
  const bar = new ProgressBar();
  const result = await packageSample({
    mediaDir,
    masterPath: SAMPLE_MASTER,
    signal: interruptSignal(),
    onMasterProgress: (p) => bar.update({ label: 'master', percent: p.percent, speed: p.speed, etaS: p.etaS }),
    onProgress: (p) => {
      if (p.phase === 'encode' && p.encode) bar.update({ label: 'encode', percent: p.percent, speed: p.encode.speed, etaS: p.encode.etaS });
    },
  }).finally(() => bar.done());
  printSummary(result);
}

main().catch((err) => fail('dashlab', err));
