/**
 * A cluster worker's view of the job queue that runs in the primary: job records arrive
 * as broadcasts, enqueueing is a request over the IPC channel.
 */
import { EventEmitter } from 'node:events';
import { JobRefused, type EnqueueInput, type JobControl } from '../jobs/job-control.js';
import { forgotten, type JobRecord } from '../jobs/store.js';
import { request, type PrimaryMessage } from './protocol.js';

export class JobMirror extends EventEmitter implements JobControl {
  private readonly jobs = new Map<string, JobRecord>();

  constructor() {
    super();
    this.setMaxListeners(0);
    process.on('message', (m: PrimaryMessage) => {
      if (m?.t === 'job') {
        this.jobs.set(m.job.id, m.job);
        this.emit('update', m.job);
      }
    });
  }

  /** Fetch the records the primary has now; call before serving. */
  async init(): Promise<void> {
    for (const j of (await request({ t: 'jobs' })) as JobRecord[]) if (!this.jobs.has(j.id)) this.jobs.set(j.id, j);
  }

  async enqueue(input: EnqueueInput): Promise<JobRecord> {
    const job = (await request({ t: 'enqueue', input })) as JobRecord;
    this.jobs.set(job.id, job);
    return job;
  }

  retry(id: string): Promise<JobRecord> {
    return this.ask({ t: 'retry', id });
  }

  cancel(id: string): Promise<JobRecord> {
    // The primary answers when the job has ended: ffmpeg stopped, staging removed.
    return this.ask({ t: 'cancel', id });
  }

  /** A job operation the primary does; its refusals come back as JobRefused with their status. */
  private async ask(body: { t: 'retry' | 'cancel'; id: string }): Promise<JobRecord> {
    try {
      const job = (await request(body, 120_000)) as JobRecord;
      this.jobs.set(job.id, job);
      return job;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404 || status === 409) throw new JobRefused(status, (err as Error).message);
      throw err;
    }
  }

  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  list(): JobRecord[] {
    // As the primary's store: finished jobs are forgotten after a day.
    for (const j of this.jobs.values()) if (forgotten(j)) this.jobs.delete(j.id);
    return [...this.jobs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  pendingVideoIds(): Set<string> {
    return new Set([...this.jobs.values()].filter((j) => j.state === 'queued' || j.state === 'running').map((j) => j.videoId));
  }
}
