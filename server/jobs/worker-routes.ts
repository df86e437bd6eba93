/**
 * The routes `npm run worker` on another machine uses (REDIS_URL and WORKER_TOKEN set):
 *   GET /api/worker/health                      the origin is there and takes the token
 *   GET /api/worker/jobs/:id/upload             the upload of a queued or running job
 *   PUT /api/worker/jobs/:id/package?video=ID   the finished package, a tar stream: checked
 *                                               again here and published atomically, once
 * Every one needs `Authorization: Bearer <WORKER_TOKEN>` (401 otherwise, and nothing changes)
 * and is refused through a CDN edge (viewers' side; the edge marks what it forwards). The
 * token is compared in constant time and never logged.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { PackagingError } from '../packager/index.js';
import { receivePackage } from '../packager/receive.js';
import type { WorkerDesk } from './redis/worker-desk.js';
import type { JobRecord } from './store.js';

/** The header deploy/nginx/dashlab-edge.conf adds to what it forwards: a viewer's request. */
export const EDGE_HEADER = 'x-dashlab-edge';

const digest = (s: string) => createHash('sha256').update(s).digest();

function guard(config: Pick<Config, 'workerToken' | 'redisUrl'>) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.headers[EDGE_HEADER] !== undefined) return void res.status(403).json({ error: 'the worker routes are not served through an edge: workers reach the origin directly' });
    if (!config.redisUrl) return void res.status(404).json({ error: 'this origin has no Redis queue (start it with REDIS_URL=redis://host:port): there is nothing for workers to take' });
    if (!config.workerToken) return void res.status(403).json({ error: 'the worker routes are off: start the origin with WORKER_TOKEN=<a long secret>, and the workers with the same' });
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    // Hashes of equal length: the comparison takes the same time whatever was sent.
    if (!m || !timingSafeEqual(digest(m[1].trim()), digest(config.workerToken))) {
      return void res.status(401).set('WWW-Authenticate', 'Bearer realm="dashlab-worker"').json({ error: 'missing or wrong worker token: send "Authorization: Bearer <WORKER_TOKEN>"' });
    }
    next();
  };
}

export function workerRoutes(o: { config: Pick<Config, 'workerToken' | 'redisUrl' | 'mediaDir' | 'maxUploadBytes'>; desk?: WorkerDesk; log: Logger }): Router {
  const r = Router();
  r.use('/api/worker', guard(o.config));
  r.get('/api/worker/health', (_req, res) => void res.json({ ok: true }));

  // The video, or one of the subtitle files uploaded with it.
  const sendUpload = async (req: Request, res: Response, pick: (job: JobRecord) => string | undefined) => {
    const job = await o.desk!.job(String(req.params.id));
    if (!job) return void res.status(404).json({ error: `no job "${req.params.id}"` });
    if (job.state !== 'queued' && job.state !== 'running') return void res.status(409).json({ error: `job "${job.id}" is ${job.state}: its upload is not to be packaged` });
    const file = pick(job);
    if (!file) return void res.status(404).json({ error: `job "${job.id}" has no such subtitle file` });
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) return void res.status(410).json({ error: `the upload of job "${job.id}" is gone` });
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': st.size, 'Cache-Control': 'no-store' });
    await pipeline(createReadStream(file), res).catch(() => undefined);
  };
  r.get('/api/worker/jobs/:id/upload', (req, res) => sendUpload(req, res, (job) => job.upload));
  r.get('/api/worker/jobs/:id/subtitles/:k', (req, res) => sendUpload(req, res, (job) => (/^\d{1,2}$/.test(String(req.params.k)) ? job.subtitles?.[Number(req.params.k)]?.upload : undefined)));

  r.put('/api/worker/jobs/:id/package', async (req, res) => {
    const id = String(req.params.id);
    const job = await o.desk!.job(id);
    if (!job) return void res.status(404).json({ error: `no job "${id}"` });
    if (req.query.video !== job.videoId) return void res.status(409).json({ error: `job "${id}" packages "${job.videoId}", not "${String(req.query.video)}"` });
    if (job.state !== 'running') return void res.status(409).json({ error: `job "${id}" is ${job.state}: a package is taken only for a running job` });
    try {
      // A package is a few times its upload at most: the ladder's renditions of the same length.
      const result = await receivePackage({ mediaDir: o.config.mediaDir, videoId: job.videoId, body: req, maxBytes: Math.max(4 * o.config.maxUploadBytes, 1024 ** 3), claim: () => o.desk!.claim(id, job.videoId), release: () => o.desk!.release(id) });
      if (result.published) await o.desk!.announce(job.videoId);
      o.log.info(result.published ? 'published a package sent by a worker' : 'a worker sent a package already published; discarded', { job: id, video: job.videoId });
      res.json({ published: result.published, videoId: job.videoId });
    } catch (err) {
      const e = err as Error;
      const status = err instanceof PackagingError ? (err.code === 'disk-full' ? 507 : err.code === 'usage' && /larger/.test(e.message) ? 413 : 422) : 500;
      o.log.warn('refused a package sent by a worker', { job: id, video: job.videoId, error: e.message });
      if (!res.headersSent) res.status(status).json({ error: e.message });
    }
  });
  return r;
}
