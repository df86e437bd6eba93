/**
 * compare:browser's work, on an origin already running at `baseUrl`: every player on every
 * trace in headless Chromium, each session on a shaped link of its own that starts replaying
 * the trace when the session starts (two links never share bandwidth), N at a time; then the
 * results in npm run compare's shape, and for our algorithms the simulator's counterpart of
 * each session beside the measurement.
 */
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { OUR_ENGINE, type PlayerSpec } from '../../core/players.js';
import { sessionMetrics, summarise, type SessionMetrics } from '../../core/qoe.js';
import { rotateTrace, type Trace } from '../../core/traces/index.js';
import { simulateSession, type CompareResult } from '../compare/compare.js';
import type { LoadedTrace, LoadedVideo } from '../inputs.js';
import { playSession, type MeasuredSession } from './session.js';

export interface Measured {
  trace: LoadedTrace;
  session: MeasuredSession;
  /** When the session's link started its trace (ms since the epoch). */
  linkStartMs: number;
}

export interface BrowserRun {
  browser: Browser;
  baseUrl: string;
  videoId: string;
  video: LoadedVideo;
  /** Rendition id -> bandwidth (bit/s), video only. */
  renditions: Map<string, number>;
  segmentS: number;
  traces: LoadedTrace[];
  players: PlayerSpec[];
  parallel: number;
  timeoutS: number;
  /** Sessions finished so far. */
  onSession?: (done: number, total: number, m: Measured) => void;
}

export async function call(baseUrl: string, path: string, body: string, type = 'application/json'): Promise<{ id?: string }> {
  const res = await fetch(baseUrl + path, { method: 'POST', body, headers: { 'content-type': type } });
  const j = (await res.json()) as { id?: string; error?: string };
  if (!res.ok) throw new Error(`POST ${path}: ${j.error}`);
  return j;
}

/** The shaper's name for each trace: its own when it knows it, else the trace uploaded to it first. */
export async function shaperNames(baseUrl: string, traces: LoadedTrace[]): Promise<Map<LoadedTrace, string>> {
  const known = new Set(((await (await fetch(`${baseUrl}/api/traces`)).json()) as Array<{ name: string }>).map((t) => t.name));
  const names = new Map<LoadedTrace, string>();
  for (const tr of traces) {
    let name = tr.name.toLowerCase();
    if (!known.has(name)) {
      name = `cmp-${name.replace(/[^a-z0-9._-]/g, '-')}`.slice(0, 64);
      await call(baseUrl, `/api/traces?name=${encodeURIComponent(name)}`, await readFile(tr.file, 'utf8'), 'text/plain');
    }
    names.set(tr, name);
  }
  return names;
}

/** Every session, sorted by trace then player as given (they finish out of order). */
export async function runBrowserSessions(o: BrowserRun): Promise<Measured[]> {
  const names = await shaperNames(o.baseUrl, o.traces);
  const jobs = o.traces.flatMap((trace) => o.players.map((player) => ({ trace, player })));
  const total = jobs.length;
  const measured: Measured[] = [];
  const worker = async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) {
      // A new link starts the trace from its beginning, now (within the request: its midpoint).
      const asked = Date.now();
      const link = (await call(o.baseUrl, '/api/links', JSON.stringify({ profile: `trace-${names.get(job.trace)}` }))).id!;
      const linkStartMs = (asked + Date.now()) / 2;
      const session = await playSession({ browser: o.browser, baseUrl: o.baseUrl, videoId: o.videoId, linkId: link, player: job.player, renditions: o.renditions, segmentS: o.segmentS, segmentCount: o.video.sim.segments ?? o.video.sim.sizes[0].length, timeoutS: o.timeoutS });
      await fetch(`${o.baseUrl}/api/links/${link}`, { method: 'DELETE' });
      const m = { trace: job.trace, session, linkStartMs };
      measured.push(m);
      o.onSession?.(measured.length, total, m);
    }
  };
  await Promise.all(Array.from({ length: o.parallel }, worker));
  const order = (m: Measured) => o.traces.indexOf(m.trace) * o.players.length + o.players.findIndex((p) => p.label === m.session.player);
  return measured.sort((a, b) => order(a) - order(b));
}

export interface SimulatedSession {
  algo: string;
  trace: string;
  simulatedQoe: number;
  simulatedQoeRange: [number, number];
  measuredQoe: number;
  simBitrateKbps: number;
  measuredBitrateKbps: number;
  simRebufferS: number;
  measuredRebufferS: number;
  ttfbMs: number;
  startS: number;
  /** The session's start hint (what its page's first downloads measured), given to the model too. */
  startHintBps?: number;
}

/** The sessions in npm run compare's shape (the player's label stands for the algorithm), and our algorithms' simulated counterparts. */
export function browserResults(measured: Measured[], o: Pick<BrowserRun, 'videoId' | 'video' | 'traces' | 'players'>): { result: CompareResult; simulated: SimulatedSession[] } {
  const results: CompareResult['results'] = measured.map(({ trace, session: s }) => ({
    algo: s.player,
    trace: trace.name,
    qoe: s.qoe,
    bitrateKbps: s.bitrateKbps,
    rebufferS: s.rebufferS,
    rebufferRatio: s.rebufferRatio,
    switches: s.switches,
    startupS: s.startupS,
    // Beyond npm run compare's fields: what was played, kbit/s per segment.
    played: s.played,
    timeline: s.timeline,
  }));
  const summary = o.players.map((p) => summarise(p.label, results.filter((r) => r.algo === p.label))).sort((a, b) => b.meanQoe - a.meanQoe);
  const result: CompareResult = { model: 'browser', video: o.videoId, traces: o.traces.map((t) => t.name), results, summary };
  const ours = `${OUR_ENGINE}:`;
  const simulated = measured
    .filter(({ session }) => session.player.startsWith(ours))
    .map(({ trace, session, linkStartMs }) => {
      const startS = Math.max(0, ((session.firstSegmentAtMs ?? linkStartMs) - linkStartMs) / 1000);
      const s = simulatedCounterpart({ algo: session.player.slice(ours.length), trace: trace.trace, video: o.video, rttMs: session.meanTtfbMs, startHintBps: session.startHintBps, startS });
      return { algo: session.player, trace: trace.name, simulatedQoe: s.at.qoe, simulatedQoeRange: s.range, measuredQoe: session.qoe, simBitrateKbps: s.at.bitrateKbps, measuredBitrateKbps: session.bitrateKbps, simRebufferS: s.at.rebufferS, measuredRebufferS: session.rebufferS, ttfbMs: session.meanTtfbMs, startS, startHintBps: session.startHintBps };
    });
  return { result, simulated };
}

/** How far either side of the measured start the simulated range looks (timing jitter of a real session is of this order). */
export const PHASE_BAND_S = 0.5;

/**
 * The simulated counterpart of a measured session: the dashlab model from the trace time the
 * session's first segment was requested at (the link starts its trace when it is made, the
 * page loads before it plays), with the session's mean time to first byte as the RTT (request
 * overhead the model would not otherwise charge) and its start hint (what the page's first
 * downloads measured: our player's first choice is made with it). One session on a changeable link swings
 * with tenths of a second (a download that ends just before or after a drop), so the QoE is
 * also given over starts PHASE_BAND_S either side, every 50 ms: the range a measurement of
 * the same session could fall in.
 */
function simulatedCounterpart(o: { algo: string; trace: Trace; video: LoadedVideo; rttMs: number; startHintBps?: number; startS: number }): { at: SessionMetrics; range: [number, number] } {
  const run = (startS: number) => {
    const r = simulateSession({ algo: o.algo, trace: startS > 0 ? rotateTrace(o.trace, startS) : o.trace, rttMs: o.rttMs, startHintBps: o.startHintBps, video: o.video.sim, policy: o.video.policy });
    return sessionMetrics(r.segments.map((s) => o.video.sim.bitrates[s.quality] / 1000), r.rebufferS, r.startupS, r.segments.length * o.video.sim.segmentS);
  };
  const at = run(o.startS);
  let lo = at.qoe;
  let hi = at.qoe;
  for (let d = -PHASE_BAND_S; d <= PHASE_BAND_S + 1e-9; d += 0.05) {
    if (o.startS + d < 0) continue;
    const q = run(o.startS + d).qoe;
    lo = Math.min(lo, q);
    hi = Math.max(hi, q);
  }
  return { at, range: [lo, hi] };
}
