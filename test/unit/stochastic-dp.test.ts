/** The learned player behind abr:ceiling's "stochastic DP" row, and the trace rotation its training uses. */
import { describe, expect, it } from 'vitest';
import type { AbrAlgorithm } from '../../core/abr/index.js';
import { simulatePlayer, type SimVideo } from '../../lab/models/player-model.js';
import { sessionMetrics } from '../../core/qoe.js';
import { trainStochasticDp } from '../../lab/learning/stochastic-dp.js';
import { learnedUnavailable } from '../../lab/compare/compare.js';
import type { Trace } from '../../core/traces/index.js';
import { bitsBetween, meanKbps, parseTrace, rateAt, rotateTrace } from '../../core/traces/index.js';
import { loadTraces } from '../../lab/inputs.js';

const video = (n: number, kbps: number[]): SimVideo => ({
  bitrates: kbps.map((k) => k * 1000),
  segmentS: 4,
  sizes: kbps.map((k) => Array(n).fill((k * 1000 * 4) / 8)),
});

const qoe = (v: SimVideo, r: ReturnType<typeof simulatePlayer>) => sessionMetrics(r.segments.map((s) => v.bitrates[s.quality] / 1000), r.rebufferS, r.startupS, r.segments.length * v.segmentS).qoe;

describe('rotateTrace', () => {
  it('enters the same looping link later: the rate at t is the original rate at t + offset', () => {
    const trace = parseTrace('0 1\n2.5 3\n7 0.5\n9 2\n', 'steps'); // period 10 s (last step held as long as the median step)
    for (const off of [0, 1, 2.5, 6.2, 13]) {
      const r = rotateTrace(trace, off);
      expect(r.periodS).toBe(trace.periodS);
      expect(meanKbps(r)).toBeCloseTo(meanKbps(trace), 9);
      for (let t = 0; t < 25; t += 0.37) expect(rateAt(r, t), `offset ${off}, t ${t}`).toBe(rateAt(trace, t + off));
      expect(bitsBetween(r, 0.3, 17.9)).toBeCloseTo(bitsBetween(trace, 0.3 + off, 17.9 + off), 3);
    }
  });
});

describe('trainStochasticDp', () => {
  it('on a constant link it settles on the top representation the link carries, without stalls', () => {
    const trace = parseTrace('0 1.3\n', 'c1300');
    const v = video(30, [300, 750, 1200, 1850]);
    const dp = trainStochasticDp({ traces: [trace], video: v, options: { rotations: 2 } });
    const r = simulatePlayer({ trace, video: v, algo: '', abr: dp.algorithm() });
    expect(r.rebufferS).toBe(0);
    const chosen = r.segments.map((s) => s.quality);
    // The start rule first (750), then 1200 kbit/s; only the last segments may spend the buffer on 1850.
    expect(chosen[0]).toBe(1);
    expect(chosen.slice(2, 20)).toEqual(Array(18).fill(2));
  });

  it('learns a periodic outage from training and plays it better than robust-MPC on an unseen phase', () => {
    // 4 Mbit/s for 30 s, then 0.35 Mbit/s for 20 s, looping: robust-MPC climbs to the top when
    // the link is good, has to abandon downloads when it drops and stays at the bottom while its
    // error history lasts (measured: QoE 32.5, 1121 kbit/s); a player that has seen the pattern
    // fills its buffer while it can and rides through (55.4, 1665 kbit/s).
    const trace = parseTrace('0 4\n30 0.35\n50 0.35\n', 'tunnel');
    const v = video(40, [300, 750, 1200, 1850, 2850]);
    const dp = trainStochasticDp({ traces: [trace], video: v, options: { rotations: 8 } });
    const unseen = rotateTrace(trace, 17); // not one of the 8 training offsets (multiples of 6.25 s)
    const learned = simulatePlayer({ trace: unseen, video: v, algo: '', abr: dp.algorithm() });
    const robust = simulatePlayer({ trace: unseen, video: v, algo: 'robust-mpc' });
    expect(qoe(v, learned)).toBeGreaterThan(qoe(v, robust) + 5);
    expect(learned.rebufferS).toBe(0);
    expect(learned.segments.filter((s) => s.abandoned)).toEqual([]);
    expect(robust.segments.filter((s) => s.abandoned).length).toBeGreaterThan(0);
  });

  it('plans each segment with its own sizes: the top rung for small segments, the lowest for large ones', () => {
    // VBR content (as the sample's colour bars, then its Mandelbrot): ten segments at a tenth of
    // the average size, ten at 1.9x. On 800 kbit/s a 1200k segment of average size takes 6 s (too
    // slow to hold); a small one 0.6 s, a large one 11.4 s.
    const trace = parseTrace('0 0.8\n', 'c800');
    const scale = Array.from({ length: 20 }, (_, k) => (k < 10 ? 0.1 : 1.9));
    const v: SimVideo = { bitrates: [300e3, 1200e3], segmentS: 4, sizes: [300e3, 1200e3].map((b) => scale.map((x) => (b * 4 * x) / 8)) };
    const model = trainStochasticDp({ traces: [trace], video: v, options: { rotations: 2 } });
    const r = simulatePlayer({ trace, video: v, algo: '', abr: model.algorithm() });
    const q = r.segments.map((s) => s.quality);
    expect(q.slice(1, 10)).toEqual(Array(9).fill(1));
    expect(q.slice(12, 19)).toEqual(Array(7).fill(0));
    expect(r.rebufferS).toBe(0);
  });

  it('is deterministic: two trainings make the same decisions', () => {
    const trace = parseTrace('0 2\n5 0.6\n9 1.4\n15 3\n22 0.4\n', 'mixed');
    const v = video(25, [300, 750, 1200, 1850, 2850]);
    const run = () => {
      const abr: AbrAlgorithm = trainStochasticDp({ traces: [trace], video: v, options: { rotations: 4 } }).algorithm();
      return simulatePlayer({ trace: rotateTrace(trace, 3), video: v, algo: '', abr }).segments.map((s) => s.quality);
    };
    const a = run();
    expect(new Set(a).size).toBeGreaterThan(1);
    expect(run()).toEqual(a);
  });

  it('tells a compared trace that is also a training trace by its content, not its name', () => {
    const a = parseTrace('0 1\n2 3\n', 'a');
    const b = parseTrace('0 2\n3 1\n', 'b');
    const copyOfA = parseTrace('0 1\n2 3\n', 'renamed-copy');
    const v = video(5, [300, 750]);
    const check = (traces: Array<{ name: string; trace: Trace }>) => learnedUnavailable({ video: { name: 'v', sim: v }, traces, training: { name: 'ab', traces: [a, b] } });
    expect(check([{ name: 'x', trace: parseTrace('0 1\n2 4\n', 'x') }, { name: 'renamed-copy', trace: copyOfA }])).toMatch(/^renamed-copy is among the traces its policy learned from \(ab\)/);
    expect(check([{ name: 'rot', trace: rotateTrace(a, 1) }])).toBeUndefined();
    // A video's own policy carries its training traces' keys: the same check without the traces.
    const policy = trainStochasticDp({ traces: [a, b], video: v, options: { rotations: 1 }, trainingName: 'ab' }).policy;
    expect(learnedUnavailable({ video: { name: 'v', sim: v, policy }, traces: [{ name: 'renamed-copy', trace: copyOfA }] })).toMatch(/^renamed-copy is among/);
    expect(learnedUnavailable({ video: { name: 'v', sim: v }, traces: [{ name: 'x', trace: a }] })).toMatch(/has no learned policy/);
  });

  it('ships its default training set in the repo: 68 Norway traces, none of them in the test set', async () => {
    const train = await loadTraces('norway-train');
    const test = await loadTraces('norway-test');
    expect(train).toHaveLength(68);
    expect(test).toHaveLength(142);
    expect(learnedUnavailable({ video: { name: 'v', sim: video(5, [300]) }, traces: test, training: { name: 'norway-train', traces: train.map((t) => t.trace) } })).toBeUndefined();
  });

  it('refuses training traces that give it nothing to learn from', () => {
    const v = video(1, [300, 750]);
    expect(() => trainStochasticDp({ traces: [parseTrace('0 1\n', 'one')], video: v, options: { rotations: 1 } })).toThrow(/no samples/);
  });
});
