/**
 * Cluster mode: one HTTP worker per core sharing the port (Node's own round-robin), and a
 * primary that owns the packaging job queue and the shaper. One Node process tops out near
 * 30,000 small responses a second here; the 304s and manifest GETs a CDN sends need both cores.
 * This file is the primary's composition root.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { AggregatorRegistry } from 'prom-client';
import { createShaper, loopbackHost, bracketed } from '../app.js';
import { ensureMediaDir, type Config } from '../config.js';
import { createJobRunner, JobRefused, type JobRunner } from '../jobs/index.js';
import type { Logger } from '../log.js';
import { createJobMetrics } from '../metrics.js';
import { sweep } from '../packager/index.js';
import type { Shaper } from '../shaper/shaper.js';
import { SHAPER_ENV, type PrimaryMessage, type WorkerMessage, type WorkerRequest } from './protocol.js';

export interface Primary {
  url: string;
  jobs: JobRunner;
  /** Make every worker reload one video (after publishing or deleting it), and wait for them. */
  reloadEverywhere(id: string): Promise<void>;
  close(): Promise<void>;
}

/** The HTTP workers: forked, restarted when one dies after the start, told to reload or stop. */
class Workers {
  readonly all = new Set<Worker>();
  private readonly pendingAcks = new Map<string, () => void>();
  private ackSeq = 0;

  send(w: Worker, m: PrimaryMessage): void {
    if (w.isConnected()) w.send(m);
  }

  broadcast(m: PrimaryMessage): void {
    this.all.forEach((w) => this.send(w, m));
  }

  acknowledged(ackId: string): void {
    this.pendingAcks.get(ackId)?.();
  }

  /** Every worker reloads one video; each gets 5 s to say it has. */
  reloadEverywhere(id: string): Promise<void> {
    const one = (w: Worker) =>
      new Promise<void>((resolve) => {
        const ackId = `${++this.ackSeq}`;
        const timer = setTimeout(() => {
          this.pendingAcks.delete(ackId);
          resolve();
        }, 5000);
        this.pendingAcks.set(ackId, () => {
          this.pendingAcks.delete(ackId);
          clearTimeout(timer);
          resolve();
        });
        this.send(w, { t: 'reload', id, ackId });
      });
    return Promise.all([...this.all].map(one)).then(() => undefined);
  }

  /** Stop them all (12 s to finish their responses, then SIGKILL). */
  async stop(): Promise<void> {
    const exits = [...this.all].map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
    this.broadcast({ t: 'shutdown' });
    const timer = setTimeout(() => this.all.forEach((w) => w.process.kill('SIGKILL')), 12_000);
    await Promise.all(exits);
    clearTimeout(timer);
  }
}

/** What a worker asks of the primary, answered from the job queue and the cluster's metrics. */
async function answer(body: WorkerRequest, jobs: JobRunner, metrics: () => Promise<string>): Promise<unknown> {
  switch (body.t) {
    case 'enqueue':
      return jobs.enqueue(body.input);
    case 'retry':
      return jobs.retry(body.id);
    case 'cancel':
      return jobs.cancel(body.id);
    case 'jobs':
      return jobs.list();
    case 'metrics':
      return metrics();
    case 'library-changed':
      // Embedded: every worker reloads; on Redis: every origin's every worker.
      void jobs.announce(body.id).catch(() => undefined);
      return undefined;
  }
}

/** The shaper on a private loopback port: every request of a link, whichever worker took the connection, is paced by the same bucket. */
async function startShaper(config: Config, secret: string): Promise<{ shaper: Shaper; url: string; close(): void }> {
  const shaper = createShaper(config, () => `http://${loopbackHost(config.host)}:${config.port}`);
  await shaper.loadTraces();
  const server = http.createServer((req, res) => shaper.handle(req, res, { forwardedBy: secret }));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    shaper,
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close() {
      shaper.close();
      server.close();
      server.closeAllConnections();
    },
  };
}

/** A promise with its resolve and reject in hand (Promise.withResolvers, which Node 20 lacks). */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // handled where it is awaited; not unhandled if the start fails first
  return { promise, resolve, reject };
}

export async function runPrimary(config: Config, log: Logger): Promise<Primary> {
  await ensureMediaDir(config.mediaDir);
  const swept = await sweep(config.mediaDir);
  if (swept.length) log.info('removed leftovers of interrupted packaging', { removed: swept });
  const jobMetrics = createJobMetrics();
  const aggregator = new AggregatorRegistry();
  const workers = new Workers();
  const reloadEverywhere = (id: string) => workers.reloadEverywhere(id);
  const jobs = createJobRunner(config, log, { onPublished: reloadEverywhere, onFinished: (job, s) => jobMetrics.jobDuration.labels(job.state).observe(s) });
  jobs.on('update', (job) => workers.broadcast({ t: 'job', job }));
  const metrics = async () => `${await aggregator.clusterMetrics()}\n${await jobMetrics.registry.metrics()}`;
  const secret = randomBytes(16).toString('hex');
  const shaper = await startShaper(config, secret);

  let closing = false;
  let started = false;
  let listening = 0;
  // A worker that cannot listen (the port is taken) fails the start, instead of being restarted forever.
  const start = deferred();
  const fork = (): Worker => {
    const w = cluster.fork({ [SHAPER_ENV.url]: shaper.url, [SHAPER_ENV.secret]: secret });
    workers.all.add(w);
    w.on('message', async (m: WorkerMessage) => {
      if (m?.t === 'listening' && ++listening === config.workers) start.resolve();
      if (m?.t === 'failed' && !started) start.reject(new Error(m.error));
      if (m?.t === 'reloaded') workers.acknowledged(m.ackId);
      if (m?.t !== 'request') return;
      const reply = (ok: boolean, value?: unknown, error?: string, status?: number) => workers.send(w, { t: 'reply', reqId: m.reqId, ok, value, error, status });
      try {
        reply(true, await answer(m.body, jobs, metrics));
      } catch (err) {
        reply(false, undefined, (err as Error).message, err instanceof JobRefused ? err.status : undefined);
      }
    });
    w.on('exit', (code, signal) => {
      workers.all.delete(w);
      if (!started) start.reject(new Error(`an HTTP worker exited (${signal ?? `code ${code}`}) before it could listen`));
      else if (!closing) {
        log.error('HTTP worker died; starting another', { code, signal });
        fork();
      }
    });
    return w;
  };
  const stopAll = async () => {
    closing = true;
    await jobs.stop();
    await workers.stop();
    shaper.close();
  };

  for (let i = 0; i < config.workers; i++) fork();
  try {
    await jobs.recover();
    await start.promise;
  } catch (err) {
    await stopAll();
    throw err;
  }
  started = true;
  return { url: `http://${bracketed(config.host)}:${config.port}`, jobs, reloadEverywhere, close: stopAll };
}
