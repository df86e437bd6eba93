/**
 * The packaging job queue of a library, as every process that runs jobs builds it (the single
 * server, or the cluster's primary): its records in MEDIA_DIR/.jobs, the lab's policy learner
 * as the packaging pipeline's learn phase, the job-duration metric.
 */
import path from 'node:path';
import { learnPolicyFor } from '../../lab/learning/policy-files.js';
import { SERVER_DIRS, type Config } from '../config.js';
import type { Logger } from '../log.js';
import { JobQueue } from './queue.js';
import { JobStore, type JobRecord } from './store.js';

export { JobQueue } from './queue.js';
export type { JobControl, EnqueueInput } from './job-control.js';
export { JobRefused } from './job-control.js';

export function createJobQueue(
  config: Pick<Config, 'mediaDir' | 'jobsConcurrency'>,
  log: Logger,
  hooks: { onPublished: (videoId: string) => Promise<void> | void; onFinished?: (job: JobRecord, seconds: number) => void },
): JobQueue {
  const store = new JobStore(path.join(config.mediaDir, SERVER_DIRS.jobs), (err) => log.warn('cannot save the job records (kept in memory, saved again when the disk has room)', { error: err.message }));
  return new JobQueue({ store, mediaDir: config.mediaDir, concurrency: config.jobsConcurrency, log, learnAbrPolicy: learnPolicyFor, ...hooks });
}
