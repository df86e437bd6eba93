/**
 * BOLA (Spiteri, Urgaonkar, Sitaraman, INFOCOM 2016; arXiv:1601.06748), the way dash.js's
 * BolaRule runs it: utilities ln(bitrate); V and gamma chosen so the lowest bitrate wins at
 * the minimum buffer and the highest at the buffer target; a throughput-based startup with
 * a placeholder buffer; BOLA-O (never climb above the measured throughput just because the
 * buffer says so); a rebuffer-safety cap; and a delay instead of overfilling the buffer
 * with low quality.
 */
import { ABR_DEFAULTS } from './defaults.js';
import { harmonicMean } from './estimators.js';
import { indexForBps, type AbrAlgorithm, type AbrContext } from './types.js';

export interface BolaParams {
  utilities: number[];
  gp: number;
  Vp: number;
}

/** V and gamma*p for a ladder: score_i = (Vp * (u_i + gp) - buffer) / bitrate_i. */
export function bolaParams(bitrates: number[], minimumBufferS: number, bufferTargetS: number): BolaParams {
  const utilities = bitrates.map((b) => Math.log(b));
  const top = utilities.length - 1;
  const gp = 1 - utilities[0] + (utilities[top] - utilities[0]) / (bufferTargetS / minimumBufferS - 1);
  const Vp = minimumBufferS / (utilities[0] + gp - 1);
  return { utilities, gp, Vp };
}

/** The index BOLA's formula picks for a buffer level (ties go to the higher bitrate). */
export function bolaIndexForBuffer(p: BolaParams, bitrates: number[], bufferS: number): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < bitrates.length; i++) {
    const s = (p.Vp * (p.utilities[i] + p.gp) - bufferS) / bitrates[i];
    if (s >= bestScore) {
      bestScore = s;
      best = i;
    }
  }
  return best;
}

/** The buffer level at which BOLA starts preferring index q over every lower one. */
function bufferToPrefer(p: BolaParams, bitrates: number[], q: number): number {
  let want = 0;
  for (let i = 0; i < q; i++) {
    const b = p.Vp * (p.gp + (bitrates[q] * p.utilities[i] - bitrates[i] * p.utilities[q]) / (bitrates[q] - bitrates[i]));
    want = Math.max(want, b);
  }
  return want;
}

/**
 * BOLA in steady state, as dash.js's BolaRule: the index for the buffer plus the placeholder,
 * capped at the throughput when climbing (BOLA-O) and by the rebuffer safety, and the delay
 * that keeps the buffer from overfilling with low quality (the placeholder spent first).
 */
function steadyChoice(p: BolaParams, ctx: AbrContext, tput: number, placeholder: number, lastIndex: number): { q: number; reason: string; delayS: number; placeholderS: number } {
  const { bitrates } = ctx;
  let placeholderS = placeholder;
  const effective = ctx.bufferS + placeholderS;
  let q = bolaIndexForBuffer(p, bitrates, effective);
  let reason = `buffer ${ctx.bufferS.toFixed(1)}+${placeholderS.toFixed(1)} s`;
  // BOLA-O: do not climb above what the network delivers just because the buffer is full.
  if (q > lastIndex) {
    const byRate = indexForBps(bitrates, tput);
    if (q > byRate) {
      q = Math.max(byRate, lastIndex);
      reason += ', capped at throughput';
    }
  }
  // Rebuffer safety: the next segment must download well within the buffer.
  const safeBitrate = (ABR_DEFAULTS.bolaRebufferSafety * tput * ctx.bufferS) / ctx.segmentDurationS;
  while (q > 0 && bitrates[q] > safeBitrate) {
    q--;
    reason = `rebuffer safety (buffer ${ctx.bufferS.toFixed(1)} s)`;
  }
  // Do not overfill the buffer with low quality: spend the placeholder first, then wait.
  let delayS = effective - p.Vp * (p.utilities[q] + p.gp);
  if (delayS > 0) {
    if (delayS > placeholderS) {
      delayS -= placeholderS;
      placeholderS = 0;
    } else {
      placeholderS -= delayS;
      delayS = 0;
    }
  }
  if (delayS <= 0 || q === bitrates.length - 1) delayS = 0;
  return { q, reason, delayS, placeholderS };
}

export function createBola(opts: { safetyFactor?: number } = {}): AbrAlgorithm {
  const safety = opts.safetyFactor ?? ABR_DEFAULTS.safetyFactor;
  let params: BolaParams | undefined;
  let ladderKey = '';
  let state: 'startup' | 'steady' = 'startup';
  let placeholderS = 0;
  let lastIndex = 0;
  let lastCallS: number | undefined;
  let lastEndSeen: number | undefined;

  return {
    name: 'bola',
    choose(ctx: AbrContext) {
      const { bitrates } = ctx;
      if (bitrates.length === 1) return { index: 0, reason: 'one bitrate' };
      const key = bitrates.join(',');
      if (key !== ladderKey) {
        ladderKey = key;
        const target = Math.max(ctx.bufferTargetS, ABR_DEFAULTS.bolaMinimumBufferS + ABR_DEFAULTS.bolaMinimumBufferPerLevelS * bitrates.length);
        params = bolaParams(bitrates, ABR_DEFAULTS.bolaMinimumBufferS, target);
        state = 'startup';
        placeholderS = 0;
      }
      const p = params!;
      const tput = harmonicMean(ctx.history, ABR_DEFAULTS.bolaThroughputSamples);

      // The placeholder grows by the time we sat idle since the last download or call
      // (buffer full, or BOLA's own delay), as dash.js does; a stall resets it.
      const lastEnd = ctx.history.at(-1)?.endS;
      if (lastCallS !== undefined) {
        const since = lastEnd !== undefined && lastEnd !== lastEndSeen && lastEnd > lastCallS ? lastEnd : lastCallS;
        placeholderS += Math.max(0, ctx.nowS - since);
      }
      lastCallS = ctx.nowS;
      lastEndSeen = lastEnd;
      if (ctx.bufferS <= 0.1 || ctx.rebuffering) placeholderS = 0;

      if (tput === undefined) {
        const index = indexForBps(bitrates, ABR_DEFAULTS.startBps);
        lastIndex = index;
        return { index, reason: 'startup: no throughput yet' };
      }

      if (state === 'startup') {
        const q = indexForBps(bitrates, tput * safety);
        if (ctx.bufferS > ctx.segmentDurationS / ABR_DEFAULTS.bolaRebufferSafety) {
          state = 'steady';
          const want = bufferToPrefer(p, bitrates, q);
          if (want > ctx.bufferS) placeholderS = want - ctx.bufferS;
        }
        lastIndex = q;
        return { index: q, reason: `startup: throughput ${Math.round(tput / 1000)} kbit/s`, estimateBps: tput };
      }

      const steady = steadyChoice(p, ctx, tput, placeholderS, lastIndex);
      placeholderS = steady.placeholderS;
      const { q, reason, delayS } = steady;
      lastIndex = q;
      return { index: q, reason, estimateBps: tput, delayS: delayS || undefined };
    },
  };
}
