/**
 * A packaging worker on the Redis queue (BullMQ): in an origin (JOBS_CONCURRENCY of them, on
 * the origin's own MEDIA_DIR) or on any machine (`npm run worker`). Where it works:
 * - `shared`: it reads the upload in MEDIA_DIR/.uploads and publishes in place (the origin's
 *   own workers; workers on a MEDIA_DIR shared over NFS or EFS);
 * - `remote`: it fetches the upload from the origin, packages and verifies it in a folder of
 *   its own, and sends the package back (the origin checks it again and publishes it).
 * Either way a job is published at most once (KEYS.published), and the job's record in Redis
 * says what happens; BullMQ's progress event tells every origin to read it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { DelayedError, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import { packageVideo, PackagingError, type AbrPolicyLearner, type PackageProgress } from '../../packager/index.js';
import { CANCELLED, MAX_INTERRUPTED_ATTEMPTS } from '../job-control.js';
import { userNames, type JobRecord } from '../store.js';
import { connectRedis, redisClient } from './connection.js';
import { CHANNELS, KEYS, QUEUE_NAME, TIMINGS, type QueuedJob } from './keys.js';
import { OriginRefused, type OriginClient } from './origin-client.js';
import { RedisRecords } from './records.js';

export type WorkerPlace = { kind: 'shared'; mediaDir: string } | { kind: 'remote'; origin: OriginClient; workDir: string };

export interface PackagingWorkerOptions {
  redisUrl: string;
  concurrency: number;
  place: WorkerPlace;
  log: Logger;
  learnAbrPolicy?: AbrPolicyLearner;
  /** This worker in logs (host and pid by default). */
  name: string;
}

/** Progress written to Redis at most this often (phase changes at once). */
const PROGRESS_EVERY_MS = 500;

type Running = JobRecord & { run: number };

export class PackagingWorker {
  private redis?: Redis;
  private sub?: Redis;
  private worker?: Worker<QueuedJob>;
  private records?: RedisRecords;
  /** Record id -> the BullMQ job running it here. */
  private readonly running = new Map<string, string>();
  private stopping = false;

  constructor(private readonly opts: PackagingWorkerOptions) {}

  async start(): Promise<void> {
    const { log, redisUrl } = this.opts;
    this.redis = redisClient(redisUrl, log, 'packaging worker');
    await connectRedis(this.redis, redisUrl, log);
    this.records = new RedisRecords(this.redis, this.opts.place.kind === 'shared' ? this.opts.place.mediaDir : this.opts.place.workDir);
    // A cancel reaches every worker; the one running the job stops it.
    this.sub = redisClient(redisUrl, log, 'packaging worker (cancels)');
    await connectRedis(this.sub, redisUrl, log);
    await this.sub.subscribe(CHANNELS.cancel);
    this.sub.on('message', (_channel: string, recordId: string) => {
      const bullId = this.running.get(recordId);
      if (bullId) this.worker?.cancelJob(bullId, CANCELLED);
    });
    this.worker = new Worker<QueuedJob>(QUEUE_NAME, (job, token, signal) => this.process(job, token!, signal!), {
      connection: this.redis,
      concurrency: this.opts.concurrency,
      lockDuration: TIMINGS.lockMs,
      stalledInterval: TIMINGS.stalledCheckMs,
      maxStalledCount: TIMINGS.maxStalledCount,
      name: this.opts.name,
    });
    this.worker.on('error', (err) => log.warn('packaging worker: queue error', { error: err.message }));
  }

  /** Stop taking jobs; running ones stop and go back to the queue for another worker. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.worker?.cancelAllJobs('stopping');
    await this.worker?.close();
    this.sub?.disconnect();
    this.redis?.disconnect();
  }

  private async put(job: Running, bull: Job<QueuedJob>): Promise<void> {
    await this.records!.put(job);
    // The event every origin listens to: it reads the record again.
    await bull.updateProgress(job.progress).catch(() => undefined);
  }

  /** BullMQ's processor. Long, on purpose: one job's life from start to each way it can end. */
  private async process(bull: Job<QueuedJob>, token: string, signal: AbortSignal): Promise<void> {
    const { log } = this.opts;
    const rec = await this.records!.get(bull.data.recordId);
    // Cancelled or retried while it waited: this run has nothing to do.
    if (!rec || rec.state === 'done' || rec.state === 'failed' || `${rec.id}.${rec.run}` !== bull.id) return;
    if (await this.redis!.sismember(KEYS.cancelled, rec.id)) {
      await this.put({ ...rec, state: 'failed', error: CANCELLED, finishedAt: new Date().toISOString(), retryable: false }, bull);
      return;
    }
    let job: Running = { ...rec, state: 'running', startedAt: new Date().toISOString(), attempts: rec.attempts + 1, progress: 0, phase: 'start', speed: undefined, etaS: undefined, error: undefined, worker: this.opts.name };
    await this.put(job, bull);
    this.running.set(rec.id, bull.id!);
    log.info('job started', { job: job.id, video: job.videoId, worker: this.opts.name, attempt: job.attempts });
    let lastWrite = 0;
    const progress = (p: PackageProgress, cap = 100) => {
      const phaseChanged = p.phase !== job.phase;
      job = { ...job, progress: Math.min(cap, Math.round(p.percent * 10) / 10), phase: p.phase, speed: p.encode?.speed, etaS: p.encode && Number.isFinite(p.encode.etaS) ? Math.round(p.encode.etaS) : undefined };
      if (!phaseChanged && Date.now() - lastWrite < PROGRESS_EVERY_MS) return;
      lastWrite = Date.now();
      void this.put(job, bull).catch(() => undefined);
    };
    let claimed = false;
    let already = false;
    const claim = async () => {
      claimed = await this.records!.claimPublish(job.id, job.videoId);
      already = !claimed;
      return claimed;
    };
    try {
      if (this.opts.place.kind === 'shared') await this.packageInPlace(job, this.opts.place.mediaDir, signal, progress, claim);
      else already = !(await this.packageRemotely(job, this.opts.place, signal, progress)).published;
      job = { ...job, state: 'done', progress: 100, phase: 'done', finishedAt: new Date().toISOString(), etaS: undefined };
      await this.put(job, bull);
      log.info(already ? 'job done (published already by an earlier run)' : 'job done', { job: job.id, video: job.videoId, worker: this.opts.name });
    } catch (err) {
      if (already) {
        job = { ...job, state: 'done', progress: 100, phase: 'done', finishedAt: new Date().toISOString() };
        await this.put(job, bull);
        return;
      }
      if (claimed) await this.records!.releasePublish(job.id);
      if (signal.aborted && signal.reason === CANCELLED) {
        await this.put({ ...job, state: 'failed', error: CANCELLED, finishedAt: new Date().toISOString(), retryable: false }, bull);
        log.info('job cancelled', { job: job.id, video: job.videoId });
        throw new UnrecoverableError(CANCELLED);
      }
      if (this.stopping) {
        // This worker stops: the job goes back to the queue now, not after the lock expires.
        await this.put({ ...job, state: 'queued', progress: 0, phase: undefined, attempts: job.attempts - 1 }, bull);
        await bull.moveToWait(token);
        throw new WaitingError();
      }
      if (err instanceof PackagingError && err.code === 'interrupted' && job.attempts < MAX_INTERRUPTED_ATTEMPTS) {
        log.warn('job interrupted by a signal; queued again', { job: job.id, error: err.message });
        await this.put({ ...job, state: 'queued', progress: 0, phase: undefined }, bull);
        await bull.moveToDelayed(Date.now() + 2000, token);
        throw new DelayedError();
      }
      // Messages name the file by the name it was uploaded as.
      const message = userNames(err instanceof Error ? err.message : String(err), job, [[uploadName(job), job.originalName], ...(job.subtitles ?? []).map((s, k) => [subtitleName(k, s.originalName), s.originalName] as [string, string])]);
      const fileFault = err instanceof PackagingError && (err.code === 'input' || err.code === 'usage');
      await this.put({ ...job, state: 'failed', error: message, finishedAt: new Date().toISOString(), etaS: undefined, retryable: !fileFault }, bull);
      log.warn('job failed', { job: job.id, video: job.videoId, error: message, refusedBy: err instanceof OriginRefused ? err.status : undefined });
      // No automatic retry: a retry is the user's (as in the embedded queue), or a stall's.
      throw new UnrecoverableError(message);
    } finally {
      this.running.delete(rec.id);
    }
  }

  /** On the library's own disk: package, claim, publish in place, tell every origin. */
  private async packageInPlace(job: Running, mediaDir: string, signal: AbortSignal, progress: (p: PackageProgress) => void, claim: () => Promise<boolean>): Promise<void> {
    const subtitles = job.subtitles?.map((s) => ({ lang: s.lang, file: s.upload }));
    await packageVideo({ input: job.upload, mediaDir, id: job.videoId, title: job.title, subtitles, learnAbrPolicy: this.opts.learnAbrPolicy, signal, onProgress: (p) => progress(p), beforePublish: claim });
    await this.redis!.publish(CHANNELS.library, job.videoId);
  }

  /** Elsewhere: fetch the upload, package it here, send the package; this machine keeps nothing. */
  private async packageRemotely(job: Running, place: Extract<WorkerPlace, { kind: 'remote' }>, signal: AbortSignal, progress: (p: PackageProgress, cap?: number) => void): Promise<{ published: boolean }> {
    const dir = path.join(place.workDir, `${job.id}.${randomBytes(3).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    try {
      const input = path.join(dir, uploadName(job));
      progress({ phase: 'probe', percent: 0 });
      await place.origin.fetchUpload(job.id, input, signal);
      const subtitles = [];
      for (const [k, s] of (job.subtitles ?? []).entries()) {
        const file = path.join(dir, subtitleName(k, s.originalName));
        await place.origin.fetchUpload(job.id, file, signal, k);
        subtitles.push({ lang: s.lang, file });
      }
      const result = await packageVideo({ input, mediaDir: path.join(dir, 'library'), id: job.videoId, title: job.title, subtitles, learnAbrPolicy: this.opts.learnAbrPolicy, signal, onProgress: (p) => progress(p, 97) });
      progress({ phase: 'publish', percent: 98 });
      return await place.origin.sendPackage(job.id, job.videoId, result.dir, signal);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** A subtitle upload's name on a worker's disk: its extension is what says its format. */
const subtitleName = (k: number, originalName: string) => `subtitles-${k}${path.extname(originalName).toLowerCase().replace(/[^.a-z]/g, '')}`;

/** The upload's name on a worker's disk: its extension kept (ffprobe does not need it; people reading logs do). */
const uploadName = (job: JobRecord) => `upload${path.extname(job.originalName).replace(/[^.A-Za-z0-9]/g, '').slice(0, 8)}`;
