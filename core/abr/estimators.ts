/**
 * Throughput estimators, pure functions of the download history.
 *
 * Dual-half-life EWMA (as hls.js, Shaka and dash.js do): two exponentially weighted
 * averages of the per-download throughput, weighted by each download's duration, one with
 * a short half-life (reacts to drops) and one long (ignores spikes); the estimate is the
 * smaller. The startup bias of an EWMA that begins at zero is removed by dividing by the
 * total weight seen (Shaka's "zero factor").
 */
import { sampleBps, type ThroughputSample } from './types.js';

export interface EwmaOptions {
  fastHalfLifeS: number;
  slowHalfLifeS: number;
}

export const EWMA_DEFAULTS: EwmaOptions = { fastHalfLifeS: 3, slowHalfLifeS: 9 };

/** One EWMA, each sample weighted by its duration in seconds. Undefined with no samples. */
export function ewma(history: ThroughputSample[], halfLifeS: number): number | undefined {
  if (!history.length) return undefined;
  const alpha = Math.pow(0.5, 1 / halfLifeS);
  let estimate = 0;
  let totalWeight = 0;
  for (const s of history) {
    const weight = Math.max(1e-3, s.ttfbS + s.transferS);
    const adj = Math.pow(alpha, weight);
    estimate = sampleBps(s) * (1 - adj) + adj * estimate;
    totalWeight += weight;
  }
  const zeroFactor = 1 - Math.pow(alpha, totalWeight);
  return estimate / zeroFactor;
}

/** min(fast EWMA, slow EWMA): drops are believed at once, rises only when they last. */
export function dualEwma(history: ThroughputSample[], o: EwmaOptions = EWMA_DEFAULTS): number | undefined {
  const fast = ewma(history, o.fastHalfLifeS);
  const slow = ewma(history, o.slowHalfLifeS);
  if (fast === undefined || slow === undefined) return undefined;
  return Math.min(fast, slow);
}

/** Harmonic mean of the last `window` downloads' throughput (MPC's predictor). */
export function harmonicMean(history: ThroughputSample[], window = 5): number | undefined {
  const recent = history.slice(-window);
  if (!recent.length) return undefined;
  let inv = 0;
  for (const s of recent) inv += 1 / sampleBps(s);
  return recent.length / inv;
}

/**
 * Relative errors of past throughput predictions (robust MPC and ours): after each new
 * download, |last prediction - measured| / measured; 0 for the first.
 */
export class PredictionErrors {
  private errors: number[] = [];
  private lastPrediction: number | undefined;
  private last: ThroughputSample | undefined;

  /** Account for downloads that arrived since the last call (one error for the newest). */
  observe(history: ThroughputSample[]): void {
    if (!samplesAfter(history, this.last).length) return;
    const newest = history[history.length - 1];
    const actual = sampleBps(newest);
    this.errors.push(this.lastPrediction === undefined ? 0 : Math.abs(this.lastPrediction - actual) / actual);
    if (this.errors.length > 100) this.errors.shift();
    this.last = newest;
  }

  /** Remember what was predicted, to score it against the next download. */
  predicted(bps: number): void {
    this.lastPrediction = bps;
  }

  recent(window: number): number[] {
    return this.errors.slice(-window);
  }
}

/**
 * The samples that arrived after `last` (all of them when `last` is undefined). Found by
 * identity, not by count: the player keeps only its last 100 downloads, so the history's
 * length stops growing in a long session.
 */
export function samplesAfter(history: ThroughputSample[], last: ThroughputSample | undefined): ThroughputSample[] {
  return history.slice(last ? history.lastIndexOf(last) + 1 : 0);
}
