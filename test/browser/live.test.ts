/**
 * Live in real Chromium on a test-source channel (2 s segments of 0.5 s chunks, loopback):
 * our player's latency over 60 s, dash.js's and hls.js's printed beside it; a late viewer
 * starting at the live edge; a seek 30 s back into the window and "Go to live"; a seek a
 * sliver before the buffered media; a link stepping 8 -> 1 -> 8 Mbit/s; and viewers told when
 * the channel stops.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { EdgeNginx } from '../../server/cdn/nginx.js';
import { freePort } from '../../server/free-port.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { browserFixture, playerStats, waitForStats, type PageStats } from '../helpers/browser.js';

let fx: Awaited<ReturnType<typeof browserFixture>>;
let url: string;
/** The channel's availabilityStartTime (ms): its presentation time 0. */
let astMs: number;

beforeAll(async () => {
  fx = await browserFixture(async () => undefined);
  url = fx.url;
  const res = await fetch(`${url}/api/channels`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: 'clock', source: 'testsrc' }) });
  expect(res.status).toBe(201);
  astMs = Date.parse(((await res.json()) as { availabilityStartTime: string }).availabilityStartTime);
}, 120_000);
afterAll(async () => {
  await fx?.close();
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];

/** Latency samples every 500 ms for `seconds`, and the stats at the start and the end. */
async function watchLatency(page: Page, seconds: number): Promise<{ samples: number[]; first: PageStats; last: PageStats }> {
  const first = (await playerStats(page))!;
  const samples: number[] = [];
  let last = first;
  for (let i = 0; i < seconds * 2; i++) {
    await page.waitForTimeout(500);
    last = (await playerStats(page))!;
    if (last.live?.latencyS !== undefined) samples.push(last.live.latencyS);
  }
  return { samples, first, last };
}

const fmt = (xs: number[]) => `median ${median(xs).toFixed(2)} s, p95 ${quantile(xs, 0.95).toFixed(2)} s`;

it('holds a median latency of at most 2.0 s over 60 s without a stall (dash.js on the same channel printed)', async () => {
  const page = await fx.browser.newPage();
  await page.goto(`${url}/watch/clock`);
  // Settled: playing, near its target.
  await waitForStats(page, (s) => s.state === 'playing' && (s.live?.latencyS ?? 9) < 2.2, 30_000, 'playing near the target latency');
  const { samples, first, last } = await watchLatency(page, 60);
  console.log(`dashlab player, live latency over 60 s: ${fmt(samples)}; stalls ${last.stalls.count - first.stalls.count}; rendition ${last.representation?.height}p`);
  expect(median(samples)).toBeLessThanOrEqual(2.0);
  expect(last.stalls.count - first.stalls.count).toBe(0);
  expect(last.live!.targetLatencyS).toBe(1.5);
  expect(last.representation?.height).toBe(720);
  await page.close();

  const dash = await fx.browser.newPage();
  await dash.goto(`${url}/watch/clock?engine=dashjs`);
  await waitForStats(dash, (s) => s.state === 'playing' && s.live?.latencyS !== undefined, 30_000, 'dash.js playing');
  await dash.waitForTimeout(5000);
  const d = await watchLatency(dash, 30);
  console.log(`dash.js ${'(low-latency mode, from our MPD)'}, live latency over 30 s: ${fmt(d.samples)}; stalls ${d.last.stalls.count - d.first.stalls.count}`);
  expect(d.samples.length).toBeGreaterThan(30);
  await dash.close();

  const hls = await fx.browser.newPage();
  await hls.goto(`${url}/watch/clock?engine=hlsjs`);
  await waitForStats(hls, (s) => s.state === 'playing' && s.live?.latencyS !== undefined, 30_000, 'hls.js playing');
  const h = await watchLatency(hls, 10);
  console.log(`hls.js (LL-HLS over the same segments: parts, blocking reloads), live latency over 10 s: ${fmt(h.samples)}`);
  expect(h.last.currentTimeS).toBeGreaterThan(h.first.currentTimeS + 5);
  await hls.close();
}, 300_000);

it('a late viewer starts at the live edge; a seek 30 s back plays, and "Go to live" returns', async () => {
  const page = await fx.browser.newPage();
  const t0 = Date.now();
  await page.goto(`${url}/watch/clock`);
  const s = await waitForStats(page, (x) => x.state === 'playing' && x.live?.latencyS !== undefined && x.currentTimeS > 0, 20_000, 'playing');
  console.log(`late viewer: playing ${((Date.now() - t0) / 1000).toFixed(1)} s after opening the page, ${s.live!.latencyS?.toFixed(2)} s behind live at ${s.currentTimeS.toFixed(1)} s`);
  // At the edge: the picture is the one made a latency ago, by the channel's clock (not its start).
  expect(s.currentTimeS).toBeGreaterThan((Date.now() - astMs) / 1000 - 4);
  // Within the MPD's maximum latency from the first frame (the start jumps to the target; a busy machine's decoder starts late).
  expect(s.live!.latencyS!).toBeLessThan(4);
  // 30 s back needs 30 s of channel (when this test runs alone).
  await page.waitForTimeout(Math.max(0, astMs + 35_000 - Date.now()));

  await page.evaluate(() => {
    const v = document.querySelector('video')!;
    v.currentTime -= 30;
  });
  const back = await waitForStats(page, (x) => x.state === 'playing' && (x.live?.latencyS ?? 0) > 28 && x.live?.atEdge === false, 20_000, 'playing 30 s behind');
  await page.waitForTimeout(3000);
  const later = (await playerStats(page))!;
  expect(later.currentTimeS).toBeGreaterThan(back.currentTimeS + 2); // it plays there
  expect(later.live!.latencyS!).toBeGreaterThan(28); // at rate 1, not catching up
  expect(await page.textContent('#golive')).toBe('Go to live');

  await page.click('#golive');
  const live = await waitForStats(page, (x) => x.state === 'playing' && (x.live?.latencyS ?? 99) < 3 && x.live?.atEdge === true, 20_000, 'back at the live edge');
  expect(live.live!.latencyS!).toBeLessThan(3);
  await page.close();
}, 120_000);

it('a seek landing a sliver before the oldest buffered frame plays (Chromium stays seeking there on its own)', async () => {
  // The live start once landed 45 ms before its media (audio and video begin apart) and never
  // played: 2 of 60 loads here, and once in CI. A seek just before what is buffered is that case, every time.
  const page = await fx.browser.newPage();
  await page.goto(`${url}/watch/clock?net=8000kbps`);
  await waitForStats(page, (s) => s.state === 'playing', 20_000, 'playing');
  const { start, to } = await page.evaluate(() => {
    const v = document.querySelector('video')!;
    const start = v.buffered.start(0);
    v.currentTime = start - 0.05;
    return { start, to: v.currentTime };
  });
  expect(to).toBeLessThan(start); // the channel is old enough that the window reaches before the buffer
  await page.waitForFunction(() => { const v = document.querySelector('video')!; return !v.seeking && v.readyState >= 3; }, undefined, { timeout: 5000 });
  expect(await page.evaluate(() => document.querySelector('video')!.currentTime)).toBeGreaterThanOrEqual(start);
  await page.close();
}, 60_000);

it('on a link stepping 8 -> 1 -> 8 Mbit/s: down and up again, at most one stall, back at the target within 10 s of the restore', async () => {
  const page = await fx.browser.newPage();
  await page.goto(`${url}/watch/clock?net=8000kbps`);
  await waitForStats(page, (s) => s.state === 'playing' && s.fetching?.height === 720, 40_000, '720p on 8 Mbit/s');
  const link = await page.evaluate(() => (window as unknown as { dashlabPlayer: { link: string } }).dashlabPlayer.link);
  const put = (profile: string) => fetch(`${url}/api/links/${link}`, { method: 'PUT', body: JSON.stringify({ profile }), headers: { 'content-type': 'application/json' } });
  const before = (await playerStats(page))!;
  expect((await put('1000kbps')).status).toBe(200);
  const down = await waitForStats(page, (s) => (s.fetching?.height ?? 999) <= 360, 20_000, 'at most 360p on 1 Mbit/s');
  await page.waitForTimeout(8000);
  expect((await put('8000kbps')).status).toBe(200);
  const restored = Date.now();
  const up = await waitForStats(page, (s) => s.fetching?.height === 720, 30_000, '720p again');
  const settled = await waitForStats(page, (s) => (s.live?.latencyS ?? 99) <= s.live!.targetLatencyS + 0.5, 15_000, 'back at the target latency');
  const backS = (Date.now() - restored) / 1000;
  console.log(`step 8 -> 1 -> 8 Mbit/s: down to ${down.fetching?.height}p, up to 720p ${((Date.now() - restored) / 1000).toFixed(1)} s after the restore; stalls ${settled.stalls.count - before.stalls.count}; latency ${settled.live!.latencyS!.toFixed(2)} s ${backS.toFixed(1)} s after the restore`);
  expect(up.fetching?.height).toBe(720);
  expect(settled.stalls.count - before.stalls.count).toBeLessThanOrEqual(1);
  expect(backS).toBeLessThanOrEqual(10);
  await page.close();
}, 180_000);

it('/compare plays a live channel side by side, each player on its own link', async () => {
  const page = await fx.browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${url}/compare?video=clock&players=dashlab,dashjs&net=8000kbps`);
  const deadline = Date.now() + 60_000;
  let s: Array<PageStats | undefined> = [];
  for (;;) {
    s = (await page.evaluate(() => (window as unknown as { dashlabCompare?: { stats(): unknown[] } }).dashlabCompare?.stats() ?? [])) as Array<PageStats | undefined>;
    if (s.length === 2 && s.every((x) => x?.state === 'playing' && x.live?.latencyS !== undefined)) break;
    if (Date.now() > deadline) throw new Error(`players did not start: ${JSON.stringify(s)}`);
    await page.waitForTimeout(500);
  }
  console.log(`/compare on the live channel: latency ${s.map((x) => x!.live!.latencyS!.toFixed(2)).join(' s and ')} s`);
  expect(s.every((x) => x!.live!.latencyS! < 6)).toBe(true);
  await page.close();
}, 90_000);

it('plays through the nginx edge (deploy/nginx), its segments cached there', async () => {
  const nginx = new EdgeNginx({ originPort: Number(new URL(url).port), port: await freePort(), dir: path.join(fx.workDir, 'nginx'), cacheMb: 256 });
  await nginx.start();
  try {
    const page = await fx.browser.newPage();
    await page.goto(`${url}/watch?src=${encodeURIComponent(`${nginx.url}/live/clock/manifest.mpd`)}`);
    await waitForStats(page, (s) => s.state === 'playing' && s.live?.latencyS !== undefined, 30_000, 'playing through the edge');
    const { samples, first, last } = await watchLatency(page, 15);
    console.log(`through the nginx edge: ${fmt(samples)}; stalls ${last.stalls.count - first.stalls.count}`);
    expect(median(samples)).toBeLessThan(4);
    expect(last.currentTimeS).toBeGreaterThan(first.currentTimeS + 10);
    // What it played went through the edge's cache.
    expect((await readdir(nginx.cacheDir, { recursive: true })).length).toBeGreaterThan(10);
    await page.close();
  } finally {
    await nginx.stop();
  }
}, 90_000);

it('viewers are told when the channel stops', async () => {
  const page = await fx.browser.newPage();
  await page.goto(`${url}/watch/clock`);
  await waitForStats(page, (s) => s.state === 'playing', 20_000, 'playing');
  expect((await fetch(`${url}/api/channels/clock`, { method: 'DELETE' })).status).toBe(200);
  const over = await waitForStats(page, (s) => s.live?.ended === true, 10_000, 'the player to learn the stream ended');
  expect(over.live!.ended).toBe(true);
  await page.waitForFunction(() => document.querySelector('#live-text')?.textContent === 'The stream has ended.', undefined, { timeout: 10_000 });
  await page.close();
}, 60_000);

it('goes live from the library page, and stops from it', async () => {
  const page = await fx.browser.newPage();
  await page.goto(url);
  await page.fill('#golive-form [name=id]', 'from-page');
  await page.selectOption('#golive-form [name=source]', 'testsrc');
  await page.click('#golive-form button');
  await page.waitForURL(/\/watch\/from-page$/, { timeout: 30_000 });
  await waitForStats(page, (s) => s.state === 'playing' && s.live?.latencyS !== undefined, 30_000, 'the new channel playing');
  await page.goto(url);
  page.once('dialog', (d) => void d.accept());
  await page.click('.chan[data-id="from-page"] button.stop-live');
  await page.waitForSelector('.chan[data-id="from-page"][data-state="stopped"]', { timeout: 15_000 });
  await page.close();
}, 90_000);
