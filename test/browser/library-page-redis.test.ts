/**
 * The library page on the queue on Redis, in real Chromium: two origins on one library and one
 * Redis, a packaging worker in another process. A page on the origin that did not take the
 * uploads lists their jobs and follows one live (BullMQ's events, not polling) to the end, with
 * the worker that runs it; another is cancelled from the page: nothing published, the row says why.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startRedisServer, type RedisServer } from '../../scripts/lib/redis-server.js';
import { launchBrowser } from '../helpers/browser.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { spawnWorker, type ChildWorker } from '../helpers/queue.js';
import { startServer } from '../helpers/server.js';

const TOKEN = 'library-redis-worker-token';
let browser: Browser;
let work: Awaited<ReturnType<typeof tempDir>>;
let redis: RedisServer;
let a: Awaited<ReturnType<typeof startServer>>;
let b: Awaited<ReturnType<typeof startServer>>;
let worker: ChildWorker;

beforeAll(async () => {
  work = await tempDir();
  redis = await startRedisServer(path.join(work.dir, 'redis'));
  const mediaDir = path.join(work.dir, 'library');
  a = await startServer({ mediaDir, redisUrl: redis.url, workerToken: TOKEN, jobsConcurrency: 0 });
  b = await startServer({ mediaDir, redisUrl: redis.url, workerToken: TOKEN, jobsConcurrency: 0 });
  worker = await spawnWorker(['--origin', a.url, '--work-dir', path.join(work.dir, 'worker')], { REDIS_URL: redis.url, WORKER_TOKEN: TOKEN });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await a?.dashlab.close();
  await b?.dashlab.close();
  await redis?.stop();
  await work?.cleanup();
});

async function upload(url: string, file: string, title: string): Promise<{ jobId: string; videoId: string }> {
  const form = new FormData();
  form.append('title', title);
  form.append('file', new Blob([new Uint8Array(await readFile(file))]), path.basename(file));
  const res = await fetch(`${url}/api/videos`, { method: 'POST', body: form });
  expect(res.status).toBe(202);
  return (await res.json()) as { jobId: string; videoId: string };
}

describe('library page, packaging on Redis', () => {
  it('a page on one origin follows a job another origin took, with its worker, to the card; a job cancelled from the page publishes nothing', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Both uploaded to A; the page is B's, opened once A has them: it lists every job of the queue.
    const first = await upload(a.url, await makeClip(path.join(work.dir, 'talk.mp4'), { durationS: 20, width: 1280, height: 720 }), 'Redis talk');
    const second = await upload(a.url, await makeClip(path.join(work.dir, 'later.mp4'), { durationS: 20, width: 1280, height: 720 }), 'Waiting talk');
    await page.goto(b.url);
    // The job shows its progress and worker while it encodes.
    const row = page.locator(`li.job[data-job="${first.jobId}"]`);
    await page.waitForFunction((id) => / on .+:\d+/.test(document.querySelector(`li.job[data-job="${id}"] .what`)?.textContent ?? ''), first.jobId, { timeout: 60_000 });
    expect(await row.locator('.what').textContent()).toContain(`on ${worker.name}`);
    // The second waits behind it (one worker): cancelled from the page.
    page.on('dialog', (d) => void d.accept());
    await page.locator(`li.job[data-job="${second.jobId}"] button.cancel`).click();
    await page.waitForSelector(`li.job[data-job="${second.jobId}"][data-state=failed]`, { timeout: 30_000 });
    expect(await page.locator(`li.job[data-job="${second.jobId}"] .what`).textContent()).toMatch(/cancelled by the user/);
    // The first ends done with its link, and its card arrives on B's page without a reload.
    await page.waitForSelector(`li.job[data-job="${first.jobId}"][data-state=done] a[href="/watch/${first.videoId}"]`, { timeout: 120_000 });
    await page.waitForSelector(`li.card[data-id="${first.videoId}"]`, { timeout: 15_000 });
    expect((await fetch(`${b.url}/media/${second.videoId}/manifest.mpd`)).status).toBe(404);
    expect(errors).toEqual([]);
    await page.close();
  });
});
