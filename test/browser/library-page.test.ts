/**
 * The library page's upload form and delete buttons in real Chromium, on a server with an
 * UPLOAD_TOKEN: the form asks for the token and sends it as a bearer header (not as form
 * data); a wrong one gets the server's reason on the page; the right one uploads, packages
 * and links the video; delete works with it.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { startServer } from '../helpers/server.js';

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
    await page.waitForSelector('#status a[href^="/watch/"]', { timeout: 60_000 });
    expect(uploads.map((u) => u.auth)).toEqual(['Bearer wrong', `Bearer ${TOKEN}`]);
    expect(uploads.every((u) => !u.body.includes(TOKEN) && !u.body.includes('wrong'))).toBe(true);
    const videos = (await (await fetch(`${server.url}/api/videos`)).json()) as Array<{ id: string; title: string }>;
    expect(videos.map((v) => v.title)).toEqual(['Token talk']);

    // After the reload the token is remembered for the tab; delete uses it.
    await page.waitForSelector(`li.card[data-id="${videos[0].id}"]`, { timeout: 15_000 });
    expect(await page.inputValue('#token')).toBe(TOKEN);
    page.on('dialog', (d) => void d.accept());
    await page.click(`button.delete[data-id="${videos[0].id}"]`);
    await page.waitForSelector(`li.card[data-id="${videos[0].id}"]`, { state: 'detached', timeout: 15_000 });
    expect((await (await fetch(`${server.url}/api/videos`)).json()) as unknown[]).toHaveLength(0);
    await page.close();
  });

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
