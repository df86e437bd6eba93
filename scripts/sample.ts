/** npm run sample: make the built-in 60 s sample master (once) and package it as "sample". */
import { loadConfig, SAMPLE_MASTER } from '../server/config.js';
import { packageSample } from '../server/packager/index.js';
import { fail, interruptSignal } from './lib/cli.js';
import { ProgressBar } from './lib/progress-bar.js';
import { printSummary } from './lib/summary.js';

const bar = new ProgressBar();
packageSample({
  mediaDir: loadConfig().mediaDir,
  masterPath: SAMPLE_MASTER,
  signal: interruptSignal(),
  onMasterProgress: (p) => bar.update({ label: 'master', percent: p.percent, speed: p.speed, etaS: p.etaS }),
  onProgress: (p) => {
    if (p.phase === 'encode' && p.encode) bar.update({ label: 'encode', percent: p.percent, speed: p.encode.speed, etaS: p.encode.etaS });
    else if (p.phase === 'verify' || p.phase === 'quality' || p.phase === 'publish') bar.update({ label: p.phase, percent: p.percent });
  },
})
  .then((result) => {
    bar.done();
    printSummary(result);
  })
  .catch((err) => {
    bar.done();
    fail('dashlab sample', err);
  });
