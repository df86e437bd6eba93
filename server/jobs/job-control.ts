/**
 * What the HTTP side needs from the job queue. In one process it is the JobQueue itself; in
 * cluster mode each worker holds a JobMirror that talks to the queue in the primary.
 * Emits 'update' with a JobRecord on every change.
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import type { AbrPolicyLearner } from '../packager/index.js';
import type { JobRecord } from './store.js';

/** What either queue is built with (server/jobs/index.ts builds them). */
export interface RunnerOptions {
  mediaDir: string;
  /** Packaging runs at once in this process (on Redis 0 is allowed: workers elsewhere take the jobs). */
  concurrency: number;
  log: Logger;
  /** The packaging pipeline's learn phase (the lab's learner); none: no policy. */
  learnAbrPolicy?: AbrPolicyLearner;
  /** A video published (on Redis: or deleted, by any origin): reload it here. */
  onPublished?: (videoId: string) => Promise<void> | void;
  onFinished?: (job: JobRecord, seconds: number) => void;
}

/** A cancelled job's error, whichever queue ran it. */
export const CANCELLED = 'cancelled by the user: nothing was published and the upload is deleted';
/** Runs a job may have that a signal stopped (a tool killed under it) before it fails, retryable. */
export const MAX_INTERRUPTED_ATTEMPTS = 3;

export interface EnqueueInput {
  upload: string;
  videoId: string;
  title: string;
  originalName: string;
  /** Subtitle files uploaded with the video, in .uploads beside it. */
  subtitles?: Array<{ lang: string; upload: string; originalName: string }>;
}

export interface JobControl extends EventEmitter {
  enqueue(input: EnqueueInput): Promise<JobRecord>;
  get(id: string): JobRecord | undefined;
  list(): JobRecord[];
  /** Video ids that queued or running jobs will publish. */
  pendingVideoIds(): Set<string>;
  /** Queue a retryable failed job again (its kept upload); rejects with a JobRefused saying why not. */
  retry(id: string): Promise<JobRecord>;
  /** Stop a queued or running job and delete its upload; resolves with the job as it ended (done, if it was published first). */
  cancel(id: string): Promise<JobRecord>;
}

/** A queue as the process that owns it sees it: started, stopped, and told of library changes. */
export interface JobRunner extends JobControl {
  /** Requeue what a crash left, start working (and listening). */
  recover(): Promise<void>;
  /** Stop taking jobs; running ones stay recoverable. */
  stop(): Promise<void>;
  /** A video published or deleted by this process: every process serving the library reloads it. */
  announce(videoId: string): Promise<void>;
}

/** A retry or cancel that cannot be done: `status` is the HTTP answer (404 no such job, 409 not in a state for it). */
export class JobRefused extends Error {
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'JobRefused';
  }
}
