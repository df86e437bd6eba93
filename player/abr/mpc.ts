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
  /** Extra reward for the buffer left at the end of the plan, per second (0 in plain MPC). */
  terminalBufferWeight?: number;
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
 */
export function planMpc(p: MpcProblem): MpcPlan {
  const n = p.bitratesKbps.length;
  const plan = new Array<number>(p.horizon).fill(0);
  const best: MpcPlan = { index: 0, reward: -Infinity, plan: [] };
  const dt: number[][] = [];
  for (let k = 0; k < p.horizon; k++) {
    dt.push([]);
    for (let q = 0; q < n; q++) dt[k].push(p.downloadTimeS(k, q));
  }
  const visit = (k: number, buffer: number, rebuf: number, bitrateSum: number, smooth: number, last: number) => {
    if (k === p.horizon) {
      let reward = bitrateSum / 1000 - p.rebufferPenalty * rebuf - (p.smoothPenalty * smooth) / 1000;
      if (p.terminalBufferWeight) reward += p.terminalBufferWeight * buffer;
      if (reward >= best.reward) {
        best.reward = reward;
        best.index = plan[0];
        best.plan = plan.slice();
      }
      return;
    }
    for (let q = 0; q < n; q++) {
      const d = dt[k][q];
      let b = buffer;
      let r = rebuf;
      if (b < d) {
        r += d - b;
        b = 0;
      } else {
        b -= d;
      }
      b += p.segmentS;
      plan[k] = q;
      visit(k + 1, b, r, bitrateSum + p.bitratesKbps[q], smooth + Math.abs(p.bitratesKbps[q] - p.bitratesKbps[last]), q);
    }
  };
  visit(0, p.bufferS, 0, 0, 0, p.lastIndex);
  return best;
}

/** Segment sizes for planning: the real ones when known, else bitrate x duration. */
export function sizeFor(ctx: AbrContext, k: number, q: number): number {
  const real = ctx.upcomingSizes?.[k]?.[q];
  return real ?? (ctx.bitrates[q] * ctx.segmentDurationS) / 8;
}

/** Plan the next segments for a predicted throughput and decide the first (QoE_lin weights). */
export function decideByPlan(ctx: AbrContext, predictedBps: number, horizonMax: number, why: string, terminalBufferWeight = 0, rebufferPenalty: number = ABR_DEFAULTS.rebufferPenalty): AbrDecision {
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
    // A shortened horizon (the end of the video) has no future to keep buffer for.
    terminalBufferWeight: horizon < horizonMax ? 0 : terminalBufferWeight,
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
