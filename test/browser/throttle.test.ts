/**
 * Throttling live: the player plays unthrottled at the top quality; its link is cut to
 * 600 kbit/s and it moves to the lowest rung within a few segments without a long stall;
 * the link is restored and it climbs back.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packageVideo } from '../../server/packager/index.js';
import { browserFixture, waitForStats as until, type PageStats as Stats } from '../helpers/browser.js';
import { makeClip } from '../helpers/media.js';

let fx: Awaited<ReturnType<typeof browserFixture>>;
let url: string;
let browser: Awaited<ReturnType<typeof browserFixture>>['browser'];

beforeAll(async () => {
  fx = await browserFixture(async (mediaDir, dir) => {
    const input = await makeClip(path.join(dir, 'clip.mp4'), { width: 640, height: 360, durationS: 90, audio: true });
    await packageVideo({ input, mediaDir, id: 'throttle', ladder: '360p:1600k,240p:700k,144p:250k' });
  });
  ({ url, browser } = fx);
}, 300_000);
afterAll(async () => {
  await fx?.close();
});

it('drops to the lowest rung when the link is cut to 600 kbit/s, and climbs back when it is restored', async () => {
  const page = await browser.newPage();
  await page.goto(`${url}/watch/throttle?net=50mbps&abr=dashlab`);
  await until(page, (s) => s.state === 'playing' && s.representation?.index === 2, 30_000, 'the top rung, unthrottled');
  const link = await page.evaluate(() => (window as unknown as { dashlabPlayer: { link: string } }).dashlabPlayer.link);
  expect(link).toBeTruthy();
  const put = (profile: string) => fetch(`${url}/api/links/${link}`, { method: 'PUT', body: JSON.stringify({ profile }), headers: { 'content-type': 'application/json' } });

  expect((await put('600kbps')).status).toBe(200);
  const low = await until(page, (s) => s.representation?.index === 0, 45_000, 'the lowest rung at 600 kbit/s');
  expect(low.stalls.seconds).toBeLessThan(3);

  expect((await put('50mbps')).status).toBe(200);
  const back = await until(page, (s) => s.representation?.index === 2, 45_000, 'the top rung again');
  expect(back.stalls.seconds).toBeLessThan(3);
  expect(back.state).not.toBe('error');
  await page.close();
}, 180_000);

it('the compare page plays players side by side, each on its own link of the same profile', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${url}/compare?video=throttle&players=dashlab:bola,dashjs&net=1500kbps`);
  const deadline = Date.now() + 60_000;
  let s: Array<Stats | undefined> = [];
  for (;;) {
    s = (await page.evaluate(() => (window as unknown as { dashlabCompare?: { stats(): unknown[] } }).dashlabCompare?.stats() ?? [])) as Array<Stats | undefined>;
    if (s.length === 2 && s.every((x) => x?.state === 'playing' && x.currentTimeS > 2)) break;
    if (Date.now() > deadline) throw new Error(`players did not start: ${JSON.stringify(s)}`);
    await page.waitForTimeout(500);
  }
  const links = await page.evaluate(() => (window as unknown as { dashlabCompare: { links: string[] } }).dashlabCompare.links);
  expect(new Set(links).size).toBe(2);
  for (const id of links) {
    const l = (await (await fetch(`${url}/api/links/${id}`)).json()) as { profile: string; rateKbps: number; bytesSent: number };
    expect(l).toMatchObject({ profile: '1500kbps', rateKbps: 1500 });
    expect(l.bytesSent).toBeGreaterThan(100_000); // each player streams through its own link
  }
  await page.close();
}, 120_000);
