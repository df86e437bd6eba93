/**
 * dashlab: our own. Model-predictive like robust-MPC, with three changes aimed at its
 * known weaknesses:
 *  - the throughput prediction is discounted by the *typical* recent error (the mean of
 *    the last 5 relative errors) instead of the largest, which makes robust-MPC needlessly
 *    timid after a single outlier, and never exceeds the dual-EWMA estimate, which drops fast;
 *  - the plan is scored with a value for the buffer it leaves behind (up to the target), so
 *    a plan that drains the buffer to buy bitrate in the last step of the horizon loses;
 *  - real segment sizes from info.json when known (bitrate x duration otherwise).
 * Tuned and measured against the others with the simulator (npm run compare).
 */
import { ABR_DEFAULTS } from './defaults.js';
import { dualEwma, harmonicMean, PredictionErrors } from './estimators.js';
import { decideByPlan } from './mpc.js';
import { indexForBps, type AbrAlgorithm } from './types.js';

export const DASHLAB_PARAMS = {
  horizon: 5,
  window: 5,
  /** Reward per second of buffer left at the end of the plan (in Mbit/s units). */
  terminalBufferWeight: 0.1,
};

export function createDashlab(params: Partial<typeof DASHLAB_PARAMS> = {}): AbrAlgorithm {
  const p = { ...DASHLAB_PARAMS, ...params };
  const errors = new PredictionErrors();
  return {
    name: 'dashlab',
    choose(ctx) {
      const harmonic = harmonicMean(ctx.history, p.window);
      const ewma = dualEwma(ctx.history);
      if (harmonic === undefined || ewma === undefined) {
        return { index: indexForBps(ctx.bitrates, ABR_DEFAULTS.startBps), reason: 'start: no throughput yet' };
      }
      errors.observe(ctx.history);
      const recent = errors.recent(p.window);
      const meanError = recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length);
      const predicted = Math.min(harmonic / (1 + meanError), ewma);
      errors.predicted(harmonic);
      const why = `predicted ${Math.round(predicted / 1000)} kbit/s (mean error ${(meanError * 100).toFixed(0)}%)`;
      return decideByPlan(ctx, predicted, p.horizon, why, p.terminalBufferWeight);
    },
  };
}
