/**
 * The simulator against the browser player, with the ABR taken out of the comparison: the
 * player in Chromium plays one rendition on a shaped link, and every video segment's download
 * must end when the dashlab model says it ends, the audio stream fetching beside it on the
 * same link. (At startup the audio stream fills its buffer while the first video segments
 * download: the model that carried each audio segment behind its video segment was 1.5 s off
 * on the first segment here; and the audio stream waits while it is 8 s ahead of the video, as
 * the player's buffer policy says.)
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { simulatePlayer } from '../../lab/models/player-model.js';
import { parseTrace } from '../../core/traces/index.js';
import { packageVideo } from '../../server/packager/index.js';
import { loadVideo } from '../../lab/inputs.js';
import { browserFixture } from '../helpers/browser.js';
import { makeClip } from '../helpers/media.js';

let fx: Awaited<ReturnType<typeof browserFixture>>;
let mediaDir: string;

beforeAll(async () => {
  fx = await browserFixture(async (dir, work) => {
    mediaDir = dir;
    const input = await makeClip(path.join(work, 'clip.mp4'), { width: 640, height: 360, durationS: 40, audio: true });
    await packageVideo({ input, mediaDir: dir, id: 'fidelity', ladder: '360p:1200k,240p:600k' });
  });
}, 300_000);
afterAll(async () => {
  await fx?.close();
});

it('downloads end when the dashlab model says, audio and video sharing the link (one rendition, 1500 kbit/s)', async () => {
  const KBPS = 1500;
  const SEGMENTS = 6;
  const link = ((await (await fetch(`${fx.url}/api/links`, { method: 'POST', body: JSON.stringify({ profile: `${KBPS}kbps` }), headers: { 'content-type': 'application/json' } })).json()) as { id: string }).id;
  const page = await fx.browser.newPage();
  const video: Array<{ startMs: number; endMs: number; ttfbMs: number; url: string }> = [];
  const audioStarts: number[] = [];
  const ttfbs: number[] = [];
  page.on('requestfinished', (req) => {
    if (!/\.m4s$/.test(req.url())) return;
    const t = req.timing();
    ttfbs.push(t.responseStart - t.requestStart);
    if (/\/v\d+-/.test(req.url())) video.push({ startMs: t.startTime, endMs: t.startTime + t.responseEnd, ttfbMs: t.responseStart - t.requestStart, url: req.url() });
    else audioStarts.push(t.startTime);
  });
  // The lowest rendition from the first segment on (?quality=0; the lowest is never abandoned).
  await page.goto(`${fx.url}/watch/fidelity?link=${link}&quality=0`);
  const deadline = Date.now() + 120_000;
  while (video.length < SEGMENTS && Date.now() < deadline) await page.waitForTimeout(200);
  await page.close();
  expect(video.length, 'video segments downloaded').toBeGreaterThanOrEqual(SEGMENTS);
  video.sort((a, b) => a.startMs - b.startMs);
  expect(video.every((v) => /\/v0-/.test(v.url)), 'all at the lowest rendition').toBe(true);

  // The audio stream waits while it is more than 8 s ahead of the video (audioLeadS): before the
  // first video segment is in, it fetches three 4 s segments, not its whole 30 s target.
  expect(audioStarts.filter((a) => a < video[0].endMs).length, 'audio segments requested before the first video segment arrived').toBeLessThanOrEqual(3);

  const v = await loadVideo('fidelity', mediaDir);
  expect(v.sim.audioBytes?.length).toBeGreaterThan(0);
  const rttMs = ttfbs.reduce((a, b) => a + b, 0) / ttfbs.length;
  const sim = simulatePlayer({ trace: parseTrace(JSON.stringify({ points: [{ t: 0, kbps: KBPS }] }), 'constant'), rttMs, video: v.sim, algo: 'fixed', abr: { name: 'fixed', choose: () => ({ index: 0, reason: 'fixed' }) } });
  const t0 = video[0].startMs;
  const rows = video.slice(0, SEGMENTS).map((d, k) => ({ k, measuredS: (d.endMs - t0) / 1000, modelS: sim.segments[k].startS + sim.segments[k].downloadS }));
  for (const r of rows) {
    // Within a quarter second and 5%: request overheads and the shaper's 10 ms ticks add up.
    expect(Math.abs(r.measuredS - r.modelS), `segment ${r.k}: ended at ${r.measuredS.toFixed(2)} s in Chromium, ${r.modelS.toFixed(2)} s in the model (${JSON.stringify(rows.map((x) => [x.measuredS.toFixed(2), x.modelS.toFixed(2)]))})`).toBeLessThan(0.25 + 0.05 * r.modelS);
  }
}, 300_000);
