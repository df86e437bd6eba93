/**
 * The library page's upload form, job list and delete buttons in real Chromium, on a server
 * with an UPLOAD_TOKEN: the form asks for the token and sends it as a bearer header (not as
 * form data); a wrong one gets the server's reason on the page; the right one uploads,
 * packages and links the video; delete works with it. A page opened later still lists the
 * jobs under way (following them to the end) and the last day's failures with their reasons.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { startServer, waitFor } from '../helpers/server.js';

const TOKEN = 'a-long-test-secret-0123456789';
let browser: Browser;
let work: Awaited<ReturnType<typeof tempDir>>;
let server: Awaited<ReturnType<typeof startServer>>;
let clip: string;

beforeAll(async () => {
  work = await tempDir();
  clip = await makeClip(path.join(work.dir, 'talk.mp4'), { durationS: 2, width: 320, height: 180 });
  browser = await launchBrowser();
  server = await startServer({ mediaDir: path.join(work.dir, 'library'), uploadToken: TOKEN });
});
afterAll(async () => {
  await browser?.close();
  await server?.dashlab.close();
  await work?.cleanup();
});

describe('library page with an upload token', () => {
  it('asks for the token, refuses a wrong one with the reason, uploads and packages with the right one, and deletes', async () => {
    const page = await browser.newPage();
    const uploads: Array<{ auth?: string; body: string }> = [];
    page.on('request', (r) => void (r.url().endsWith('/api/videos') && r.method() === 'POST' && uploads.push({ auth: r.headers().authorization, body: r.postDataBuffer()?.toString('latin1') ?? '' })));
    await page.goto(server.url);
    await page.setInputFiles('#upload input[type=file]', clip);
    await page.fill('#upload input[name=title]', 'Token talk');
    await page.fill('#token', 'wrong');
    await page.click('#upload button');
    await page.waitForFunction(() => /wrong token/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 15_000 });
    expect((await (await fetch(`${server.url}/api/videos`)).json()) as unknown[]).toHaveLength(0);

    await page.fill('#token', TOKEN);
    await page.click('#upload button');
    await page.waitForSelector('li.job[data-state=done] a[href^="/watch/"]', { timeout: 60_000 });
    expect(uploads.map((u) => u.auth)).toEqual(['Bearer wrong', `Bearer ${TOKEN}`]);
    expect(uploads.every((u) => !u.body.includes(TOKEN) && !u.body.includes('wrong'))).toBe(true);
    const videos = (await (await fetch(`${server.url}/api/videos`)).json()) as Array<{ id: string; title: string }>;
    expect(videos.map((v) => v.title)).toEqual(['Token talk']);

    // The form is ready for the next upload, and the "uploaded" note went with the job's end.
    expect(await page.inputValue('#upload input[name=title]')).toBe('');
    expect(await page.evaluate(() => (document.querySelector('#upload input[type=file]') as HTMLInputElement).files!.length)).toBe(0);
    await page.waitForFunction(() => document.getElementById('status')!.textContent === '', null, { timeout: 5000 });
    // The new card arrives without a reload; the token is remembered for the tab, and delete uses it.
    await page.waitForSelector(`li.card[data-id="${videos[0].id}"]`, { timeout: 15_000 });
    expect(await page.inputValue('#token')).toBe(TOKEN);
    page.on('dialog', (d) => void d.accept());
    await page.click(`button.delete[data-id="${videos[0].id}"]`);
    await page.waitForSelector(`li.card[data-id="${videos[0].id}"]`, { state: 'detached', timeout: 15_000 });
    expect((await (await fetch(`${server.url}/api/videos`)).json()) as unknown[]).toHaveLength(0);
    await page.close();
  });

  it('a page opened later lists the jobs under way and follows them, and says why a recent one failed', async () => {
    const upload = async (file: string, title: string) => {
      const form = new FormData();
      form.append('title', title);
      form.append('file', new Blob([await readFile(file)]), path.basename(file));
      const res = await fetch(`${server.url}/api/videos`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(202);
      return (await res.json()) as { jobId: string; videoId: string };
    };
    const jobState = async (id: string) => ((await (await fetch(`${server.url}/api/jobs/${id}`)).json()) as { state: string }).state;
    // Its index and first frames are intact, so the upload is accepted; the rest is zeros, which ffmpeg cannot decode.
    const broken = await makeClip(path.join(work.dir, 'broken.mp4'), { durationS: 6, faststart: true, audio: false });
    const bytes = await readFile(broken);
    bytes.fill(0, Math.floor(bytes.length / 4), bytes.length - 1000);
    await writeFile(broken, bytes);
    const failed = await upload(broken, 'Broken');
    await waitFor(async () => ((await jobState(failed.jobId)) === 'failed' ? true : undefined), 60_000, 'the truncated upload to fail');

    // Long enough to be under way when the page opens; a title that tries to end the page's script.
    const long = await makeClip(path.join(work.dir, 'long.mp4'), { durationS: 20, width: 1280, height: 720 });
    const title = '</script><b>bold</b> "quoted"';
    const running = await upload(long, title);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    const row = page.locator(`li.job[data-job="${running.jobId}"]`);
    expect(await row.getAttribute('data-state')).toMatch(/^(queued|running)$/);
    expect(await row.locator('.title').textContent()).toBe(title);
    expect(await page.locator('b', { hasText: 'bold' }).count()).toBe(0);
    // Under way first, then failures, as the server ordered them.
    expect(await page.locator('li.job').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.job))).toEqual([running.jobId, failed.jobId]);
    const failedRow = page.locator(`li.job[data-job="${failed.jobId}"]`);
    expect(await failedRow.getAttribute('data-state')).toBe('failed');
    expect(await failedRow.locator('.what').textContent()).toMatch(/^failed: broken\.mp4: the video is damaged (about [0-9.]+ s in|from the start), where ffmpeg cannot decode it \(.*Invalid data found/);
    // The running job is followed to its end and the new video's card appears, without a
    // reload: what the user was typing (or uploading) meanwhile is still there.
    await page.evaluate(() => void ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    await page.fill('#upload input[name=title]', 'half-typed');
    await page.waitForSelector(`li.job[data-job="${running.jobId}"][data-state=done] a[href="/watch/${running.videoId}"]`, { timeout: 120_000 });
    await page.waitForSelector(`li.card[data-id="${running.videoId}"]`, { timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(await page.inputValue('#upload input[name=title]')).toBe('half-typed');
    expect(await page.textContent('#count')).toMatch(/^\d+ videos?$/);
    expect(await page.locator(`li.job[data-job="${failed.jobId}"][data-state=failed]`).count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('follows many jobs on one stream, so the six connections a browser opens to a host stay free for the page', async () => {
    // A long one first, so the seven after it stay queued while the page is looked at.
    const long = await makeClip(path.join(work.dir, 'many-long.mp4'), { durationS: 20, width: 1280, height: 720 });
    const clip = await makeClip(path.join(work.dir, 'short.mp4'), { durationS: 1.5, width: 320, height: 180, audio: false });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const form = new FormData();
      form.append('title', `Many ${i}`);
      form.append('file', new Blob([await readFile(i ? clip : long)]), 'clip.mp4');
      const res = await fetch(`${server.url}/api/videos`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { videoId: string }).videoId);
    }
    const page = await browser.newPage();
    await page.goto(server.url);
    expect(await page.locator('li.job[data-state=queued], li.job[data-state=running]').count()).toBe(8);
    // With a stream per job this fetch would wait for a free connection until the jobs ended.
    const status = await page.evaluate(() => Promise.race([fetch('/api/videos').then((r) => r.status), new Promise((resolve) => setTimeout(() => resolve('no connection left'), 5000))]));
    expect(status).toBe(200);
    // Every one is followed to its end: the page ends with no job under way and every new video listed.
    await page.waitForFunction((videos) => videos.every((id) => document.querySelector(`li.card[data-id="${id}"]`)) && !document.querySelector('li.job[data-state=queued], li.job[data-state=running]'), ids, { timeout: 240_000, polling: 500 });
    await page.close();
  }, 300_000);

  it('shows no token field when the server needs none', async () => {
    const open = await startServer({ mediaDir: path.join(work.dir, 'open-library') });
    try {
      const html = await (await fetch(open.url)).text();
      expect(html).toContain('id="upload"');
      expect(html).not.toContain('id="token"');
      expect(await (await fetch(server.url)).text()).toContain('id="token"');
    } finally {
      await open.dashlab.close();
    }
  });
});
