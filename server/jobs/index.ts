/**
 * The packaging job queue of a library, as every process that owns one builds it (the single
 * server, a cluster's primary, each origin on Redis): the embedded queue (records in
 * MEDIA_DIR/.jobs) without REDIS_URL, the BullMQ queue on Redis with it; the lab's policy
 * learner as the packaging pipeline's learn phase; the job-duration metric.
 */
import path from 'node:path';
import { learnPolicyFor } from '../../lab/learning/policy-files.js';
import { SERVER_DIRS, type Config } from '../config.js';
import type { Logger } from '../log.js';
import type { JobRunner } from './job-control.js';
import { JobQueue } from './queue.js';
import { RedisJobs } from './redis/redis-jobs.js';
import { JobStore, type JobRecord } from './store.js';

export { JobQueue } from './queue.js';
export type { JobControl, JobRunner, EnqueueInput } from './job-control.js';
export { JobRefused } from './job-control.js';

export interface JobHooks {
  /** A video published (or, on Redis, deleted by any origin): reload it. */
  onPublished: (videoId: string) => Promise<void> | void;
  onFinished?: (job: JobRecord, seconds: number) => void;
}

/** `concurrency`: packaging workers in this process (default JOBS_CONCURRENCY). */
export function createJobRunner(config: Pick<Config, 'mediaDir' | 'jobsConcurrency' | 'redisUrl'>, log: Logger, hooks: JobHooks, concurrency = config.jobsConcurrency): JobRunner {
  if (config.redisUrl) return new RedisJobs({ redisUrl: config.redisUrl, mediaDir: config.mediaDir, concurrency, log, learnAbrPolicy: learnPolicyFor, ...hooks });
  const store = new JobStore(path.join(config.mediaDir, SERVER_DIRS.jobs), (err) => log.warn('cannot save the job records (kept in memory, saved again when the disk has room)', { error: err.message }));
  return new JobQueue({ store, mediaDir: config.mediaDir, concurrency: Math.max(1, concurrency), log, learnAbrPolicy: learnPolicyFor, ...hooks });
}
