/**
 * Cluster mode: one HTTP worker per core sharing the port (Node's own round-robin), and a
 * primary that owns the packaging job queue. One Node process tops out near 30,000 small
 * responses a second here; the 304s and manifest GETs a CDN sends need both cores.
 */
import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';
import { AggregatorRegistry } from 'prom-client';
import http from 'node:http';
import { createDashlabServer, createShaper } from './app.js';
import type { PrimaryMessage, WorkerMessage } from './cluster-protocol.js';
import { ensureMediaDir, type Config } from './config.js';
import { JobQueue } from './jobs/queue.js';
import { JobRefused } from './jobs/port.js';
import { JobStore } from './jobs/store.js';
import type { Logger } from './log.js';
import { createJobMetrics } from './metrics.js';
import { sweep } from './packager/index.js';

export interface Primary {
  url: string;
  jobs: JobQueue;
  /** Make every worker reload one video (after publishing or deleting it), and wait for them. */
  reloadEverywhere(id: string): Promise<void>;
  close(): Promise<void>;
}

export async function runPrimary(config: Config, log: Logger): Promise<Primary> {
  await ensureMediaDir(config.mediaDir);
  const swept = await sweep(config.mediaDir);
  if (swept.length) log.info('removed leftovers of interrupted packaging', { removed: swept });
  const jobMetrics = createJobMetrics();
  const aggregator = new AggregatorRegistry();
  let closing = false;
  const workers = new Set<Worker>();
  const pendingAcks = new Map<string, () => void>();
  let ackSeq = 0;

  const send = (w: Worker, m: PrimaryMessage) => {
    if (w.isConnected()) w.send(m);
  };
  const broadcast = (m: PrimaryMessage) => workers.forEach((w) => send(w, m));

  async function reloadEverywhere(id: string): Promise<void> {
    await Promise.all(
      [...workers].map(
        (w) =>
          new Promise<void>((resolve) => {
            const ackId = `${++ackSeq}`;
            const timer = setTimeout(() => {
              pendingAcks.delete(ackId);
              resolve();
            }, 5000);
            pendingAcks.set(ackId, () => {
              clearTimeout(timer);
              resolve();
            });
            send(w, { t: 'reload', id, ackId });
          }),
      ),
    );
  }

  const jobs = new JobQueue({
    store: new JobStore(path.join(config.mediaDir, '.jobs'), (err) => log.warn('cannot save the job records (kept in memory, saved again when the disk has room)', { error: err.message })),
    mediaDir: config.mediaDir,
    concurrency: config.jobsConcurrency,
    log,
    onPublished: reloadEverywhere,
    onFinished: (job, seconds) => jobMetrics.jobDuration.labels(job.state).observe(seconds),
  });
  jobs.on('update', (job) => broadcast({ t: 'job', job }));

  // The shaper lives here, on a private loopback port: every request of a link, whichever
  // worker took the connection, is paced by the same bucket.
  const loopHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const shaper = createShaper(config, () => `http://${loopHost}:${config.port}`);
  await shaper.loadTraces();
  const shaperServer = http.createServer((req, res) => {
    if (!shaper.handle(req, res)) {
      res.writeHead(404).end();
    }
  });
  shaperServer.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => shaperServer.listen(0, '127.0.0.1', () => resolve()));
  const shaperUrl = `http://127.0.0.1:${(shaperServer.address() as { port: number }).port}`;

  let listening = 0;
  let onAllListening: () => void = () => undefined;
  const allListening = new Promise<void>((resolve) => (onAllListening = resolve));
  // A worker that cannot listen (the port is taken) fails the start, instead of being
  // restarted forever.
  let started = false;
  let failStart: (err: Error) => void = () => undefined;
  const startFailed = new Promise<never>((_resolve, reject) => (failStart = reject));
  startFailed.catch(() => undefined); // handled by the race below; not unhandled if the start fails elsewhere first

  function fork(): Worker {
    const w = cluster.fork({ DASHLAB_SHAPER_URL: shaperUrl });
    workers.add(w);
    w.on('message', async (m: WorkerMessage) => {
      if (m?.t === 'listening' && ++listening === config.workers) onAllListening();
      if (m?.t === 'failed' && !started) failStart(new Error(m.error));
      if (m?.t === 'reloaded') pendingAcks.get(m.ackId)?.();
      if (m?.t !== 'request') return;
      const reply = (ok: boolean, value?: unknown, error?: string, status?: number) => send(w, { t: 'reply', reqId: m.reqId, ok, value, error, status });
      try {
        if (m.body.t === 'enqueue') reply(true, await jobs.enqueue(m.body.input));
        else if (m.body.t === 'retry') reply(true, await jobs.retry(m.body.id));
        else if (m.body.t === 'cancel') reply(true, await jobs.cancel(m.body.id));
        else if (m.body.t === 'jobs') reply(true, jobs.list());
        else if (m.body.t === 'metrics') reply(true, `${await aggregator.clusterMetrics()}\n${await jobMetrics.registry.metrics()}`);
        else if (m.body.t === 'library-changed') {
          reply(true);
          await reloadEverywhere(m.body.id);
        }
      } catch (err) {
        reply(false, undefined, (err as Error).message, err instanceof JobRefused ? err.status : undefined);
      }
    });
    w.on('exit', (code, signal) => {
      workers.delete(w);
      if (!started) failStart(new Error(`an HTTP worker exited (${signal ?? `code ${code}`}) before it could listen`));
      else if (!closing) {
        log.error('HTTP worker died; starting another', { code, signal });
        fork();
      }
    });
    return w;
  }

  const stopAll = async () => {
    closing = true;
    await jobs.stop();
    const exits = [...workers].map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
    broadcast({ t: 'shutdown' });
    const timer = setTimeout(() => workers.forEach((w) => w.process.kill('SIGKILL')), 12_000);
    await Promise.all(exits);
    clearTimeout(timer);
    shaper.close();
    shaperServer.close();
    shaperServer.closeAllConnections();
  };

  for (let i = 0; i < config.workers; i++) fork();
  try {
    await jobs.recover();
    await Promise.race([allListening, startFailed]);
  } catch (err) {
    await stopAll();
    throw err;
  }
  started = true;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${config.port}`,
    jobs,
    reloadEverywhere,
    close: stopAll,
  };
}

/** A cluster worker: serve HTTP until the primary says to stop. */
export async function runWorker(config: Config, log: Logger): Promise<void> {
  const dashlab = await createDashlabServer(config, { role: 'worker', log, shaperUrl: process.env.DASHLAB_SHAPER_URL });
  try {
    await dashlab.listen();
  } catch (err) {
    // The primary says it once, for every worker, and stops.
    process.send?.({ t: 'failed', error: (err as Error).message } satisfies WorkerMessage, () => process.exit(1));
    return;
  }
  process.send?.({ t: 'listening' } satisfies WorkerMessage);
  const stop = async () => {
    await dashlab.close();
    process.exit(0);
  };
  process.on('message', (m: PrimaryMessage) => {
    if (m?.t === 'shutdown') void stop();
  });
  // The primary handles signals; a worker ignores Ctrl-C sent to the whole group.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  process.on('disconnect', () => void stop());
}
