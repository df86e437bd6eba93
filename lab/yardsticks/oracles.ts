/**
 * Oracles: model-predictive players that are told the future of the trace, to measure how
 * far any online algorithm could go (npm run abr:ceiling). They plan exactly as MPC does
 * (QoE_lin over the next segments) but with what the network will really do instead of a
 * prediction from the past. Simulator only: they read the trace, which a player never can.
 *  - exactFutureMpc: every planned download timed on the trace itself, in sequence, with
 *    the RTT and the waits of the buffer policy (a video with audio has its audio segment
 *    counted beside each: an approximation of the model's own audio stream; the ceiling is
 *    measured on Pensieve's video, which has none).
 *  - meanRateOracle: plans with one rate, the link's true mean over the next `windowS`
 *    seconds times `factor` (what a perfect short-term predictor would say).
 */
import { ABR_DEFAULTS, indexForBps, type AbrAlgorithm, type AbrContext } from '../../core/abr/index.js';
import { decideByPlan, sizeFor } from '../../core/abr/mpc.js';
import { fetchDelayS, type BufferPolicy } from '../../core/buffer-policy.js';
import { REBUFFER_PENALTY } from '../../core/qoe.js';
import { type SimVideo } from '../models/player-model.js';
import { bitsBetween, transferTime, type Trace } from '../../core/traces/index.js';

const start = (ctx: AbrContext) => ({ index: indexForBps(ctx.bitrates, ABR_DEFAULTS.startBps), reason: 'start rule' });

/**
 * MPC told the future exactly: enumerate every plan for the next `horizon` segments and time
 * each download on the trace from the moment it would start. The first segment follows the
 * start rule, as every algorithm's does. Exhaustive (6^5 plans a decision): slow, on purpose
 * plain.
 */
export function exactFutureMpc(o: { trace: Trace; video: SimVideo; policy: BufferPolicy; rttS: number; horizon?: number }): AbrAlgorithm {
  const horizonMax = o.horizon ?? ABR_DEFAULTS.mpcHorizon;
  return {
    name: `exact-future-mpc-h${horizonMax}`,
    choose(ctx) {
      if (!ctx.history.length) return start(ctx);
      const h = Math.max(1, Math.min(horizonMax, ctx.totalSegments - ctx.segmentIndex));
      const mbps = ctx.bitrates.map((b) => b / 1e6);
      const n = mbps.length;
      const seg = ctx.segmentDurationS;
      const bestByFirst = new Array<number>(n).fill(-Infinity);
      let first = 0;
      const visit = (k: number, t: number, buffer: number, reward: number, last: number | undefined): void => {
        if (k === h) {
          bestByFirst[first] = Math.max(bestByFirst[first], reward);
          return;
        }
        const wait = fetchDelayS(o.policy, buffer, seg);
        const audio = o.video.audioBytes?.[ctx.segmentIndex + k] ?? 0;
        for (let q = 0; q < n; q++) {
          if (k === 0) first = q;
          const d = wait + o.rttS + transferTime(o.trace, t + wait + o.rttS, sizeFor(ctx, k, q) + audio);
          const stall = Math.max(0, d - buffer);
          const r = reward + mbps[q] - REBUFFER_PENALTY * stall - (last === undefined ? 0 : Math.abs(mbps[q] - mbps[last]));
          visit(k + 1, t + d, Math.max(0, buffer - d) + seg, r, q);
        }
      };
      visit(0, ctx.nowS, ctx.bufferS, 0, ctx.lastIndex);
      let best = 0;
      // Ties go to the higher first step, as in planMpc (the later plan in lexicographic order).
      for (let q = 1; q < n; q++) if (bestByFirst[q] >= bestByFirst[best]) best = q;
      return { index: best, reason: `exact future, plan value ${bestByFirst[best].toFixed(2)}` };
    },
  };
}

/** MPC planning with the link's true mean rate over the next `windowS` seconds, times `factor`. */
export function meanRateOracle(o: { trace: Trace; windowS: number; factor: number }): AbrAlgorithm {
  return {
    name: `mean-rate-oracle-${o.windowS}s-x${o.factor}`,
    choose(ctx) {
      if (!ctx.history.length) return start(ctx);
      const bps = (bitsBetween(o.trace, ctx.nowS, ctx.nowS + o.windowS) / o.windowS) * o.factor;
      return decideByPlan(ctx, Math.max(1, bps), ABR_DEFAULTS.mpcHorizon, `true mean of the next ${o.windowS} s x ${o.factor}`, REBUFFER_PENALTY);
    },
  };
}
