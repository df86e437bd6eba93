/**
 * npm start: the origin server on http://127.0.0.1:8080 (PORT, HOST). On an empty library it
 * packages the built-in sample first, with progress on the terminal, while the API already answers.
 */
import { loadConfig, SAMPLE_MASTER } from '../server/config.js';
import { createDashlabServer } from '../server/app.js';
import { packageSample, SAMPLE_ID } from '../server/packager/index.js';
import { fail } from './lib/cli.js';
import { ProgressBar } from './lib/progress-bar.js';
import { printSummary } from './lib/summary.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const dashlab = await createDashlabServer(config);
  const url = await dashlab.listen();
  process.stderr.write(`dashlab: serving ${config.mediaDir} on ${url}\n`);

  const controller = new AbortController();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\ndashlab: ${signal}: finishing in-flight requests...\n`);
    controller.abort();
    await dashlab.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  if (dashlab.catalog.list().length === 0) {
    process.stderr.write('dashlab: the library is empty: packaging the built-in sample first (the API answers meanwhile)\n');
    const bar = new ProgressBar();
    try {
      const result = await packageSample({
        mediaDir: config.mediaDir,
        masterPath: SAMPLE_MASTER,
        signal: controller.signal,
        onMasterProgress: (p) => bar.update({ label: 'master', percent: p.percent, speed: p.speed, etaS: p.etaS }),
        onProgress: (p) => {
          if (p.phase === 'encode' && p.encode) bar.update({ label: 'encode', percent: p.percent, speed: p.encode.speed, etaS: p.encode.etaS });
        },
      });
      bar.done();
      printSummary(result, process.stderr);
      await dashlab.catalog.reload(SAMPLE_ID);
    } catch (err) {
      bar.done();
      if (stopping) return;
      process.stderr.write(`dashlab: could not package the sample: ${(err as Error).message}\n`);
    }
  }
  process.stderr.write(`dashlab: ready: open ${url}/ (library), ${url}/media/${SAMPLE_ID}/manifest.mpd\n`);
}

main().catch((err) => fail('dashlab', err));
