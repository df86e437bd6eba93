/** A job as the API and the pages show it. */
import type { JobRecord } from './store.js';

/** What the API says about a job: no server paths. */
export const publicJob = (j: JobRecord) => ({
  id: j.id,
  videoId: j.videoId,
  title: j.title,
  state: j.state,
  progress: j.progress,
  phase: j.phase,
  speed: j.speed,
  etaS: j.etaS,
  error: j.error,
  /** POST /api/jobs/:id/retry can run it again (its upload was kept). */
  retryable: j.retryable ?? false,
  /** The Redis queue: the worker (host:pid) that runs it or ran it last. */
  ...(j.worker ? { worker: j.worker } : {}),
  createdAt: j.createdAt,
  startedAt: j.startedAt,
  finishedAt: j.finishedAt,
});

export type PublicJob = ReturnType<typeof publicJob>;
