/**
 * dashlab-live, our rule for low-latency live: model-predictive over the next few segments with
 * what live changes about a download. Near the edge a segment arrives as the encoder makes it,
 * so a download takes max(until the encoder finishes it, bytes / link rate): on a link faster
 * than the bitrate the buffer stays where it is (the latency), and only the excess time of a
 * slower download drains it. The plan is scored with the live QoE's own terms (core/qoe.ts:
 * bitrate x duration, max bitrate per second stalled, the latency charge on the stall's added
 * latency, the change in bitrate), on a prediction from chunk-aware samples (bytes over the
 * time bytes moved; the round trip and the wait for the encoder left out), the harmonic mean
 * of the last `window`, discounted by 1 + the largest relative error of the last
 * `errorWindow` predictions, as robust-MPC does. Parameters chosen on norway-train only
 * (docs/abr-research.md, "Live").
 */
import { ABR_DEFAULTS } from './defaults.js';
import { LIVE_QOE } from '../qoe.js';
import { indexForBps, type AbrAlgorithm, type AbrContext, type AbrDecision, type ThroughputSample } from './types.js';

export const LIVE_MPC_PARAMS = {
  horizon: 2,
  /** Samples in the harmonic mean: 1, the newest alone (a live sample is a whole segment, fresh every D seconds). */
  window: 1,
  errorWindow: 5,
  /** A stall is charged this many times the QoE's weight when planning (the prediction errs, the QoE does not). */
  stallWeight: 1.5,
  /** The error discount is at most 1 + this (an outage's error would otherwise pin the lowest rung for `errorWindow` segments). */
  maxError: 0.5,
  /**
   * The buffer a plan may not leave under without paying floorWeight x max bitrate per second
   * short: the live QoE alone pays for draining the buffer a little each segment on a link
   * just under the bitrate (a steady trickle of small stalls), which viewers do not.
   */
  floorS: 0.5,
  floorWeight: 20,
};

/** A chunked download's rate: bytes over the time they moved. */
const liveBps = (s: ThroughputSample) => (s.bytes * 8) / Math.max(1e-6, s.transferS);

export function createLiveMpc(params: Partial<typeof LIVE_MPC_PARAMS> = {}): AbrAlgorithm {
  const p = { ...LIVE_MPC_PARAMS, ...params };
  const errors: number[] = [];
  let predicted: number | undefined;
  let seen = 0;
  const choose = (ctx: AbrContext): AbrDecision => {
    const h = ctx.history;
    if (!h.length) return { index: indexForBps(ctx.bitrates, ctx.startHintBps ?? ABR_DEFAULTS.startBps), reason: 'dashlab-live: start' };
    if (h.length !== seen) {
      const actual = liveBps(h[h.length - 1]);
      if (predicted !== undefined) errors.push(Math.abs(predicted - actual) / actual);
      seen = h.length;
    }
    const recent = h.slice(-p.window);
    const mean = recent.length / recent.reduce((a, s) => a + 1 / liveBps(s), 0);
    predicted = mean;
    const bps = mean / (1 + Math.min(p.maxError, Math.max(0, ...errors.slice(-p.errorWindow))));
    const index = plan(ctx, bps, p);
    return { index, reason: `dashlab-live: plan on ${Math.round(bps / 1000)} kbit/s`, estimateBps: bps };
  };
  return { name: 'dashlab-live', choose };
}

/** The first step of the best plan of `horizon` segments (every combination: 6^3 plans on a six-rung ladder). */
function plan(ctx: AbrContext, bps: number, p: typeof LIVE_MPC_PARAMS): number {
  const D = ctx.segmentDurationS;
  const kbps = ctx.bitrates.map((b) => b / 1000);
  const minK = kbps[0];
  const maxK = kbps[kbps.length - 1];
  const latency0 = ctx.live?.latencyS ?? ctx.bufferS;
  const n = ctx.bitrates.length;
  let best = -Infinity;
  let bestFirst = 0;
  const walk = (depth: number, buffer: number, lead: number, latency: number, prev: number | undefined, score: number, first: number) => {
    if (depth === p.horizon) {
      if (score > best) [best, bestFirst] = [score, first];
      return;
    }
    for (let q = 0; q < n; q++) {
      // `lead`: how long until the encoder finishes this segment (negative: it is done).
      const t = Math.max(lead, (ctx.bitrates[q] * D) / bps);
      // Chunks arrive as they move, so the playhead runs dry only when the whole download outlasts the buffer plus the segment itself.
      const stall = Math.max(0, t - buffer - D);
      const after = Math.max(0, buffer + D - t);
      const lat = latency + stall;
      const latencyWeight = lat <= LIVE_QOE.latencyKneeS ? LIVE_QOE.lowLatencyWeight * minK : LIVE_QOE.highLatencyWeight * maxK;
      const short = Math.max(0, Math.min(p.floorS, buffer) - after);
      const s = D * kbps[q] - p.stallWeight * maxK * stall - p.floorWeight * maxK * short - latencyWeight * lat - (prev === undefined ? 0 : Math.abs(kbps[q] - prev));
      walk(depth + 1, after, lead + D - t, lat, kbps[q], score + s, depth === 0 ? q : first);
    }
  };
  const last = ctx.lastIndex === undefined ? undefined : kbps[ctx.lastIndex];
  walk(0, ctx.bufferS, ctx.bufferS + D - latency0, latency0, last, 0, 0);
  return bestFirst;
}
