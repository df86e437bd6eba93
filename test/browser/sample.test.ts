/**
 * The built-in sample (60 s, 1080p30, five rungs and audio), packaged by `npm run sample`'s
 * code, plays from start to end on loopback without a stall in real Chromium.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SAMPLE_MASTER } from '../../server/config.js';
import { packageSample } from '../../server/packager/index.js';
import { browserFixture, waitForStats } from '../helpers/browser.js';

let fx: Awaited<ReturnType<typeof browserFixture>>;

beforeAll(async () => {
  // The master is made once (media/masters/, git-ignored) and reused by npm start.
  fx = await browserFixture((mediaDir) => packageSample({ mediaDir, masterPath: SAMPLE_MASTER }).then(() => undefined));
}, 900_000);
afterAll(async () => {
  await fx?.close();
});

it('the sample plays from start to end without a stall', async () => {
  const page = await fx.browser.newPage();
  await page.goto(`${fx.url}/watch/sample`);
  const s = await waitForStats(page, (x) => x.state === 'ended', 120_000, 'the end of the sample');
  expect(s.error).toBeUndefined();
  expect(s.stalls.count).toBe(0);
  expect(s.currentTimeS).toBeGreaterThan(59.5);
  await page.close();
}, 180_000);
