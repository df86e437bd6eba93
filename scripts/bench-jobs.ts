/**
 * npm run bench:jobs [-- --clips K --seconds S]
 *
 * The packaging queue, measured in one run on this machine, all parts real (a redis-server of
 * its own on a loopback port, origins in this process, `npm run worker` as child processes):
 *  1. latency: job queued -> job started, on an idle queue, embedded vs Redis (the
 *     origin's own worker, and a worker in another process fetching the upload over HTTP);
 *  2. throughput: K clips of S seconds uploaded at once, wall time until the last is
 *     published, by the embedded queue (one ffmpeg at a time: the reference) and by 1, 2
 *     and 4 remote workers on Redis; ratios against the reference.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { createOrigin, type Origin } from '../server/app.js';
import { loadConfig, REPO_ROOT, type Config } from '../server/config.js';
import { createLogger } from '../server/log.js';
import { runFfmpeg } from '../server/packager/index.js';
import type { PublicJob } from '../server/jobs/public-job.js';
import { startRedisServer, type RedisServer } from './lib/redis-server.js';

const TOKEN = 'bench-jobs-token';

async function clip(file: string, seconds: number, n: number): Promise<string> {
  // Different pictures per clip (a moving test pattern from another start): no two encodes alike.
  await runFfmpeg({
    inputs: [
      { source: `testsrc2=s=640x360:r=30:d=${seconds}`, format: 'lavfi' },
      { source: `sine=f=${300 + 40 * n}:d=${seconds}`, format: 'lavfi' },
    ],
    outputs: [{ target: file, options: ['-map', '0:v', '-map', '1:a', '-vf', `hue=h=${n * 37}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'] }],
  });
  return file;
}

async function upload(url: string, file: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await readFile(file))]), path.basename(file));
  const res = await fetch(`${url}/api/videos`, { method: 'POST', body: form });
  if (res.status !== 202) throw new Error(`upload refused (${res.status}): ${await res.text()}`);
  return ((await res.json()) as { jobId: string }).jobId;
}

async function until(url: string, ids: string[], state: 'running' | 'done'): Promise<PublicJob[]> {
  for (;;) {
    const jobs = ((await (await fetch(`${url}/api/jobs`)).json()) as PublicJob[]).filter((j) => ids.includes(j.id));
    if (jobs.some((j) => j.state === 'failed')) throw new Error(`a job failed: ${jobs.find((j) => j.state === 'failed')!.error}`);
    if (jobs.length === ids.length && jobs.every((j) => j.state === state || j.state === 'done')) return jobs;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function spawnWorker(origin: string, redisUrl: string, workDir: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/worker.ts'), '--origin', origin, '--work-dir', workDir], { env: { ...process.env, REDIS_URL: redisUrl, WORKER_TOKEN: TOKEN, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  proc.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (/takes jobs/.test(out)) {
        clearInterval(t);
        resolve(proc);
      } else if (proc.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`worker did not start: ${out}`));
      }
    }, 50);
  });
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => (w.exitCode !== null ? resolve() : (w.once('exit', () => resolve()), w.kill('SIGTERM'))))));
}

interface Setup {
  label: string;
  config: Partial<Config>;
  remoteWorkers: number;
}

/** An origin (and its workers) on a fresh library; `run` gets its URL. */
async function withSetup<T>(dir: string, redis: RedisServer, s: Setup, run: (url: string) => Promise<T>): Promise<T> {
  if (s.config.redisUrl) {
    const db = await import('ioredis').then((m) => new m.Redis(redis.url));
    await db.flushall();
    db.disconnect();
  }
  const config: Config = { ...loadConfig({}), port: 0, host: '127.0.0.1', workers: 1, mediaDir: path.join(dir, `lib-${s.label.replace(/\W+/g, '-')}`), workerToken: TOKEN, ...s.config };
  const origin: Origin = await createOrigin(config, { log: createLogger('warn') });
  const url = await origin.listen();
  const workers: ChildProcess[] = [];
  try {
    for (let i = 0; i < s.remoteWorkers; i++) workers.push(await spawnWorker(url, redis.url, path.join(dir, `work-${i}`)));
    return await run(url);
  } finally {
    await stopWorkers(workers);
    await origin.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { clips: { type: 'string' }, seconds: { type: 'string' }, runs: { type: 'string' } } });
  const K = Number(values.clips ?? 8);
  const seconds = Number(values.seconds ?? 10);
  const runs = Number(values.runs ?? 6);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dashlab-bench-jobs-'));
  const redis = await startRedisServer(path.join(dir, 'redis'));
  try {
    process.stderr.write(`bench:jobs: ${os.availableParallelism()} cores; making ${K} clips of ${seconds} s (640x360) and a 2 s one...\n`);
    const clips: string[] = [];
    for (let i = 0; i < K; i++) clips.push(await clip(path.join(dir, `clip-${i}.mp4`), seconds, i));
    const tiny = await clip(path.join(dir, 'tiny.mp4'), 2, 99);

    // 1. Upload answered -> job started, idle queue, median of `runs`.
    const latency: Array<[string, number]> = [];
    const latencySetups: Setup[] = [
      { label: 'embedded queue', config: { redisUrl: undefined, jobsConcurrency: 1 }, remoteWorkers: 0 },
      { label: 'Redis, the origin\'s worker', config: { redisUrl: redis.url, jobsConcurrency: 1 }, remoteWorkers: 0 },
      { label: 'Redis, a remote worker', config: { redisUrl: redis.url, jobsConcurrency: 0 }, remoteWorkers: 1 },
    ];
    for (const s of latencySetups) {
      const ms = await withSetup(dir, redis, s, async (url) => {
        const out: number[] = [];
        for (let i = 0; i < runs; i++) {
          const id = await upload(url, tiny);
          // From the record: made before the upload's answer, started by whichever worker took it (one clock).
          const [job] = await until(url, [id], 'done');
          out.push(Date.parse(job.startedAt!) - Date.parse(job.createdAt));
        }
        return median(out);
      });
      latency.push([s.label, ms]);
      process.stderr.write(`  latency ${s.label}: ${ms} ms\n`);
    }

    // 2. K clips at once.
    const throughput: Array<[string, number]> = [];
    const setups: Setup[] = [
      { label: 'embedded queue, one ffmpeg at a time (reference)', config: { redisUrl: undefined, jobsConcurrency: 1 }, remoteWorkers: 0 },
      ...[1, 2, 4].map((n) => ({ label: `Redis, ${n} remote worker${n > 1 ? 's' : ''}`, config: { redisUrl: redis.url, jobsConcurrency: 0 }, remoteWorkers: n })),
    ];
    for (const s of setups) {
      const wall = await withSetup(dir, redis, s, async (url) => {
        const t0 = performance.now();
        const ids = [];
        for (const c of clips) ids.push(await upload(url, c));
        await until(url, ids, 'done');
        return (performance.now() - t0) / 1000;
      });
      throughput.push([s.label, wall]);
      process.stderr.write(`  ${K} clips, ${s.label}: ${wall.toFixed(1)} s\n`);
    }

    const ref = throughput[0][1];
    process.stdout.write(`\nbench:jobs on ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'cpu'})\n\n`);
    process.stdout.write(`job queued -> job started (idle queue, median of ${runs}, from the job records)\n`);
    for (const [label, ms] of latency) process.stdout.write(`  ${label.padEnd(34)} ${String(ms).padStart(6)} ms\n`);
    process.stdout.write(`\n${K} clips of ${seconds} s (640x360, default ladder) uploaded at once, until the last is published\n`);
    for (const [label, s] of throughput) process.stdout.write(`  ${label.padEnd(50)} ${s.toFixed(1).padStart(7)} s  ${(ref / s).toFixed(2)}x\n`);
  } finally {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench:jobs: error: ${(err as Error).message}\n`);
  process.exit(1);
});
