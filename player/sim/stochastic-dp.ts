/**
 * A learned player: stochastic dynamic programming over a link model sampled from training
 * traces. It reads only the past, like any player, but it has seen other traces of the same
 * kind of network, and it plans for the distribution of what the link may do next instead
 * of one predicted rate (MPC's weakness: a point prediction and a 5-segment horizon with no
 * value for the buffer left at its end). npm run abr:ceiling runs it, trained on the Norway
 * training traces and scored on the test traces.
 *
 * Training (deterministic):
 *  1. The state a player can see is (buffer, last representation, cell), the cell being two
 *     binned rates read off the download history: the link's rate at the end of the last
 *     download (its tail) and the harmonic mean of the last `window` downloads, as dashlab
 *     uses them (downloads under 32 KB left out).
 *  2. Our dashlab player (with `explore` of its choices replaced by random ones, to visit
 *     more states) plays every training trace, entered at `rotations` offsets. At each of its
 *     decisions every representation's download is timed on the trace from that moment (the
 *     link does not care what we chose): one sample of where each choice leads, filed
 *     under the cell the player was in. Cells with few samples borrow their neighbours'.
 *  3. Value iteration over (segments left, buffer on a 1 s grid, last representation, cell)
 *     with QoE_lin's rewards, values `discount`ed per segment and the horizon capped. The
 *     segments left say which segment it is, so each is planned with its own sizes (the
 *     samples' transfer times scaled from the average size).
 *  4. The policy: in every state on the buffer grid, the choice with the best expected reward
 *     plus discounted value of where it leads (over the cell's samples), one digit per state:
 *     what player/abr/learned.ts reads, in the browser player and the simulator alike. The
 *     packager writes it beside the manifest (abr-policy.json).
 * It belongs to one ladder, segment duration and buffer target; ~15 s for the 68 Norway
 * training traces and a 48-segment video on this machine.
 */
import { createAbr, TAIL_WINDOW_S, type AbrAlgorithm } from '../abr/index.js';
import { createLearned, DEFAULT_RATE_FEATURES, POLICY_FORMAT, rateCell, type LearnedPolicy } from '../abr/learned.js';
import { BUFFER_DEFAULTS, fetchDelayS, type BufferPolicy } from '../engine/schedule.js';
import { REBUFFER_PENALTY } from './qoe.js';
import { simSegments, simulateDashlab, transferTime, type SimVideo } from './dashlab-model.js';
import { bitsBetween, rotateTrace, traceKey, type Trace } from './traces.js';

export const STOCHASTIC_DP_DEFAULTS = {
  /** Log-spaced rate bins per feature, between minBps and maxBps, and the harmonic mean's window (dashlab's). */
  rateBins: DEFAULT_RATE_FEATURES.bins,
  minBps: DEFAULT_RATE_FEATURES.minBps,
  maxBps: DEFAULT_RATE_FEATURES.maxBps,
  window: DEFAULT_RATE_FEATURES.window,
  /** Each training trace is entered at this many offsets. */
  rotations: 20,
  /** Fraction of the behaviour player's choices replaced by random ones. */
  explore: 0.3,
  /** A cell with fewer samples borrows from its neighbours; one with more is thinned. */
  minSamples: 30,
  maxSamples: 400,
  /** Value iteration: segments of lookahead and discount per segment. */
  horizon: 30,
  discount: 0.95,
  seed: 12345,
};

export type StochasticDpOptions = typeof STOCHASTIC_DP_DEFAULTS;

export interface StochasticDpModel {
  /** The trained choices, as the packager writes them (abr-policy.json). */
  policy: LearnedPolicy;
  /** A fresh player using them (player/abr/learned.ts). */
  algorithm(): AbrAlgorithm;
  samples: number;
  cells: number;
}

export function trainStochasticDp(o: { traces: Trace[]; video: SimVideo; buffer?: BufferPolicy; rttMs?: number; options?: Partial<StochasticDpOptions>; trainingName?: string; onProgress?: (done: number, total: number) => void }): StochasticDpModel {
  const video = o.video;
  const given = { ...STOCHASTIC_DP_DEFAULTS, ...o.options };
  // No deeper than the video: a table for more segments left than it has is never read.
  const p = { ...given, horizon: Math.max(1, Math.min(given.horizon, simSegments(video) - 1)) };
  const buffer = o.buffer ?? BUFFER_DEFAULTS;
  const seg = video.segmentS;
  const nQ = video.bitrates.length;
  const mbps = video.bitrates.map((b) => b / 1e6);
  const n = simSegments(video);
  const mean = (xs: number[]) => xs.slice(0, n).reduce((a, b) => a + b, 0) / n;
  const avgBytes = video.sizes.map(mean);
  const avgAudio = video.audioBytes ? mean(video.audioBytes) : 0;
  // Decisions are timed from the moment the download starts, after any wait for room.
  const bMax = buffer.targetS - seg;
  const nBuf = Math.floor(bMax) + 2; // 1 s grid covering 0..bMax
  const nB = p.rateBins;
  const nCells = nB * nB;
  const features = { ...DEFAULT_RATE_FEATURES, bins: nB, minBps: p.minBps, maxBps: p.maxBps, window: p.window };
  const cellOf = (history: Parameters<typeof rateCell>[0]) => rateCell(history, features)!.cell;

  // 2. Samples: per cell, per representation, the download time and the cell it leads to.
  // A sample's transfer times are for segments of average size; rttS apart, so a segment of another size can scale them.
  // With audio, the average audio segment is counted into each (the model moves it on the audio
  // stream's own schedule, sharing the link; on average it costs the link that much a segment).
  type Sample = { rttS: number; transferS: number[]; next: number[] };
  const raw: Sample[][] = Array.from({ length: nCells }, () => []);
  let seed = p.seed;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const sessions = o.traces.length * p.rotations;
  for (const [ti, base] of o.traces.entries()) {
    for (let r = 0; r < p.rotations; r++) {
      o.onProgress?.(ti * p.rotations + r, sessions + p.horizon);
      const trace = r ? rotateTrace(base, (r * base.periodS) / p.rotations) : base;
      const rttS = (o.rttMs ?? trace.rttMs ?? 0) / 1000;
      const behaviour = createAbr('dashlab');
      const recorder: AbrAlgorithm = {
        name: 'stochastic-dp-training',
        choose(ctx) {
          const d = behaviour.choose(ctx);
          if (ctx.history.length) {
            const start = ctx.nowS + fetchDelayS(buffer, ctx.bufferS, seg);
            const s: Sample = { rttS, transferS: [], next: [] };
            const recent = ctx.history.slice(-2 * p.window);
            for (let q = 0; q < nQ; q++) {
              const transferS = transferTime(trace, start + rttS, avgBytes[q] + avgAudio);
              const endS = start + rttS + transferS;
              const share = avgBytes[q] / (avgBytes[q] + avgAudio);
              const tailBps = transferS >= 2 * TAIL_WINDOW_S ? (bitsBetween(trace, endS - TAIL_WINDOW_S, endS) * share) / TAIL_WINDOW_S : undefined;
              s.transferS.push(transferS);
              s.next.push(cellOf([...recent, { bytes: avgBytes[q], ttfbS: rttS, transferS, endS, tailBps }]));
            }
            raw[cellOf(ctx.history)].push(s);
          }
          return random() < p.explore ? { ...d, index: Math.floor(random() * nQ) } : d;
        },
      };
      simulateDashlab({ trace, video, algo: '', abr: recorder, rttMs: o.rttMs, policy: buffer });
    }
  }
  const samples = raw.reduce((a, c) => a + c.length, 0);
  if (!samples) throw new Error('stochastic DP: the training traces gave no samples');
  // Sparse cells borrow from the neighbours within a growing square of cells.
  const rtts: Float64Array[] = [];
  const transfers: Float64Array[][] = [];
  const nexts: Int32Array[][] = [];
  for (let c = 0; c < nCells; c++) {
    const [x, y] = [Math.floor(c / nB), c % nB];
    let pool: Sample[] = [];
    for (let r = 0; r < nB && pool.length < p.minSamples; r++) {
      pool = [];
      for (let i = Math.max(0, x - r); i <= Math.min(nB - 1, x + r); i++) for (let j = Math.max(0, y - r); j <= Math.min(nB - 1, y + r); j++) pool.push(...raw[i * nB + j]);
    }
    if (pool.length > p.maxSamples) {
      const step = pool.length / p.maxSamples;
      pool = Array.from({ length: p.maxSamples }, (_, i) => pool[Math.floor(i * step)]);
    }
    rtts.push(Float64Array.from(pool, (s) => s.rttS));
    transfers.push(Array.from({ length: nQ }, (_, q) => Float64Array.from(pool, (s) => s.transferS[q])));
    nexts.push(Array.from({ length: nQ }, (_, q) => Int32Array.from(pool, (s) => s.next[q])));
  }

  /**
   * Each representation's size relative to its average for segment k (audio beside it), or
   * 1 for a table that serves many segments (undefined k): with VBR content (the sample's
   * first segments are a twentieth of its Mandelbrot ones) a plan for average segments stalls.
   */
  const sizeScale = (k: number | undefined) => video.bitrates.map((_b, q) => (k === undefined ? 1 : (video.sizes[q][k] + (video.audioBytes?.[k] ?? 0)) / (avgBytes[q] + avgAudio)));
  /** Expected reward of fetching representation q now, `scale` x its average size (switch penalty apart), plus the discounted value after. */
  const expected = (values: Float64Array, bufferS: number, cell: number, q: number, scale: number): number => {
    const transfer = transfers[cell][q];
    const rtt = rtts[cell];
    const next = nexts[cell][q];
    let total = 0;
    for (let i = 0; i < transfer.length; i++) {
      const d = rtt[i] + transfer[i] * scale;
      const stall = d > bufferS ? d - bufferS : 0;
      const after = Math.min(bMax, Math.max(0, bufferS - d) + seg);
      const k = Math.min(nBuf - 2, Math.floor(after));
      const f = after - k;
      const at = (k * nQ + q) * nCells + next[i];
      total += -REBUFFER_PENALTY * stall + p.discount * (values[at] * (1 - f) + values[at + nQ * nCells] * f);
    }
    return mbps[q] + total / transfer.length;
  };

  // 3. Value iteration: values[r] for r segments left, indexed (buffer, last, cell).
  const values: Float64Array[] = [new Float64Array(nBuf * nQ * nCells)];
  const byChoice = new Float64Array(nQ);
  for (let r = 1; r <= p.horizon; r++) {
    o.onProgress?.(sessions + r - 1, sessions + p.horizon);
    const after = values[r - 1];
    const v = new Float64Array(after.length);
    // With r segments left this one is segment n - r: its own sizes.
    const scale = sizeScale(n - r);
    for (let b = 0; b < nBuf; b++) {
      for (let c = 0; c < nCells; c++) {
        for (let q = 0; q < nQ; q++) byChoice[q] = expected(after, b, c, q, scale[q]);
        for (let last = 0; last < nQ; last++) {
          let best = -Infinity;
          for (let q = 0; q < nQ; q++) best = Math.max(best, byChoice[q] - Math.abs(mbps[q] - mbps[last]));
          v[(b * nQ + last) * nCells + c] = best;
        }
      }
    }
    values.push(v);
  }

  // 4. The choice in every state on the 1 s buffer grid: one base-36 digit per state, as
  //    player/abr/learned.ts reads them. With r segments left after it the segment is n - 1 - r,
  //    planned with its own sizes; the deepest table serves every earlier segment when the video
  //    is longer than the horizon, planned for a segment of average size.
  if (nQ > 36) throw new Error(`stochastic DP: ${nQ} representations; a policy holds at most 36`);
  const nG = Math.floor(bMax) + 1;
  const digits = new TextEncoder().encode('0123456789abcdefghijklmnopqrstuvwxyz');
  const choices = new Uint8Array((p.horizon + 1) * nG * nQ * nCells);
  for (let r = 0; r <= p.horizon; r++) {
    const scale = sizeScale(r < p.horizon || p.horizon === n - 1 ? n - 1 - r : undefined);
    for (let g = 0; g < nG; g++) {
      for (let c = 0; c < nCells; c++) {
        for (let q = 0; q < nQ; q++) byChoice[q] = expected(values[r], g, c, q, scale[q]);
        for (let last = 0; last < nQ; last++) {
          let best = 0;
          for (let q = 1; q < nQ; q++) if (byChoice[q] - Math.abs(mbps[q] - mbps[last]) > byChoice[best] - Math.abs(mbps[best] - mbps[last])) best = q;
          choices[((r * nG + g) * nQ + last) * nCells + c] = digits[best];
        }
      }
    }
  }
  o.onProgress?.(sessions + p.horizon, sessions + p.horizon);
  const policy: LearnedPolicy = {
    format: POLICY_FORMAT,
    training: { name: o.trainingName ?? `${o.traces.length} traces`, traceKeys: o.traces.map(traceKey) },
    bitrates: video.bitrates,
    segmentS: seg,
    bufferTargetS: buffer.targetS,
    bufferStepS: 1,
    buffers: nG,
    depths: p.horizon + 1,
    rates: features,
    choices: new TextDecoder().decode(choices),
  };
  return { samples, cells: nCells, policy, algorithm: () => createLearned(policy) };
}
