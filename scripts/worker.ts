/**
 * npm run worker -- --origin URL [--token T] [--concurrency N] [--media-dir DIR] [--work-dir DIR]
 *
 * A packaging worker on any machine that reaches Redis (REDIS_URL) and the origin: it takes
 * jobs from the BullMQ queue, fetches each upload from the origin, packages and verifies it
 * here, and sends the package back; the origin checks it again and publishes it. With
 * --media-dir (the origin's MEDIA_DIR, shared over NFS or EFS) it reads the upload and
 * publishes in place instead. The token is WORKER_TOKEN's, the origin's too. The composition
 * root of that process. Ctrl-C puts running jobs back in the queue for another worker.
 */
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { learnPolicyFor } from '../lab/learning/policy-files.js';
import { ensureMediaDir } from '../server/config.js';
import { safeRedisUrl } from '../server/jobs/redis/connection.js';
import { OriginClient } from '../server/jobs/redis/origin-client.js';
import { PackagingWorker, type WorkerPlace } from '../server/jobs/redis/package-worker.js';
import { createLogger } from '../server/log.js';
import { getTools } from '../server/packager/index.js';
import { fail } from './lib/cli.js';

const USAGE = 'usage: REDIS_URL=redis://host:port WORKER_TOKEN=<secret> npm run worker -- --origin URL [--token T] [--concurrency N] [--media-dir DIR] [--work-dir DIR]';

function usage(message: string): never {
  process.stderr.write(`worker: ${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({ options: { origin: { type: 'string' }, token: { type: 'string' }, concurrency: { type: 'string' }, 'media-dir': { type: 'string' }, 'work-dir': { type: 'string' }, redis: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (err) {
    usage((err as Error).message);
  }
  if (args.help) return void process.stdout.write(`${USAGE}\n`);
  const redisUrl = args.redis ?? process.env.REDIS_URL;
  if (!redisUrl) usage('REDIS_URL is not set: the worker takes its jobs from the origin\'s Redis (REDIS_URL=redis://host:port)');
  if (!args.origin && !args['media-dir']) usage('--origin is required: the origin\'s URL, e.g. http://10.0.0.5:8080 (or --media-dir, the origin\'s shared MEDIA_DIR)');
  try {
    if (args.origin) new URL(args.origin);
  } catch {
    usage(`--origin ${args.origin}: not a URL`);
  }
  const token = args.token ?? process.env.WORKER_TOKEN;
  if (!token && !args['media-dir']) usage('no worker token: give --token or WORKER_TOKEN (the origin\'s WORKER_TOKEN)');
  const concurrency = Number(args.concurrency ?? 1);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) usage(`--concurrency must be a whole number from 1 to 64 (got "${args.concurrency}")`);

  const log = createLogger();
  await getTools(); // ffmpeg and ffprobe here, or a clear error now rather than at the first job
  let place: WorkerPlace;
  if (args['media-dir']) {
    const mediaDir = path.resolve(args['media-dir']);
    await ensureMediaDir(mediaDir);
    place = { kind: 'shared', mediaDir };
  } else {
    const origin = new OriginClient(args.origin!, token!, log);
    await origin.check();
    const workDir = path.resolve(args['work-dir'] ?? path.join(os.tmpdir(), `dashlab-worker-${process.pid}`));
    place = { kind: 'remote', origin, workDir };
  }
  const name = `${os.hostname()}:${process.pid}`;
  const worker = new PackagingWorker({ redisUrl, concurrency, place, log, learnAbrPolicy: learnPolicyFor, name });
  await worker.start();
  // The token is never printed: only whether there is one.
  process.stderr.write(`worker: ${name} takes jobs from ${safeRedisUrl(redisUrl)}${args.origin ? ` for ${args.origin}` : ''}, ${concurrency} at a time, ${place.kind === 'shared' ? `publishing in place in ${place.mediaDir}` : `packaging in ${place.workDir} and sending packages back`}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\nworker: ${signal}: putting running jobs back in the queue...\n`);
    await worker.stop();
    if (place.kind === 'remote' && !args['work-dir']) await rm(place.workDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => fail('worker', err));
