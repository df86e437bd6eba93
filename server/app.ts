/**
 * The composition root: builds the origin server from a Config. Media requests take a
 * bare-http fast path; everything else goes through express.
 */
import http from 'node:http';
import path from 'node:path';
import express from 'express';
import { apiRouter, publicJob } from './api/routes.js';
import { requireWriteAccess } from './api/auth.js';
import type { Config } from './config.js';
import { AggregatorRegistry } from 'prom-client';
import { request, type PrimaryMessage, type WorkerMessage } from './cluster-protocol.js';
import { JobMirror } from './jobs/mirror.js';
import type { JobsPort } from './jobs/port.js';
import { JobQueue } from './jobs/queue.js';
import { JobStore } from './jobs/store.js';
import { createLogger, type Logger } from './log.js';
import { MediaCatalog } from './media/catalog.js';
import { createMediaHandler } from './media/handler.js';
import { createMetrics } from './metrics.js';
import { sweep } from './packager/index.js';
import { jobsToShow, libraryPage } from './ui/library-page.js';
import { watchPage } from './ui/watch-page.js';
import { comparePage, type ComparePlayer } from './ui/compare-page.js';
import { profileDescriptions } from './shaper/profiles.js';
import { sendPageError } from './ui/error-page.js';
import { compareSetupPage, DEFAULT_COMPARE_NET, DEFAULT_COMPARE_PLAYERS } from './ui/compare-setup-page.js';
import { Shaper } from './shaper/shaper.js';
import { forward } from './shaper/forward.js';
import { ABR_NAMES, DEFAULT_ABR } from '../player/abr/registry.js';
import { checkSource } from '../player/engine/sources.js';
import { ensureMediaDir, REPO_ROOT } from './config.js';
import { createUploadHandler } from './uploads/route.js';
import { reportsRouter } from './reports/route.js';

export interface DashlabServer {
  server: http.Server;
  catalog: MediaCatalog;
  jobs: JobsPort;
  log: Logger;
  /** Start listening; resolves to the base URL. */
  listen(): Promise<string>;
  /** Stop accepting, finish in-flight responses, leave jobs recoverable. */
  close(): Promise<void>;
}

const routeOf = (url: string) => {
  if (url.startsWith('/media/')) return 'media';
  if (url.startsWith('/api/')) return 'api';
  if (url.startsWith('/metrics')) return 'metrics';
  if (url.startsWith('/watch')) return 'watch';
  return 'other';
};

export interface ServerOptions {
  log?: Logger;
  /**
   * 'single': one process serves HTTP and runs the job queue (tests, small setups).
   * 'worker': one of several cluster workers serving HTTP; the queue runs in the primary
   * (server/cluster.ts) and is reached over IPC.
   */
  role?: 'single' | 'worker';
  /** Workers: where the primary's shaper listens (it must see every request of a link). */
  shaperUrl?: string;
}

/** The shaper of one process: shipped traces in media/traces, uploaded ones in MEDIA_DIR/.traces. */
export function createShaper(config: Config, originUrl: () => string): Shaper {
  return new Shaper({ originUrl, tracesDir: path.join(REPO_ROOT, 'media', 'traces'), uploadDir: path.join(config.mediaDir, '.traces') });
}

export async function createDashlabServer(config: Config, opts: ServerOptions = {}): Promise<DashlabServer> {
  const log = opts.log ?? createLogger();
  const role = opts.role ?? 'single';
  await ensureMediaDir(config.mediaDir);
  if (role === 'single') {
    const swept = await sweep(config.mediaDir);
    if (swept.length) log.info('removed leftovers of interrupted packaging', { removed: swept });
  }

  const metrics = createMetrics();
  const catalog = new MediaCatalog(config.mediaDir);
  await catalog.load();
  catalog.watch();

  let jobs: JobsPort;
  let queue: JobQueue | undefined;
  if (role === 'single') {
    jobs = queue = new JobQueue({
      store: new JobStore(path.join(config.mediaDir, '.jobs'), (err) => log.warn('cannot save the job records (kept in memory, saved again when the disk has room)', { error: err.message })),
      mediaDir: config.mediaDir,
      concurrency: config.jobsConcurrency,
      log,
      onPublished: (id) => catalog.reload(id),
      onFinished: (job, seconds) => metrics.jobDuration.labels(job.state).observe(seconds),
    });
  } else {
    const mirror = new JobMirror();
    await mirror.init();
    jobs = mirror;
    // Constructing one installs prom-client's worker-side listener; then it answers the primary.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([metrics.registry]);
    process.on('message', (m: PrimaryMessage) => {
      if (m?.t !== 'reload') return;
      void catalog
        .reload(m.id)
        .catch((err: Error) => log.warn('library reload failed', { id: m.id, error: err.message }))
        .finally(() => process.send?.({ t: 'reloaded', ackId: m.ackId } satisfies WorkerMessage));
    });
  }

  const logRequests = log.enabled('info');
  const media = createMediaHandler({
    catalog,
    memoryCacheBytes: config.memoryCacheBytes,
    onResponse: (r) => metrics.request('media', r.status, r.bytes, r.notModified, r.range),
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      const route = routeOf(req.originalUrl);
      metrics.request(route, res.statusCode, Number(res.getHeader('content-length') ?? 0), res.statusCode === 304, false);
      if (logRequests) log.info('request', { method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(performance.now() - started) });
    });
    next();
  });
  const writeAccess = requireWriteAccess({ host: config.host, token: config.uploadToken });
  const upload = createUploadHandler({ mediaDir: config.mediaDir, maxUploadBytes: config.maxUploadBytes, maxConcurrentUploads: 4, jobs });
  const onLibraryChanged = role === 'worker' ? (id: string) => void request({ t: 'library-changed', id }).catch(() => undefined) : undefined;
  app.use('/api', express.json({ limit: '64kb' }), apiRouter({ catalog, jobs, mediaDir: config.mediaDir, writeAccess, upload, onLibraryChanged }));
  app.get('/metrics', async (_req, res) => {
    // In a cluster the primary gathers every worker's metrics and its own job metrics.
    const text = role === 'worker' ? String(await request({ t: 'metrics' })) : await metrics.registry.metrics();
    res.set('Content-Type', metrics.registry.contentType).send(text);
  });
  // The player's bundles (npm run build; npm start builds them).
  app.use('/assets', express.static(path.join(REPO_ROOT, 'dist', 'player'), { fallthrough: false, maxAge: 0 }));
  const watch = (req: express.Request, res: express.Response, src: string, title: string, hls?: string) => {
    const engine = String(req.query.engine ?? 'dashlab');
    const abr = String(req.query.abr ?? DEFAULT_ABR);
    if (!['dashlab', 'dashjs', 'hlsjs'].includes(engine)) return void sendPageError(req, res, 400, 'engine must be dashlab, dashjs or hlsjs');
    if (!ABR_NAMES.includes(abr)) return void sendPageError(req, res, 400, `unknown abr "${abr}"; known: ${ABR_NAMES.join(', ')}`);
    const net = typeof req.query.net === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(req.query.net) ? req.query.net : undefined;
    const link = typeof req.query.link === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(req.query.link) ? req.query.link : undefined;
    let sources: string[] | undefined;
    if (typeof req.query.sources === 'string' && req.query.sources) {
      sources = req.query.sources.split(',').map((x) => x.trim()).filter(Boolean);
      if (sources.length > 8) return void sendPageError(req, res, 400, 'sources: at most 8');
      try {
        sources.forEach(checkSource);
      } catch (err) {
        return void sendPageError(req, res, 400, `${(err as Error).message}`);
      }
      if (engine !== 'dashlab') return void sendPageError(req, res, 400, 'sources: only our player (engine=dashlab) chooses among sources');
    }
    const credentials = req.query.credentials;
    if (credentials !== undefined && credentials !== 'omit' && credentials !== 'same-origin') return void sendPageError(req, res, 400, 'credentials must be omit or same-origin');
    res.set('Cache-Control', 'no-cache').type('html').send(watchPage({ src, hls, title, abr, engine: engine as 'dashlab', abrNames: ABR_NAMES, net, link, sources, credentials, embed: req.query.embed === '1' }));
  };
  app.get('/watch/:id', (req, res) => {
    const id = String(req.params.id);
    const v = catalog.video(id);
    if (!v) {
      // Not published (yet): a link shared before its packaging ended says how that goes.
      const job = jobs.list().find((j) => j.videoId === id); // newest first
      if (job?.state === 'queued' || job?.state === 'running') {
        const how = job.state === 'queued' ? 'waiting for the packager' : `${job.phase ?? 'starting'} ${Math.round(job.progress)}%`;
        return void sendPageError(req, res, 503, `"${id}" is being packaged (${how}): this page plays it once it is ready`, { refreshS: 5 });
      }
      if (job?.state === 'failed') return void sendPageError(req, res, 404, `"${id}" was not published: its packaging failed (${job.error})`);
      return void sendPageError(req, res, 404, `no video "${id}"`);
    }
    watch(req, res, `/media/${v.id}/manifest.mpd`, v.title, `/media/${v.id}/master.m3u8`);
  });
  app.get('/watch', (req, res) => {
    const src = String(req.query.src ?? '');
    if (!/^https?:\/\//.test(src) && !src.startsWith('/')) return void sendPageError(req, res, 400, 'give the manifest as ?src=<MPD URL>');
    const hls = typeof req.query.hls === 'string' ? req.query.hls : undefined;
    watch(req, res, src, src.split('/').pop() || src, hls);
  });
  app.get('/compare', (req, res) => {
    // Anything it cannot play comes back as the setup form with the reason, never a dead end.
    const asked = { video: typeof req.query.video === 'string' ? req.query.video : undefined, players: typeof req.query.players === 'string' ? req.query.players.split(',').filter(Boolean) : undefined, net: typeof req.query.net === 'string' ? req.query.net : undefined };
    const setup = (status: number, error?: string) =>
      void res
        .status(status)
        .set('Cache-Control', 'no-cache')
        .type('html')
        .send(compareSetupPage({ videos: catalog.list().map((v) => ({ id: v.id, title: v.title })), abrNames: ABR_NAMES, defaultAbr: DEFAULT_ABR, profiles: profileDescriptions(), ...asked, error }));
    if (!asked.video || req.query.setup !== undefined) return setup(200); // ?setup: the form, filled in
    const v = catalog.video(asked.video);
    if (!v) return setup(404, `no video "${asked.video}" in the library: choose one below`);
    const players: ComparePlayer[] = [];
    for (const p of asked.players ?? DEFAULT_COMPARE_PLAYERS) {
      const [engine, abr] = p.split(':');
      if (!['dashlab', 'dashjs', 'hlsjs'].includes(engine)) return setup(400, `unknown player "${p}": use dashlab:<abr>, dashjs or hlsjs`);
      if (engine === 'dashlab' && abr && !ABR_NAMES.includes(abr)) return setup(400, `unknown abr "${abr}"; known: ${ABR_NAMES.join(', ')}`);
      players.push({ engine: engine as ComparePlayer['engine'], abr: engine === 'dashlab' ? (abr ?? DEFAULT_ABR) : undefined });
    }
    if (players.length < 2 || players.length > 6) return setup(400, `compare 2 to 6 players (${players.length} asked for)`);
    const net = asked.net ?? DEFAULT_COMPARE_NET;
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(net)) return setup(400, `"${net}" is not a link profile: use a rate (1500kbps, 2mbps-80ms), trace-<name> or a named profile`);
    res.set('Cache-Control', 'no-cache').type('html').send(comparePage({ video: v.id, title: v.title, players, net }));
  });
  app.use(reportsRouter({ catalog, mediaDir: config.mediaDir }));
  app.get('/', (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('html').send(libraryPage(catalog.list(), { tokenRequired: Boolean(config.uploadToken), jobs: jobsToShow(jobs.list().map(publicJob)) }));
  });
  app.use((req, res) => {
    sendPageError(req, res, 404, 'not found');
  });
  // Errors never crash the server or leak a stack trace.
  app.use((err: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) log.error('unhandled error', { error: err.message });
    if (!res.headersSent) res.status(status).json({ error: status === 500 ? 'internal error' : err.message });
  });

  // Shaped links: in this process when alone, in the primary when clustered.
  let selfUrl = '';
  const shaper = role === 'single' ? createShaper(config, () => selfUrl) : undefined;
  await shaper?.loadTraces();
  const shaperTarget = opts.shaperUrl ? new URL(opts.shaperUrl) : undefined;
  const isShaped = (url: string) => url.startsWith('/net/') || url.startsWith('/api/links') || url.startsWith('/api/traces');

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/media/')) media(req, res);
    else if (shaper && shaper.handle(req, res)) return;
    else if (shaperTarget && isShaped(url)) forward(req, res, shaperTarget);
    else app(req, res);
  });
  // Uploads of several GiB take longer than Node's 5-minute default for a whole request.
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
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err) => reject(listenError(err, config)));
        server.listen(config.port, config.host, () => resolve());
      });
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      // The shaper's inner requests go to loopback whatever the public address.
      selfUrl = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : host}:${port}`;
      return `http://${host}:${port}`;
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await queue?.stop();
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

/** Why the server cannot listen, said with what to change (PORT, HOST). */
export function listenError(err: NodeJS.ErrnoException, config: Pick<Config, 'host' | 'port'>): Error {
  const at = `${config.host}:${config.port}`;
  if (err.code === 'EADDRINUSE') return new Error(`port ${config.port} on ${config.host} is already in use (another server, or another dashlab): stop it, or choose another port with PORT=`);
  if (err.code === 'EACCES') return new Error(`not allowed to listen on ${at} (ports below 1024 need privileges): choose another port with PORT=`);
  if (err.code === 'EADDRNOTAVAIL') return new Error(`${config.host} is not an address of this machine: set HOST (127.0.0.1, or 0.0.0.0 for every interface)`);
  return new Error(`cannot listen on ${at}: ${err.message}`);
}
