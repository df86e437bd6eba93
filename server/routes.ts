/**
 * Every route of the origin, in one table. Media (the hot path) and shaped links are served on
 * Node's bare http, for speed and for pacing to the millisecond; everything else goes through
 * one express app: the API, the pages, the ABR lab, the player's assets, metrics.
 */
import type http from 'node:http';
import path from 'node:path';
import express from 'express';
import { REPO_ROOT, type Config } from './config.js';
import { apiRouter } from './api/routes.js';
import { requireWriteAccess } from './api/auth.js';
import type { JobControl } from './jobs/job-control.js';
import type { Logger } from './log.js';
import type { MediaCatalog } from './media/catalog.js';
import type { Metrics } from './metrics.js';
import { sendPageError } from './pages/error-page.js';
import { pageRoutes } from './pages/routes.js';
import { reportsRouter } from './reports/routes.js';
import { createUploadHandler } from './uploads/route.js';
import type { WorkerDesk } from './jobs/redis/worker-desk.js';
import { workerRoutes } from './jobs/worker-routes.js';
import type { Channels } from './live/channels.js';
import { channelRoutes } from './live/routes.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A path at or under `prefix` (`/api/links` and `/api/links/x`, not `/api/linksx`). */
const under = (url: string, prefix: string) => url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`);

/** The routes served without express: the media fast path, and the shaper's links and traces (here, or forwarded to the process that paces them). */
export function dispatch(o: { media: Handler; shaped: Handler; live: Handler; app: Handler }): Handler {
  const table: Array<[string, Handler]> = [
    ['/media', o.media],
    ['/live', o.live],
    ['/api/time', o.live],
    ['/net', o.shaped],
    ['/api/links', o.shaped],
    ['/api/traces', o.shaped],
  ];
  return (req, res) => {
    let url = req.url ?? '/';
    // The absolute form of a request line (GET http://host/path HTTP/1.1, which proxies may
    // send and servers must accept): served as its path, as nginx does.
    if (/^https?:\/\//i.test(url)) {
      try {
        const u = new URL(url);
        req.url = url = `${u.pathname}${u.search}`;
      } catch {
        res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('bad request: malformed request target\n');
        return;
      }
    }
    for (const [prefix, handler] of table) if (under(url, prefix)) return handler(req, res);
    o.app(req, res);
  };
}

/** Metrics' name for a request's route. */
export const routeOf = (url: string) => (url.startsWith('/media/') ? 'media' : url.startsWith('/live/') ? 'live' : url.startsWith('/api/') ? 'api' : url.startsWith('/metrics') ? 'metrics' : url.startsWith('/watch') ? 'watch' : 'other');

export interface AppDeps {
  config: Config;
  log: Logger;
  metrics: Metrics;
  catalog: MediaCatalog;
  jobs: JobControl;
  /** The Prometheus text: this process's, or the whole cluster's. */
  metricsText: () => Promise<string>;
  /** After a delete: tell the other processes serving this library. */
  onLibraryChanged?: (id: string) => void;
  /** More routes (the CDN tier's), before the API's and the pages'. */
  routes?: express.Router;
  /** Redis for the worker routes (REDIS_URL set); without it they answer 404. */
  desk?: WorkerDesk;
  /** The live channels this process starts and stops. */
  channels: Channels;
}

export function expressApp(d: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const logRequests = d.log.enabled('info');
  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      d.metrics.request(routeOf(req.originalUrl), res.statusCode, Number(res.getHeader('content-length') ?? 0), res.statusCode === 304, false);
      if (logRequests) d.log.info('request', { method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(performance.now() - started) });
    });
    next();
  });
  const writeAccess = requireWriteAccess({ host: d.config.host, token: d.config.uploadToken });
  const upload = createUploadHandler({ mediaDir: d.config.mediaDir, maxUploadBytes: d.config.maxUploadBytes, maxConcurrentUploads: 4, idleMs: d.config.uploadIdleMs, trustProxies: d.config.trustProxies, jobs: d.jobs });
  if (d.routes) app.use(d.routes);
  app.use(workerRoutes({ config: d.config, desk: d.desk, log: d.log }));
  app.use(channelRoutes(d.channels, writeAccess));
  app.use('/api', express.json({ limit: '64kb' }), apiRouter({ catalog: d.catalog, jobs: d.jobs, mediaDir: d.config.mediaDir, writeAccess, upload, onLibraryChanged: d.onLibraryChanged }));
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', d.metrics.registry.contentType).send(await d.metricsText());
  });
  // The player's bundles (npm run build; npm start builds them).
  app.use('/assets', express.static(path.join(REPO_ROOT, 'dist', 'player'), { fallthrough: false, maxAge: 0 }));
  app.use(pageRoutes({ catalog: d.catalog, jobs: d.jobs, tokenRequired: Boolean(d.config.uploadToken), mediaDir: d.config.mediaDir }));
  app.use(reportsRouter({ catalog: d.catalog, mediaDir: d.config.mediaDir }));
  app.use((req, res) => sendPageError(req, res, 404, 'not found'));
  // Errors never crash the server or leak a stack trace.
  app.use((err: Error & { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) d.log.error('unhandled error', { error: err.message });
    if (!res.headersSent) res.status(status).json({ error: status === 500 ? 'internal error' : err.message });
  });
  return app;
}
