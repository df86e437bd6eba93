/**
 * Model predictive control (Yin et al., SIGCOMM 2015), as Pensieve's baseline runs it:
 * predict the throughput (harmonic mean of the last 5 downloads; robust-MPC divides it by
 * 1 + the largest relative error of the last 5 predictions), then enumerate every
 * combination of representations for the next `horizon` segments, simulate the buffer,
 * score each with QoE_lin (sum of bitrates in Mbit/s - 4.3 x rebuffer seconds - sum of
 * bitrate changes) and fetch the first segment of the best plan.
 */
import { ABR_DEFAULTS } from './defaults.js';
import { REBUFFER_PENALTY, SSIM_QOE, ssimDb } from '../qoe.js';
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
  /**
   * What segment k (0 = next; -1 = the previous one, at lastIndex) is worth at representation
   * q, in the objective's units x 1000 (default: its bitrate in kbit/s, QoE_lin's). SSIM in dB
   * x 1000 makes the plan Puffer's QoE on SSIM.
   */
  value?: (k: number, q: number) => number;
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
  const seg = p.segmentS;
  const rp = p.rebufferPenalty;
  const sp = p.smoothPenalty;
  const dt = new Float64Array(h * n);
  for (let k = 0; k < h; k++) for (let q = 0; q < n; q++) dt[k * n + q] = p.downloadTimeS(k, q);
  // v[(k + 1) * n + q]: segment k's worth at q, the previous segment's in row 0.
  const v = new Float64Array((h + 1) * n);
  for (let k = -1; k < h; k++) for (let q = 0; q < n; q++) v[(k + 1) * n + q] = p.value ? p.value(k, q) : p.bitratesKbps[q];
  // best[k]: the most segments k.. can be worth together (the bound's optimism).
  const best = new Float64Array(h + 1);
  for (let k = h - 1; k >= 0; k--) {
    let m = -Infinity;
    for (let q = 0; q < n; q++) m = Math.max(m, v[(k + 1) * n + q]);
    best[k] = best[k + 1] + m;
  }
  const plan = new Int32Array(h);
  let bestReward = -Infinity;
  let bestPlan: number[] = [];
  const leafReward = (valueSum: number, rebuf: number, smooth: number) => valueSum / 1000 - rp * rebuf - (sp * smooth) / 1000;
  // Threshold from the constant plans (scored exactly as leaves are).
  let threshold = -Infinity;
  for (let q = 0; q < n; q++) {
    let b = p.bufferS;
    let r = 0;
    let sum = 0;
    let smooth = 0;
    let lastV = v[p.lastIndex];
    for (let k = 0; k < h; k++) {
      const d = dt[k * n + q];
      if (b < d) {
        r += d - b;
        b = 0;
      } else b -= d;
      b += seg;
      const x = v[(k + 1) * n + q];
      sum += x;
      smooth += Math.abs(x - lastV);
      lastV = x;
    }
    threshold = Math.max(threshold, leafReward(sum, r, smooth));
  }
  const EPS = 1e-9;
  const visit = (k: number, buffer: number, rebuf: number, valueSum: number, smooth: number, last: number): void => {
    const lastV = v[k * n + last];
    const base = k * n;
    const row = (k + 1) * n;
    if (k === h - 1) {
      // Leaves inline: no call per plan.
      for (let q = 0; q < n; q++) {
        const d = dt[base + q];
        const r = buffer < d ? rebuf + (d - buffer) : rebuf;
        const reward = leafReward(valueSum + v[row + q], r, smooth + Math.abs(v[row + q] - lastV));
        if (reward >= bestReward) {
          bestReward = reward;
          plan[k] = q;
          bestPlan = Array.from(plan);
        }
      }
      return;
    }
    for (let q = 0; q < n; q++) {
      const d = dt[base + q];
      let b = buffer;
      let r = rebuf;
      if (b < d) {
        r += d - b;
        b = 0;
      } else b -= d;
      b += seg;
      const s = valueSum + v[row + q];
      const sm = smooth + Math.abs(v[row + q] - lastV);
      // Best any completion could score: the most valuable representation next, no stall, no switch.
      const bound = (s + best[k + 1]) / 1000 - rp * r - (sp * sm) / 1000;
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

/**
 * Plan the next segments for a predicted throughput and decide the first. QoE_lin's weights;
 * with `objective: 'ssim'` and the video's SSIM known ahead, Puffer's QoE on SSIM instead (the
 * segments' SSIM in dB, its changes, and rebuffering at SSIM_QOE's weight scaled as much as
 * `rebufferPenalty` scales QoE_lin's, so a caller's caution carries over).
 */
export function decideByPlan(ctx: AbrContext, predictedBps: number, horizonMax: number, why: string, rebufferPenalty: number = ABR_DEFAULTS.rebufferPenalty, objective: 'bitrate' | 'ssim' = 'bitrate'): AbrDecision {
  let horizon = Math.max(1, Math.min(horizonMax, ctx.totalSegments - ctx.segmentIndex));
  const ssim = objective === 'ssim' && ctx.ssim?.upcoming.length ? ctx.ssim : undefined;
  if (ssim) horizon = Math.min(horizon, ssim.upcoming.length);
  const best = planMpc({
    horizon,
    bufferS: ctx.bufferS,
    segmentS: ctx.segmentDurationS,
    lastIndex: ctx.lastIndex ?? 0,
    bitratesKbps: ctx.bitrates.map((b) => b / 1000),
    downloadTimeS: (k, q) => (sizeFor(ctx, k, q) * 8) / predictedBps,
    rebufferPenalty: ssim ? (SSIM_QOE.rebufferPerS * rebufferPenalty) / REBUFFER_PENALTY : rebufferPenalty,
    smoothPenalty: ssim ? SSIM_QOE.changeWeight : ABR_DEFAULTS.smoothPenalty,
    // On SSIM, a ten-thousandth of a dB less per step up the ladder: of two plans viewers would see alike, the one with fewer bits.
    ...(ssim ? { value: (k: number, q: number) => 1000 * (ssimDb(k < 0 ? ssim.previous ?? ssim.upcoming[0][q] : ssim.upcoming[k][q]) - 1e-4 * q) } : {}),
  });
  return { index: best.index, reason: `${why}, plan ${best.plan.join('')}${ssim ? ' on SSIM' : ''}`, estimateBps: predictedBps };
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
