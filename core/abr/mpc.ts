/**
 * Model predictive control (Yin et al., SIGCOMM 2015), as Pensieve's baseline runs it:
 * predict the throughput (harmonic mean of the last 5 downloads; robust-MPC divides it by
 * 1 + the largest relative error of the last 5 predictions), then enumerate every
 * combination of representations for the next `horizon` segments, simulate the buffer,
 * score each with QoE_lin (sum of bitrates in Mbit/s - 4.3 x rebuffer seconds - sum of
 * bitrate changes) and fetch the first segment of the best plan.
 */
import { ABR_DEFAULTS } from './defaults.js';
import { harmonicMean, PredictionErrors } from './estimators.js';
import { indexForBps, type AbrAlgorithm, type AbrContext, type AbrDecision } from './types.js';

export interface MpcProblem {
  /** Segments to plan (1..horizon). */
  horizon: number;
  bufferS: number;
  segmentS: number;
  /** Representation of the previous segment (the smoothness penalty starts from it). */
  lastIndex: number;
  /** Bitrate of each representation, kbit/s (the QoE's unit, x1000). */
  bitratesKbps: number[];
  /** Seconds to download segment k (0 = next) at representation q. */
  downloadTimeS: (k: number, q: number) => number;
  rebufferPenalty: number;
  smoothPenalty: number;
}

export interface MpcPlan {
  index: number;
  reward: number;
  plan: number[];
}

/**
 * Exhaustive search in lexicographic order of the plans; on equal rewards the later plan
 * wins, as in Pensieve's loop over itertools.product with `>=`. The three sums are kept
 * apart and combined at the leaf in Pensieve's order, so equal inputs give equal floats.
 *
 * Speed (the simulator runs this ~20k times per comparison): branch and bound. A subtree is
 * skipped when even the top bitrate for every remaining segment, with no further stall or
 * switch, scores below the best plan known. The threshold starts from the constant plans,
 * scored the same way. Skipping only subtrees that cannot reach the best score (with a
 * margin far above float error) leaves the answer, ties included, exactly that of the full
 * enumeration; test/unit/abr.test.ts checks this against a plain enumeration.
 */
export function planMpc(p: MpcProblem): MpcPlan {
  const n = p.bitratesKbps.length;
  const h = p.horizon;
  const kbps = p.bitratesKbps;
  const seg = p.segmentS;
  const rp = p.rebufferPenalty;
  const sp = p.smoothPenalty;
  const dt = new Float64Array(h * n);
  for (let k = 0; k < h; k++) for (let q = 0; q < n; q++) dt[k * n + q] = p.downloadTimeS(k, q);
  let maxKbps = -Infinity;
  for (const b of kbps) maxKbps = Math.max(maxKbps, b);
  const plan = new Int32Array(h);
  let bestReward = -Infinity;
  let bestPlan: number[] = [];
  const leafReward = (bitrateSum: number, rebuf: number, smooth: number) => bitrateSum / 1000 - rp * rebuf - (sp * smooth) / 1000;
  // Threshold from the constant plans (scored exactly as leaves are).
  let threshold = -Infinity;
  for (let q = 0; q < n; q++) {
    let b = p.bufferS;
    let r = 0;
    let sum = 0;
    let smooth = 0;
    let last = p.lastIndex;
    for (let k = 0; k < h; k++) {
      const d = dt[k * n + q];
      if (b < d) {
        r += d - b;
        b = 0;
      } else b -= d;
      b += seg;
      sum += kbps[q];
      smooth += Math.abs(kbps[q] - kbps[last]);
      last = q;
    }
    threshold = Math.max(threshold, leafReward(sum, r, smooth));
  }
  const EPS = 1e-9;
  const visit = (k: number, buffer: number, rebuf: number, bitrateSum: number, smooth: number, last: number): void => {
    const lastKbps = kbps[last];
    const base = k * n;
    if (k === h - 1) {
      // Leaves inline: no call per plan.
      for (let q = 0; q < n; q++) {
        const d = dt[base + q];
        const r = buffer < d ? rebuf + (d - buffer) : rebuf;
        const reward = leafReward(bitrateSum + kbps[q], r, smooth + Math.abs(kbps[q] - lastKbps));
        if (reward >= bestReward) {
          bestReward = reward;
          plan[k] = q;
          bestPlan = Array.from(plan);
        }
      }
      return;
    }
    const left = h - k - 1;
    for (let q = 0; q < n; q++) {
      const d = dt[base + q];
      let b = buffer;
      let r = rebuf;
      if (b < d) {
        r += d - b;
        b = 0;
      } else b -= d;
      b += seg;
      const s = bitrateSum + kbps[q];
      const sm = smooth + Math.abs(kbps[q] - lastKbps);
      // Best any completion could score: top bitrate, no stall, no switch.
      const bound = (s + left * maxKbps) / 1000 - rp * r - (sp * sm) / 1000;
      if (bound + EPS < threshold || bound + EPS < bestReward) continue;
      plan[k] = q;
      visit(k + 1, b, r, s, sm, q);
    }
  };
  visit(0, p.bufferS, 0, 0, 0, p.lastIndex);
  return { index: bestPlan[0] ?? 0, reward: bestReward, plan: bestPlan };
}

/** Segment sizes for planning: the real ones when known, else bitrate x duration. */
export function sizeFor(ctx: AbrContext, k: number, q: number): number {
  const real = ctx.upcomingSizes?.[k]?.[q];
  return real ?? (ctx.bitrates[q] * ctx.segmentDurationS) / 8;
}

/** Plan the next segments for a predicted throughput and decide the first (QoE_lin weights). */
export function decideByPlan(ctx: AbrContext, predictedBps: number, horizonMax: number, why: string, rebufferPenalty: number = ABR_DEFAULTS.rebufferPenalty): AbrDecision {
  const horizon = Math.max(1, Math.min(horizonMax, ctx.totalSegments - ctx.segmentIndex));
  const best = planMpc({
    horizon,
    bufferS: ctx.bufferS,
    segmentS: ctx.segmentDurationS,
    lastIndex: ctx.lastIndex ?? 0,
    bitratesKbps: ctx.bitrates.map((b) => b / 1000),
    downloadTimeS: (k, q) => (sizeFor(ctx, k, q) * 8) / predictedBps,
    rebufferPenalty,
    smoothPenalty: ABR_DEFAULTS.smoothPenalty,
  });
  return { index: best.index, reason: `${why}, plan ${best.plan.join('')}`, estimateBps: predictedBps };
}

export function createMpc(opts: { robust: boolean; horizon?: number; window?: number }): AbrAlgorithm {
  const horizon = opts.horizon ?? ABR_DEFAULTS.mpcHorizon;
  const window = opts.window ?? ABR_DEFAULTS.mpcWindow;
  const errors = new PredictionErrors();
  return {
    name: opts.robust ? 'robust-mpc' : 'mpc',
    choose(ctx) {
      const harmonic = harmonicMean(ctx.history, window);
      if (harmonic === undefined) return { index: indexForBps(ctx.bitrates, ABR_DEFAULTS.startBps), reason: 'start: no throughput yet' };
      errors.observe(ctx.history);
      // Robust MPC: divide by 1 + the largest recent relative error.
      const maxError = opts.robust ? Math.max(0, ...errors.recent(window)) : 0;
      const predicted = harmonic / (1 + maxError);
      errors.predicted(harmonic);
      const why = opts.robust ? `predicted ${Math.round(predicted / 1000)} kbit/s (harmonic / ${(1 + maxError).toFixed(2)})` : `predicted ${Math.round(predicted / 1000)} kbit/s`;
      return decideByPlan(ctx, predicted, horizon, why);
    },
  };
}
