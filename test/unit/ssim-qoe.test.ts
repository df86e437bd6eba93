/** QoE on SSIM (Puffer's objective) beside QoE_lin: by hand, and through a comparison of a video whose SSIM is known. */
import { describe, expect, it } from 'vitest';
import { ssimDb, ssimQoe, SSIM_QOE } from '../../core/qoe.js';
import { CompareInputError, runComparison } from '../../lab/compare/compare.js';
import { createAbr } from '../../core/abr/index.js';
import { loadVideo } from '../../lab/inputs.js';
import { parseTrace } from '../../core/traces/formats.js';

describe('QoE on SSIM', () => {
  it('is the SSIM in dB of each segment, less its changes and 20 per second of rebuffering', () => {
    expect(ssimDb(0.9)).toBeCloseTo(10);
    expect(ssimDb(0.99)).toBeCloseTo(20);
    expect(ssimDb(1)).toBe(SSIM_QOE.maxDb);
    const q = ssimQoe([0.9, 0.99, 0.99], 0.5);
    expect(q.qoeSsim).toBeCloseTo(10 + 20 + 20 - 10 - 20 * 0.5);
    expect(q.ssimDb).toBeCloseTo(50 / 3);
  });

  it('is computed in a comparison where every rendition has its segments\' SSIM, and only there', async () => {
    const n = 10;
    const video = {
      name: 'with-ssim',
      sim: { bitrates: [300_000, 1_200_000], segmentS: 2, sizes: [Array(n).fill(75_000), Array(n).fill(300_000)], segments: n, ssim: [Array(n).fill(0.9), Array(n).fill(0.99)] },
    };
    const trace = parseTrace('{"points":[{"t":0,"kbps":20000}]}', 'fast');
    const r = await runComparison({ model: 'dashlab', video, traces: [{ name: 'fast', trace }], algos: ['throughput'] });
    const s = r.results[0];
    expect(s.qoeSsim).toBeDefined();
    // Its own figures: what played, the SSIM of each, and the rebuffering, add up to its QoE on SSIM.
    const db = s.timeline!.map((p) => (p.kbps === 1200 ? 20 : 10));
    expect(db).toHaveLength(n);
    const changes = db.slice(1).reduce((a, d, i) => a + Math.abs(d - db[i]), 0);
    expect(s.qoeSsim!).toBeCloseTo(db.reduce((a, b) => a + b, 0) - changes - 20 * s.rebufferS, 6);
    expect(r.summary[0].meanQoeSsim).toBeCloseTo(s.qoeSsim!);
    expect(r.summary[0].meanSsimDb).toBeGreaterThan(10);
    const pensieve = await loadVideo('pensieve-envivio');
    expect(pensieve.sim.ssim).toBeUndefined();
    const plain = await runComparison({ model: 'dashlab', video: pensieve, traces: [{ name: 'fast', trace }], algos: ['throughput'] });
    expect(plain.summary[0].meanQoeSsim).toBeUndefined();
  });
});

describe('planning on SSIM', () => {
  const n = 12;
  // The top rung looks no better than the one below it (a simple picture): SSIM 0.99 both.
  const video = {
    name: 'flat-top',
    sim: { bitrates: [300_000, 1_200_000, 3_000_000], segmentS: 2, sizes: [300_000, 1_200_000, 3_000_000].map((b) => Array(n).fill((b * 2) / 8)), segments: n, ssim: [Array(n).fill(0.9), Array(n).fill(0.99), Array(n).fill(0.99)] },
  };
  const fast = parseTrace('{"points":[{"t":0,"kbps":20000}]}', 'fast');

  it('dashlab-ssim spends no bits on quality viewers would not see; dashlab plays the top bitrate', async () => {
    const r = await runComparison({ model: 'dashlab', video, traces: [{ name: 'fast', trace: fast }], algos: ['dashlab', 'dashlab-ssim'] });
    const top = (algo: string) => r.results.find((x) => x.algo === algo)!.timeline!.slice(2).map((p) => p.kbps);
    expect(new Set(top('dashlab'))).toEqual(new Set([3000]));
    expect(new Set(top('dashlab-ssim'))).toEqual(new Set([1200]));
    // The same QoE on SSIM for a third of the bits, and it says why.
    const ssimOf = (algo: string) => r.summary.find((x) => x.algo === algo)!.meanQoeSsim!;
    expect(ssimOf('dashlab-ssim')).toBeGreaterThanOrEqual(ssimOf('dashlab') - 1e-9);
    const d = createAbr('dashlab-ssim').choose({ bitrates: video.sim.bitrates, segmentDurationS: 2, bufferS: 10, bufferTargetS: 30, history: [{ bytes: 2_000_000, ttfbS: 0.05, transferS: 0.8, endS: 1 }], lastIndex: 1, segmentIndex: 1, totalSegments: n, nowS: 1, rebuffering: false, ssim: { upcoming: [[0.9, 0.99, 0.99], [0.9, 0.99, 0.99]], previous: 0.99 } });
    expect(d.reason).toMatch(/on SSIM$/);
  });

  it('the SSIM optimum is at least every player on QoE on SSIM, and needs the SSIM', async () => {
    const swing = parseTrace('{"points":[{"t":0,"kbps":4000},{"t":8,"kbps":700},{"t":16,"kbps":2500}]}', 'swing');
    const r = await runComparison({ model: 'dashlab', video, traces: [{ name: 'swing', trace: swing }], algos: ['dashlab', 'dashlab-ssim', 'robust-mpc', 'offline-optimal', 'offline-optimal-ssim'] });
    const q = Object.fromEntries(r.results.map((x) => [x.algo, x.qoeSsim!]));
    for (const a of ['dashlab', 'dashlab-ssim', 'robust-mpc', 'offline-optimal']) expect(q['offline-optimal-ssim']).toBeGreaterThanOrEqual(q[a] - 1e-9);
    const pensieve = await loadVideo('pensieve-envivio');
    await expect(runComparison({ model: 'dashlab', video: pensieve, traces: [{ name: 'fast', trace: fast }], algos: ['offline-optimal-ssim'] })).rejects.toThrow(CompareInputError);
  });
});
