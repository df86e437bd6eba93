/**
 * One real live session for `compare:browser --live`: a player page in headless Chromium on a
 * live channel, on its own shaped link, watched for a fixed time from outside the player (its
 * stats every 500 ms: the rendition on screen, the latency, the playback rate, the stall
 * seconds), and scored with the live model's QoE (core/qoe.ts: the MMSys'20 challenge's) per
 * segment of media played, so every engine is measured the same way.
 */
import type { Browser, Page } from 'playwright-core';
import type { PlayerSpec } from '../../core/players.js';
import { liveSegmentQoe, sessionMetrics, type SessionMetrics } from '../../core/qoe.js';
import type { PlayerStats } from '../../player/engine/types.js';
import type { LoadedTrace } from '../inputs.js';
import { call, shaperNames } from './compare-browser.js';

/** What the page's stats say at one moment. */
export interface LiveSample {
  t: number;
  currentTimeS: number;
  kbps?: number;
  latencyS?: number;
  playbackRate: number;
  stallS: number;
  playing: boolean;
}

export interface LiveMeasured extends SessionMetrics {
  player: string;
  samples: number;
  error?: string;
  timeline: Array<{ t: number; kbps: number; bufferS: number; latencyS?: number }>;
}

type PageStats = Pick<PlayerStats, 'state' | 'error' | 'bufferS' | 'currentTimeS' | 'startupS' | 'stalls' | 'representation' | 'representations' | 'live'>;

/**
 * The live QoE of a watched session: samples grouped by the media segment on screen; each
 * segment's bitrate the rendition last on screen in it, its latency and rate the means of its
 * samples, its rebuffering the stall seconds counted while the playhead stood in it.
 */
export function scoreLiveSamples(samples: LiveSample[], ladder: { segmentS: number; minKbps: number; maxKbps: number }, startupS: number): SessionMetrics {
  const segs = new Map<number, { kbps?: number; latency: number[]; rate: number[]; rebufferS: number }>();
  let prev: LiveSample | undefined;
  for (const s of samples) {
    const k = Math.floor(s.currentTimeS / ladder.segmentS);
    const seg = segs.get(k) ?? { latency: [], rate: [], rebufferS: 0 };
    segs.set(k, seg);
    if (s.kbps !== undefined) seg.kbps = s.kbps;
    if (s.latencyS !== undefined && s.playing) seg.latency.push(s.latencyS);
    if (s.playing) seg.rate.push(s.playbackRate);
    if (prev) seg.rebufferS += Math.max(0, s.stallS - prev.stallS);
    prev = s;
  }
  const mean = (xs: number[], none: number) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : none);
  const played = [...segs].sort((a, b) => a[0] - b[0]).map(([, v]) => v).filter((v) => v.kbps !== undefined && v.latency.length);
  let previous: number | undefined;
  let qoe = 0;
  for (const p of played) {
    qoe += liveSegmentQoe({ kbps: p.kbps!, rebufferS: p.rebufferS, latencyS: mean(p.latency, 0), playbackRate: mean(p.rate, 1), previousKbps: previous }, ladder);
    previous = p.kbps;
  }
  const rebufferS = played.reduce((a, p) => a + p.rebufferS, 0);
  return {
    ...sessionMetrics(played.map((p) => p.kbps!), rebufferS, startupS, played.length * ladder.segmentS),
    qoe,
    latencyS: mean(played.flatMap((p) => p.latency), 0),
    playbackRate: mean(played.flatMap((p) => p.rate), 1),
  };
}

const stats = (page: Page) => page.evaluate(() => (window as unknown as { dashlabPlayer?: { stats(): unknown } }).dashlabPlayer?.stats()) as Promise<PageStats | undefined>;

/** Open the channel's watch page on `linkId`, wait until it plays (30 s at most), then watch it for `seconds`. */
export async function playLiveSession(o: { browser: Browser; baseUrl: string; channel: string; linkId: string; player: PlayerSpec; seconds: number; segmentS: number }): Promise<LiveMeasured> {
  const context = await o.browser.newContext({ viewport: { width: 960, height: 720 } });
  const page = await context.newPage();
  const q = new URLSearchParams({ engine: o.player.engine, link: o.linkId });
  if (o.player.abr) q.set('abr', o.player.abr);
  const samples: LiveSample[] = [];
  const timeline: LiveMeasured['timeline'] = [];
  let last: PageStats | undefined;
  let error: string | undefined;
  const t0 = Date.now();
  try {
    await page.goto(`${o.baseUrl}/watch/${encodeURIComponent(o.channel)}?${q}`);
    for (;;) {
      last = await stats(page);
      if (last?.state === 'playing') break;
      if (last?.state === 'error') throw new Error(last.error ?? 'player error');
      if (Date.now() - t0 > 30_000) throw new Error(`did not start playing in 30 s (${last?.state ?? 'no player on the page'})`);
      await page.waitForTimeout(250);
    }
    const from = Date.now();
    while (Date.now() - from < o.seconds * 1000) {
      await page.waitForTimeout(500);
      last = await stats(page);
      if (!last) continue;
      if (last.state === 'error') throw new Error(last.error ?? 'player error');
      const t = (Date.now() - from) / 1000;
      const kbps = last.representation ? last.representation.bandwidth / 1000 : undefined;
      samples.push({ t, currentTimeS: last.currentTimeS, kbps, latencyS: last.live?.latencyS, playbackRate: last.live?.playbackRate ?? 1, stallS: last.stalls.seconds, playing: last.state === 'playing' });
      timeline.push({ t, kbps: kbps ?? 0, bufferS: last.bufferS, latencyS: last.live?.latencyS });
    }
  } catch (err) {
    error = (err as Error).message.split('\n')[0];
  } finally {
    await context.close();
  }
  const kbps = (last?.representations ?? []).map((r) => r.bandwidth / 1000);
  const ladder = { segmentS: o.segmentS, minKbps: kbps.length ? Math.min(...kbps) : 0, maxKbps: kbps.length ? Math.max(...kbps) : 0 };
  return { player: o.player.label, samples: samples.length, ...scoreLiveSamples(samples, ladder, last?.startupS ?? 0), timeline, error };
}

/**
 * Every player on every trace on one channel, N at a time, each session on a new shaped link
 * replaying its trace from the moment the page opens; sorted by trace then player.
 */
export async function runLiveSessions(o: { browser: Browser; baseUrl: string; channel: string; traces: LoadedTrace[]; players: PlayerSpec[]; parallel: number; seconds: number; segmentS: number; onSession?: (done: number, total: number, m: { trace: LoadedTrace; session: LiveMeasured }) => void }): Promise<Array<{ trace: LoadedTrace; session: LiveMeasured }>> {
  const names = await shaperNames(o.baseUrl, o.traces);
  const jobs = o.traces.flatMap((trace) => o.players.map((player) => ({ trace, player })));
  const total = jobs.length;
  const done: Array<{ trace: LoadedTrace; session: LiveMeasured }> = [];
  const worker = async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) {
      const link = (await call(o.baseUrl, '/api/links', JSON.stringify({ profile: `trace-${names.get(job.trace)}` }))).id!;
      const session = await playLiveSession({ browser: o.browser, baseUrl: o.baseUrl, channel: o.channel, linkId: link, player: job.player, seconds: o.seconds, segmentS: o.segmentS });
      await fetch(`${o.baseUrl}/api/links/${link}`, { method: 'DELETE' });
      done.push({ trace: job.trace, session });
      o.onSession?.(done.length, total, done[done.length - 1]);
    }
  };
  await Promise.all(Array.from({ length: o.parallel }, worker));
  const order = (m: { trace: LoadedTrace; session: LiveMeasured }) => o.traces.indexOf(m.trace) * o.players.length + o.players.findIndex((p) => p.label === m.session.player);
  return done.sort((a, b) => order(a) - order(b));
}
