/** Rate-based: the highest bitrate under a safety fraction of the dual-EWMA estimate. */
import { ABR_DEFAULTS } from './defaults.js';
import { dualEwma } from './estimators.js';
import { indexForBps, type AbrAlgorithm, type AbrContext, type AbrDecision } from './types.js';

export function throughputDecision(ctx: AbrContext, safety: number = ABR_DEFAULTS.safetyFactor): AbrDecision {
  const est = dualEwma(ctx.history);
  if (est === undefined) {
    const index = indexForBps(ctx.bitrates, ABR_DEFAULTS.startBps);
    return { index, reason: `start at ${Math.round(ABR_DEFAULTS.startBps / 1000)} kbit/s` };
  }
  const index = indexForBps(ctx.bitrates, est * safety);
  return { index, reason: `${safety} x estimate ${Math.round(est / 1000)} kbit/s`, estimateBps: est };
}

export function createThroughput(opts: { safetyFactor?: number } = {}): AbrAlgorithm {
  const safety = opts.safetyFactor ?? ABR_DEFAULTS.safetyFactor;
  return { name: 'throughput', choose: (ctx) => throughputDecision(ctx, safety) };
}
