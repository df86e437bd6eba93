/**
 * Job records on disk: one small JSON file, rewritten atomically (write, fsync, rename) on
 * every state change and at most once a second for progress. A crash or kill -9 leaves the
 * previous complete file, never a torn one.
 */
import { mkdirSync, openSync, fsyncSync, closeSync, writeSync, renameSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path, { basename } from 'node:path';

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface JobRecord {
  id: string;
  videoId: string;
  title: string;
  state: JobState;
  /** 0..100 */
  progress: number;
  phase?: string;
  speed?: number;
  etaS?: number;
  error?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** The uploaded master, kept until the video is published (or, for a retryable failure, a day after it). */
  upload: string;
  /** Failed for a reason not the file's (a full disk, a tool, the server): the upload is kept and POST /api/jobs/:id/retry runs it again. */
  retryable?: boolean;
  originalName: string;
  /** Subtitle files uploaded with the video (beside it in .uploads), with their language. */
  subtitles?: Array<{ lang: string; upload: string; originalName: string }>;
  attempts: number;
  /** Which worker runs it, or ran it last (the Redis queue: host:pid). */
  worker?: string;
}

/** How long a finished job is remembered, so its page and events still answer. */
export const FINISHED_KEPT_MS = 24 * 3600 * 1000;

/** A finished job older than that, unless its kept upload is still to be deleted (the queue then clears `retryable`). */
export const forgotten = (j: JobRecord, now = Date.now()) => Boolean(j.finishedAt && now - Date.parse(j.finishedAt) > FINISHED_KEPT_MS && !j.retryable);

export class JobStore {
  private readonly file: string;
  private jobs = new Map<string, JobRecord>();
  private dirty = false;
  private timer?: NodeJS.Timeout;

  private failing = false;
  private retry?: NodeJS.Timeout;

  /** `onWriteError`: told once per run of failed writes (a full disk), and again after one succeeds. */
  constructor(
    dir: string,
    private readonly onWriteError?: (err: Error) => void,
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'jobs.json');
    try {
      const list = JSON.parse(readFileSync(this.file, 'utf8')) as JobRecord[];
      for (const j of list) this.jobs.set(j.id, j);
    } catch {
      // no store yet, or unreadable: start empty
    }
  }

  all(): JobRecord[] {
    return [...this.jobs.values()];
  }

  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  /** Save a change; `urgent` (state changes) writes now, progress is batched. */
  put(job: JobRecord, urgent = true): void {
    this.jobs.set(job.id, job);
    this.dirty = true;
    if (urgent) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), 1000);
  }

  /**
   * Write the records now. A write that fails (a full disk) never throws into the server:
   * the records stay right in memory, the file keeps its last complete version, and the
   * write is tried again in 5 s and on every change until it succeeds.
   */
  flush(): void {
    clearTimeout(this.timer);
    clearTimeout(this.retry);
    this.timer = this.retry = undefined;
    if (!this.dirty) return;
    for (const j of this.all()) if (forgotten(j)) this.jobs.delete(j.id);
    const keep = this.all();
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, JSON.stringify(keep, null, 1));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
    } catch (err) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // the next write replaces it
      }
      if (!this.failing) this.onWriteError?.(err as Error);
      this.failing = true;
      this.retry = setTimeout(() => this.flush(), 5000);
      this.retry.unref();
      return;
    }
    this.dirty = false;
    this.failing = false;
  }
}

/** Every file a job holds in .uploads: the video and its subtitle files. */
export const uploadsOf = (j: Pick<JobRecord, 'upload' | 'subtitles'>): string[] => [j.upload, ...(j.subtitles ?? []).map((s) => s.upload)];

/** Delete a job's files in .uploads (gone already is fine). */
export const removeUploads = (j: Pick<JobRecord, 'upload' | 'subtitles'>) => Promise.all(uploadsOf(j).map((f) => rm(f, { force: true })));

/** A message about a job's files, naming each by the name it was uploaded as. */
export function userNames(message: string, j: Pick<JobRecord, 'upload' | 'originalName' | 'subtitles'>, extra: Array<[string, string]> = []): string {
  let out = message;
  for (const [from, to] of [[j.upload, j.originalName] as [string, string], ...(j.subtitles ?? []).map((s) => [s.upload, s.originalName] as [string, string]), ...extra]) out = out.split(basename(from)).join(to);
  return out;
}
