/**
 * npm start: the origin server on http://127.0.0.1:8080 (PORT, HOST), one HTTP worker per
 * core (WORKERS). On an empty library it packages the built-in sample first, with progress
 * on the terminal, while the API already answers.
 */
import cluster from 'node:cluster';
import { createOrigin } from '../server/app.js';
import { runPrimary } from '../server/cluster/primary.js';
import { runWorker } from '../server/cluster/worker.js';
import { loadConfig, SAMPLE_MASTER } from '../server/config.js';
import { createLogger } from '../server/log.js';
import { listPublished, packageSample, SAMPLE_ID } from '../server/packager/index.js';
import { learnPolicyFor } from '../lab/learning/policy-files.js';
import { fail } from './lib/cli.js';
import { ProgressBar } from './lib/progress-bar.js';
import { printSummary } from './lib/summary.js';
import { buildPlayer } from './lib/build-player.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger();
  if (cluster.isWorker) return runWorker(config, log);

  await buildPlayer();
  // One process when WORKERS=1; otherwise a primary with the job queue and HTTP workers.
  let url: string;
  let close: () => Promise<void>;
  let reload: (id: string) => Promise<void>;
  if (config.workers === 1) {
    const dashlab = await createOrigin(config, { log });
    url = await dashlab.listen();
    close = () => dashlab.close();
    reload = (id) => dashlab.catalog.reload(id);
  } else {
    const primary = await runPrimary(config, log);
    url = primary.url;
    close = () => primary.close();
    reload = (id) => primary.reloadEverywhere(id);
  }
  process.stderr.write(`dashlab: serving ${config.mediaDir} on ${url} (${config.workers} HTTP worker${config.workers > 1 ? 's' : ''})\n`);

  const controller = new AbortController();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\ndashlab: ${signal}: finishing in-flight requests...\n`);
    controller.abort();
    await close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  if ((await listPublished(config.mediaDir)).length === 0) {
    process.stderr.write('dashlab: the library is empty: packaging the built-in sample first (the API answers meanwhile)\n');
    const bar = new ProgressBar();
    try {
      const result = await packageSample({
        mediaDir: config.mediaDir,
        masterPath: SAMPLE_MASTER,
        signal: controller.signal,
        learnAbrPolicy: learnPolicyFor,
        onMasterProgress: (p) => bar.update({ label: 'master', percent: p.percent, speed: p.speed, etaS: p.etaS }),
        onProgress: (p) => {
          if (p.phase === 'encode' && p.encode) bar.update({ label: 'encode', percent: p.percent, speed: p.encode.speed, etaS: p.encode.etaS });
          else if (p.phase === 'verify' || p.phase === 'quality' || p.phase === 'learn' || p.phase === 'publish') bar.update({ label: p.phase, percent: p.percent });
        },
      });
      bar.done();
      printSummary(result, process.stderr);
      await reload(SAMPLE_ID);
    } catch (err) {
      bar.done();
      if (stopping) return;
      process.stderr.write(`dashlab: could not package the sample: ${(err as Error).message}\n`);
    }
  }
  process.stderr.write(`dashlab: ready: open ${url}/ (library), ${url}/media/${SAMPLE_ID}/manifest.mpd\n`);
}

main().catch((err) => fail('dashlab', err));
