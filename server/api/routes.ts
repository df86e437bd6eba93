/** JSON API: the library and the packaging jobs (DESIGN.md, HTTP). */
import { Router, type Request, type Response } from 'express';
import { removeVideo } from '../packager/index.js';
import { JobRefused, type JobControl } from '../jobs/job-control.js';
import type { JobRecord } from '../jobs/store.js';
import { publicJob } from '../jobs/public-job.js';
import type { MediaCatalog } from '../media/catalog.js';

export interface ApiOptions {
  catalog: MediaCatalog;
  jobs: JobControl;
  mediaDir: string;
  writeAccess: (req: Request, res: Response, next: () => void) => void;
  upload: (req: Request, res: Response) => Promise<void>;
  /** After a delete: tell the other processes serving this library. */
  onLibraryChanged?: (id: string) => void;
}

/** Start a server-sent event stream kept alive by pings; returns what ends it (`stop`, then the pings). */
function sse(res: Response, stop: () => void): () => void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  return () => {
    clearInterval(ping);
    stop();
  };
}

/** The library (videos: list, one, upload, delete) and, below, the jobs. */
export function apiRouter(opts: ApiOptions): Router {
  const r = Router();
  const withUrls = (id: string) => ({
    manifestUrl: `/media/${id}/manifest.mpd`,
    hlsUrl: `/media/${id}/master.m3u8`,
    posterUrl: `/media/${id}/poster.jpg`,
    watchUrl: `/watch/${id}`,
  });

  r.get('/videos', (_req, res) => {
    res.json(opts.catalog.list().map((v) => ({ ...v, ...withUrls(v.id) })));
  });

  r.get('/videos/:id', (req, res) => {
    const v = opts.catalog.video(req.params.id);
    if (!v) return void res.status(404).json({ error: `no video "${req.params.id}"` });
    res.json({ ...v, ...withUrls(v.id) });
  });

  r.post('/videos', opts.writeAccess, (req, res) => opts.upload(req, res)); // express 5 answers a rejection with 500

  r.delete('/videos/:id', opts.writeAccess, async (req, res) => {
    const id = String(req.params.id);
    if (!opts.catalog.video(id)) return void res.status(404).json({ error: `no video "${id}"` });
    if (opts.jobs.pendingVideoIds().has(id)) return void res.status(409).json({ error: `"${id}" is being packaged; delete it when the job ends` });
    await removeVideo(opts.mediaDir, id);
    await opts.catalog.reload(id);
    opts.onLibraryChanged?.(id);
    res.status(204).end();
  });

  jobRoutes(r, opts);
  r.use((_req, res) => {
    res.status(404).json({ error: 'no such API route' });
  });
  return r;
}

/** The packaging jobs: list, follow (server-sent events), retry, cancel. */
function jobRoutes(r: Router, opts: ApiOptions): void {
  r.get('/jobs', (_req, res) => {
    res.json(opts.jobs.list().map(publicJob));
  });

  // Every job's changes as server-sent events ('job'): one stream for a page that follows many
  // jobs (a browser opens at most six connections to a host; a stream per job would take them all).
  r.get('/jobs/events', (req, res) => {
    const cleanup = sse(res, () => opts.jobs.off('update', onUpdate));
    const onUpdate = (job: JobRecord) => res.write(`event: job\ndata: ${JSON.stringify(publicJob(job))}\n\n`);
    opts.jobs.on('update', onUpdate);
    req.on('close', cleanup);
  });

  r.get('/jobs/:id', (req, res) => {
    const j = opts.jobs.get(req.params.id);
    if (!j) return void res.status(404).json({ error: `no job "${req.params.id}"` });
    res.json(publicJob(j));
  });

  const refusable = (work: (id: string) => Promise<JobRecord>, status: number) => async (req: Request, res: Response) => {
    try {
      res.status(status).json(publicJob(await work(String(req.params.id))));
    } catch (err) {
      if (!(err instanceof JobRefused)) throw err;
      res.status(err.status).json({ error: err.message });
    }
  };
  // A failed job whose upload was kept (the failure was not the file's): queue it again.
  r.post('/jobs/:id/retry', opts.writeAccess, refusable((id) => opts.jobs.retry(id), 202));
  // Stop a queued or running job; answered once it has ended (as failed, or done if it was published first).
  r.delete('/jobs/:id', opts.writeAccess, refusable((id) => opts.jobs.cancel(id), 200));

  // Server-sent events: the job's state now, then every change until it is done or failed.
  r.get('/jobs/:id/events', (req, res) => {
    const id = String(req.params.id);
    const j = opts.jobs.get(id);
    if (!j) return void res.status(404).json({ error: `no job "${id}"` });
    const cleanup = sse(res, () => opts.jobs.off('update', onUpdate));
    const send = (job: JobRecord) => {
      res.write(`event: ${job.state === 'done' || job.state === 'failed' ? job.state : 'progress'}\ndata: ${JSON.stringify(publicJob(job))}\n\n`);
      if (job.state === 'done' || job.state === 'failed') {
        cleanup();
        res.end();
      }
    };
    const onUpdate = (job: JobRecord) => job.id === id && send(job);
    opts.jobs.on('update', onUpdate);
    req.on('close', cleanup);
    send(j);
  });
}
