/**
 * The live model (lab/models/live-model.ts) and the rules made for live: L2A, LoL+ and ours
 * (core/abr/l2a.ts, lolp.ts, live-mpc.ts), with the MMSys'20 challenge's live QoE.
 */
import { describe, expect, it } from 'vitest';
import { createAbr, LIVE_ABR_NAMES, type AbrAlgorithm, type AbrContext } from '../../core/abr/index.js';
import { projectToSimplex } from '../../core/abr/l2a.js';
import { liveSegmentQoe } from '../../core/qoe.js';
import type { Trace } from '../../core/traces/index.js';
import { resolveAlgos, runComparison } from '../../lab/compare/compare.js';
import { LIVE_SIM, simulateLive } from '../../lab/models/live-model.js';
import type { SimVideo } from '../../lab/models/player-model.js';
import { CATCHUP_DEFAULTS } from '../../core/live/catchup.js';
import { LIVE_DEFAULTS } from '../../server/live/defaults.js';
import { recut } from '../../lab/models/live-model.js';
import { scoreLiveSamples } from '../../lab/browser/live-session.js';

const BITRATES = [300, 750, 1200, 1850, 2850, 4300].map((k) => k * 1000);
/** A constant-bitrate ladder of 2 s segments, as our channels make. */
const VIDEO: SimVideo = { bitrates: BITRATES, segmentS: 2, sizes: BITRATES.map((b) => Array.from({ length: 60 }, () => (b * 2) / 8)) };
const steps = (name: string, pts: Array<[number, number]>, periodS = 1000): Trace => ({ name, points: pts.map(([t, kbps]) => ({ t, kbps })), periodS, format: 'json', rttMs: 40 });

/** Records every context the rule is asked with. */
function spy(inner: AbrAlgorithm): { abr: AbrAlgorithm; asked: AbrContext[] } {
  const asked: AbrContext[] = [];
  return { asked, abr: { name: inner.name, choose: (ctx) => (asked.push({ ...ctx, history: [...ctx.history] }), inner.choose(ctx)) } };
}

describe('live QoE (MMSys\'20 challenge)', () => {
  it('charges rebuffering at the top bitrate, latency by its knee, rate and changes', () => {
    const ladder = { segmentS: 2, minKbps: 300, maxKbps: 4300 };
    expect(liveSegmentQoe({ kbps: 1200, rebufferS: 0, latencyS: 1, playbackRate: 1 }, ladder)).toBeCloseTo(2400 - 0.05 * 300 * 1);
    const q = liveSegmentQoe({ kbps: 1200, rebufferS: 0.5, latencyS: 2, playbackRate: 1.1, previousKbps: 750 }, ladder);
    expect(q).toBeCloseTo(2400 - 4300 * 0.5 - 0.1 * 4300 * 2 - 300 * 0.1 - 450);
  });
});

describe('live model', () => {
  it('models our channels: their segment, chunk and target latency; a VOD ladder cut to their segments', () => {
    expect(LIVE_SIM.segmentS).toBe(LIVE_DEFAULTS.segmentS);
    expect(LIVE_SIM.chunkS).toBe(LIVE_DEFAULTS.chunkS);
    expect(CATCHUP_DEFAULTS.targetS).toBe(LIVE_DEFAULTS.targetLatencyS);
    const four: SimVideo = { bitrates: [1e6, 2e6], segmentS: 4, sizes: [[400, 800], [1000, 2000]] };
    expect(recut(four, 2).sizes).toEqual([[200, 200, 400, 400], [500, 500, 1000, 1000]]);
    expect(recut(four, 3)).toBe(four);
  });

  it('holds the target latency on a steady link, without stalls, at the highest bitrate the rule allows', () => {
    for (const algo of ['throughput', ...LIVE_ABR_NAMES]) {
      const r = simulateLive({ trace: steps('c4000', [[0, 4000]]), video: VIDEO, abr: createAbr(algo), durationS: 120 });
      expect(r.metrics.rebufferS, algo).toBe(0);
      expect(r.seeks, algo).toBe(0);
      expect(Math.abs(r.metrics.latencyS! - 1.5), algo).toBeLessThan(0.25);
      // Every rule settles under the link (4 Mbit/s) on average; ours borrows from the buffer
      // for a 4300 kbit/s segment now and then (its floor stops it before a stall), the others never.
      const late = r.segments.slice(-20).map((s) => BITRATES[s.quality]);
      expect(late.reduce((a, b) => a + b, 0) / late.length, algo).toBeLessThanOrEqual(4_000_000);
      if (algo !== 'dashlab-live') expect(Math.max(...late), algo).toBeLessThanOrEqual(2_850_000);
      expect(Math.min(...late), algo).toBeGreaterThanOrEqual(1_200_000);
    }
  });

  it('waits for the encoder near the edge, and measures the link, not the bitrate, from the time bytes moved', () => {
    const s = spy(createAbr('throughput'));
    simulateLive({ trace: steps('c20000', [[0, 20000]]), video: VIDEO, abr: s.abr, durationS: 60 });
    const h = s.asked[s.asked.length - 1].history;
    const last = h[h.length - 1];
    const chunked = (last.bytes * 8) / last.transferS;
    expect(chunked).toBeGreaterThan(0.75 * 20e6);
    expect(chunked).toBeLessThan(1.05 * 20e6);
    // The segments' end times are a segment apart: paced by the encoder, not the 20 Mbit/s link.
    const gaps = h.slice(-10).map((x, i, a) => (i ? x.endS - a[i - 1].endS : 2)).slice(1);
    for (const g of gaps) expect(g).toBeCloseTo(2, 1);
    // The rule is told it plays live.
    expect(s.asked[s.asked.length - 1].live?.targetLatencyS).toBe(1.5);
  });

  it('stalls in an outage, seeks back to the target when too far behind, and plays at the target after', () => {
    const outage = steps('outage', [[0, 3000], [40, 0], [50, 3000]]);
    const r = simulateLive({ trace: outage, video: VIDEO, abr: createAbr('dashlab-live'), durationS: 120 });
    expect(r.metrics.rebufferS).toBeGreaterThan(1);
    expect(r.seeks).toBeGreaterThanOrEqual(1);
    const end = r.timeline.slice(-10);
    for (const x of end) expect(Math.abs(x.latencyS - 1.5)).toBeLessThan(0.3);
  });
});

describe('L2A', () => {
  it('projects onto the probability simplex', () => {
    const w = projectToSimplex([0.5, 0.8, -0.2]);
    expect(w[0]).toBeCloseTo(0.35);
    expect(w[1]).toBeCloseTo(0.65);
    expect(w[2]).toBe(0);
    const v = projectToSimplex([3, 1, 0.2, 0.1]);
    expect(v.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
  });

  it('steps down after a throughput drop', () => {
    const drop = steps('drop', [[0, 6000], [60, 800]]);
    const r = simulateLive({ trace: drop, video: VIDEO, abr: createAbr('l2a'), durationS: 120 });
    const before = r.segments.filter((s) => s.index * 2 < 55 && s.index * 2 > 40).map((s) => s.quality);
    const after = r.segments.slice(-10).map((s) => s.quality);
    expect(Math.min(...before)).toBeGreaterThan(Math.max(...after));
    expect(Math.max(...after.map((q) => BITRATES[q]))).toBeLessThan(800_000);
  });
});

describe('LoL+', () => {
  it('repeats itself (seeded start-up weights) and downshifts when the buffer would fall under 0.3 s', () => {
    const trace = steps('v', [[0, 2500], [30, 900], [60, 4000]], 90);
    const a = simulateLive({ trace, video: VIDEO, abr: createAbr('lolp'), durationS: 90 });
    const b = simulateLive({ trace, video: VIDEO, abr: createAbr('lolp'), durationS: 90 });
    expect(a.segments.map((s) => s.quality)).toEqual(b.segments.map((s) => s.quality));
    const lolp = createAbr('lolp');
    const ctx: AbrContext = { bitrates: BITRATES, segmentDurationS: 2, bufferS: 0.4, bufferTargetS: 1.5, history: [{ bytes: 500_000, ttfbS: 0.04, transferS: 2, endS: 10 }], lastIndex: 3, segmentIndex: 5, totalSegments: 1000, nowS: 10, rebuffering: false, live: { latencyS: 1.5, targetLatencyS: 1.5, playbackRate: 1 } };
    expect(lolp.choose(ctx).index).toBeLessThan(3);
  });
});

describe('compare --model live', () => {
  it('runs every rule but learned, the live ones only there, and reports latency', async () => {
    const live = resolveAlgos('all', 'live');
    for (const a of LIVE_ABR_NAMES) expect(live).toContain(a);
    expect(live).not.toContain('learned');
    for (const a of LIVE_ABR_NAMES) expect(resolveAlgos('all', 'dashlab')).not.toContain(a);
    const r = await runComparison({ model: 'live', video: { name: 'cbr', sim: VIDEO }, traces: [{ name: 'c3000', trace: steps('c3000', [[0, 3000]]) }], algos: ['l2a', 'dashlab-live'] });
    for (const s of r.summary) {
      expect(s.meanLatencyS).toBeGreaterThan(1.2);
      expect(s.meanLatencyS).toBeLessThan(2);
    }
    expect(r.results[0].timeline!.length).toBeGreaterThan(LIVE_SIM.durationS * 0.9);
  });
});

describe('compare:browser --live scoring', () => {
  it('groups the page\'s samples by the segment on screen: its last rendition, mean latency and rate, the stall seconds within it', () => {
    const ladder = { segmentS: 2, minKbps: 300, maxKbps: 2500 };
    const at = (t: number, cur: number, kbps: number, stallS: number, playing = true) => ({ t, currentTimeS: cur, kbps, latencyS: 1.5, playbackRate: 1, stallS, playing });
    const m = scoreLiveSamples([at(0, 0.1, 700, 0), at(0.5, 0.6, 700, 0), at(1, 1.1, 700, 0), at(1.5, 1.6, 700, 0), at(2, 2.1, 1200, 0), at(2.5, 2.1, 1200, 0.5, false), at(3, 2.6, 1200, 0.5)], ladder, 1);
    const first = 2 * 700 - 0.1 * 2500 * 1.5;
    const second = 2 * 1200 - 2500 * 0.5 - 0.1 * 2500 * 1.5 - 500;
    expect(m.qoe).toBeCloseTo(first + second);
    expect(m.rebufferS).toBeCloseTo(0.5);
    expect(m.latencyS).toBeCloseTo(1.5);
    expect(m.switches).toBe(1);
  });
});

describe('players: dash.js by its own low-latency rules', () => {
  it('names dashjs:l2a and dashjs:lolp, and refuses rules an engine does not have', async () => {
    const { parsePlayerSpec, everyPlayer } = await import('../../core/players.js');
    const names = ['dashlab', 'l2a', 'lolp'];
    expect(parsePlayerSpec('dashjs:l2a', names, 'dashlab')).toEqual({ label: 'dashjs:l2a', engine: 'dashjs', abr: 'l2a' });
    expect(parsePlayerSpec('dashjs', names, 'dashlab')).toEqual({ label: 'dashjs', engine: 'dashjs' });
    expect(() => parsePlayerSpec('dashjs:bola', names, 'dashlab')).toThrow(/dashjs:l2a, dashjs:lolp/);
    expect(() => parsePlayerSpec('hlsjs:l2a', names, 'dashlab')).toThrow(/hlsjs uses its own ABR; write just hlsjs$/);
    expect(everyPlayer(names)).toEqual(['dashlab:dashlab', 'dashlab:l2a', 'dashlab:lolp', 'dashjs', 'dashjs:l2a', 'dashjs:lolp', 'hlsjs']);
  });
});
