/**
 * dashlab: our own, still being tuned with the simulator (npm run compare). Model-predictive
 * like robust-MPC, with knobs for what we try against its weaknesses: how past prediction
 * errors discount the prediction (their maximum, as robust-MPC, or their mean), a cap at the
 * dual-EWMA estimate, a discount that shrinks as the buffer fills, a value for the buffer a
 * plan leaves behind, and the rebuffer penalty used when planning. The defaults are the best
 * found so far on Pensieve's video and the Norway traces: robust-MPC's prediction, planned
 * with a rebuffer penalty of 8 (plans that risk a stall lose more); it is level with
 * robust-MPC there, not yet the 10% better we aim for (see the README).
 */
import { ABR_DEFAULTS } from './defaults.js';
import { dualEwma, harmonicMean, PredictionErrors } from './estimators.js';
import { decideByPlan } from './mpc.js';
import { indexForBps, type AbrAlgorithm } from './types.js';

export const DASHLAB_PARAMS = {
  horizon: 5,
  window: 5,
  /** Reward per second of buffer left at the end of the plan (in Mbit/s units). */
  terminalBufferWeight: 0,
  /** How recent prediction errors discount the prediction: their mean, or their maximum (robust-MPC). */
  errorMode: 'max' as 'mean' | 'max',
  /** Never predict above the dual EWMA. */
  ewmaCap: false,
  /** Scale the error discount down as the buffer fills (errors hurt less with a deep buffer). */
  bufferAwareError: false,
  /** Rebuffer penalty used when planning (QoE's is 4.3). */
  planRebufferPenalty: 8,
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
      const meanError = p.errorMode === 'max' ? Math.max(0, ...recent) : recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length);
      const scale = p.bufferAwareError ? Math.max(0.25, 1 - ctx.bufferS / ctx.bufferTargetS) : 1;
      const discounted = harmonic / (1 + meanError * scale);
      const predicted = p.ewmaCap ? Math.min(discounted, ewma) : discounted;
      errors.predicted(harmonic);
      const why = `predicted ${Math.round(predicted / 1000)} kbit/s (${p.errorMode} error ${(meanError * 100).toFixed(0)}%)`;
      return decideByPlan(ctx, predicted, p.horizon, why, p.terminalBufferWeight, p.planRebufferPenalty);
    },
  };
}
