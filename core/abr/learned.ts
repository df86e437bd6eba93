/**
 * learned: our player with a policy learned for one video (lab/learning/stochastic-dp.ts trains
 * it; the packager writes it beside the manifest as abr-policy.json). The policy is a table of
 * choices indexed by what any player can see: segments left, buffer, the last representation
 * and a cell of two binned rates read off the download history. Where the table does not apply
 * (no policy, another ladder or buffer target, a link faster than anything it learned from, no
 * usable download yet) the choice is dashlab's, which runs beside it on every decision so its
 * own state (prediction errors) stays current.
 */
import { createTailMpc, TAIL_MPC_PARAMS } from './tail-mpc.js';
import { harmonicMean } from './estimators.js';
import { recentBps, type AbrAlgorithm, type AbrContext, type ThroughputSample } from './types.js';

/**
 * /2: every segment planned with its own sizes. /1 tables planned every segment at the
 * average size and stall on VBR content, so they are refused with a way out.
 */
export const POLICY_FORMAT = 'dashlab-abr-policy/2';
const OUTDATED_FORMATS: Record<string, string> = {
  'dashlab-abr-policy/1': "it was learned by an older dashlab that planned every segment at its average size (it stalls where VBR segments are large); learn it anew with npm run abr:policy -- --video X (a library video's in place, in seconds, nothing re-encoded; a bundled video's or an info.json's beside it)",
};

/** The file's name next to a package's manifest. */
export { POLICY_FILE } from '../package-format.js';

export interface RateFeatures {
  /** Log-spaced bins per rate, between minBps and maxBps (bin centres at both ends). */
  bins: number;
  minBps: number;
  maxBps: number;
  /** Downloads in the harmonic mean. */
  window: number;
  /** Smaller downloads are not throughput samples (as dashlab). */
  minSampleBytes: number;
}

export interface LearnedPolicy {
  format: typeof POLICY_FORMAT;
  /** What it learned from: a name, and a key per trace (to refuse scoring it on them). */
  training: { name: string; traceKeys: string[] };
  /** The ladder and buffer it was trained for; another one falls back to dashlab. */
  bitrates: number[];
  segmentS: number;
  bufferTargetS: number;
  /** Buffer grid: 0, stepS, 2 stepS, ... (buffers - 1) stepS. */
  bufferStepS: number;
  buffers: number;
  /** Tables for 0..depths - 1 segments left after this one; the last serves any more. */
  depths: number;
  rates: RateFeatures;
  /** One base-36 digit per state (the representation's index): ((depth * buffers + buffer) * rungs + last) * bins^2 + cell. */
  choices: string;
}

/** The cell of a download history: (bin of the last download's tail) x bins + bin of the harmonic mean; undefined before any download. */
export function rateCell(history: ThroughputSample[], f: RateFeatures): { cell: number; tailBps: number; meanBps: number } | undefined {
  if (!history.length) return undefined;
  const usable = history.filter((s) => s.bytes >= f.minSampleBytes);
  const h = usable.length ? usable : history;
  const tailBps = recentBps(h[h.length - 1]);
  const meanBps = harmonicMean(h, f.window)!;
  const lo = Math.log(f.minBps);
  const span = Math.log(f.maxBps) - lo;
  const bin = (bps: number) => Math.max(0, Math.min(f.bins - 1, Math.round(((Math.log(Math.max(1, bps)) - lo) / span) * (f.bins - 1))));
  return { cell: bin(tailBps) * f.bins + bin(meanBps), tailBps, meanBps };
}

/** The learned player's own features (its window, 8, chosen with it by cross-validation on norway-train; dashlab's is 5 since 2026-12-05). */
export const DEFAULT_RATE_FEATURES: RateFeatures = { bins: 14, minBps: 150e3, maxBps: 8e6, window: 8, minSampleBytes: TAIL_MPC_PARAMS.minSampleBytes };

/** Why a policy cannot play this video at all (undefined: it can). */
export function policyMismatch(policy: LearnedPolicy, ctx: Pick<AbrContext, 'bitrates' | 'segmentDurationS' | 'bufferTargetS'>): string | undefined {
  if (policy.bitrates.length !== ctx.bitrates.length || policy.bitrates.some((b, i) => Math.abs(b - ctx.bitrates[i]) > 1)) return 'the policy was learned for another ladder';
  if (Math.abs(policy.segmentS - ctx.segmentDurationS) > 0.01) return 'the policy was learned for another segment duration';
  if (policy.bufferTargetS !== ctx.bufferTargetS) return 'the policy was learned for another buffer target';
  return undefined;
}

/** Checks a parsed abr-policy.json; throws with the reason when it is not one. */
export function checkPolicy(value: unknown): LearnedPolicy {
  const p = value as LearnedPolicy;
  const fail = (why: string) => {
    throw new Error(`not an ABR policy: ${why}`);
  };
  if (!p || typeof p !== 'object') fail('not a JSON object');
  if (typeof p.format === 'string' && OUTDATED_FORMATS[p.format]) fail(`format ${p.format} is outdated: ${OUTDATED_FORMATS[p.format]}`);
  if (p.format !== POLICY_FORMAT) fail(`format is ${JSON.stringify(p.format)}, expected ${POLICY_FORMAT}`);
  if (!Array.isArray(p.bitrates) || !p.bitrates.length) fail('no bitrates');
  const r = p.rates;
  if (!r || !(r.bins > 0) || !(r.minBps > 0) || !(r.maxBps > r.minBps) || !(r.window > 0)) fail('bad rate features');
  if (!(p.buffers > 0) || !(p.bufferStepS > 0) || !(p.depths > 0) || !(p.segmentS > 0)) fail('bad table dimensions');
  const expected = p.depths * p.buffers * p.bitrates.length * r.bins * r.bins;
  if (typeof p.choices !== 'string' || p.choices.length !== expected) fail(`${p.choices?.length} choices, expected ${expected}`);
  if (p.bitrates.length > 36) fail('more than 36 representations');
  if (!/^[0-9a-z]*$/.test(p.choices) || [...new Set(p.choices)].some((c) => parseInt(c, 36) >= p.bitrates.length)) fail('a choice is not a representation');
  return p;
}

/** `problem`: why the video's policy could not be used (it is then absent), for the switch log. */
export function createLearned(policy?: LearnedPolicy, problem?: string): AbrAlgorithm {
  const fallback = createTailMpc();
  const nQ = policy?.bitrates.length ?? 0;
  const nCells = policy ? policy.rates.bins ** 2 : 0;
  return {
    name: 'learned',
    choose(ctx) {
      const ours = fallback.choose(ctx);
      if (!policy) return { ...ours, reason: `${problem ? `the video's policy is unusable (${problem})` : 'no learned policy for this video'}; dashlab: ${ours.reason}` };
      const mismatch = policyMismatch(policy, ctx);
      if (mismatch) return { ...ours, reason: `${mismatch}; dashlab: ${ours.reason}` };
      const rates = rateCell(ctx.history, policy.rates);
      if (!rates) return ours;
      // The top bin holds everything above its centre: a faster link is outside what it learned.
      if (rates.meanBps > policy.rates.maxBps) return { ...ours, reason: `link above the policy's range; dashlab: ${ours.reason}` };
      const left = ctx.totalSegments - ctx.segmentIndex - 1;
      const depth = Math.max(0, Math.min(policy.depths - 1, left));
      const g = Math.max(0, Math.min(policy.buffers - 1, Math.round(ctx.bufferS / policy.bufferStepS)));
      const last = ctx.lastIndex ?? 0;
      const index = parseInt(policy.choices[((depth * policy.buffers + g) * nQ + last) * nCells + rates.cell], 36);
      return { index, estimateBps: ours.estimateBps, reason: `learned: tail ${Math.round(rates.tailBps / 1000)} kbit/s, mean ${Math.round(rates.meanBps / 1000)} kbit/s, buffer ${ctx.bufferS.toFixed(1)} s` };
    },
  };
}
