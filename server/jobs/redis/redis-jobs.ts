/**
 * The packaging queue on Redis, as an origin sees it (REDIS_URL set): jobs are BullMQ jobs,
 * their records live in Redis (records.ts) so every origin lists every job, and every origin
 * follows them through BullMQ's events (QueueEvents), reading a record again on each event.
 * The origin may run packaging workers of its own (JOBS_CONCURRENCY; package-worker.ts).
 * Uploads stay in MEDIA_DIR/.uploads until their job ends, as in the embedded queue.
 */
import { randomUUID } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { SERVER_DIRS } from '../../config.js';
import { CANCELLED, JobRefused, type EnqueueInput, type JobRunner, type RunnerOptions } from '../job-control.js';
import { MirroredJobs } from '../record-map.js';
import { planRetry, requeued } from '../retry.js';
import { FINISHED_KEPT_MS, forgotten, removeUploads, uploadsOf, type JobRecord } from '../store.js';
import { connectRedis, redisClient } from './connection.js';
import { CHANNELS, KEYS, QUEUE_NAME, type QueuedJob } from './keys.js';
import { PackagingWorker } from './package-worker.js';
import { bullJobId, recordIdOf, RedisRecords } from './records.js';

export interface RedisJobsOptions extends RunnerOptions {
  redisUrl: string;
}

type Stored = JobRecord & { run: number };
const ended = (j?: JobRecord) => j?.state === 'done' || j?.state === 'failed';
/** How long a cancel waits for the worker holding the job to stop it. */
const CANCEL_WAIT_MS = 60_000;

export class RedisJobs extends MirroredJobs<Stored> implements JobRunner {
  private redis!: Redis;
  private sub!: Redis;
  private queue!: Queue<QueuedJob>;
  private events!: QueueEvents;
  private eventsConnection?: Redis;
  private records!: RedisRecords;
  private worker?: PackagingWorker;
  private sweeper?: NodeJS.Timeout;

  constructor(private readonly opts: RedisJobsOptions) {
    super();
  }

  async recover(): Promise<void> {
    const { redisUrl, log } = this.opts;
    this.redis = redisClient(redisUrl, log, 'origin');
    await connectRedis(this.redis, redisUrl, log);
    this.records = new RedisRecords(this.redis, this.opts.mediaDir);
    this.queue = new Queue<QueuedJob>(QUEUE_NAME, { connection: this.redis });
    // Pub/sub and BullMQ's event stream each need a connection of their own.
    this.sub = redisClient(redisUrl, log, 'origin (library changes)');
    await connectRedis(this.sub, redisUrl, log);
    await this.sub.subscribe(CHANNELS.library);
    this.sub.on('message', (_channel: string, id: string) => void Promise.resolve(this.opts.onPublished?.(id)).catch((err: Error) => log.warn('library reload failed', { id, error: err.message })));
    // After an outage, events were missed: read every record again.
    this.sub.on('ready', () => void this.loadAll().catch(() => undefined));
    this.eventsConnection = this.redis.duplicate();
    this.events = new QueueEvents(QUEUE_NAME, { connection: this.eventsConnection });
    for (const name of ['waiting', 'active', 'progress', 'completed', 'removed'] as const) this.events.on(name, ({ jobId }: { jobId: string }) => void this.refresh(recordIdOf(jobId)));
    this.events.on('failed', ({ jobId, failedReason }) => void this.onFailed(recordIdOf(jobId), failedReason));
    this.events.on('stalled', ({ jobId }) => void this.onStalled(recordIdOf(jobId)));
    await this.events.waitUntilReady();
    await this.loadAll();
    await this.sweep(true);
    this.sweeper = setInterval(() => void this.sweep(false), 3600_000);
    this.sweeper.unref();
    if (this.opts.concurrency > 0) {
      this.worker = new PackagingWorker({ redisUrl, concurrency: this.opts.concurrency, place: { kind: 'shared', mediaDir: this.opts.mediaDir }, log, learnAbrPolicy: this.opts.learnAbrPolicy, name: `${os.hostname()}:${process.pid} (origin)` });
      await this.worker.start();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.worker?.stop();
    await this.events?.close().catch(() => undefined);
    await this.queue?.close().catch(() => undefined);
    this.eventsConnection?.disconnect();
    this.sub?.disconnect();
    this.redis?.disconnect();
  }

  async announce(videoId: string): Promise<void> {
    await this.redis.publish(CHANNELS.library, videoId);
  }

  async enqueue(input: EnqueueInput): Promise<JobRecord> {
    if (path.dirname(path.resolve(input.upload)) !== path.join(this.opts.mediaDir, SERVER_DIRS.uploads)) throw new Error(`an upload must be in ${SERVER_DIRS.uploads} of the library: ${input.upload}`);
    const job: Stored = { id: randomUUID(), ...input, state: 'queued', progress: 0, createdAt: new Date().toISOString(), attempts: 0, run: 1 };
    await this.records.put(job);
    this.see(job);
    await this.addRun(job);
    return job;
  }

  async retry(id: string): Promise<JobRecord> {
    const { job, videoId } = await planRetry(id, (x) => this.records.get(x), this.opts.mediaDir, () => this.pendingVideoIds());
    const again: Stored = { ...requeued(job, videoId), run: job.run + 1 };
    await this.redis.srem(KEYS.cancelled, id);
    await this.records.put(again);
    this.see(again);
    await this.addRun(again);
    return again;
  }

  /** A run of a record as a BullMQ job (a retry is a new one); BullMQ forgets it after an hour done or a day failed, the record stays. */
  private async addRun(job: Stored): Promise<void> {
    await this.queue.add('package', { recordId: job.id }, { jobId: bullJobId(job.id, job.run), removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } });
  }

  async cancel(id: string): Promise<JobRecord> {
    const job = await this.records.get(id);
    if (!job) throw new JobRefused(404, `no job "${id}"`);
    if (ended(job)) throw new JobRefused(409, `job "${id}" is ${job.state}: only a queued or running job can be cancelled`);
    // Marked first: a worker taking it from now on ends it at once.
    await this.redis.sadd(KEYS.cancelled, id);
    if (job.state === 'queued') {
      // Removed unless a worker holds it already (BullMQ refuses to remove a locked job).
      const removed = await this.queue.getJob(bullJobId(id, job.run)).then((b) => (b ? b.remove().then(() => true) : true)).catch(() => false);
      if (removed) {
        const out: Stored = { ...job, state: 'failed', error: CANCELLED, finishedAt: new Date().toISOString(), retryable: false };
        await this.records.put(out);
        await this.refresh(id);
        return out;
      }
    }
    const done = this.waitForEnd(id, CANCEL_WAIT_MS);
    await this.redis.publish(CHANNELS.cancel, id);
    const out = await done;
    if (!out) throw new JobRefused(409, `job "${id}": no worker stopped it within ${CANCEL_WAIT_MS / 1000} s (its worker may be gone); it is marked cancelled and ends when a worker takes it`);
    return out;
  }

  private waitForEnd(id: string, ms: number): Promise<JobRecord | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined), ms);
      const onUpdate = (j: JobRecord) => j.id === id && ended(j) && finish(j);
      const finish = (j: JobRecord | undefined) => {
        clearTimeout(timer);
        this.off('update', onUpdate);
        resolve(j);
      };
      this.on('update', onUpdate);
    });
  }

  /** A record seen (written here, or read after an event): kept, told, and if it just ended, its upload dealt with. */
  private see(job: Stored): void {
    const before = this.jobs.set(job);
    this.emit('update', job);
    if (ended(job) && !ended(before) && before) {
      if (job.state === 'done' || !job.retryable) void removeUploads(job);
      const started = job.startedAt ? Date.parse(job.startedAt) : Date.parse(job.createdAt);
      this.opts.onFinished?.(job, Math.max(0, (Date.parse(job.finishedAt ?? new Date().toISOString()) - started) / 1000));
    }
  }

  private async refresh(id: string): Promise<void> {
    const job = await this.records.get(id).catch(() => undefined);
    if (!job) return;
    // A job seen done here: its video is in this origin's catalog before anyone is told (the
    // library message may still be on its way), so a page that reloads on "done" finds it.
    if (job.state === 'done' && this.jobs.get(id)?.state !== 'done') await Promise.resolve(this.opts.onPublished?.(job.videoId)).catch(() => undefined);
    this.see(job);
  }

  private async loadAll(): Promise<void> {
    for (const job of await this.records.all()) this.see(job);
  }

  /** BullMQ failed it without the worker saying why in the record: a stall too many, a worker gone. */
  private async onFailed(id: string, reason: string): Promise<void> {
    const job = await this.records.get(id).catch(() => undefined);
    if (!job) return;
    if (!ended(job)) {
      this.opts.log.warn('job failed in the queue (its worker stopped)', { job: id, reason });
      await this.records.put({ ...job, state: 'failed', error: `the packaging worker stopped during this job (${reason}); retry it`, finishedAt: new Date().toISOString(), retryable: true });
    }
    await this.refresh(id);
  }

  /** A worker stopped renewing its lock (killed, or frozen): BullMQ put the job back in the queue. */
  private async onStalled(id: string): Promise<void> {
    const job = await this.records.get(id).catch(() => undefined);
    if (job?.state === 'running') {
      this.opts.log.warn('a worker stopped during a job; it is queued again for another worker', { job: id, video: job.videoId });
      await this.records.put({ ...job, state: 'queued', progress: 0, phase: undefined, speed: undefined, etaS: undefined });
    }
    await this.refresh(id);
  }

  /**
   * Forget records finished over a day ago; delete uploads no job will read again (ended jobs,
   * retryable ones after a day) and, at start, files no record names that nothing has written
   * for ten minutes (an upload cut off; one in flight to any origin is written to all the time).
   */
  private async sweep(orphans: boolean): Promise<void> {
    for (const job of this.jobs.values()) {
      if (job.state === 'failed' && job.retryable && Date.now() - Date.parse(job.finishedAt ?? job.createdAt) > FINISHED_KEPT_MS) {
        await removeUploads(job);
        await this.records.put({ ...job, retryable: false });
      } else if (forgotten(job)) {
        await this.records.remove(job.id);
        await this.redis.srem(KEYS.cancelled, job.id);
        this.jobs.delete(job.id);
      } else if (job.state === 'done' || (job.state === 'failed' && !job.retryable)) {
        await removeUploads(job);
      }
    }
    if (!orphans) return;
    const dir = path.join(this.opts.mediaDir, SERVER_DIRS.uploads);
    const named = new Set([...this.jobs.values()].filter((j) => !ended(j) || j.retryable).flatMap((j) => uploadsOf(j).map((f) => path.basename(f))));
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (named.has(name)) continue;
      const st = await stat(path.join(dir, name)).catch(() => undefined);
      if (st?.isFile() && Date.now() - st.mtimeMs > 10 * 60_000) await rm(path.join(dir, name), { force: true });
    }
  }
}
