/**
 * What an origin's worker routes (../worker-routes.ts) need of Redis, in whichever process
 * serves HTTP (a cluster's HTTP workers hold no queue of their own): a job's record, the one
 * publish of its package, and telling every origin about it.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import type { JobRecord } from '../store.js';
import { connectRedis, redisClient } from './connection.js';
import { CHANNELS } from './keys.js';
import { RedisRecords } from './records.js';

export class WorkerDesk {
  private redis?: Redis;
  private records?: RedisRecords;

  constructor(
    private readonly redisUrl: string,
    private readonly mediaDir: string,
    private readonly log: Logger,
  ) {}

  async connect(): Promise<void> {
    this.redis = redisClient(this.redisUrl, this.log, 'origin (worker routes)');
    await connectRedis(this.redis, this.redisUrl, this.log);
    this.records = new RedisRecords(this.redis, this.mediaDir);
  }

  job(id: string): Promise<JobRecord | undefined> {
    return this.records!.get(id);
  }

  claim(id: string, videoId: string): Promise<boolean> {
    return this.records!.claimPublish(id, videoId);
  }

  release(id: string): Promise<void> {
    return this.records!.releasePublish(id);
  }

  async announce(videoId: string): Promise<void> {
    await this.redis!.publish(CHANNELS.library, videoId);
  }

  close(): void {
    this.redis?.disconnect();
  }
}
