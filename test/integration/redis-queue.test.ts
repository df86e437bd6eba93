/**
 * The packaging queue on Redis (BullMQ), on real parts: Debian's redis-server on a loopback
 * port of its own, origins on real ports, `npm run worker` as child processes, ffmpeg, and
 * Debian's nginx running deploy/nginx/dashlab-origins.conf. Workers killed with SIGKILL mid-encode,
 * a wrong token, a cancel, a retry, two origins on one library, Redis restarted.
 */
import { readdir, readFile, realpath, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Origin } from '../../server/app.js';
import { EdgeNginx } from '../../server/cdn/nginx.js';
import { SERVER_DIRS } from '../../server/config.js';
import { freePort } from '../../server/free-port.js';
import { CHANNELS, KEYS } from '../../server/jobs/redis/keys.js';
import type { PublicJob } from '../../server/jobs/public-job.js';
import { verifyPackage } from '../../server/packager/index.js';
import { startRedisServer, type RedisServer } from '../../scripts/lib/redis-server.js';
import { makeClip, tempDir, validateMpd } from '../helpers/media.js';
import { spawnWorker, startOriginBalancer, type ChildWorker } from '../helpers/queue.js';
import { startServer, waitFor } from '../helpers/server.js';

const TOKEN = 'test-worker-token-1f3a9c';
let work: { dir: string; cleanup: () => Promise<void> };
let redis: RedisServer;
/** Every library-change message on Redis (a publish or a delete), by video id. */
const published = new Map<string, number>();
let listener: Redis;
const workers: ChildWorker[] = [];

beforeAll(async () => {
  work = await tempDir();
  redis = await startRedisServer(path.join(work.dir, 'redis'));
  listener = new Redis(redis.url, { maxRetriesPerRequest: null });
  await listener.subscribe(CHANNELS.library);
  listener.on('message', (_c: string, id: string) => published.set(id, (published.get(id) ?? 0) + 1));
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  listener?.disconnect();
  await redis?.stop();
  await work?.cleanup();
});

async function upload(url: string, file: string, title: string, headers: Record<string, string> = {}): Promise<{ jobId: string; videoId: string }> {
  const form = new FormData();
  form.append('title', title);
  form.append('file', new Blob([new Uint8Array(await readFile(file))]), path.basename(file));
  const res = await fetch(`${url}/api/videos`, { method: 'POST', body: form, headers });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as { jobId: string; videoId: string };
}

/** One Redis per library: each describe below is a library of its own. */
async function flush(): Promise<void> {
  const db = new Redis(redis.url);
  await db.flushall();
  db.disconnect();
}

const jobs = async (url: string) => (await (await fetch(`${url}/api/jobs`)).json()) as PublicJob[];
const jobOf = async (url: string, id: string) => (await (await fetch(`${url}/api/jobs/${id}`)).json()) as PublicJob;

/** The package as a player would get it, checked again here: every segment, the MPD against the ISO schema. */
async function expectVerified(mediaDir: string, videoId: string): Promise<void> {
  const dir = await realpath(path.join(mediaDir, videoId));
  const info = JSON.parse(await readFile(path.join(dir, 'info.json'), 'utf8')) as { source: { durationS: number }; renditions: Array<{ kind: string; frameRate?: number }> };
  const fps = info.renditions.find((r) => r.kind === 'video')!.frameRate!;
  await verifyPackage(dir, { durationS: info.source.durationS, frameS: 1 / fps });
  const schema = await validateMpd(path.join(dir, 'manifest.mpd'));
  expect(schema.ok, schema.output).toBe(true);
}

describe('an origin with JOBS_CONCURRENCY=0 and two workers on other machines', () => {
  let origin: Origin;
  let url: string;
  let mediaDir: string;
  const workerArgs = () => ['--origin', url, '--concurrency', '1', '--work-dir', path.join(work.dir, `worker-${workers.length}`)];
  const workerEnv = () => ({ REDIS_URL: redis.url, WORKER_TOKEN: TOKEN });

  beforeAll(async () => {
    mediaDir = path.join(work.dir, 'lib-a');
    ({ dashlab: origin, url } = await startServer({ mediaDir, redisUrl: redis.url, workerToken: TOKEN, jobsConcurrency: 0 }));
    workers.push(await spawnWorker(workerArgs(), workerEnv()), await spawnWorker(workerArgs(), workerEnv()));
  });
  afterAll(async () => {
    // Workers of this library stop with it: the next tests' origins are other libraries.
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await origin?.close();
  });

  it('three uploads, one worker killed with SIGKILL during its encode: the job goes to the other, and all three are published exactly once and verified', async () => {
    const clips = await Promise.all([1, 2, 3].map((n) => makeClip(path.join(work.dir, `talk-${n}.mp4`), { width: 640, height: 360, durationS: 24 })));
    const ups = [];
    for (const [i, clip] of clips.entries()) ups.push(await upload(url, clip, `Talk ${i + 1}`));
    // A job in its encode, on a worker we started: that worker dies without a word.
    const victim = await waitFor(async () => (await jobs(url)).find((j) => j.state === 'running' && j.phase === 'encode' && j.progress >= 5 && workers.some((w) => w.name === j.worker)), 120_000, 'a job encoding');
    const killed = workers.find((w) => w.name === victim.worker)!;
    await killed.kill();
    const killedAt = Date.now();
    // BullMQ's stalled check gives the job to the other worker: within lock (15 s) + check (10 s), with room for a busy machine.
    const again = await waitFor(async () => {
      const j = await jobOf(url, victim.id);
      return (j.state === 'running' || j.state === 'done') && j.worker !== killed.name ? j : undefined;
    }, 120_000, 'the killed worker\'s job taken by another worker');
    const requeueS = (Date.now() - killedAt) / 1000;
    expect(requeueS).toBeLessThan(60);
    for (const u of ups) await waitFor(async () => ((await jobOf(url, u.jobId)).state === 'done' ? true : undefined), 240_000, `job ${u.videoId} done`);
    for (const u of ups) {
      expect(published.get(u.videoId), `publishes of ${u.videoId}`).toBe(1);
      await expectVerified(mediaDir, u.videoId);
      const res = await fetch(`${url}/media/${u.videoId}/manifest.mpd`);
      expect(res.status).toBe(200);
    }
    expect((await jobOf(url, victim.id)).worker).not.toBe(killed.name);
    expect(again.id).toBe(victim.id);
    // One stored version per video (a second publish would have swapped in another), uploads gone, no staging left.
    const store = await readdir(path.join(mediaDir, '.store'));
    for (const u of ups) expect(store.filter((n) => n.startsWith(`${u.videoId}.`))).toHaveLength(1);
    expect(await readdir(path.join(mediaDir, SERVER_DIRS.uploads))).toEqual([]);
    expect((await readdir(path.join(mediaDir, '.tmp')).catch(() => [])).filter((n) => !n.endsWith('.link'))).toEqual([]);
    workers.splice(workers.indexOf(killed), 1);
    workers.push(await spawnWorker(workerArgs(), workerEnv()));
    console.log(`redis queue: the killed worker's job was running again on another worker ${requeueS.toFixed(1)} s after SIGKILL`);
  }, 420_000);

  it('a worker stopped (SIGTERM) mid-encode puts its job back in the queue at once, not counted as an attempt; another worker finishes it', async () => {
    const clip = await makeClip(path.join(work.dir, 'stopped.mp4'), { width: 640, height: 360, durationS: 30 });
    const u = await upload(url, clip, 'Stopped');
    const running = await waitFor(async () => {
      const j = await jobOf(url, u.jobId);
      return j.state === 'running' && j.phase === 'encode' && workers.some((w) => w.name === j.worker) ? j : undefined;
    }, 120_000, 'the job encoding');
    const stopped = workers.find((w) => w.name === running.worker)!;
    const stoppedAt = Date.now();
    await stopped.stop();
    expect(stopped.output()).toMatch(/putting running jobs back in the queue/);
    const again = await waitFor(async () => {
      const j = await jobOf(url, u.jobId);
      return j.worker !== stopped.name && (j.state === 'running' || j.state === 'done') ? j : undefined;
    }, 60_000, 'the job on another worker');
    // Well inside the 25 s a killed worker's job waits for the stalled check.
    expect((Date.now() - stoppedAt) / 1000).toBeLessThan(12);
    await waitFor(async () => ((await jobOf(url, u.jobId)).state === 'done' ? true : undefined), 180_000, 'the job done');
    expect(published.get(u.videoId)).toBe(1);
    expect(again.id).toBe(u.jobId);
    const db = new Redis(redis.url);
    expect((JSON.parse((await db.hget(KEYS.records, u.jobId))!) as { attempts: number }).attempts).toBe(1);
    db.disconnect();
    workers.splice(workers.indexOf(stopped), 1);
    workers.push(await spawnWorker(workerArgs(), workerEnv()));
  }, 300_000);

  it('a wrong token gets 401 and changes nothing; the origin refuses the worker routes to what an edge forwards', async () => {
    const clip = await makeClip(path.join(work.dir, 'short.mp4'), { width: 320, height: 180, durationS: 3 });
    const before = await readdir(mediaDir);
    const wrong = await fetch(`${url}/api/worker/health`, { headers: { Authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    const none = await fetch(`${url}/api/worker/jobs/x/upload`);
    expect(none.status).toBe(401);
    const put = await fetch(`${url}/api/worker/jobs/x/package?video=short`, { method: 'PUT', headers: { Authorization: 'Bearer wrong' }, body: await readFile(clip) });
    expect(put.status).toBe(401);
    expect(await readdir(mediaDir)).toEqual(before);
    const viaEdge = await fetch(`${url}/api/worker/health`, { headers: { Authorization: `Bearer ${TOKEN}`, 'X-Dashlab-Edge': '1' } });
    expect(viaEdge.status).toBe(403);
    // And the real edge (deploy/nginx/dashlab-edge.conf) in front of this origin: refused there, token or not.
    const edge = new EdgeNginx({ originPort: Number(new URL(url).port), port: await freePort(), dir: path.join(work.dir, 'edge'), cacheMb: 1 });
    await edge.start();
    try {
      const through = await fetch(`${edge.url}/api/worker/jobs/x/upload`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(through.status).toBe(403);
      expect(((await through.json()) as { error: string }).error).toMatch(/not served through an edge/);
      expect((await fetch(`${edge.url}/api/jobs`)).status).toBe(200); // the rest of the API passes
    } finally {
      await edge.stop();
    }
    const right = await fetch(`${url}/api/worker/health`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
  });

  it('a running job cancelled from the API: its worker stops, nothing is published, the upload goes; a retryable failure retried is packaged', async () => {
    const clip = await makeClip(path.join(work.dir, 'long-talk.mp4'), { width: 640, height: 360, durationS: 40 });
    const u = await upload(url, clip, 'Long talk');
    await waitFor(async () => ((await jobOf(url, u.jobId)).phase === 'encode' ? true : undefined), 120_000, 'the job encoding');
    const res = await fetch(`${url}/api/jobs/${u.jobId}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    const ended = (await res.json()) as PublicJob;
    expect(ended.state).toBe('failed');
    expect(ended.error).toMatch(/cancelled/);
    expect(published.get(u.videoId)).toBeUndefined();
    expect((await fetch(`${url}/media/${u.videoId}/manifest.mpd`)).status).toBe(404);
    await waitFor(async () => ((await readdir(path.join(mediaDir, SERVER_DIRS.uploads))).length === 0 ? true : undefined), 10_000, 'the upload deleted');

    // A failure that was not the file's (as a worker writes it), its upload kept: retried from the API.
    const db = new Redis(redis.url);
    const id = 'b5c0e1de-0000-4000-8000-000000000001';
    await copyFile(await makeClip(path.join(work.dir, 'retry.mp4'), { width: 320, height: 180, durationS: 4 }), path.join(mediaDir, SERVER_DIRS.uploads, 'retry-upload.mp4'));
    const now = new Date().toISOString();
    await db.hset(KEYS.records, id, JSON.stringify({ id, videoId: 'retried', title: 'Retried', state: 'failed', progress: 40, error: 'the disk was full', retryable: true, createdAt: now, finishedAt: now, upload: 'retry-upload.mp4', originalName: 'retry.mp4', attempts: 1, run: 1 }));
    db.disconnect();
    const r = await fetch(`${url}/api/jobs/${id}/retry`, { method: 'POST' });
    expect(r.status).toBe(202);
    await waitFor(async () => ((await jobOf(url, id)).state === 'done' ? true : undefined), 120_000, 'the retried job done');
    await expectVerified(mediaDir, 'retried');
    expect(published.get('retried')).toBe(1);
  }, 300_000);
});

describe('a worker on the origin\'s library (--media-dir: NFS, EFS)', () => {
  it('reads the upload and publishes in place, once, with nothing sent over HTTP', async () => {
    await flush();
    const mediaDir = path.join(work.dir, 'lib-nfs');
    const o = await startServer({ mediaDir, redisUrl: redis.url, jobsConcurrency: 0 });
    // No token and no origin: a worker on the shared disk needs neither.
    const w = await spawnWorker(['--media-dir', mediaDir], { REDIS_URL: redis.url, WORKER_TOKEN: '' });
    try {
      expect(w.output()).toMatch(/publishing in place in /);
      const u = await upload(o.url, await makeClip(path.join(work.dir, 'nfs.mp4'), { width: 320, height: 180, durationS: 4 }), 'On NFS');
      await waitFor(async () => ((await jobOf(o.url, u.jobId)).state === 'done' ? true : undefined), 120_000, 'the job done');
      await waitFor(async () => ((await fetch(`${o.url}/media/${u.videoId}/manifest.mpd`)).status === 200 ? true : undefined), 2_000, 'served');
      expect(published.get(u.videoId)).toBe(1);
      expect((await jobOf(o.url, u.jobId)).worker).toBe(w.name);
      await expectVerified(mediaDir, u.videoId);
      expect(await readdir(path.join(mediaDir, SERVER_DIRS.uploads))).toEqual([]);
    } finally {
      await w.stop();
      await o.dashlab.close();
    }
  }, 180_000);
});

describe('a worker that cannot reach the origin', () => {
  it('says so and retries with backoff, then takes jobs once the origin answers; the token is never printed', async () => {
    const port = await freePort();
    const w = await spawnWorker(['--origin', `http://127.0.0.1:${port}`, '--work-dir', path.join(work.dir, 'worker-late')], { REDIS_URL: redis.url, WORKER_TOKEN: TOKEN }, /cannot reach the origin; retrying in 2 s/);
    try {
      expect(w.output()).toMatch(/cannot reach the origin; retrying in 1 s.*ECONNREFUSED/);
      const o = await startServer({ port, mediaDir: path.join(work.dir, 'lib-late'), redisUrl: redis.url, workerToken: TOKEN, jobsConcurrency: 0 });
      try {
        await waitFor(async () => (/takes jobs from/.test(w.output()) ? true : undefined), 40_000, 'the worker to start');
      } finally {
        await w.stop();
        await o.dashlab.close();
      }
      expect(w.output()).not.toContain(TOKEN);
    } finally {
      await w.stop();
    }
  }, 120_000);
});

describe('two origins on one MEDIA_DIR and one Redis, behind the nginx balancer of deploy/', () => {
  it('answer alike (ETag, Last-Modified), take uploads either way, list every job, and serve a video published by either within a second', async () => {
    await flush();
    const mediaDir = path.join(work.dir, 'lib-shared');
    const a = await startServer({ mediaDir, redisUrl: redis.url, jobsConcurrency: 1, uploadToken: 'up', workerToken: TOKEN });
    const b = await startServer({ mediaDir, redisUrl: redis.url, jobsConcurrency: 0, uploadToken: 'up', workerToken: TOKEN });
    const lbPort = await freePort();
    const lb = await startOriginBalancer({ port: lbPort, originPorts: [Number(new URL(a.url).port), Number(new URL(b.url).port)], dir: path.join(work.dir, 'lb') });
    const lbUrl = `http://127.0.0.1:${lbPort}`;
    try {
      // An upload through the balancer (whichever origin takes it), packaged by origin A's own worker.
      const clip = await makeClip(path.join(work.dir, 'shared.mp4'), { width: 320, height: 180, durationS: 6 });
      const u = await upload(lbUrl, clip, 'Shared', { Authorization: 'Bearer up' });
      // Both origins list the job, whichever took it.
      for (const o of [a, b]) await waitFor(async () => ((await jobs(o.url)).some((j) => j.id === u.jobId) ? true : undefined), 5_000, 'the job listed on each origin');
      await waitFor(async () => ((await jobOf(b.url, u.jobId)).state === 'done' ? true : undefined), 120_000, 'the job done');
      const doneAt = Date.now();
      // Published by A (in place), reloaded by B through Redis pub/sub.
      await waitFor(async () => ((await fetch(`${b.url}/media/${u.videoId}/manifest.mpd`)).status === 200 ? true : undefined), 5_000, 'served by B');
      expect(Date.now() - doneAt).toBeLessThan(1000);
      // The same validators from A, from B, and from the balancer again and again.
      const seg = ((await (await fetch(`${a.url}/api/videos/${u.videoId}`)).json()) as { files: Record<string, unknown> }).files;
      const segment = Object.keys(seg).find((f) => f.endsWith('.m4s'))!;
      for (const file of ['manifest.mpd', 'master.m3u8', segment]) {
        const seen = new Set<string>();
        for (const base of [a.url, b.url, lbUrl, lbUrl, lbUrl, lbUrl]) {
          const res = await fetch(`${base}/media/${u.videoId}/${file}`);
          expect(res.status).toBe(200);
          await res.arrayBuffer();
          seen.add(`${res.headers.get('etag')} ${res.headers.get('last-modified')}`);
        }
        expect([...seen], file).toHaveLength(1);
      }
      // A conditional GET through the balancer: 304 whichever origin answers.
      const first = await fetch(`${lbUrl}/media/${u.videoId}/manifest.mpd`);
      await first.arrayBuffer();
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${lbUrl}/media/${u.videoId}/manifest.mpd`, { headers: { 'If-None-Match': first.headers.get('etag')! } });
        expect(res.status).toBe(304);
      }
      // Workers may reach the origins through the balancer.
      expect((await fetch(`${lbUrl}/api/worker/health`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      // A delete on B: A stops serving it too.
      const del = await fetch(`${b.url}/api/videos/${u.videoId}`, { method: 'DELETE', headers: { Authorization: 'Bearer up' } });
      expect(del.status).toBe(204);
      await waitFor(async () => ((await fetch(`${a.url}/media/${u.videoId}/manifest.mpd`)).status === 404 ? true : undefined), 2_000, 'the delete seen by A');
    } finally {
      await lb.stop();
      await a.dashlab.close();
      await b.dashlab.close();
    }
  }, 300_000);
});

describe('Redis restarted', () => {
  it('the queue and the job records survive (append-only file), and the origin and its worker reconnect and package the next upload', async () => {
    await flush();
    const mediaDir = path.join(work.dir, 'lib-restart');
    const o = await startServer({ mediaDir, redisUrl: redis.url, jobsConcurrency: 1 });
    try {
      const clip = await makeClip(path.join(work.dir, 'before.mp4'), { width: 320, height: 180, durationS: 3 });
      const before = await upload(o.url, clip, 'Before');
      await waitFor(async () => ((await jobOf(o.url, before.jobId)).state === 'done' ? true : undefined), 120_000, 'the first job done');
      await redis.stop();
      // Meanwhile the origin still lists its jobs and serves its videos.
      expect((await jobOf(o.url, before.jobId)).state).toBe('done');
      expect((await fetch(`${o.url}/media/${before.videoId}/manifest.mpd`)).status).toBe(200);
      await redis.restart();
      const db = new Redis(redis.url);
      expect(await db.hexists(KEYS.records, before.jobId)).toBe(1);
      db.disconnect();
      const after = await upload(o.url, await makeClip(path.join(work.dir, 'after.mp4'), { width: 320, height: 180, durationS: 3 }), 'After');
      await waitFor(async () => ((await jobOf(o.url, after.jobId)).state === 'done' ? true : undefined), 120_000, 'a job after the restart done');
      await expectVerified(mediaDir, after.videoId);
    } finally {
      await o.dashlab.close();
    }
  }, 300_000);
});
