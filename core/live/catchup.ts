/**
 * Holding a live latency by playback rate, as dash.js's catch-up and LoL+ do: faster when
 * behind the target, slower when ahead, and slower when the buffer runs low (a slower clock
 * drains it more slowly, trading a little latency for not stalling); a seek back to the
 * target when the latency has drifted too far to catch up by rate in reasonable time. Pure:
 * the player and the simulator call the same rule.
 */

export interface CatchupPolicy {
  targetS: number;
  minRate: number;
  maxRate: number;
  /** Beyond target + this (seconds), seek to the target instead of speeding up. */
  seekAboveS: number;
  /** Below this buffer (seconds), slow down even when behind. */
  lowBufferS: number;
}

/** Our defaults, where the manifest's ServiceDescription says nothing. */
export const CATCHUP_DEFAULTS: CatchupPolicy = { targetS: 1.5, minRate: 0.9, maxRate: 1.15, seekAboveS: 2.5, lowBufferS: 0.4 };

/**
 * How steeply the rate follows the error (per second of error): 0.1 s off gives about a fifth of
 * the rate range, so a small offset is closed in seconds (with 1.5, 0.12 s off rounded to rate 1.00 and stayed).
 */
const GAIN = 3;
/** Latency errors this small (seconds) are left alone: rate changes have their own cost (audio pitch, jank). */
const DEAD_BAND_S = 0.05;

export type CatchupAction = { rate: number } | { seekToLatencyS: number };

/**
 * The rate for now. The rate rises with the latency's excess along tanh (gentle near the target, the limit
 * from about half a second off), so it neither oscillates around the target nor crawls when far from it.
 */
export function catchup(p: CatchupPolicy, latencyS: number, bufferS: number): CatchupAction {
  const err = latencyS - p.targetS;
  if (err > p.seekAboveS) return { seekToLatencyS: p.targetS };
  let rate = 1;
  if (err > DEAD_BAND_S) rate = 1 + (p.maxRate - 1) * Math.tanh(GAIN * (err - DEAD_BAND_S));
  else if (err < -DEAD_BAND_S) rate = 1 - (1 - p.minRate) * Math.tanh(GAIN * (-err - DEAD_BAND_S));
  if (bufferS < p.lowBufferS) rate = Math.min(rate, 1 - (1 - p.minRate) * (1 - bufferS / p.lowBufferS));
  return { rate: Math.round(rate * 1000) / 1000 };
}

/** The policy a manifest asks for (its ServiceDescription), over our defaults. */
export function catchupPolicy(service?: { targetLatencyS?: number; minRate?: number; maxRate?: number; maxLatencyS?: number }): CatchupPolicy {
  const p = { ...CATCHUP_DEFAULTS };
  if (service?.targetLatencyS) p.targetS = service.targetLatencyS;
  if (service?.minRate && service.minRate < 1) p.minRate = service.minRate;
  if (service?.maxRate && service.maxRate > 1) p.maxRate = service.maxRate;
  if (service?.maxLatencyS && service.maxLatencyS > p.targetS) p.seekAboveS = service.maxLatencyS - p.targetS;
  return p;
}
