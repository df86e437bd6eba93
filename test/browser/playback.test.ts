/** The dashlab player in real Chromium against the real server. */
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import { mkdir } from 'node:fs/promises';
import express from 'express';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../server/packager/ffmpeg.js';
import { packageVideo } from '../../server/packager/index.js';
import { browserFixture, playerStats as stats, waitForEnd, waitForStats as waitFor } from '../helpers/browser.js';
import { makeClip } from '../helpers/media.js';
import { learnPolicyFor } from '../../lab/learning/policy-files.js';

let fx: Awaited<ReturnType<typeof browserFixture>>;
let url: string;
let browser: Awaited<ReturnType<typeof browserFixture>>['browser'];
let workDir: string;

beforeAll(async () => {
  fx = await browserFixture(async (mediaDir, dir) => {
    const input = await makeClip(path.join(dir, 'clip.mp4'), { width: 640, height: 360, durationS: 12, audio: true });
    await packageVideo({ input, mediaDir, id: 'clip', ladder: '360p:700k,240p:300k', learnAbrPolicy: learnPolicyFor });
    const long = await makeClip(path.join(dir, 'long.mp4'), { width: 320, height: 180, durationS: 60, audio: true });
    await packageVideo({ input: long, mediaDir, id: 'long', ladder: '180p:300k,144p:120k' });
  });
  ({ url, browser, workDir } = fx);
});
afterAll(async () => {
  await fx?.close();
});

describe('dashlab player', () => {
  it('plays the video from start to end without a stall', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/watch/clip?abr=dashlab`);
    const end = await waitForEnd(page, 'the end');
    expect(errors).toEqual([]);
    expect(end.error).toBeUndefined();
    expect(end.stalls.count).toBe(0);
    expect(end.currentTimeS).toBeGreaterThan(11.5);
    expect(end.frames.total).toBeGreaterThan(300);
    expect(end.requests.network).toBeGreaterThan(3);
    await page.close();
  }, 600_000);

  it('the watch page charts the estimate and the chosen bitrate on a direct link (no link rate to plot), within a narrow window', async () => {
    // 700 px: the one-column layout, where a 1fr column once grew with the chart inside it.
    // The dark theme: the colours counted below are its own (Playwright's pages default to light).
    const page = await browser.newPage({ viewport: { width: 700, height: 900 }, colorScheme: 'dark' });
    await page.goto(`${url}/watch/long?abr=dashlab`);
    await waitFor(page, (s) => s.state === 'playing' && s.estimateBps !== undefined, 30_000, 'playing with an estimate');
    // The chart ticks every 500 ms; a loaded machine runs timers and redraws late, so wait (up to
    // 20 s) until both lines have three points to join and have been drawn, rather than a fixed time.
    const read = () =>
      page.evaluate(() => {
        const plot = (window as unknown as { dashlabChart: { scales: Record<string, { min?: number; max?: number }>; data: (number | null)[][]; root: HTMLElement } }).dashlabChart;
        const canvas = plot.root.querySelector('canvas')!;
        const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        const near = (r: number, g: number, b: number) => {
          let n = 0;
          for (let k = 0; k < px.length; k += 4) if (Math.abs(px[k] - r) < 24 && Math.abs(px[k + 1] - g) < 24 && Math.abs(px[k + 2] - b) < 24) n++;
          return n;
        };
        const points = (i: number) => plot.data[i].filter((v) => v !== null).length;
        return { min: plot.scales.mbps.min, max: plot.scales.mbps.max, linkRate: plot.data[4], estimates: plot.data[1].slice(-8), estimatePoints: points(1), bitratePoints: points(2), estimatePx: near(0xf5, 0xa5, 0x24), bitratePx: near(0x8a, 0xb4, 0xff), width: (plot as unknown as { width: number }).width, page: document.documentElement.scrollWidth };
      });
    let chart = await read();
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; chart = await read()) {
      if (chart.estimatePoints >= 3 && chart.bitratePoints >= 3 && chart.estimatePx > 50 && chart.bitratePx > 50) break;
      await page.waitForTimeout(250);
    }
    const seen = JSON.stringify({ ...chart, linkRate: undefined });
    expect(chart.width).toBeLessThanOrEqual(700);
    expect(chart.page).toBeLessThanOrEqual(700);
    // Unshaped: the link-rate series is all gaps, and the Mbit/s scale still spans the estimate and the bitrate.
    expect(chart.linkRate.every((v) => v === null)).toBe(true);
    expect(Number.isFinite(chart.min) && Number.isFinite(chart.max)).toBe(true);
    expect(chart.min!).toBeLessThanOrEqual(0.3); // the 300 kbit/s rung
    expect(chart.bitratePx, seen).toBeGreaterThan(50);
    expect(chart.estimatePx, seen).toBeGreaterThan(50);
    await page.close();
  });

  it('?abr=learned fetches the policy packaged with the video and decides with it (dashlab\'s choice above its range)', async () => {
    const page = await browser.newPage();
    const policyRequests: number[] = [];
    page.on('response', (r) => r.url().endsWith('/media/clip/abr-policy.json') && policyRequests.push(r.status()));
    await page.goto(`${url}/watch/clip?abr=learned`);
    const end = await waitForEnd(page, 'the end');
    expect(end.error).toBeUndefined();
    expect(end.abr).toBe('learned');
    expect(policyRequests).toEqual([200]);
    // The last decision's reason: loopback is faster than anything the policy learned from, so
    // it says so and takes dashlab's choice (a table choice reads "learned: ..."); without the
    // policy it would read "no learned policy".
    expect(end.decision).toMatch(/^(learned: |link above the policy's range; dashlab: )/);
    await page.close();
  }, 600_000);

  it('?abr=learned with a policy of the outdated average-size format plays dashlab\'s choices and says why', async () => {
    const page = await browser.newPage();
    // The origin's own file, with the format an older dashlab wrote.
    await page.route('**/media/clip/abr-policy.json', async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, json: { ...(await res.json()), format: 'dashlab-abr-policy/1' } });
    });
    await page.goto(`${url}/watch/clip?abr=learned`);
    const end = await waitForEnd(page, 'the end');
    expect(end.error).toBeUndefined();
    expect(end.abr).toBe('learned');
    expect(end.decision).toMatch(/^the video's policy is unusable \(not an ABR policy: format dashlab-abr-policy\/1 is outdated: .*\); dashlab: /);
    await page.close();
  }, 600_000);

  it('a part that loads as a chunk of its own (a live rule) and cannot be fetched: the page says which, and what to do', async () => {
    const page = await browser.newPage();
    // The live rules' chunk (esbuild names it after core/abr/registry.ts) fails, as when a server is updated under an open page.
    const blocked: string[] = [];
    await page.route('**/assets/chunks/registry-*.js', (route) => {
      blocked.push(route.request().url());
      return route.abort();
    });
    await page.goto(`${url}/watch/clip?abr=l2a`);
    await page.waitForSelector('#error:not([hidden])', { timeout: 15_000 });
    expect(await page.textContent('#error')).toMatch(/could not load the ABR rule "l2a" \(.+\); reload the page, or choose another rule/);
    expect(blocked).toHaveLength(1);
    await page.close();
  });
});

const player = (page: Page) => ({
  setQuality: (q: number | 'auto') => page.evaluate((x) => (window as unknown as { dashlabPlayer: { setQuality(q: unknown): void } }).dashlabPlayer.setQuality(x), q),
  seek: (t: number) => page.evaluate((x) => { (document.querySelector('video') as HTMLVideoElement).currentTime = x; }, t),
});

describe('seeking and switching', () => {
  it('a seek into unbuffered media resumes playback there', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/watch/long`);
    await waitFor(page, (s) => s.state === 'playing' && s.currentTimeS > 0.5, 60_000, 'playing');
    const before = (await stats(page))!;
    expect(before.currentTimeS).toBeLessThan(40); // 50 s is beyond the 30 s buffer target
    await player(page).seek(50);
    const after = await waitFor(page, (s) => s.state === 'playing' && s.currentTimeS > 51.5, 60_000, 'playback after the seek');
    expect(after.currentTimeS).toBeGreaterThan(51.5);
    await page.close();
  });

  it('a forced switch mid-stream plays on without a stall or a decode error', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/watch/long?abr=throughput`);
    await waitFor(page, (s) => s.state === 'playing' && s.currentTimeS > 1, 30_000, 'playing');
    await player(page).setQuality(0);
    const a = await waitFor(page, (s) => s.representation?.index === 0, 20_000, 'the forced low quality');
    await player(page).setQuality(1);
    const b = await waitFor(page, (s) => s.representation?.index === 1 && s.currentTimeS > a.currentTimeS + 2, 30_000, 'the forced high quality, playing');
    const later = await waitFor(page, (s) => s.currentTimeS > b.currentTimeS + 3, 20_000, 'playback to continue');
    expect(later.stalls.count).toBe(0);
    expect(later.error).toBeUndefined();
    expect(errors).toEqual([]);
    const video = await page.evaluate(() => { const v = document.querySelector('video')!; return { error: v.error?.message ?? null, frames: v.getVideoPlaybackQuality().totalVideoFrames }; });
    expect(video.error).toBeNull();
    expect(video.frames).toBeGreaterThan(100);
    await page.close();
  });
});

describe('an experiment that does not end', () => {
  it('?loop=1 plays again from the start at the end, fetching anew (the checkbox says so)', async () => {
    const page = await browser.newPage();
    const firstSegments: number[] = [];
    page.on('requestfinished', (r) => /\/v\d+-[0-9a-z]+-00001\.m4s$/.test(r.url()) && firstSegments.push(Date.now()));
    await page.goto(`${url}/watch/clip?loop=1`);
    expect(await page.isChecked('#loop')).toBe(true);
    await waitFor(page, (s) => s.state === 'playing' && s.currentTimeS > 8, 60_000, 'near the end of the clip');
    // Past the end (12 s), and playing again from the start.
    const again = await waitFor(page, (s) => firstSegments.length >= 2 && s.state === 'playing' && s.currentTimeS > 1 && s.currentTimeS < 6, 60_000, 'the second round');
    expect(again.stalls.count).toBe(0);
    expect(firstSegments.length).toBeGreaterThanOrEqual(2);
    await page.close();
  }, 120_000);
});

describe('choosing the quality by hand', () => {
  it('a fixed quality is on screen within about 2 s of media, with 15 s and more buffered; "Playing" is what is on screen, "fetching" apart; auto keeps the buffer', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/watch/long?abr=throughput`);
    // On loopback the top rung (180p), with a deep buffer.
    const deep = await waitFor(page, (s) => s.state === 'playing' && s.representation?.index === 1 && s.bufferS > 15, 60_000, '180p with 15 s buffered');
    const height = () => page.evaluate(() => (document.querySelector('video') as HTMLVideoElement).videoHeight);
    expect(await height()).toBe(180);
    await player(page).setQuality(0);
    const asked = deep.currentTimeS;
    const low = await waitFor(page, (s) => s.representation?.index === 0, 30_000, 'the low quality on screen');
    console.log(`on screen ${(low.currentTimeS - asked).toFixed(2)} s of media after the choice`);
    expect(low.currentTimeS - asked).toBeLessThan(2.5);
    await page.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).videoHeight === 144, null, { timeout: 10_000 });
    expect(low.fetching?.index).toBe(0);
    expect(await page.textContent('#s-rep')).toMatch(/^256x144/);
    // Back to auto: the buffer ahead is kept (nothing is thrown away), the ABR chooses from the next segment on.
    const before = (await stats(page))!;
    await player(page).setQuality('auto');
    await page.waitForTimeout(1000);
    const after = (await stats(page))!;
    expect(after.bufferS).toBeGreaterThan(before.bufferS - 1.5);
    expect(after.representation?.index).toBe(0);
    expect(after.stalls.count).toBe(0);
    await page.close();
  }, 120_000);
});

describe('reference engines play the same video', () => {
  for (const engine of ['dashjs', 'hlsjs']) {
    it(`${engine}: plays, and its stats and switch log read its own events (requests, bytes, what it fetches, segments); no console error`, async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${url}/watch/long?engine=${engine}&net=8mbps`);
      const s = await waitFor(page, (x) => x.state === 'playing' && x.currentTimeS > 6 && x.requests.network > 3, 60_000, `${engine} playing`);
      expect(s.error).toBeUndefined();
      const video = await page.evaluate(() => { const v = document.querySelector('video')!; return { error: v.error?.message ?? null, w: v.videoWidth }; });
      expect(video.error).toBeNull();
      expect(video.w).toBeGreaterThan(0);
      // Was "0 cached, 0 x 304, 0 network" and a switch log without segments.
      const full = (await page.evaluate(() => (window as unknown as { dashlabPlayer: { stats(): unknown } }).dashlabPlayer.stats())) as { requests: { network: number; bytes: number }; fetching?: { index: number }; switches: Array<{ segment: number }> };
      expect(full.requests.network).toBeGreaterThan(3);
      expect(full.requests.bytes).toBeGreaterThan(50_000);
      expect(full.fetching).toBeDefined();
      expect(full.switches.length).toBeGreaterThan(0);
      expect(full.switches.every((x) => x.segment >= 0)).toBe(true);
      expect(await page.textContent('#s-cache')).toMatch(/[1-9]\d* network/);
      expect(await page.locator('#log tbody tr td:nth-child(2)').first().textContent()).toMatch(/^\d+$/);
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});

describe('/watch?src= plays an MPD from another origin, packaged by ffmpeg with other options (single file, byte ranges)', () => {
  let other: Server;
  let multi: { mpd: string; bases: string[] };
  let otherUrl: string;
  beforeAll(async () => {
    const dir = path.join(workDir, 'other-origin');
    await mkdir(dir, { recursive: true });
    await runFfmpeg({
      inputs: [{ source: path.join(workDir, 'clip.mp4') }],
      outputs: [{ target: path.join(dir, 'stream.mpd'), options: ['-map', '0:v', '-map', '0:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '48', '-sc_threshold', '0', '-c:a', 'aac',
        '-f', 'dash', '-seg_duration', '2', '-single_file', '1', '-use_template', '0', '-use_timeline', '0', '-adaptation_sets', 'id=0,streams=v id=1,streams=a'] }],
    });
    const app = express();
    app.use((_req, res, next) => {
      res.set('Access-Control-Allow-Origin', '*');
      next();
    });
    // The package's own manifest offering each segment at three sources: a dead host, a
    // link shaped to 400 kbit/s, and the origin itself.
    const deadPort = await new Promise<number>((r) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => r(p)); }); });
    const mpd = await (await fetch(`${url}/media/clip/manifest.mpd`)).text();
    const bases = [`http://127.0.0.1:${deadPort}/media/clip/`, `${url}/net/400kbps/media/clip/`, `${url}/media/clip/`];
    multi = { mpd: mpd.replace('<Period', `${bases.map((b) => `<BaseURL>${b}</BaseURL>`).join('')}<Period`), bases };
    app.get('/multi.mpd', (_req, res) => void res.type('application/dash+xml').send(multi.mpd));
    app.use(express.static(dir));
    other = createServer(app);
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    otherUrl = `http://127.0.0.1:${(other.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => other.close(() => r())));

  it('plays to the end', async () => {
    const page = await browser.newPage();
    // localhost vs 127.0.0.1: a different origin for the browser.
    const page_url = `${url.replace('127.0.0.1', 'localhost')}/watch?src=${encodeURIComponent(`${otherUrl}/stream.mpd`)}`;
    await page.goto(page_url);
    const end = await waitForEnd(page, 'the end');
    expect(end.stalls.count).toBe(0);
    expect(end.currentTimeS).toBeGreaterThan(11.5);
    await page.close();
  }, 600_000);

  it('chooses where to fetch: a manifest with three BaseURLs plays from the fastest, past a dead one', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/watch?src=${encodeURIComponent(`${otherUrl}/multi.mpd`)}`);
    const end = await waitForEnd(page, 'the end');
    const full = (await page.evaluate(() => (window as unknown as { dashlabPlayer: { stats(): unknown } }).dashlabPlayer.stats())) as {
      requests: { failovers: number };
      sources: Array<{ source: string; downloads: number; failures: number; bps?: number }>;
    };
    const [dead, slow, fast] = multi.bases.map((b) => full.sources.find((s) => s.source === b));
    expect(end.error).toBeUndefined();
    expect(end.currentTimeS).toBeGreaterThan(11.5);
    expect(dead).toMatchObject({ downloads: 0 });
    expect(dead!.failures).toBeGreaterThanOrEqual(1);
    expect(full.requests.failovers).toBe(dead!.failures);
    // Each live source was measured; the slow one served only until it was (its init
    // segments, which are too small to measure, and one media segment), the fast one the rest.
    expect(slow!.bps).toBeLessThan(600_000);
    expect(fast!.bps).toBeGreaterThan(2 * slow!.bps!);
    expect(slow!.downloads).toBeLessThanOrEqual(4);
    expect(fast!.downloads).toBeGreaterThan(slow!.downloads);
    await page.close();
  }, 600_000);

  it('chooses among the sources the page lists (?sources=) for a manifest without BaseURLs; bad sources are refused', async () => {
    const deadPort = await new Promise<number>((r) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => r(p)); }); });
    // Origins (one with a path prefix: the 400 kbit/s link) serving the packaged paths.
    const sources = [`http://127.0.0.1:${deadPort}`, `${url}/net/400kbps`, url];
    const page = await browser.newPage();
    await page.goto(`${url}/watch/clip?sources=${encodeURIComponent(sources.join(','))}`);
    const end = await waitForEnd(page, 'the end');
    const full = (await page.evaluate(() => (window as unknown as { dashlabPlayer: { stats(): unknown } }).dashlabPlayer.stats())) as { sources: Array<{ source: string; downloads: number; failures: number; bps?: number }> };
    const [dead, slow, fast] = sources.map((b) => full.sources.find((s) => s.source === `${b}/media/clip/`));
    expect(end.error).toBeUndefined();
    expect(end.currentTimeS).toBeGreaterThan(11.5);
    expect(full.sources).toHaveLength(3);
    expect(dead).toMatchObject({ downloads: 0 });
    expect(dead!.failures).toBeGreaterThanOrEqual(1);
    expect(slow!.bps).toBeLessThan(600_000);
    expect(fast!.downloads).toBeGreaterThan(slow!.downloads);
    await page.close();
    for (const bad of ['ftp://edge.example', 'not a url', 'https://edge.example/?x=1']) {
      const res = await fetch(`${url}/watch/clip?sources=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(await res.text()).toMatch(/source/);
    }
    expect((await fetch(`${url}/watch/clip?engine=dashjs&sources=${encodeURIComponent(url)}`)).status).toBe(400);
  }, 600_000);

  it('a manifest that does not exist shows a clear error on the page', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/watch?src=${encodeURIComponent(`${otherUrl}/missing.mpd`)}`);
    await page.waitForSelector('#error:not([hidden])', { timeout: 15_000 });
    expect(await page.textContent('#error')).toMatch(/cannot load the manifest .*missing\.mpd.*404/);
    await page.close();
  });
});
