/**
 * What the HTTP side needs from the job queue. In one process it is the JobQueue itself; in
 * cluster mode each worker holds a JobMirror that talks to the queue in the primary.
 * Emits 'update' with a JobRecord on every change.
 */
import type { EventEmitter } from 'node:events';
import type { JobRecord } from './store.js';

export interface EnqueueInput {
  upload: string;
  videoId: string;
  title: string;
  originalName: string;
}

export interface JobsPort extends EventEmitter {
  enqueue(input: EnqueueInput): Promise<JobRecord>;
  get(id: string): JobRecord | undefined;
  list(): JobRecord[];
  /** Video ids that queued or running jobs will publish. */
  pendingVideoIds(): Set<string>;
}
