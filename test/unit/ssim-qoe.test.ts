/** QoE on SSIM (Puffer's objective) beside QoE_lin: by hand, and through a comparison of a video whose SSIM is known. */
import { describe, expect, it } from 'vitest';
import { ssimDb, ssimQoe, SSIM_QOE } from '../../core/qoe.js';
import { runComparison } from '../../lab/compare/compare.js';
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
