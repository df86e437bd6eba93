/** The dashlab player in real Chromium against the real server. */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashlabServer } from '../../server/app.js';
import { packageVideo } from '../../server/packager/index.js';
import { launchBrowser } from '../helpers/browser.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { startServer } from '../helpers/server.js';

let work: { dir: string; cleanup: () => Promise<void> };
let dashlab: DashlabServer;
let url: string;
let browser: Browser;

beforeAll(async () => {
  work = await tempDir();
  const mediaDir = path.join(work.dir, 'library');
  const input = await makeClip(path.join(work.dir, 'clip.mp4'), { width: 640, height: 360, durationS: 12, audio: true });
  await packageVideo({ input, mediaDir, id: 'clip', ladder: '360p:700k,240p:300k' });
  ({ dashlab, url } = await startServer({ mediaDir }));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await dashlab?.close();
  await work?.cleanup();
});

type Stats = { state: string; stalls: { count: number; seconds: number }; error?: string; currentTimeS: number; frames: { total: number; dropped: number }; representation?: { index: number }; switches: unknown[]; requests: { network: number } };
const stats = (page: Page) => page.evaluate(() => (window as unknown as { dashlabPlayer?: { stats(): unknown } }).dashlabPlayer?.stats()) as Promise<Stats | undefined>;

async function waitForState(page: Page, states: string[], timeoutMs: number): Promise<Stats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await stats(page);
    if (s && states.includes(s.state)) return s;
    if (s?.state === 'error') throw new Error(`player error: ${s.error}`);
    if (Date.now() > deadline) throw new Error(`timed out; last stats ${JSON.stringify(s)}`);
    await page.waitForTimeout(250);
  }
}

describe('dashlab player', () => {
  it('plays the video from start to end without a stall', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/watch/clip?abr=dashlab`);
    const end = await waitForState(page, ['ended'], 60_000);
    expect(errors).toEqual([]);
    expect(end.error).toBeUndefined();
    expect(end.stalls.count).toBe(0);
    expect(end.currentTimeS).toBeGreaterThan(11.5);
    expect(end.frames.total).toBeGreaterThan(300);
    expect(end.requests.network).toBeGreaterThan(3);
    await page.close();
  });
});
