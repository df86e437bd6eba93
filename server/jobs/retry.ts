/** What a retry checks, and the id it publishes under: one rule for the embedded queue and the queue on Redis. */
import { stat } from 'node:fs/promises';
import { freeVideoId, idFromName } from '../packager/index.js';
import { JobRefused } from './job-control.js';
import type { JobRecord } from './store.js';

/**
 * A failed job whose upload was kept, and its video id: its own, or if that was taken since
 * (another upload of the same name) the next free one from the name an upload's id comes from
 * (its title, or without one the file's name); the answer and the job carry the new id.
 * Refusals are JobRefused (404, 409) saying why.
 */
export async function planRetry<T extends JobRecord>(id: string, read: (id: string) => Promise<T | undefined>, mediaDir: string, pending: () => Set<string>): Promise<{ job: T; videoId: string }> {
  const job = await read(id);
  if (!job) throw new JobRefused(404, `no job "${id}"`);
  if (job.state !== 'failed') throw new JobRefused(409, `job "${id}" is ${job.state}: only a failed job can be retried`);
  if (!job.retryable) throw new JobRefused(409, `job "${id}" cannot be retried: its upload was not kept (${job.error ?? 'it failed'}); upload the file again`);
  if (!(await stat(job.upload).then(() => true, () => false))) throw new JobRefused(409, `job "${id}" cannot be retried: its upload is gone; upload the file again`);
  let videoId = await freeVideoId(mediaDir, job.videoId, pending());
  if (videoId !== job.videoId) {
    const untitled = job.title === job.originalName.replace(/\.[^.]*$/, '');
    videoId = await freeVideoId(mediaDir, idFromName(untitled ? job.originalName : job.title), pending());
  }
  // Checked again after the awaits: a second retry (a double click, another tab) may have
  // queued it meanwhile, and queueing a running job again would run it twice; an upload may
  // have taken the id.
  const now = await read(id);
  if (now?.state !== 'failed' || !now.retryable) throw new JobRefused(409, `job "${id}" is ${now?.state ?? 'gone'}: only a failed job can be retried`);
  if (pending().has(videoId)) throw new JobRefused(409, `job "${id}": the id "${videoId}" was taken by another upload a moment ago; retry again`);
  return { job: now, videoId };
}

/** A retried job's record: queued again, its last run's traces cleared. */
export const requeued = <T extends JobRecord>(job: T, videoId: string): T => ({ ...job, videoId, state: 'queued', progress: 0, phase: undefined, speed: undefined, etaS: undefined, error: undefined, startedAt: undefined, finishedAt: undefined, retryable: undefined, attempts: 0 });
