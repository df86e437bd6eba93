/**
 * The packaging job queue: runs the packager on uploads, JOBS_CONCURRENCY at a time, with
 * progress as events. Records persist in a JobStore; at start, jobs a crash interrupted are
 * queued again (once; a second interruption fails them), their uploads having been kept.
 * A job that fails for a reason not the file's (a full disk, a missing tool) keeps its upload
 * for a day and can be retried; one the file made fail (damaged, not a video) deletes it.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { SERVER_DIRS } from '../config.js';
import { packageVideo, PackagingError } from '../packager/index.js';
import { CANCELLED, JobRefused, MAX_INTERRUPTED_ATTEMPTS, type EnqueueInput, type JobRunner, type RunnerOptions } from './job-control.js';
import { planRetry, requeued } from './retry.js';
import { FINISHED_KEPT_MS, JobStore, removeUploads, uploadsOf, userNames, type JobRecord } from './store.js';

export interface JobQueueOptions extends RunnerOptions {
  store: JobStore;
}

const MAX_ATTEMPTS = 2;
const INTERRUPTED_PAUSE_MS = 2000;
/** Failures that are the file's: retrying cannot help, so the upload goes. */
const fileFault = (err: unknown) => err instanceof PackagingError && (err.code === 'input' || err.code === 'usage');

export class JobQueue extends EventEmitter implements JobRunner {
  private running = new Map<string, AbortController>();
  /** Running jobs the user cancelled: they end failed, and their upload goes. */
  private cancelling = new Set<string>();
  private stopping = false;
  /** Jobs queued again after a signal stopped their tools: not run before this time (ms). */
  private readonly resting = new Map<string, number>();
  private readonly startedAt = Date.now();
  private sweeper?: NodeJS.Timeout;

  constructor(private readonly opts: JobQueueOptions) {
    super();
    this.setMaxListeners(0);
  }

  /** Requeue what a crash left running; fail what cannot run. Then start working. */
  async recover(): Promise<void> {
    for (const job of this.opts.store.all()) {
      if (job.state !== 'running' && job.state !== 'queued') continue;
      const hasUpload = await stat(job.upload).then(() => true, () => false);
      if (!hasUpload) {
        this.finish(job, 'failed', 'the server stopped during this job and its upload is gone; upload the file again');
      } else if (job.state === 'running' && job.attempts >= MAX_ATTEMPTS) {
        // Perhaps the file (a crash it causes), perhaps the machine: the user may retry it.
        this.finish({ ...job, retryable: true }, 'failed', `interrupted ${job.attempts} times (the server stopped while packaging); retry it if the server was the cause`);
      } else if (job.state === 'running') {
        this.opts.log.warn('requeueing a job interrupted by a restart', { job: job.id, video: job.videoId });
        this.opts.store.put({ ...job, state: 'queued', progress: 0, phase: undefined });
      }
    }
    await this.sweep(true);
    this.sweeper = setInterval(() => void this.sweep(false), 3600_000);
    this.sweeper.unref();
    this.pump();
  }

  /**
   * Delete the uploads no job will read again: those of retryable failures older than a day
   * and, at start (`orphans`), files no job names that are older than this process (an upload
   * a crash cut off); a file written since is an upload in flight and stays.
   */
  private async sweep(orphans: boolean): Promise<void> {
    for (const job of this.opts.store.all()) {
      if (job.state === 'failed' && job.retryable && Date.now() - Date.parse(job.finishedAt ?? job.createdAt) > FINISHED_KEPT_MS) {
        await removeUploads(job);
        this.update({ ...job, retryable: false }, true);
      }
    }
    if (!orphans) return;
    const dir = path.join(this.opts.mediaDir, SERVER_DIRS.uploads);
    const named = new Set(this.opts.store.all().filter((j) => j.state === 'queued' || j.state === 'running' || j.retryable).flatMap((j) => uploadsOf(j).map((f) => path.resolve(f))));
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const file = path.join(dir, name);
      if (named.has(path.resolve(file))) continue;
      const st = await stat(file).catch(() => undefined);
      if (st?.isFile() && st.mtimeMs < this.startedAt - 1000) await rm(file, { force: true });
    }
  }

  async retry(id: string): Promise<JobRecord> {
    const { job, videoId } = await planRetry(id, async (x) => this.opts.store.get(x), this.opts.mediaDir, () => this.pendingVideoIds());
    const again = requeued(job, videoId);
    this.update(again, true);
    this.pump();
    return again;
  }

  async cancel(id: string): Promise<JobRecord> {
    const job = this.opts.store.get(id);
    if (!job) throw new JobRefused(404, `no job "${id}"`);
    if (job.state === 'queued') {
      const ended = this.finish(job, 'failed', CANCELLED);
      await removeUploads(job);
      return ended;
    }
    const controller = this.running.get(id);
    if (job.state !== 'running' || !controller) throw new JobRefused(409, `job "${id}" is ${job.state}: only a queued or running job can be cancelled`);
    const ended = new Promise<JobRecord>((resolve) => {
      const onUpdate = (j: JobRecord) => {
        if (j.id !== id || (j.state !== 'done' && j.state !== 'failed')) return;
        this.off('update', onUpdate);
        resolve(j);
      };
      this.on('update', onUpdate);
    });
    this.cancelling.add(id);
    controller.abort();
    return ended;
  }

  /** One process owns an embedded queue: a change is its own to reload. */
  async announce(videoId: string): Promise<void> {
    await this.opts.onPublished?.(videoId);
  }

  /** Video ids taken by queued or running jobs. */
  pendingVideoIds(): Set<string> {
    return new Set(this.opts.store.all().filter((j) => j.state === 'queued' || j.state === 'running').map((j) => j.videoId));
  }

  async enqueue(input: EnqueueInput): Promise<JobRecord> {
    const job: JobRecord = {
      id: randomUUID(),
      ...input,
      state: 'queued',
      progress: 0,
      createdAt: new Date().toISOString(),
      attempts: 0,
    };
    this.opts.store.put(job);
    this.emit('update', job);
    this.pump();
    return job;
  }

  get(id: string): JobRecord | undefined {
    return this.opts.store.get(id);
  }

  list(): JobRecord[] {
    return this.opts.store.all().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  private update(job: JobRecord, urgent: boolean): void {
    this.opts.store.put(job, urgent);
    this.emit('update', job);
  }

  private finish(job: JobRecord, state: 'done' | 'failed', error?: string): JobRecord {
    const done: JobRecord = { ...job, state, error, progress: state === 'done' ? 100 : job.progress, finishedAt: new Date().toISOString(), etaS: undefined };
    this.update(done, true);
    return done;
  }

  private pump(): void {
    if (this.stopping) return;
    const now = Date.now();
    const queued = this.opts.store.all().filter((j) => j.state === 'queued' && (this.resting.get(j.id) ?? 0) <= now).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    while (this.running.size < this.opts.concurrency && queued.length) void this.run(queued.shift()!);
  }

  private async run(queued: JobRecord): Promise<void> {
    this.resting.delete(queued.id);
    const controller = new AbortController();
    this.running.set(queued.id, controller);
    let job: JobRecord = { ...queued, state: 'running', startedAt: new Date().toISOString(), attempts: queued.attempts + 1, progress: 0 };
    this.update(job, true);
    const started = performance.now();
    try {
      await packageVideo({
        input: job.upload,
        subtitles: job.subtitles?.map((s) => ({ lang: s.lang, file: s.upload })),
        mediaDir: this.opts.mediaDir,
        id: job.videoId,
        title: job.title,
        learnAbrPolicy: this.opts.learnAbrPolicy,
        signal: controller.signal,
        onProgress: (p) => {
          job = { ...job, progress: Math.round(p.percent * 10) / 10, phase: p.phase, speed: p.encode?.speed, etaS: p.encode && Number.isFinite(p.encode.etaS) ? Math.round(p.encode.etaS) : undefined };
          this.update(job, false);
        },
      });
      await this.opts.onPublished?.(job.videoId);
      await removeUploads(job);
      job = this.finish(job, 'done');
      this.opts.log.info('job done', { job: job.id, video: job.videoId });
    } catch (err) {
      if (this.cancelling.has(job.id)) {
        job = this.finish(job, 'failed', CANCELLED);
        await removeUploads(job);
        this.opts.log.info('job cancelled', { job: job.id, video: job.videoId });
        return;
      }
      const interrupted = err instanceof PackagingError && (err.code === 'cancelled' || err.code === 'interrupted');
      if (this.stopping && interrupted) {
        // Shutting down: leave it recoverable; the next start runs it again. A stop the server
        // handled is not an attempt of the job's (a crash, which cannot say so, counts one).
        job = { ...job, state: 'running', attempts: job.attempts - 1 };
        this.opts.store.put(job, true);
        return;
      }
      if (err instanceof PackagingError && err.code === 'interrupted' && job.attempts < MAX_INTERRUPTED_ATTEMPTS) {
        // A tool stopped by a signal: most often the server's own stop, sent to its whole
        // process group, reaching ffprobe or ffmpeg before the server's handler has run. Queued
        // again, and run after a pause that a stopping server does not outlive: the next
        // start runs it. Never the file's fault, so its upload stays.
        this.opts.log.warn('job interrupted by a signal; queued again', { job: job.id, video: job.videoId, error: err.message });
        job = { ...job, state: 'queued', progress: 0, phase: undefined, speed: undefined, etaS: undefined };
        this.update(job, true);
        this.resting.set(job.id, Date.now() + INTERRUPTED_PAUSE_MS);
        setTimeout(() => this.pump(), INTERRUPTED_PAUSE_MS + 10).unref();
        return;
      }
      // Messages name the file they read: the user knows it by the name it was uploaded as.
      const message = userNames(err instanceof Error ? err.message : String(err), job);
      if (fileFault(err)) {
        job = this.finish(job, 'failed', message);
        await removeUploads(job);
      } else {
        job = this.finish({ ...job, retryable: true }, 'failed', message);
      }
      this.opts.log.warn('job failed', { job: job.id, video: job.videoId, error: message });
    } finally {
      this.running.delete(queued.id);
      this.cancelling.delete(queued.id);
      if (job.state === 'done' || job.state === 'failed') this.opts.onFinished?.(job, (performance.now() - started) / 1000);
      this.pump();
    }
  }

  /** Stop taking jobs and stop running ones; they stay recoverable for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    const waits = [...this.running.keys()].map((id) => new Promise<void>((resolve) => {
      const check = () => (this.running.has(id) ? setTimeout(check, 20) : resolve());
      check();
    }));
    for (const c of this.running.values()) c.abort();
    await Promise.all(waits);
    this.opts.store.flush();
  }
}
