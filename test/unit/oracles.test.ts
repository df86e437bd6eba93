/** The oracles behind npm run abr:ceiling: they must time the future exactly as the model will. */
import { describe, expect, it } from 'vitest';
import { planMpc } from '../../core/abr/index.js';
import type { AbrAlgorithm, AbrContext } from '../../core/abr/index.js';
import { BUFFER_DEFAULTS } from '../../core/buffer-policy.js';
import { simulatePlayer, type SimVideo } from '../../lab/models/player-model.js';
import { exactFutureMpc, meanRateOracle } from '../../lab/yardsticks/oracles.js';
import { parseTrace } from '../../core/traces/index.js';

const video = (n: number, kbps: number[]): SimVideo => ({
  bitrates: kbps.map((k) => k * 1000),
  segmentS: 4,
  sizes: kbps.map((k) => Array(n).fill((k * 1000 * 4) / 8)),
});

/** Runs `abr` in the model and records every context it saw with what it chose. */
function record(trace: ReturnType<typeof parseTrace>, v: SimVideo, abr: AbrAlgorithm) {
  const seen: Array<{ ctx: AbrContext; index: number; estimateBps?: number }> = [];
  const probe: AbrAlgorithm = { name: abr.name, choose: (ctx) => { const d = abr.choose(ctx); seen.push({ ctx: { ...ctx, history: [...ctx.history] }, index: d.index, estimateBps: d.estimateBps }); return d; } };
  const result = simulatePlayer({ trace, video: v, algo: '', abr: probe });
  return { seen, result };
}

describe('exactFutureMpc', () => {
  it('on a constant link decides as MPC told the true rate (downloads of bytes x 8 / rate, no waits below the target)', () => {
    const trace = parseTrace(JSON.stringify({ points: [{ t: 0, kbps: 1300 }] }), 'c1300');
    const v = video(12, [300, 750, 1200, 1850]);
    const { seen } = record(trace, v, exactFutureMpc({ trace, video: v, policy: BUFFER_DEFAULTS, rttS: 0 }));
    let compared = 0;
    for (const { ctx, index } of seen.slice(1)) {
      if (ctx.bufferS + 5 * 4 >= BUFFER_DEFAULTS.targetS) continue; // a wait would enter the plan
      const plan = planMpc({ horizon: Math.min(5, ctx.totalSegments - ctx.segmentIndex), bufferS: ctx.bufferS, segmentS: 4, lastIndex: ctx.lastIndex ?? 0, bitratesKbps: [300, 750, 1200, 1850], downloadTimeS: (_k, q) => (v.sizes[q][0] * 8) / 1.3e6, rebufferPenalty: 4.3, smoothPenalty: 1 });
      expect(index, `segment ${ctx.segmentIndex}`).toBe(plan.index);
      compared++;
    }
    expect(compared).toBeGreaterThan(3);
    // It settles on 1200 kbit/s, the top that fits under 1300, until the buffer pays for a last step up.
    expect(seen.slice(2, -1).map((s) => s.index)).toEqual(Array(9).fill(2));
  });

  it('sees a drop coming that a player reading the past cannot: no stall where robust-MPC stalls', () => {
    // 3 Mbit/s for 24 s, then 200 kbit/s for a minute (then it loops).
    const trace = parseTrace('0 3\n24 0.2\n84 0.2\n', 'cliff');
    const v = video(15, [300, 750, 1200, 1850, 2850]);
    const oracle = simulatePlayer({ trace, video: v, algo: '', abr: exactFutureMpc({ trace, video: v, policy: BUFFER_DEFAULTS, rttS: 0 }), abandon: false });
    const robust = simulatePlayer({ trace, video: v, algo: 'robust-mpc', abandon: false });
    expect(robust.rebufferS).toBeGreaterThan(1);
    expect(oracle.rebufferS).toBeLessThan(robust.rebufferS / 2);
  });
});

describe('meanRateOracle', () => {
  it("plans with the link's true mean over the next window, times the factor", () => {
    // 1 Mbit/s for 2 s, 3 Mbit/s for 2 s: over any 4 s window the mean is 2 Mbit/s.
    const trace = parseTrace('0 1\n2 3\n', 'square');
    const v = video(6, [300, 750, 1200, 1850]);
    const { seen } = record(trace, v, meanRateOracle({ trace, windowS: 4, factor: 0.9 }));
    expect(seen[0].estimateBps).toBeUndefined(); // the start rule
    for (const s of seen.slice(1)) expect(s.estimateBps).toBeCloseTo(2e6 * 0.9, 3);
  });
});
