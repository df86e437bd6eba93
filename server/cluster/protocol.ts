/** Messages between the cluster primary (jobs, shaper) and the workers (HTTP). */
import { randomUUID } from 'node:crypto';
import type { EnqueueInput } from '../jobs/job-control.js';
import type { JobRecord } from '../jobs/store.js';

/**
 * How a worker reaches the primary's shaper, in its environment: the shaper's private
 * loopback URL, and a secret that lets the shaper trust the client address a worker forwards
 * (x-dashlab-client): without it a client could name any address and take another's link.
 */
export const SHAPER_ENV = { url: 'DASHLAB_SHAPER_URL', secret: 'DASHLAB_SHAPER_SECRET' } as const;

export type WorkerMessage =
  | { t: 'listening' }
  | { t: 'failed'; error: string }
  | { t: 'request'; reqId: string; body: WorkerRequest }
  | { t: 'reloaded'; ackId: string };

export type WorkerRequest = { t: 'enqueue'; input: EnqueueInput } | { t: 'retry' | 'cancel'; id: string } | { t: 'jobs' } | { t: 'metrics' } | { t: 'library-changed'; id: string };

export type PrimaryMessage =
  | { t: 'job'; job: JobRecord }
  | { t: 'reload'; id: string; ackId: string }
  | { t: 'shutdown' }
  | { t: 'reply'; reqId: string; ok: boolean; value?: unknown; error?: string; status?: number };

/** From a worker: ask the primary and wait for its answer. */
export function request(body: WorkerRequest, timeoutMs = 30_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('not a cluster worker'));
    const reqId = randomUUID();
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error(`the primary did not answer ${body.t}`));
    }, timeoutMs);
    const onMessage = (m: PrimaryMessage) => {
      if (m?.t !== 'reply' || m.reqId !== reqId) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (m.ok) resolve(m.value);
      // `status`: the HTTP answer the primary's refusal carries (a retry of a job it cannot run).
      else reject(Object.assign(new Error(m.error), { status: m.status }));
    };
    process.on('message', onMessage);
    process.send({ t: 'request', reqId, body } satisfies WorkerMessage);
  });
}
