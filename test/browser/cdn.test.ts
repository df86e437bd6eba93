/**
 * Players on the CDN tier in real Chromium: our player and dash.js follow the origin's Content
 * Steering; an edge killed mid-playback costs no stall and steering moves players off it within
 * a TTL; the CMCD our player sends is what the servers read; /cdn shows it all.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cmcdOfRequest, type CmcdData } from '../../core/cdn/cmcd.js';
import { packageVideo } from '../../server/packager/index.js';
import { launchBrowser, playerStats, waitForMedia, waitForStats } from '../helpers/browser.js';
import { startCdn, type TestCdn } from '../helpers/cdn.js';
import { makeClip, tempDir } from '../helpers/media.js';

let work: { dir: string; cleanup: () => Promise<void> };
let cdn: TestCdn;
let browser: Browser;

type Snapshot = ReturnType<TestCdn['tier']['snapshot']>;
const api = async (): Promise<Snapshot> => (await fetch(`${cdn.originUrl}/api/cdn`)).json() as Promise<Snapshot>;
const portOf = (i: number) => String(cdn.tier.edges[i].spec.port);

interface Extra {
  cmcd?: { sid: string };
  steering?: { priority: string[] };
  sources: Array<{ source: string; downloads: number }>;
}
const extra = async (page: Page) => (await playerStats(page)) as unknown as Extra;

/** Every request the page makes to an edge or the steering server, as they happen. */
function watchRequests(page: Page) {
  const seen: Array<{ url: URL; cmcd?: CmcdData }> = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    seen.push({ url, cmcd: cmcdOfRequest(url.search) });
  });
  return seen;
}

beforeAll(async () => {
  work = await tempDir('dashlab-cdn-browser-');
  const mediaDir = path.join(work.dir, 'library');
  const input = await makeClip(path.join(work.dir, 'clip.mp4'), { width: 640, height: 360, durationS: 40 });
  await packageVideo({ input, mediaDir, id: 'clip', ladder: '360p:900k,240p:400k' });
  cdn = await startCdn({ mediaDir, edges: [{ profile: '20mbps-10ms' }, { profile: '20mbps-20ms' }], ttlS: 2 });
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await cdn?.stop();
  await work?.cleanup();
});

it('our player follows steering, sends CMCD the servers read, and plays on without a stall when its edge is killed', async () => {
  const page = await browser.newPage();
  try {
    await ourPlayerThroughAKill(page);
  } finally {
    await page.close();
    // edge-1 back for the next tests, whatever happened here.
    if (!cdn.tier.edges[0].nginx.running) await fetch(`${cdn.originUrl}/api/cdn/edges/edge-1/start`, { method: 'POST' });
  }
}, 180_000);

async function ourPlayerThroughAKill(page: Page): Promise<void> {
  const requests = watchRequests(page);
  await page.goto(`${cdn.originUrl}/watch/clip?cdn=steering`);
  await waitForStats(page, (s) => s.state === 'playing' && s.currentTimeS > 4, 60_000, 'playing from the edges');
  const first = await extra(page);
  expect(first.steering?.priority.slice(0, 2)).toEqual(['edge-1', 'edge-2']);
  const fromEdge = (i: number) => requests.filter((r) => r.url.port === portOf(i) && r.url.pathname.endsWith('.m4s')).length;
  expect(fromEdge(0)).toBeGreaterThan(0);
  expect(fromEdge(1)).toBe(0);
  expect(requests.some((r) => r.url.pathname === '/cdn/steering')).toBe(true);

  // What the servers read of our player equals what it sent.
  const sid = first.cmcd!.sid;
  const sent = requests.filter((r) => r.cmcd?.sid === sid);
  expect(sent.length).toBeGreaterThan(2);
  const seen = (await api()).players.find((p) => p.sid === sid)!;
  expect(seen.cid).toBe('clip');
  expect(seen.segments.length).toBe(sent.filter((r) => r.cmcd!.ot === 'v' || r.cmcd!.ot === 'a').length);
  expect(sent.some((r) => r.cmcd!.bl === seen.bufferMs && r.cmcd!.mtp === seen.throughputKbps)).toBe(true);
  expect(sent.filter((r) => r.cmcd!.ot === 'v').map((r) => r.cmcd!.br)).toContain(seen.bitrateKbps);

  // edge-1 dies.
  await cdn.tier.edges[0].nginx.kill();
  const killedAt = Date.now();
  const after = await waitForStats(page, (s) => (s as unknown as Extra).steering?.priority.includes('edge-1') === false, 10_000, 'a steering answer without edge-1');
  expect((Date.now() - killedAt) / 1000).toBeLessThan(2 + 1.5); // one TTL, and the health check's half second
  const moved = fromEdge(1);
  const s = await waitForMedia(page, () => fromEdge(1) >= moved + 3, 'segments from edge-2', { mediaS: 16 });
  expect(s.stalls.count).toBe(0);
  expect(after.stalls.count).toBe(0);
  const players = (await api()).players.find((p) => p.sid === sid)!;
  expect(players.segments.at(-1)?.edge).toBe('edge-2');
  // Started again from the API, it is back in the steering answer.
  expect(await (await fetch(`${cdn.originUrl}/api/cdn/edges/edge-1/start`, { method: 'POST' })).json()).toEqual({ id: 'edge-1', up: true });
}

/**
 * A reference player (dash.js or hls.js) on the steered manifest: first on edge-1; then edge-1's
 * link turns slow (1 Mbit/s) and the player must move its segments to edge-2, following the
 * steering server's next answer, without a stall. Returns the page's requests, for what each
 * engine says to the steering server.
 */
async function followsSteering(engine: 'dashjs' | 'hlsjs'): Promise<Array<{ url: URL; cmcd?: CmcdData }>> {
  const put = (profile: string) => fetch(`${cdn.originUrl}/api/cdn/edges/edge-1`, { method: 'PUT', body: JSON.stringify({ profile }), headers: { 'content-type': 'application/json' } });
  const page = await browser.newPage();
  try {
    const requests = watchRequests(page);
    await page.goto(`${cdn.originUrl}/watch/clip?engine=${engine}&cdn=steering`);
    await waitForStats(page, (s) => s.state === 'playing' && s.currentTimeS > 2, 60_000, `${engine} playing`);
    const segs = (i: number) => requests.filter((r) => r.url.port === portOf(i) && r.url.pathname.endsWith('.m4s'));
    expect(segs(0).length).toBeGreaterThan(0);
    expect(segs(1).length).toBe(0);
    expect((await put('1mbps-10ms')).status).toBe(200);
    const changedAt = Date.now();
    await waitForStats(page, () => segs(1).length > 0, 20_000, `${engine} fetching from edge-2`);
    expect((Date.now() - changedAt) / 1000).toBeLessThan(2 * 2 + 4); // a TTL or two, and the segment under way
    expect((await playerStats(page))?.stalls.count).toBe(0);
    return requests;
  } finally {
    await page.close();
    await put('20mbps-10ms');
  }
}

it('dash.js follows our steering: when edge-1 turns slow, its requests move to edge-2 within a TTL, with no failure to make them', async () => {
  const requests = await followsSteering('dashjs');
  // dash.js asks the steering server itself, saying the pathway it used (DASH-IF: _DASH_pathway).
  expect(requests.some((r) => r.url.pathname === '/cdn/steering' && r.url.searchParams.get('_DASH_pathway') === '"edge-1"')).toBe(true);
  // dash.js sends CMCD from a CDN page, as ours does.
  expect(requests.some((r) => r.url.port === portOf(0) && r.cmcd?.sid)).toBe(true);
}, 180_000);

it('hls.js follows the same steering (HLS Content Steering): when edge-1 turns slow, its requests move to edge-2', async () => {
  const requests = await followsSteering('hlsjs');
  expect(requests.some((r) => r.url.pathname === '/cdn/steering' && r.url.searchParams.get('_HLS_pathway') !== null)).toBe(true);
}, 180_000);

it('/cdn shows the edges, the origin and what the tier saved, and starts players that appear with their edge', async () => {
  const page = await browser.newPage({ colorScheme: 'dark' });
  await page.goto(`${cdn.originUrl}/cdn`);
  await page.waitForSelector('#edges tbody tr');
  expect(await page.locator('#edges tbody tr').count()).toBe(2);
  await page.fill('#count', '2');
  await page.click('#start');
  await page.waitForFunction(() => document.querySelectorAll('#players tbody tr').length >= 2, undefined, { timeout: 60_000 });
  expect(await page.locator('#players .strip i').count()).toBeGreaterThan(0);
  // Stopped, the counts hold still: the table shows /api/cdn's (nginx's) HIT and MISS, cell for cell.
  await page.click('#stop-players');
  await page.waitForTimeout(1500);
  const s = await api();
  const cell = (row: number, col: number) => page.locator(`#edges tbody tr:nth-child(${row}) td:nth-child(${col})`);
  for (const [i, e] of s.edges.entries()) {
    await expect.poll(async () => [await cell(i + 1, 4).textContent(), await cell(i + 1, 5).textContent()], { timeout: 5000 }).toEqual([String(e.hit), String(e.miss)]);
  }
  expect(s.edges[0].hit + s.edges[0].miss + s.edges[1].hit + s.edges[1].miss).toBeGreaterThan(0);
  expect(await page.locator('#cards').textContent()).toContain(`${Math.round(s.offload * 100)}%of the bytes viewers got came from edges`);
  await page.close();
}, 120_000);

it('/compare plays the three modes side by side: steering, redirect (302s to an edge) and client (the player measures the edges)', async () => {
  const page = await browser.newPage();
  const requests = watchRequests(page);
  const redirects: string[] = [];
  page.on('response', (r) => {
    if (r.status() === 302) redirects.push(r.headers().location ?? '');
  });
  await page.goto(`${cdn.originUrl}/compare?video=clip&players=dashlab,dashlab,dashlab&cdn=steering,redirect,client`);
  expect(await page.locator('h1').textContent()).toContain('through the CDN');
  await page.waitForFunction(() => {
    const scores = (window as unknown as { dashlabCompare?: { stats(): Array<{ currentTimeS: number } | undefined> } }).dashlabCompare?.stats();
    return scores?.length === 3 && scores.every((s) => s && s.currentTimeS > 4);
  }, undefined, { timeout: 90_000 });
  const rows = await page.locator('#metrics tbody tr td:first-child').allTextContents();
  expect(rows.map((r) => r.replace(' ★', ''))).toEqual(['dashlab:dashlab via steering', 'dashlab:dashlab via redirect', 'dashlab:dashlab via client']);
  // The redirect player's segment requests went to the router and were sent on to an edge.
  expect(requests.some((r) => r.url.pathname.startsWith('/cdn/route/auto/media/clip/'))).toBe(true);
  expect(redirects.some((l) => l.startsWith(`http://127.0.0.1:${portOf(0)}/media/clip/`) || l.startsWith(`http://127.0.0.1:${portOf(1)}/media/clip/`))).toBe(true);
  // The client player measured both edges (a segment from each) before settling.
  const clientFrame = page.frames().find((f) => f.url().includes('cdn=client'))!;
  const sources = (await clientFrame.evaluate(() => (window as unknown as { dashlabPlayer: { stats(): { sources: Array<{ source: string; downloads: number }> } } }).dashlabPlayer.stats().sources)) as Array<{ source: string; downloads: number }>;
  expect(sources.filter((x) => x.downloads > 0).length).toBe(2);
  await page.close();
}, 150_000);

it('/cdn works at phone width and passes axe-core (dark and light), with players running', async () => {
  const axe = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  const found: string[] = [];
  for (const colorScheme of ['dark', 'light'] as const) {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme });
    await page.goto(`${cdn.originUrl}/cdn`);
    await page.fill('#count', '1');
    await page.click('#start');
    await page.waitForFunction(() => document.querySelectorAll('#players tbody tr').length >= 1, undefined, { timeout: 60_000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.addScriptTag({ path: axe });
    const violations = await page.evaluate(async () => {
      const run = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe.run;
      // The players' frames are watch pages, checked on their own (pages.test.ts).
      return (await run({ exclude: [['iframe']] }, {})).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    found.push(...violations.map((v) => `${colorScheme}: ${v}`));
    await page.close();
  }
  expect(found).toEqual([]);
}, 150_000);
