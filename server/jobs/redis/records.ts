/**
 * Job records in Redis (one hash, KEYS.records), the list every origin shows whichever origin
 * took the upload and whichever worker ran it. Uploads are stored by file name and resolved
 * against each reader's own MEDIA_DIR.
 */
import path from 'node:path';
import type { Redis } from 'ioredis';
import { SERVER_DIRS } from '../../config.js';
import type { JobRecord } from '../store.js';
import { KEYS, type StoredRecord } from './keys.js';

export class RedisRecords {
  constructor(
    private readonly redis: Redis,
    private readonly mediaDir: string,
  ) {}

  private toRecord(s: StoredRecord): JobRecord {
    const here = (name: string) => path.join(this.mediaDir, SERVER_DIRS.uploads, path.basename(name));
    return { ...s, upload: here(s.upload), ...(s.subtitles ? { subtitles: s.subtitles.map((t) => ({ ...t, upload: here(t.upload) })) } : {}) };
  }

  async get(id: string): Promise<(JobRecord & { run: number }) | undefined> {
    const raw = await this.redis.hget(KEYS.records, id);
    if (!raw) return undefined;
    const s = JSON.parse(raw) as StoredRecord & { run?: number };
    return { ...this.toRecord(s), run: s.run ?? 1 };
  }

  async all(): Promise<Array<JobRecord & { run: number }>> {
    const all = await this.redis.hgetall(KEYS.records);
    return Object.values(all).map((raw) => {
      const s = JSON.parse(raw) as StoredRecord & { run?: number };
      return { ...this.toRecord(s), run: s.run ?? 1 };
    });
  }

  async put(job: JobRecord & { run?: number }): Promise<void> {
    const stored: StoredRecord & { run?: number } = { ...job, upload: path.basename(job.upload), ...(job.subtitles ? { subtitles: job.subtitles.map((t) => ({ ...t, upload: path.basename(t.upload) })) } : {}) };
    await this.redis.hset(KEYS.records, job.id, JSON.stringify(stored));
  }

  async remove(id: string): Promise<void> {
    await this.redis.hdel(KEYS.records, id);
  }

  /**
   * Claim the one publish of a job's package. True for the first caller; false when the job's
   * package is already published (a worker that lost its lock and finished anyway, or a
   * worker sending again after the answer to its first send was lost).
   */
  async claimPublish(id: string, videoId: string): Promise<boolean> {
    return (await this.redis.set(KEYS.published(id), videoId, 'EX', 7 * 24 * 3600, 'NX')) === 'OK';
  }

  /** A claim given back: the publish it was for failed before anything was published. */
  async releasePublish(id: string): Promise<void> {
    await this.redis.del(KEYS.published(id));
  }
}

/** The BullMQ job id of a record's nth run (a retry is a new BullMQ job), and back. */
export const bullJobId = (recordId: string, run: number) => `${recordId}.${run}`;
export const recordIdOf = (bullId: string) => (bullId.includes('.') ? bullId.slice(0, bullId.lastIndexOf('.')) : bullId);
