/**
 * The composition root of an origin process: builds the server from a Config. Alone (npm
 * start with WORKERS=1, the tests) it runs the job queue and the shaper itself; as a cluster
 * worker (server/cluster/worker.ts) it is given the primary's instead.
 */
import http from 'node:http';
import type express from 'express';
import path from 'node:path';
import { TRACES_DIR } from '../lab/paths.js';
import { writeRefusal } from './api/auth.js';
import { clientAddress } from './client-address.js';
import { ensureMediaDir, SERVER_DIRS, type Config } from './config.js';
import { createJobRunner } from './jobs/index.js';
import type { JobControl, JobRunner } from './jobs/job-control.js';
import { WorkerDesk } from './jobs/redis/worker-desk.js';
import { createLogger, type Logger } from './log.js';
import { MediaCatalog } from './media/catalog.js';
import { createMediaHandler, type ResponseInfo } from './media/handler.js';
import { createMetrics, type Metrics } from './metrics.js';
import { sweep } from './packager/index.js';
import { dispatch, expressApp } from './routes.js';
import { Channels } from './live/channels.js';
import { createLiveHandler } from './live/serve.js';
import { forward } from './shaper/forward.js';
import { Shaper } from './shaper/shaper.js';

export interface Origin {
  server: http.Server;
  catalog: MediaCatalog;
  jobs: JobControl;
  log: Logger;
  /** Start listening; resolves to the base URL. */
  listen(): Promise<string>;
  /** Stop accepting, finish in-flight responses, leave jobs recoverable. */
  close(): Promise<void>;
}

/** What a cluster worker uses of its primary: the job queue, the shaper, the cluster's metrics. */
export interface PrimaryLink {
  jobs: JobControl;
  shaperUrl: URL;
  /** Shown with the client address a request is forwarded with, so the shaper believes it. */
  shaperSecret: string;
  metricsText(): Promise<string>;
  /** A video deleted here: the other workers reload it. */
  libraryChanged(id: string): void;
}

/** What a CDN tier (server/cdn, composed by npm run cdn) adds to an origin. */
export interface OriginExtension {
  /** Sees every media request first; answers some itself (CDN-mode manifests), passes the rest on. */
  wrapMedia(next: http.RequestListener, catalog: MediaCatalog): http.RequestListener;
  /** Every media response, with its request. */
  onMediaResponse(info: ResponseInfo, req: http.IncomingMessage): void;
  /** More Prometheus text for /metrics. */
  metricsText(): string;
  /** Routes (API and pages) mounted before the API's and the pages'. */
  routes: express.Router;
}

export interface OriginOptions {
  log?: Logger;
  extension?: OriginExtension;
  /** Cluster workers: connect to the primary (given this process's catalog and metrics, which it keeps current). */
  primary?: (o: { catalog: MediaCatalog; metrics: Metrics; log: Logger }) => Promise<PrimaryLink>;
}

/** The shaper of one process: shipped traces in media/traces, uploaded ones in MEDIA_DIR/.traces. */
export function createShaper(config: Config, originUrl: () => string): Shaper {
  return new Shaper({
    originUrl,
    tracesDir: TRACES_DIR,
    uploadDir: path.join(config.mediaDir, SERVER_DIRS.traces),
    trustProxies: config.trustProxies,
    writeRefusal: (req) => writeRefusal(req, { host: config.host, token: config.uploadToken }),
  });
}

/** The origin's composition root: every part built and wired in one place (hence its length), in the order they depend on each other. */
export async function createOrigin(config: Config, opts: OriginOptions = {}): Promise<Origin> {
  const log = opts.log ?? createLogger();
  await ensureMediaDir(config.mediaDir);
  if (!opts.primary) {
    const swept = await sweep(config.mediaDir);
    if (swept.length) log.info('removed leftovers of interrupted packaging', { removed: swept });
  }
  const metrics = createMetrics();
  const catalog = new MediaCatalog(config.mediaDir);
  await catalog.load();
  catalog.watch();
  const primary = await opts.primary?.({ catalog, metrics, log });
  const queue: JobRunner | undefined = primary
    ? undefined
    : createJobRunner(config, log, { onPublished: (id) => catalog.reload(id), onFinished: (job, s) => metrics.jobDuration.labels(job.state).observe(s) });
  const jobs = primary?.jobs ?? queue!;
  // On Redis, workers on other machines fetch uploads and send packages through this process.
  const desk = config.redisUrl ? new WorkerDesk(config.redisUrl, config.mediaDir, log) : undefined;

  // Shaped links: in this process when alone, in the primary when clustered.
  let selfUrl = '';
  const shaper = primary ? undefined : createShaper(config, () => selfUrl);
  await shaper?.loadTraces();
  const ext = opts.extension;
  const plainMedia = createMediaHandler({
    catalog,
    memoryCacheBytes: config.memoryCacheBytes,
    onResponse: (r, req) => {
      metrics.request('media', r.status, r.bytes, r.notModified, r.range);
      ext?.onMediaResponse(r, req);
    },
  });
  const media = ext ? ext.wrapMedia(plainMedia, catalog) : plainMedia;
  const channels = new Channels(config.mediaDir, (line) => log.info(line), config.liveWindowS);
  const liveHandler = createLiveHandler(config.mediaDir);
  const live: http.RequestListener = (req, res) => {
    res.on('finish', () => metrics.request('live', res.statusCode, Number(res.getHeader('content-length') ?? 0), res.statusCode === 304, false));
    void liveHandler(req, res);
  };
  const app = expressApp({
    config,
    log,
    metrics,
    catalog,
    jobs,
    metricsText: primary ? () => primary.metricsText() : async () => `${await metrics.registry.metrics()}${ext ? ext.metricsText() : ''}`,
    onLibraryChanged: primary ? (id) => primary.libraryChanged(id) : (id) => void queue!.announce(id).catch((err: Error) => log.warn('cannot tell the other origins of a change', { id, error: err.message })),
    routes: ext?.routes,
    desk,
    channels,
  });
  const server = http.createServer(dispatch({ media, live, shaped: shaper ? (req, res) => shaper.handle(req, res) : (req, res) => forward(req, res, primary!.shaperUrl, { client: clientAddress(req.socket.remoteAddress, req.headers, config.trustProxies), secret: primary!.shaperSecret }), app }));
  // Uploads of several GiB take longer than Node's 5-minute default for a whole request;
  // a body that stops arriving is cut off by the upload route's own idle timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;

  let closing: Promise<void> | undefined;
  return {
    server,
    catalog,
    jobs,
    log,
    async listen() {
      await queue?.recover();
      await desk?.connect();
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err) => reject(listenError(err, config)));
        server.listen(config.port, config.host, () => resolve());
      });
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      // The shaper's inner requests go to loopback whatever the public address.
      selfUrl = `http://${loopbackHost(config.host)}:${port}`;
      return `http://${bracketed(config.host)}:${port}`;
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await channels.stopAll();
        await queue?.stop();
        desk?.close();
        catalog.close();
        shaper?.close();
        // In-flight responses get 10 s to finish.
        const timer = setTimeout(() => server.closeAllConnections(), 10_000);
        await stopped;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}

/** An IPv6 address in a URL. */
export const bracketed = (host: string) => (host.includes(':') ? `[${host}]` : host);

/** Where this machine reaches a server bound to `host`: loopback for the wildcard addresses. */
export const loopbackHost = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : bracketed(host));

/** Why the server cannot listen, said with what to change (PORT, HOST). */
export function listenError(err: NodeJS.ErrnoException, config: Pick<Config, 'host' | 'port'>): Error {
  const at = `${config.host}:${config.port}`;
  if (err.code === 'EADDRINUSE') return new Error(`port ${config.port} on ${config.host} is already in use (another server, or another dashlab): stop it, or choose another port with PORT=`);
  if (err.code === 'EACCES') return new Error(`not allowed to listen on ${at} (ports below 1024 need privileges): choose another port with PORT=`);
  if (err.code === 'EADDRNOTAVAIL') return new Error(`${config.host} is not an address of this machine: set HOST (127.0.0.1, or 0.0.0.0 for every interface)`);
  return new Error(`cannot listen on ${at}: ${err.message}`);
}
