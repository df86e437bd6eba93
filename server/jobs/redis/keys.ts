/**
 * The names and timings every process on one Redis agrees on: origins, their in-process
 * workers, and `npm run worker` on other machines. Written once, here.
 */
import type { JobRecord } from '../store.js';

/** The BullMQ queue of packaging jobs. */
export const QUEUE_NAME = 'dashlab-packaging';

export const KEYS = {
  /** Hash: job id -> JSON JobRecord (upload as the file's name in MEDIA_DIR/.uploads). The list every origin shows. */
  records: 'dashlab:jobs',
  /** String per job, set (NX) by whoever publishes its package: a second publish of one job is refused. */
  published: (jobId: string) => `dashlab:published:${jobId}`,
  /** Set of job ids the user cancelled while a worker may hold them: a worker that takes one ends it at once. */
  cancelled: 'dashlab:jobs:cancelled',
} as const;

export const CHANNELS = {
  /** A video id published or deleted: every origin reloads it. */
  library: 'dashlab:library',
  /** A job id the user cancelled: the worker running it stops. */
  cancel: 'dashlab:jobs:cancel',
} as const;

/**
 * BullMQ's lock on a running job is renewed every LOCK_MS / 2 by a live worker; the stalled
 * check runs every STALLED_CHECK_MS. A worker killed with SIGKILL stops renewing, so within
 * LOCK_MS + STALLED_CHECK_MS (25 s) its job is back in the queue for another worker (twice at
 * most: a third stall fails it, retryable, as a file that crashes every worker would).
 */
export const TIMINGS = {
  lockMs: 15_000,
  stalledCheckMs: 10_000,
  maxStalledCount: 2,
} as const;

/** What a BullMQ job carries: only the record's id; the record itself is in KEYS.records. */
export interface QueuedJob {
  recordId: string;
}

/** A record as stored in Redis: the upload by name, so origins may mount MEDIA_DIR at different paths. */
export type StoredRecord = Omit<JobRecord, 'upload'> & { upload: string };
