/**
 * A cluster worker's view of the job queue that runs in the primary: job records arrive
 * as broadcasts, enqueueing is a request over the IPC channel.
 */
import { JobRefused, type EnqueueInput, type JobControl } from '../jobs/job-control.js';
import { MirroredJobs } from '../jobs/record-map.js';
import type { JobRecord } from '../jobs/store.js';
import { request, type PrimaryMessage } from './protocol.js';

export class JobMirror extends MirroredJobs implements JobControl {

  constructor() {
    super();
    process.on('message', (m: PrimaryMessage) => {
      if (m?.t === 'job') {
        this.jobs.set(m.job);
        this.emit('update', m.job);
      }
    });
  }

  /** Fetch the records the primary has now; call before serving. */
  async init(): Promise<void> {
    for (const j of (await request({ t: 'jobs' })) as JobRecord[]) if (!this.jobs.has(j.id)) this.jobs.set(j);
  }

  async enqueue(input: EnqueueInput): Promise<JobRecord> {
    const job = (await request({ t: 'enqueue', input })) as JobRecord;
    this.jobs.set(job);
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
      this.jobs.set(job);
      return job;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404 || status === 409) throw new JobRefused(status, (err as Error).message);
      throw err;
    }
  }

}
