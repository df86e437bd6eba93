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
 *     what core/abr/learned.ts reads, in the browser player and the simulator alike. The
 *     packager writes it beside the manifest (abr-policy.json).
 * It belongs to one ladder, segment duration and buffer target; ~15 s for the 68 Norway
 * training traces and a 48-segment video on this machine.
 */
import { TAIL_WINDOW_S, type AbrAlgorithm } from '../../core/abr/index.js';
import { createTailMpc } from '../../core/abr/tail-mpc.js';
import { createLearned, DEFAULT_RATE_FEATURES, POLICY_FORMAT, rateCell, type LearnedPolicy } from '../../core/abr/learned.js';
import { BUFFER_DEFAULTS, fetchDelayS, type BufferPolicy } from '../../core/buffer-policy.js';
import { REBUFFER_PENALTY } from '../../core/qoe.js';
import { simSegments, simulatePlayer, type SimVideo } from '../models/player-model.js';
import { bitsBetween, rotateTrace, traceKey, transferTime, type Trace } from '../../core/traces/index.js';

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
  /** A fresh player using them (core/abr/learned.ts). */
  algorithm(): AbrAlgorithm;
  samples: number;
  cells: number;
}

type TrainInput = { traces: Trace[]; video: SimVideo; buffer?: BufferPolicy; rttMs?: number; options?: Partial<StochasticDpOptions>; trainingName?: string; onProgress?: (done: number, total: number) => void };

export function trainStochasticDp(o: TrainInput): StochasticDpModel {
  const pb = problemOf(o);
  const sessions = o.traces.length * pb.p.rotations;
  const progress = (done: number) => o.onProgress?.(done, sessions + pb.p.horizon);
  const raw = collectSamples(pb, o, progress);
  const samples = raw.reduce((a, c) => a + c.length, 0);
  if (!samples) throw new Error('stochastic DP: the training traces gave no samples');
  const expected = expectation(pb, poolCells(pb, raw));
  const values = valueIteration(pb, expected, (r) => progress(sessions + r - 1));
  const choices = tableOfChoices(pb, expected, values);
  progress(sessions + pb.p.horizon);
  const policy: LearnedPolicy = {
    format: POLICY_FORMAT,
    training: { name: o.trainingName ?? `${o.traces.length} traces`, traceKeys: o.traces.map(traceKey) },
    bitrates: pb.video.bitrates,
    segmentS: pb.seg,
    bufferTargetS: pb.buffer.targetS,
    bufferStepS: 1,
    buffers: pb.nG,
    depths: pb.p.horizon + 1,
    rates: pb.features,
    choices,
  };
  return { samples, cells: pb.nCells, policy, algorithm: () => createLearned(policy) };
}

/** The dimensions of the problem: the video, the buffer grid, the rate cells. */
function problemOf(o: TrainInput) {
  const video = o.video;
  const given = { ...STOCHASTIC_DP_DEFAULTS, ...o.options };
  // No deeper than the video: a table for more segments left than it has is never read.
  const p = { ...given, horizon: Math.max(1, Math.min(given.horizon, simSegments(video) - 1)) };
  const buffer = o.buffer ?? BUFFER_DEFAULTS;
  const seg = video.segmentS;
  const nQ = video.bitrates.length;
  if (nQ > 36) throw new Error(`stochastic DP: ${nQ} representations; a policy holds at most 36`);
  const n = simSegments(video);
  const mean = (xs: number[]) => xs.slice(0, n).reduce((a, b) => a + b, 0) / n;
  // Decisions are timed from the moment the download starts, after any wait for room.
  const bMax = buffer.targetS - seg;
  const nB = p.rateBins;
  const features = { ...DEFAULT_RATE_FEATURES, bins: nB, minBps: p.minBps, maxBps: p.maxBps, window: p.window };
  return {
    video,
    p,
    buffer,
    seg,
    nQ,
    n,
    mbps: video.bitrates.map((b) => b / 1e6),
    avgBytes: video.sizes.map(mean),
    avgAudio: video.audioBytes ? mean(video.audioBytes) : 0,
    bMax,
    /** Buffer values: a 1 s grid covering 0..bMax, and one more to interpolate into. */
    nBuf: Math.floor(bMax) + 2,
    /** Buffer values the policy is read at: 0, 1, ... floor(bMax) s. */
    nG: Math.floor(bMax) + 1,
    nB,
    nCells: nB * nB,
    features,
    cellOf: (history: Parameters<typeof rateCell>[0]) => rateCell(history, features)!.cell,
  };
}
type Problem = ReturnType<typeof problemOf>;

/**
 * One sample of where each choice leads: the download time of every representation (for a
 * segment of average size; rttS apart, so a segment of another size can scale them) and the
 * cell the player would be in after it.
 */
type Sample = { rttS: number; transferS: number[]; next: number[] };

/**
 * 2. Samples, per cell: our player (with `explore` of its choices random) plays every training
 * trace at every rotation, and at each decision every representation's download is timed on
 * the trace from that moment. With audio, the average audio segment is counted into each (the
 * model moves it on the audio stream's own schedule, sharing the link; on average it costs the
 * link that much a segment).
 */
function collectSamples(pb: Problem, o: TrainInput, progress: (done: number) => void): Sample[][] {
  const { p, buffer, seg, nQ, avgBytes, avgAudio, video } = pb;
  const raw: Sample[][] = Array.from({ length: pb.nCells }, () => []);
  let seed = p.seed;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const [ti, base] of o.traces.entries()) {
    for (let r = 0; r < p.rotations; r++) {
      progress(ti * p.rotations + r);
      const trace = r ? rotateTrace(base, (r * base.periodS) / p.rotations) : base;
      const rttS = (o.rttMs ?? trace.rttMs ?? 0) / 1000;
      // The sampling player: ours, as the recipe was fixed when the shipped policies were
      // learned (before its rise rule, which would change what is sampled and so every policy).
      const behaviour = createTailMpc({ riseSamples: 0 });
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
              s.next.push(pb.cellOf([...recent, { bytes: avgBytes[q], ttfbS: rttS, transferS, endS, tailBps }]));
            }
            raw[pb.cellOf(ctx.history)].push(s);
          }
          return random() < p.explore ? { ...d, index: Math.floor(random() * nQ) } : d;
        },
      };
      simulatePlayer({ trace, video, algo: '', abr: recorder, rttMs: o.rttMs, policy: buffer });
    }
  }
  return raw;
}

/** Each cell's samples as arrays; a sparse cell borrows its neighbours' within a growing square of cells, a full one is thinned. */
function poolCells(pb: Problem, raw: Sample[][]): { rtts: Float64Array[]; transfers: Float64Array[][]; nexts: Int32Array[][] } {
  const { p, nB, nQ } = pb;
  const rtts: Float64Array[] = [];
  const transfers: Float64Array[][] = [];
  const nexts: Int32Array[][] = [];
  for (let c = 0; c < pb.nCells; c++) {
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
  return { rtts, transfers, nexts };
}

interface Expectation {
  /** Expected reward of fetching representation q now, `scale` x its average size (switch penalty apart), plus the discounted value after. */
  (values: Float64Array, bufferS: number, cell: number, q: number, scale: number): number;
  /**
   * Each representation's size relative to its average for segment k (audio beside it), or
   * 1 for a table that serves many segments (undefined k): with VBR content (the sample's
   * first segments are a twentieth of its Mandelbrot ones) a plan for average segments stalls.
   */
  sizeScale(k: number | undefined): number[];
}

function expectation(pb: Problem, cells: ReturnType<typeof poolCells>): Expectation {
  const { p, nQ, nCells, nBuf, bMax, seg, mbps, video, avgBytes, avgAudio } = pb;
  const expected = (values: Float64Array, bufferS: number, cell: number, q: number, scale: number): number => {
    const transfer = cells.transfers[cell][q];
    const rtt = cells.rtts[cell];
    const next = cells.nexts[cell][q];
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
  return Object.assign(expected, {
    sizeScale: (k: number | undefined) => video.bitrates.map((_b, q) => (k === undefined ? 1 : (video.sizes[q][k] + (video.audioBytes?.[k] ?? 0)) / (avgBytes[q] + avgAudio))),
  });
}

/** 3. Value iteration: values[r] for r segments left, indexed (buffer, last, cell). */
function valueIteration(pb: Problem, expected: Expectation, progress: (r: number) => void): Float64Array[] {
  const { nBuf, nQ, nCells, mbps, n } = pb;
  const values: Float64Array[] = [new Float64Array(nBuf * nQ * nCells)];
  const byChoice = new Float64Array(nQ);
  for (let r = 1; r <= pb.p.horizon; r++) {
    progress(r);
    const after = values[r - 1];
    const v = new Float64Array(after.length);
    // With r segments left this one is segment n - r: its own sizes.
    const scale = expected.sizeScale(n - r);
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
  return values;
}

/**
 * 4. The choice in every state on the 1 s buffer grid: one base-36 digit per state, as
 * core/abr/learned.ts reads them. With r segments left after it the segment is n - 1 - r,
 * planned with its own sizes; the deepest table serves every earlier segment when the video
 * is longer than the horizon, planned for a segment of average size.
 */
function tableOfChoices(pb: Problem, expected: Expectation, values: Float64Array[]): string {
  const { p, nG, nQ, nCells, mbps, n } = pb;
  const digits = new TextEncoder().encode('0123456789abcdefghijklmnopqrstuvwxyz');
  const choices = new Uint8Array((p.horizon + 1) * nG * nQ * nCells);
  const byChoice = new Float64Array(nQ);
  for (let r = 0; r <= p.horizon; r++) {
    const scale = expected.sizeScale(r < p.horizon || p.horizon === n - 1 ? n - 1 - r : undefined);
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
  return new TextDecoder().decode(choices);
}
