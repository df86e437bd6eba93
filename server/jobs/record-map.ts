/** Job records held in memory as a process serving the API sees them (a cluster worker's mirror, an origin on Redis): the list, one, the ids in work. */
import { EventEmitter } from 'node:events';
import { forgotten, type JobRecord } from './store.js';

export class RecordMap<T extends JobRecord = JobRecord> {
  private readonly jobs = new Map<string, T>();

  set(job: T): T | undefined {
    const before = this.jobs.get(job.id);
    this.jobs.set(job.id, job);
    return before;
  }

  has(id: string): boolean {
    return this.jobs.has(id);
  }

  get(id: string): T | undefined {
    return this.jobs.get(id);
  }

  delete(id: string): void {
    this.jobs.delete(id);
  }

  values(): T[] {
    return [...this.jobs.values()];
  }

  /** Newest first; finished jobs are forgotten after a day, as the stores forget them. */
  list(): T[] {
    for (const j of this.jobs.values()) if (forgotten(j)) this.jobs.delete(j.id);
    return this.values().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Video ids that queued or running jobs will publish. */
  pendingVideoIds(): Set<string> {
    return new Set(this.values().filter((j) => j.state === 'queued' || j.state === 'running').map((j) => j.videoId));
  }
}

/** The reading half of a JobControl over a RecordMap: what a mirror of records answers itself. */
export abstract class MirroredJobs<T extends JobRecord = JobRecord> extends EventEmitter {
  protected readonly jobs = new RecordMap<T>();

  constructor() {
    super();
    this.setMaxListeners(0);
  }

  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  list(): JobRecord[] {
    return this.jobs.list();
  }

  pendingVideoIds(): Set<string> {
    return this.jobs.pendingVideoIds();
  }
}
