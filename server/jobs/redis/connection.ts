/**
 * Connections to Redis (ioredis, as BullMQ uses): checked once at start with a clear error,
 * then left to reconnect by themselves, saying so once per outage rather than per retry.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../../log.js';

/** REDIS_URL checked: redis:// or rediss://, a host, a port. */
export function parseRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`REDIS_URL=${url}: not a URL; expected redis://host:port (or rediss:// for TLS)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`REDIS_URL=${url}: expected redis://host:port (or rediss:// for TLS)`);
  return u;
}

/** The URL without its password, for messages. */
export function safeRedisUrl(url: string): string {
  const u = parseRedisUrl(url);
  if (u.password) u.password = '***';
  return u.toString().replace(/\/$/, '');
}

/**
 * A client that retries forever (BullMQ's workers need `maxRetriesPerRequest: null`) and logs
 * "lost" once and "back" once per outage. `role` names the process's use of it in the log.
 */
export function redisClient(url: string, log: Logger, role: string): Redis {
  parseRedisUrl(url);
  const client = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: true });
  let down = false;
  let connected = false;
  client.on('error', (err: Error) => {
    lastErrors.set(client, err.message);
    // Before the first connection connectRedis says what went wrong, once.
    if (down || !connected) return;
    down = true;
    log.warn('lost Redis; reconnecting (jobs wait meanwhile)', { redis: safeRedisUrl(url), role, error: err.message });
  });
  client.on('ready', () => {
    connected = true;
    if (!down) return;
    down = false;
    log.info('Redis is back', { redis: safeRedisUrl(url), role });
  });
  return client;
}

/** The last error each client saw (ioredis's connect() itself only says "Connection is closed."). */
const lastErrors = new WeakMap<Redis, string>();

/**
 * Connect and check the server: reachable within `timeoutMs`, Redis 6.2 or later (BullMQ's
 * floor), and not evicting keys (a queue's keys must never be evicted: maxmemory-policy
 * noeviction). Throws with what to do; warns about the policy.
 */
export async function connectRedis(client: Redis, url: string, log: Logger, timeoutMs = 5000): Promise<void> {
  const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer')), timeoutMs).unref());
  try {
    await Promise.race([client.connect(), timer]);
    await Promise.race([client.ping(), timer]);
  } catch (err) {
    client.disconnect();
    throw new Error(`cannot reach Redis at ${safeRedisUrl(url)} (${lastErrors.get(client) ?? (err as Error).message}): start redis-server (Debian: apt-get install redis-server) or fix REDIS_URL`);
  }
  const info = await client.info('server');
  const version = /redis_version:(\d+)\.(\d+)/.exec(info);
  if (version && (Number(version[1]) < 6 || (Number(version[1]) === 6 && Number(version[2]) < 2))) {
    client.disconnect();
    throw new Error(`Redis at ${safeRedisUrl(url)} is ${version[1]}.${version[2]}: the queue needs Redis 6.2 or later (or Valkey)`);
  }
  const policy = await client.config('GET', 'maxmemory-policy').catch(() => undefined);
  const value = Array.isArray(policy) ? String(policy[1]) : undefined;
  if (value && value !== 'noeviction') log.warn('Redis may evict queue keys under memory pressure: set maxmemory-policy noeviction (docs/deploying.md)', { redis: safeRedisUrl(url), policy: value });
}
