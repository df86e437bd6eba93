/** Server-side settings from the environment; defaults are plain data here and nowhere else. */
import { mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TRUSTED_PROXIES } from './client-address.js';
import { LIVE_DEFAULTS } from './live/defaults.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  mediaDir: path.join(REPO_ROOT, 'media', 'library'),
  maxUploadBytes: 8 * 1024 ** 3,
  jobsConcurrency: 1,
  /** Hot segments kept in memory by the origin (bytes). */
  memoryCacheBytes: 256 * 1024 ** 2,
  /** HTTP worker processes: one per core (the job queue runs in the primary). */
  workers: Math.max(1, Math.min(os.availableParallelism(), 8)),
  /** Proxies whose X-Forwarded-For / X-Real-IP name the client: a proxy on this machine. */
  trustProxies: DEFAULT_TRUSTED_PROXIES,
  /** An upload whose body stops arriving for this long is cut off and its slot freed (nginx's client_body_timeout is 60 s). */
  uploadIdleMs: 30_000,
} as const;

export interface Config {
  port: number;
  host: string;
  mediaDir: string;
  uploadToken?: string;
  maxUploadBytes: number;
  jobsConcurrency: number;
  memoryCacheBytes: number;
  workers: number;
  trustProxies: readonly string[];
  uploadIdleMs: number;
  /** REDIS_URL: the packaging queue on Redis (BullMQ); none: the embedded queue in MEDIA_DIR/.jobs. */
  redisUrl?: string;
  /** WORKER_TOKEN: what `npm run worker` on other machines authenticates with; none: the worker routes are off. */
  workerToken?: string;
  /** LIVE_WINDOW_S: a live channel's DVR window (timeShiftBufferDepth); older segments leave the disk. */
  liveWindowS: number;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${raw}: expected a whole number`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: intFrom(env, 'PORT', DEFAULTS.port),
    host: env.HOST || DEFAULTS.host,
    mediaDir: path.resolve(env.MEDIA_DIR || DEFAULTS.mediaDir),
    uploadToken: env.UPLOAD_TOKEN || undefined,
    maxUploadBytes: intFrom(env, 'MAX_UPLOAD_BYTES', DEFAULTS.maxUploadBytes),
    // 0 (no packaging in the origin) only makes sense when workers elsewhere take the jobs: with Redis.
    jobsConcurrency: env.REDIS_URL ? intFrom(env, 'JOBS_CONCURRENCY', DEFAULTS.jobsConcurrency) : Math.max(1, intFrom(env, 'JOBS_CONCURRENCY', DEFAULTS.jobsConcurrency)),
    memoryCacheBytes: intFrom(env, 'MEDIA_CACHE_BYTES', DEFAULTS.memoryCacheBytes),
    workers: Math.max(1, intFrom(env, 'WORKERS', DEFAULTS.workers)),
    trustProxies: env.TRUSTED_PROXIES !== undefined ? env.TRUSTED_PROXIES.split(',').map((s) => s.trim()).filter(Boolean) : DEFAULTS.trustProxies,
    uploadIdleMs: DEFAULTS.uploadIdleMs,
    redisUrl: env.REDIS_URL || undefined,
    workerToken: env.WORKER_TOKEN || undefined,
    liveWindowS: Math.max(4, intFrom(env, 'LIVE_WINDOW_S', LIVE_DEFAULTS.windowS)),
  };
}

/** The server's own folders inside MEDIA_DIR (the packager's staging and store: server/packager/library.ts). */
export const SERVER_DIRS = {
  /** Uploads waiting for (or kept after) their packaging job. */
  uploads: '.uploads',
  /** The job records (jobs.json). */
  jobs: '.jobs',
  /** Network traces uploaded through POST /api/traces. */
  traces: '.traces',
} as const;

/** Where the generated sample master is kept (git-ignored, made once). */
export const SAMPLE_MASTER = path.join(REPO_ROOT, 'media', 'masters', 'sample.mp4');

/** Creates MEDIA_DIR if needed; a path that cannot be the library is said plainly. */
export async function ensureMediaDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new Error(`MEDIA_DIR=${dir} is a file, not a folder: point MEDIA_DIR at a folder (it is made if missing)`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new Error(`MEDIA_DIR=${dir} cannot be created or written (${code}): point MEDIA_DIR at a folder this user can write`);
    throw new Error(`MEDIA_DIR=${dir}: ${(err as Error).message}`);
  }
}
