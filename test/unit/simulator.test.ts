/** The dashlab model's invariants, tiny hand-computed cases, and the compare JSON shape. */
import { describe, expect, it } from 'vitest';
import { runComparison } from '../../lab/compare/compare.js';
import { networkOf, qoeByNetwork } from '../../lab/compare/networks.js';
import { simulatePlayer, type SimVideo } from '../../lab/models/player-model.js';
import { bitsBetween, parseTrace, transferTime } from '../../core/traces/index.js';
import { offlineOptimal } from '../../lab/yardsticks/offline-optimal.js';
import { sessionMetrics } from '../../core/qoe.js';

const constant = (kbps: number) => parseTrace(JSON.stringify({ points: [{ t: 0, kbps }] }), `c${kbps}`);
const video = (n: number, kbps: number[] = [500, 1000, 2000]): SimVideo => ({
  bitrates: kbps.map((k) => k * 1000),
  segmentS: 4,
  sizes: kbps.map((k) => Array(n).fill((k * 1000 * 4) / 8)),
});

describe('transfer over a trace', () => {
  it('a constant link: bytes x 8 / rate', () => {
    expect(transferTime(constant(1000), 0, 125_000)).toBeCloseTo(1, 9);
  });
  it('integrates across steps and loops', () => {
    // 1 Mbit/s for 1 s, then 3 Mbit/s for 1 s, looping.
    const t = parseTrace('0 1\n1 3\n', 'steps');
    expect(transferTime(t, 0, 125_000 + 375_000)).toBeCloseTo(2, 9); // all of one period
    expect(transferTime(t, 0.5, 62_500 + 375_000 + 62_500)).toBeCloseTo(2, 9); // half, a full step, half again
  });
});

describe('transfer over a trace: edge cases', () => {
  it('a Mahimahi trace with a period of a few milliseconds (12 Mbit/s, one opportunity a ms)', () => {
    const mm = parseTrace('0\n1\n2\n3\n4\n', 'mm12');
    expect(mm.periodS).toBeCloseTo(0.004, 12);
    // 100 kB at 12 Mbit/s: 66.7 ms, from any start time (the old walk by `t % period` hung here).
    for (const t of [0, 0.012, 5, 123.456]) expect(transferTime(mm, t, 100_000)).toBeCloseTo(0.8 / 12, 9);
  });
  it('a piece boundary reached with float error still changes the rate there (norway_bus_1 at 9.59 s)', () => {
    // 9.59 + (9.73000001907 - 9.59) lands a hair below 9.73000001907: the walk must still
    // switch to 4.6 Mbit/s there (the old walk kept 4.57 for a whole further piece).
    const t = parseTrace('0 4.57\n9.73000001907 4.6\n10.17 4.5\n', 'bus1-excerpt');
    const first = 9.73000001907 - 9.59;
    const want = first + (155_433 * 8 - first * 4.57e6) / 4.6e6;
    expect(transferTime(t, 9.59, 155_433)).toBeCloseTo(want, 9);
  });
  it('a trace that delivers nothing is refused by name when read, and is an error, not a hang, when built by hand', () => {
    expect(() => parseTrace('0 0\n1 0\n', 'dead')).toThrow(/^dead: the trace carries no bytes/);
    expect(() => parseTrace('{"points":[{"t":0,"kbps":0}]}', 'dead.json')).toThrow(/^dead\.json: the trace carries no bytes/);
    expect(() => parseTrace('0\n', 'dead-mahimahi')).toThrow(/^dead-mahimahi: the trace carries no bytes/);
    const byHand = { name: 'silent', points: [{ t: 0, kbps: 0 }], periodS: 1, format: 'json' as const };
    expect(() => transferTime(byHand, 0.5, 1000)).toThrow(/silent: the trace delivers nothing/);
  });
  it('a transfer that starts in a silent stretch running to the end of the trace waits for the next lap (Sabre 3G log 2011-02-14_2032CET under throughput)', () => {
    // 1 Mbit/s for 2 s, then nothing to the end (4 s): starting at 3 s, the bytes move from 4 s on.
    const t = parseTrace('0 1\n2 0\n3 0\n', 'outage-at-end');
    expect(t.periodS).toBe(4);
    expect(transferTime(t, 3, 62_500)).toBeCloseTo(1.5, 9); // 1 s of silence, then 0.5 s at 1 Mbit/s
    expect(transferTime(t, 2.5, 300_000)).toBeCloseTo(1.5 + 2 + 2 + 0.4, 9); // 1.5 s silent, 2 s (2 Mbit), 2 s silent, then the last 0.4 Mbit
  });
});

describe("the dashlab model's throughput samples", () => {
  it("carry the tail rate the browser's loader would measure: the link's last half second of each transfer", () => {
    // 4 Mbit/s for 10 s, then 1 Mbit/s. One rung (2 Mbit/s, 1 MB segments): downloads take 2 s,
    // wait for the 30 s target, and the one that crosses 10 s shows the drop in its tail.
    const trace = parseTrace('0 4\n10 1\n100 1\n', 'drop');
    const seen: Array<{ endS: number; tailBps?: number; transferS: number }> = [];
    const probe = { name: 'probe', choose: (c: { history: Array<{ endS: number; tailBps?: number; transferS: number }> }) => {
      if (c.history.length) seen.push(c.history[c.history.length - 1]);
      return { index: 0, reason: 'probe' };
    } };
    simulatePlayer({ trace, video: video(8, [2000]), algo: 'probe', abr: probe as never });
    // Downloads: [0,2], [2,4], [4,6], [6,8], [8,10] at 4 Mbit/s, then [10,18] at 1 Mbit/s.
    expect(seen[0]).toMatchObject({ endS: 2, tailBps: 4e6 });
    expect(seen[5].endS).toBeCloseTo(18, 9);
    expect(seen[5].tailBps).toBeCloseTo(1e6, 3);
    // A transfer under a second has no tail (as in the loader).
    const fast = [] as typeof seen;
    simulatePlayer({ trace: constant(20000), video: video(3, [2000]), algo: 'probe', abr: { name: 'p', choose: (c: { history: typeof seen }) => {
      if (c.history.length) fast.push(c.history[c.history.length - 1]);
      return { index: 0, reason: '' };
    } } as never });
    expect(fast[0].transferS).toBeCloseTo(0.4, 9);
    expect(fast[0].tailBps).toBeUndefined();
  });
});

describe("the dashlab model abandons as the browser player does (core/buffer-policy.ts: shouldAbandon)", () => {
  it('gives up a download that would starve the buffer and fetches the segment again at the lowest', () => {
    // 8 Mbit/s for 0.5 s, then 0.1 Mbit/s. Rungs 250k/2000k (125 kB / 1 MB segments of 4 s).
    const trace = parseTrace('0 8\n0.5 0.1\n1000 0.1\n', 'collapse');
    const seen: Array<{ lastIndex?: number; samples: number }> = [];
    const abr = { name: 'greedy', choose: (c: { segmentIndex: number; lastIndex?: number; history: unknown[] }) => {
      seen.push({ lastIndex: c.lastIndex, samples: c.history.length });
      return { index: c.segmentIndex === 0 ? 0 : 1, reason: '' };
    } };
    const r = simulatePlayer({ trace, video: video(3, [250, 2000]), algo: 'greedy', abr: abr as never });
    const s1 = r.segments[1];
    // Segment 0 (1 Mbit at 8 Mbit/s) ends at 0.125 s with 4 s buffered, playing. Segment 1 gets
    // 375 kB by 0.5 s, then crawls: the rule fires once the rest (~1.67 x elapsed) outlasts
    // the buffer (4 - elapsed), at about 1.5 s; the lowest (125 kB) then takes 10 s more.
    expect(s1.abandoned?.quality).toBe(1);
    expect(s1.abandoned!.afterS).toBeGreaterThan(1.45);
    expect(s1.abandoned!.afterS).toBeLessThan(1.65);
    expect(s1.quality).toBe(0);
    expect(s1.startS).toBeCloseTo(0.125, 9);
    expect(s1.startS + s1.downloadS).toBeCloseTo(0.125 + s1.abandoned!.afterS + 10, 6);
    expect(s1.rebufferS).toBeCloseTo(s1.abandoned!.afterS + 10 - 4, 6);
    // Finishing the 1 MB download instead (the rule off) stalls ~46 s.
    const kept = simulatePlayer({ trace, video: video(3, [250, 2000]), algo: 'greedy', abr: { ...abr, choose: (c: { segmentIndex: number }) => ({ index: c.segmentIndex === 0 ? 0 : 1, reason: '' }) } as never, abandon: false });
    expect(kept.segments[1].abandoned).toBeUndefined();
    expect(kept.segments[1].rebufferS).toBeGreaterThan(40);
    // The abandoned download is not a throughput sample, and the next decision starts from the lowest.
    expect(seen[2]).toEqual({ lastIndex: 0, samples: 2 });
  });
  it('never abandons the lowest representation, nor with a deep buffer', () => {
    const trace = parseTrace('0 8\n0.5 0.1\n1000 0.1\n', 'collapse');
    const low = simulatePlayer({ trace, video: video(3, [250, 2000]), algo: 'x', abr: { name: 'low', choose: () => ({ index: 0, reason: '' }) } as never });
    expect(low.segments.some((s) => s.abandoned)).toBe(false);
    // 20 Mbit/s for 12 s fills 30 s of 250k segments; then 1 MB downloads at 0.1 Mbit/s take
    // 80 s but start with the buffer above the low-water mark (8 s) and are left alone until it gets there.
    const deep = parseTrace('0 20\n12 0.1\n1000 0.1\n', 'deep');
    const r = simulatePlayer({ trace: deep, video: video(12, [250, 2000]), algo: 'x', abr: { name: 'g', choose: (c: { segmentIndex: number }) => ({ index: c.segmentIndex < 10 ? 0 : 1, reason: '' }) } as never });
    const first = r.segments[10];
    expect(first.abandoned).toBeDefined();
    // It was given up only once the buffer had drained to the low-water mark or below.
    expect(first.abandoned!.afterS).toBeGreaterThanOrEqual(30 - 8 - 4 - 1e-9);
  });
});

describe('the dashlab model', () => {
  it('is deterministic and keeps its invariants', () => {
    const trace = parseTrace('0 0.4\n5 3\n10 0.8\n20 5\n', 'mixed');
    for (const algo of ['bba', 'bola', 'robust-mpc', 'dashlab', 'throughput', 'dynamic']) {
      const a = simulatePlayer({ trace, video: video(20), algo });
      const b = simulatePlayer({ trace, video: video(20), algo });
      expect(a).toEqual(b);
      expect(a.segments).toHaveLength(20);
      let stalled = 0;
      for (const s of a.segments) {
        expect(s.bufferS).toBeGreaterThanOrEqual(0);
        expect(s.bufferS).toBeLessThanOrEqual(30 + 1e-9); // never over the target
        expect(s.rebufferS).toBeGreaterThanOrEqual(0);
        stalled += s.rebufferS;
      }
      expect(a.rebufferS).toBeCloseTo(stalled, 9); // every stall second is accounted to a segment
    }
  });
  it('hand-computed: 3 segments at 500 kbit/s on a 1 Mbit/s link with 100 ms RTT (BBA stays lowest)', () => {
    const r = simulatePlayer({ trace: constant(1000), rttMs: 100, video: video(3), algo: 'bba' });
    // Each 250 kB segment: 0.1 s RTT + 2 s transfer. Playback starts after the first (4 s >= 2 s).
    expect(r.segments.map((s) => s.quality)).toEqual([0, 0, 0]);
    expect(r.segments[0].downloadS).toBeCloseTo(2.1, 9);
    expect(r.startupS).toBeCloseTo(2.1, 9);
    expect(r.segments[1].bufferS).toBeCloseTo(4 - 2.1 + 4, 9);
    expect(r.rebufferS).toBe(0);
  });
  it('a link too slow for even the lowest rung stalls, and the stall is counted', () => {
    const r = simulatePlayer({ trace: constant(250), video: video(4), algo: 'bba' });
    // 250 kB at 250 kbit/s = 8 s per 4 s segment: 4 s of stall per segment after the first.
    expect(r.rebufferS).toBeCloseTo(12, 6);
  });
  it('a full buffer waits: downloads stop while 30 s are buffered', () => {
    const r = simulatePlayer({ trace: constant(50_000), video: video(20), algo: 'bba' });
    const waited = r.segments.some((s, i) => i > 0 && s.startS - (r.segments[i - 1].startS + r.segments[i - 1].downloadS) > 1);
    expect(waited).toBe(true);
    expect(Math.max(...r.segments.map((s) => s.bufferS))).toBeLessThanOrEqual(30);
  });
  it("a start hint (what a page's first downloads measured) makes dashlab's first choice, as in the browser; without one, the 1 Mbit/s rule", () => {
    const v = video(5, [500, 1000, 2000]);
    expect(simulatePlayer({ trace: constant(8000), video: v, algo: 'dashlab' }).segments[0].quality).toBe(1);
    expect(simulatePlayer({ trace: constant(8000), video: v, algo: 'dashlab', startHintBps: 50e6 }).segments[0].quality).toBe(2);
    expect(simulatePlayer({ trace: constant(8000), video: v, algo: 'dashlab', startHintBps: 300e3 }).segments[0].quality).toBe(0);
  });
});

describe('the dashlab model with an audio stream (fetching on its own, as the browser player does)', () => {
  // One video rung; audio segments of their own size. The link is shared equally while both move bytes.
  const av = (n: number, videoBits: number, audioBits: number): SimVideo => ({ bitrates: [500_000], segmentS: 4, sizes: [Array(n).fill(videoBits / 8)], audioBytes: Array(n).fill(audioBits / 8) });
  const samples = (trace: ReturnType<typeof constant>, video: SimVideo) => {
    const seen: Array<{ transferS: number; tailBps?: number; endS: number }> = [];
    const r = simulatePlayer({ trace, video, algo: 'probe', abr: { name: 'probe', choose: (c: { history: typeof seen }) => {
      if (c.history.length) seen.push(c.history[c.history.length - 1]);
      return { index: 0, reason: '' };
    } } as never });
    return { r, seen };
  };
  it('hand-computed: audio fills its buffer beside the first video segment, at half the link each', () => {
    // 1 Mbit/s, no RTT; video 2 Mbit a segment, audio 0.2 Mbit. Audio 0, 1, 2 end at 0.4, 0.8,
    // 1.2 s (0.5 Mbit/s each while both move; before playback starts the audio fetches on);
    // video 0 has 0.6 Mbit by then and the rest alone: it ends at 2.6 s (the old model,
    // audio after video, said 2.2 s), playback starts; videos 1 and 2 alone: 2 s each.
    const { r, seen } = samples(constant(1000), av(3, 2e6, 0.2e6));
    expect(r.segments[0].downloadS).toBeCloseTo(2.6, 9);
    expect(r.startupS).toBeCloseTo(2.6, 9);
    expect(r.segments[1].startS).toBeCloseTo(2.6, 9);
    expect(r.segments[1].downloadS).toBeCloseTo(2, 9);
    expect(r.segments[2].startS + r.segments[2].downloadS).toBeCloseTo(6.6, 9);
    expect(r.rebufferS).toBe(0);
    // Its sample: 2 Mbit over 2.6 s; its tail (the last half second, alone on the link): 1 Mbit/s.
    expect(2e6 / seen[0].transferS).toBeCloseTo(2e6 / 2.6, 6);
    expect(seen[0].tailBps).toBeCloseTo(1e6, 6);
  });
  it("a video download's tail is its share of the link when audio moves beside it", () => {
    // 1 Mbit/s; video 2 Mbit, audio 1.2 Mbit. Audio 0 ends at 2.4 s, audio 1 starts at once and
    // shares the link until video 0 ends at 4.0 s: its last half second ran at 0.5 Mbit/s.
    const { r, seen } = samples(constant(1000), av(2, 2e6, 1.2e6));
    expect(r.segments[0].downloadS).toBeCloseTo(4, 9);
    expect(seen[0].tailBps).toBeCloseTo(5e5, 6);
    // Playback starts at 4.0 s (4 s of each); video 1 shares the link with audio 1's last
    // 0.4 Mbit until 4.8 s, then has it alone: it ends at 6.4 s with 5.6 s of both buffered.
    expect(r.startupS).toBeCloseTo(4, 9);
    expect(r.segments[1].startS + r.segments[1].downloadS).toBeCloseTo(6.4, 9);
    expect(r.segments[1].bufferS).toBeCloseTo(5.6, 9);
  });
  it('the audio stream waits while it is more than audioLeadS (8 s) ahead of the video, as the browser player does', () => {
    // 1 Mbit/s; video 2 Mbit, audio 0.2 Mbit. Audio 0-2 end at 0.4, 0.8, 1.2 s (12 s ahead of
    // no video: it waits); video 0 has 0.6 Mbit and takes the link alone: it ends at 2.6 s,
    // playback starts. Audio 3 shares with video 1 until 3.0 s (15.6 s ahead of 3.6: it
    // waits), video 1 alone ends at 4.8 s.
    const v = av(10, 2e6, 0.2e6);
    const { r } = samples(constant(1000), v);
    expect(r.startupS).toBeCloseTo(2.6, 9);
    expect(r.segments[1].startS + r.segments[1].downloadS).toBeCloseTo(4.8, 9);
    // Without the lead the audio fills 28 s back to back (to 2.8 s) beside video 0, which ends
    // at 3.4 s: 0.8 s more startup.
    const free = simulatePlayer({ trace: constant(1000), video: v, algo: 'bba', policy: { targetS: 30, lowWaterS: 8, startS: 2, audioLeadS: Infinity } });
    expect(free.startupS).toBeCloseTo(3.4, 9);
  });
  it('playback stalls when the audio runs dry, however much video is buffered', () => {
    // 1 Mbit/s; video 0.1 Mbit a segment (all three in by 0.6 s), audio 4.4 Mbit (more than a
    // segment's playing time on this link). Audio 0 ends at 4.7 s (playback starts), audio 1 at
    // 9.1 s and audio 2 at 13.5 s, each 0.4 s after the audio buffer ran out: 0.8 s of stalls,
    // all of them counted (in the last segment's step, which runs until the audio is in).
    const { r } = samples(constant(1000), av(3, 0.1e6, 4.4e6));
    expect(r.segments[2].startS + r.segments[2].downloadS).toBeCloseTo(0.6, 9);
    expect(r.startupS).toBeCloseTo(4.7, 9);
    expect(r.rebufferS).toBeCloseTo(0.8, 9);
    expect(r.segments.reduce((a, s) => a + s.rebufferS, 0)).toBeCloseTo(0.8, 9);
  });
  it('the ABR decides after the wait for room, as the browser player does: never with more than the target less a segment', () => {
    const buffers: number[] = [];
    simulatePlayer({ trace: constant(50_000), video: { ...av(30, 2e6, 0.5e6), bitrates: [500_000, 2_000_000], sizes: [Array(30).fill(250_000), Array(30).fill(1_000_000)] }, algo: 'p', abr: { name: 'p', choose: (c: { bufferS: number }) => {
      buffers.push(c.bufferS);
      return { index: 1, reason: '' };
    } } as never });
    expect(Math.max(...buffers)).toBeGreaterThan(25.9); // the buffer did fill
    expect(Math.max(...buffers)).toBeLessThanOrEqual(26 + 1e-9);
  });
  it('is deterministic and keeps its invariants with audio', () => {
    const trace = parseTrace('0 0.4\n5 3\n10 0.8\n20 5\n', 'mixed');
    const v: SimVideo = { ...video(20), audioBytes: Array(20).fill(64_000) };
    for (const algo of ['bba', 'bola', 'robust-mpc', 'dashlab', 'throughput', 'dynamic']) {
      const a = simulatePlayer({ trace, video: v, algo });
      expect(a).toEqual(simulatePlayer({ trace, video: v, algo }));
      expect(a.segments).toHaveLength(20);
      for (const s of a.segments) {
        expect(s.bufferS).toBeGreaterThanOrEqual(0);
        expect(s.bufferS).toBeLessThanOrEqual(30 + 1e-9);
        expect(s.rebufferS).toBeGreaterThanOrEqual(0);
      }
      expect(a.rebufferS).toBeCloseTo(a.segments.reduce((x, s) => x + s.rebufferS, 0), 9);
      // Bytes conserved: no download moved more than the link carried while it ran, and by the
      // end of the session the link had carried every video and audio byte.
      for (const s of a.segments) expect(s.bytes * 8).toBeLessThanOrEqual(bitsBetween(trace, s.startS, s.startS + s.downloadS) * (1 + 1e-9));
      const bits = a.segments.reduce((x, s) => x + s.bytes * 8, 0) + 20 * 64_000 * 8;
      expect(bitsBetween(trace, 0, a.totalS)).toBeGreaterThanOrEqual(bits * (1 - 1e-9));
    }
  });
});

describe('compare', () => {
  it('writes the DESIGN.md JSON shape', async () => {
    const r = await runComparison({
      model: 'dashlab',
      video: { name: 'v', sim: video(10) },
      traces: [{ name: 'a', trace: constant(1500) }, { name: 'b', trace: constant(700) }],
      algos: ['bba', 'bola'],
    });
    expect(r).toMatchObject({ model: 'dashlab', video: 'v', traces: ['a', 'b'] });
    expect(r.results).toHaveLength(4);
    for (const x of r.results) for (const k of ['algo', 'trace', 'qoe', 'bitrateKbps', 'rebufferS', 'switches', 'startupS']) expect(x).toHaveProperty(k);
    expect(r.summary.map((s) => s.algo).sort()).toEqual(['bba', 'bola']);
    for (const s of r.summary) for (const k of ['algo', 'n', 'meanQoe', 'ciQoe']) expect(s).toHaveProperty(k);
    expect(r.summary[0].meanQoe).toBeGreaterThanOrEqual(r.summary[1].meanQoe);
  });

  it('groups sessions by the kind of network in the trace name, for the by-network table', () => {
    expect(networkOf('norway_bus_15')).toBe('norway_bus');
    expect(networkOf('fcc-14679-facebook')).toBe('fcc-facebook');
    expect(networkOf('bus.ljansbakken-oslo.report.2010-09-28_1407CEST.log')).toBe('bus');
    expect(networkOf('mahimahi-12mbps')).toBe('mahimahi-12mbps');
    const row = (algo: string, trace: string, qoe: number) => ({ algo, trace, qoe, bitrateKbps: 0, rebufferS: 0, rebufferRatio: 0, switches: 0, startupS: 0 });
    const results = [row('a', 'x_bus_1', 10), row('a', 'x_bus_2', 20), row('b', 'x_bus_1', 5), row('b', 'x_bus_2', 7), row('a', 'x_car_1', 1), row('b', 'x_car_1', 3), row('a', 'x_car_9', 3), row('b', 'x_car_9', 3), row('a', 'lone', 99), row('b', 'lone', 0)];
    expect(qoeByNetwork({ results })).toEqual([
      { network: 'x_bus', traces: 2, qoe: { a: 15, b: 6 } },
      { network: 'x_car', traces: 2, qoe: { a: 2, b: 3 } },
    ]);
    // One kind (or only kinds of one trace each): no table.
    expect(qoeByNetwork({ results: results.filter((r) => r.trace.startsWith('x_bus') || r.trace === 'lone') })).toEqual([]);
  });
});

describe('the offline optimum', () => {
  const qoe = (v: SimVideo, r: ReturnType<typeof offlineOptimal>) =>
    sessionMetrics(r.segments.map((x) => v.bitrates[x.quality] / 1000), r.rebufferS, r.startupS, r.segments.length * v.segmentS).qoe;
  it('on a fast constant link: the start rule first (1000k), then the top for every segment', () => {
    const v = video(10);
    const r = offlineOptimal({ trace: constant(10_000), video: v });
    expect(r.segments.map((x) => x.quality)).toEqual([1, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    // 1.0 + 9 x 2.0 - |2.0 - 1.0| = 18, no stall.
    expect(qoe(v, r)).toBeCloseTo(18, 9);
    expect(r.rebufferS).toBe(0);
  });
  it('on a link slower than the middle rung: no stall, and above the score of the all-lowest plan', () => {
    const v = video(12);
    const r = offlineOptimal({ trace: constant(800), video: v });
    expect(r.rebufferS).toBeLessThan(1e-9);
    // Start rule (1000k: 5 s, startup), then 11 x 500k (2.5 s each, the buffer grows):
    // 1.0 + 11 x 0.5 - 0.5 = 6.0 without a stall; the optimum mixes in some 1000k on top.
    expect(qoe(v, r)).toBeGreaterThan(6.0);
    expect(r.segments.some((x) => x.index > 0 && x.quality === 1)).toBe(true);
    expect(r.segments.every((x) => x.quality < 2)).toBe(true);
  });
  it('is at least as good as every algorithm on every trace it is given', () => {
    const traces = [parseTrace('0 0.4\n5 3\n10 0.8\n20 5\n', 'mixed'), parseTrace('0 2.5\n30 0.3\n45 2.5\n', 'tunnel'), constant(1300)];
    const v = video(20);
    for (const trace of traces) {
      const best = qoe(v, offlineOptimal({ trace, video: v, bucketS: 0.1 }));
      for (const algo of ['bba', 'bola', 'robust-mpc', 'dashlab', 'throughput', 'dynamic', 'mpc']) {
        const r = simulatePlayer({ trace, video: v, algo });
        const got = sessionMetrics(r.segments.map((x) => v.bitrates[x.quality] / 1000), r.rebufferS, r.startupS, r.segments.length * 4).qoe;
        expect(best, `${algo} on ${trace.name}`).toBeGreaterThanOrEqual(got - 1e-9);
      }
    }
  });
});
