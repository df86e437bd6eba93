/**
 * The built-in sample (60 s, 1080p30, five rungs and audio), packaged by `npm run sample`'s
 * code, plays from start to end on loopback without a stall in real Chromium.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DashlabServer } from '../../server/app.js';
import { SAMPLE_MASTER } from '../../server/config.js';
import { packageSample } from '../../server/packager/index.js';
import { launchBrowser } from '../helpers/browser.js';
import { tempDir } from '../helpers/media.js';
import { startServer } from '../helpers/server.js';

let work: { dir: string; cleanup: () => Promise<void> };
let dashlab: DashlabServer;
let url: string;
let browser: Browser;

beforeAll(async () => {
  work = await tempDir();
  const mediaDir = path.join(work.dir, 'library');
  // The master is made once (media/masters/, git-ignored) and reused by npm start.
  await packageSample({ mediaDir, masterPath: SAMPLE_MASTER });
  ({ dashlab, url } = await startServer({ mediaDir }));
  browser = await launchBrowser();
}, 900_000);
afterAll(async () => {
  await browser?.close();
  await dashlab?.close();
  await work?.cleanup();
});

it('the sample plays from start to end without a stall', async () => {
  const page = await browser.newPage();
  await page.goto(`${url}/watch/sample`);
  const deadline = Date.now() + 120_000;
  type Stats = { state: string; stalls: { count: number }; currentTimeS: number; error?: string };
  let s: Stats | undefined;
  for (;;) {
    s = (await page.evaluate(() => (window as unknown as { dashlabPlayer?: { stats(): unknown } }).dashlabPlayer?.stats())) as Stats | undefined;
    if (s?.state === 'ended' || s?.state === 'error' || Date.now() > deadline) break;
    await page.waitForTimeout(500);
  }
  expect(s?.error).toBeUndefined();
  expect(s?.state).toBe('ended');
  expect(s?.stalls.count).toBe(0);
  expect(s?.currentTimeS).toBeGreaterThan(59.5);
  await page.close();
}, 180_000);
