/**
 * L2A-LL (Karagkioules, Mekuria, Griffioen, Wagenaar: "Online learning for low-latency adaptive
 * streaming", ACM MMSys'20), as dash.js's L2ARule runs it: online convex optimisation over a
 * probability vector w on the ladder, a Lagrangian multiplier Q that tracks the buffer's
 * displacement, and a cautious one-step ascent. Written from the paper and dash.js's rule;
 * dash.js's quirks kept on purpose, so the baseline is the one people run:
 * - the descent's sign, once -1 for a bitrate above the last throughput, stays -1 for every
 *   higher bitrate;
 * - the ascent check keeps the chosen higher quality when the next step up does not fit;
 * - start-up (until 1.5 s are buffered after a first segment) is the throughput rule.
 * The throughput it learns from is the last download's (for chunked live downloads, the
 * player's chunk-aware measure: bytes over time spent receiving, not waiting for the encoder).
 */
import { ABR_DEFAULTS } from './defaults.js';
import { throughputDecision } from './throughput.js';
import type { AbrAlgorithm, AbrContext, AbrDecision } from './types.js';

/** dash.js's constants: horizon 4, cautiousness horizon^0.99, step size, reactiveness, target buffer. */
const HORIZON = 4;
const VL = HORIZON ** 0.99;
const ALPHA = Math.max(HORIZON, VL * Math.sqrt(HORIZON));
const REACT = 2;
const B_TARGET_S = 1.5;

/** Euclidean projection of y onto the probability simplex (Chen & Ye, arXiv:1101.6081). */
export function projectToSimplex(y: number[]): number[] {
  const s = [...y].sort((a, b) => b - a);
  let sum = 0;
  let t = (s.reduce((a, b) => a + b, 0) - 1) / s.length;
  for (let i = 0; i < s.length - 1; i++) {
    sum += s[i];
    const candidate = (sum - 1) / (i + 1);
    if (candidate >= s[i + 1]) {
      t = candidate;
      break;
    }
  }
  return y.map((v) => Math.max(v - t, 0));
}

const dot = (a: number[], b: number[]) => a.reduce((acc, v, i) => acc + v * b[i], 0);

export function createL2a(): AbrAlgorithm {
  let steady = false;
  let q = 0;
  let w: number[] = [];
  let last = 0;
  let seen = -1;
  const choose = (ctx: AbrContext): AbrDecision => {
    const kbps = ctx.bitrates.map((b) => b / 1000);
    const sample = ctx.history[ctx.history.length - 1];
    if (!steady) {
      const d = throughputDecision(ctx, ABR_DEFAULTS.safetyFactor);
      last = d.index;
      if (ctx.lastIndex !== undefined && ctx.bufferS >= B_TARGET_S) {
        steady = true;
        q = VL;
        w = kbps.map((_, i) => (i === ctx.lastIndex ? 1 : 0));
        last = ctx.lastIndex;
      } else return { ...d, reason: `L2A start-up: ${d.reason}` };
    }
    // The same download asked about again: dash.js keeps its last answer.
    if (!sample || ctx.history.length === seen) return { index: last, reason: 'L2A: no new download' };
    seen = ctx.history.length;
    const tput = Math.max(1, (sample.bytes * 8) / 1000 / Math.max(1e-6, sample.transferS));
    const rate = ctx.live?.playbackRate ?? 1;
    const v = ctx.segmentDurationS;
    let sign = 1;
    const next = kbps.map((b, i) => {
      if (rate * b > tput) sign = -1;
      return w[i] + sign * (v / (2 * ALPHA)) * ((q + VL) * ((rate * b) / tput));
    });
    const projected = projectToSimplex(next);
    const diff = projected.map((x, i) => x - w[i]);
    w = projected;
    q = Math.max(0, q - v + (v * rate * (dot(kbps, w) + dot(kbps, diff))) / tput);
    const target = dot(w, kbps);
    let index = 0;
    kbps.forEach((b, i) => {
      if (Math.abs(b - target) < Math.abs(kbps[index] - target)) index = i;
    });
    if (index > last && kbps[last + 1] <= tput) index = last + 1;
    if (kbps[index] >= tput) q = REACT * Math.max(VL, q);
    last = index;
    return { index, reason: `L2A: w.b ${Math.round(target)} kbit/s, Q ${q.toFixed(2)}`, estimateBps: tput * 1000 };
  };
  return { name: 'l2a', choose };
}
