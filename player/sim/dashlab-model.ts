/**
 * The dashlab model: our player in virtual time. The same ABR code and the same buffer
 * policy (engine/schedule.ts) as the browser player; downloads take one RTT plus the time
 * to move the bytes over the trace's rate curve (integrated exactly, looping); the buffer
 * drains while playing, playback stalls when it empties and waits when it is full; a
 * download that would starve the buffer is abandoned by the player's own rule.
 * Startup (until the first `startS` seconds are buffered) is reported apart, not as
 * rebuffering. Deterministic.
 */
import { createAbr, TAIL_WINDOW_S, type AbrAlgorithm, type AbrContext, type ThroughputSample } from '../abr/index.js';
import { BUFFER_DEFAULTS, fetchDelayS, shouldAbandon, type BufferPolicy } from '../engine/schedule.js';
import { bitsBetween, pieceAt, rateAt, type Trace } from './traces.js';

export interface SimVideo {
  /** bits per second, ascending */
  bitrates: number[];
  segmentS: number;
  /** sizes[q][k] bytes */
  sizes: number[][];
  /**
   * Audio segment k's bytes, when the video has audio: the player fetches it beside video
   * segment k over the same link, so the video download takes as long as both.
   */
  audioBytes?: number[];
  /** Segments played (default: every size given; Pensieve's video lists one more than it plays). */
  segments?: number;
}

export interface SimSegment {
  index: number;
  quality: number;
  bytes: number;
  startS: number;
  downloadS: number;
  bufferS: number;
  rebufferS: number;
  estimateBps?: number;
  /** The link's rate when the download started, kbit/s. */
  linkKbps: number;
  /** A download at a higher representation was given up first (the segment was refetched at the lowest). */
  abandoned?: { quality: number; afterS: number; bytes: number };
}

export interface SimResult {
  segments: SimSegment[];
  startupS: number;
  rebufferS: number;
  totalS: number;
}

/**
 * Seconds to move `bytes` over the trace starting at time t (the trace loops). Walks the
 * pieces of the rate curve by index, not by `time % period`: with a period of a few
 * milliseconds (Mahimahi's constant-rate traces) the float remainder can land a hair below
 * the period and the walk would stop advancing.
 */
export function transferTime(trace: Trace, t: number, bytes: number): number {
  const pts = trace.points;
  const period = trace.periodS;
  let left = bytes * 8; // bits
  let phase = t - Math.floor(t / period) * period;
  if (!(phase >= 0 && phase < period)) phase = 0;
  let i = pieceAt(trace, phase);
  let now = t;
  let deliveredThisLap = false;
  for (;;) {
    const end = i + 1 < pts.length ? pts[i + 1].t : period;
    const span = Math.max(0, end - phase);
    const rate = pts[i].kbps * 1000; // bit/s
    if (rate > 0 && span > 0) {
      if (rate * span >= left) return now + left / rate - t;
      left -= rate * span;
      deliveredThisLap = true;
    }
    now += span;
    phase = end;
    if (++i === pts.length) {
      if (!deliveredThisLap) throw new Error(`${trace.name}: the trace delivers nothing`);
      deliveredThisLap = false;
      i = 0;
      phase = 0;
    }
  }
}

/** The player's state between segments, in virtual time. */
export interface PlayerClock {
  t: number;
  bufferS: number;
  playing: boolean;
  startupS: number;
  rebufferS: number;
}

export const START_CLOCK: PlayerClock = { t: 0, bufferS: 0, playing: false, startupS: 0, rebufferS: 0 };

/** Progress is checked this often during a download that could be abandoned (the browser checks on every chunk read). */
const ABANDON_CHECK_S = 0.05;

/**
 * When the player's abandonment rule (engine/schedule.ts: shouldAbandon) would give up on
 * this download, in seconds after its request; undefined when it runs to the end. The
 * video's bytes arrive at its share of the link (audio rides beside it).
 */
function abandonAfter(o: { trace: Trace; policy: BufferPolicy; rttS: number }, requestS: number, bufferS: number, playing: boolean, bytes: number, share: number, lowestBytes: number, durationS: number): number | undefined {
  if (bytes <= lowestBytes) return undefined;
  // The rule only looks at downloads while the buffer is at or under the low-water mark.
  if (playing ? bufferS - durationS > o.policy.lowWaterS : bufferS > o.policy.lowWaterS) return undefined;
  for (let e = 0.5; e < durationS; e += ABANDON_CHECK_S) {
    const loaded = e > o.rttS ? (bitsBetween(o.trace, requestS + o.rttS, requestS + e) * share) / 8 : 0;
    const buffer = playing ? Math.max(0, bufferS - e) : bufferS;
    if (shouldAbandon({ bytesLoaded: loaded, bytesTotal: bytes, elapsedS: e, bufferS: buffer, lowestBytes, policy: o.policy })) return e;
  }
  return undefined;
}

/**
 * One segment in the dashlab model: wait while a segment would overflow the buffer target
 * (or as the ABR asks), then one RTT and the transfer over the trace (with the audio
 * segment beside it); playback drains the buffer meanwhile and stalls when it empties;
 * playback starts once `startS` is buffered. A download above the lowest representation
 * that would starve the buffer is abandoned as the browser player abandons it, and the
 * segment fetched again at the lowest (`quality` says which was kept). Returns the new
 * clock and the download that completed.
 */
export function stepSegment(
  c: PlayerClock,
  o: { trace: Trace; video: SimVideo; policy: BufferPolicy; rttS: number; k: number; q: number; n: number; abrDelayS?: number; abandon?: boolean },
): { clock: PlayerClock; startS: number; transferS: number; bytes: number; quality: number; abandoned?: { afterS: number; bytes: number } } {
  let { t, bufferS, playing, startupS, rebufferS } = c;
  const elapse = (d: number) => {
    if (playing) {
      if (bufferS >= d) bufferS -= d;
      else {
        rebufferS += d - bufferS;
        bufferS = 0;
      }
    }
    t += d;
  };
  const wait = fetchDelayS(o.policy, bufferS, o.video.segmentS, o.abrDelayS);
  if (wait > 0) elapse(wait);
  const startS = t;
  let quality = o.q;
  let bytes = o.video.sizes[o.q][o.k];
  let audio = o.video.audioBytes?.[o.k] ?? 0;
  let transferS = transferTime(o.trace, t + o.rttS, bytes + audio);
  let abandoned: { afterS: number; bytes: number } | undefined;
  if (o.q > 0 && o.abandon !== false) {
    const share = bytes / (bytes + audio);
    const after = abandonAfter(o, t, bufferS, playing, bytes, share, o.video.sizes[0][o.k], o.rttS + transferS);
    if (after !== undefined) {
      const carried = after > o.rttS ? bitsBetween(o.trace, t + o.rttS, t + after) / 8 : 0;
      abandoned = { afterS: after, bytes: carried * share };
      elapse(after);
      // The audio part that arrived is kept; the video starts over at the lowest.
      audio = Math.max(0, audio - carried * (1 - share));
      quality = 0;
      bytes = o.video.sizes[0][o.k];
      transferS = transferTime(o.trace, t + o.rttS, bytes + audio);
    }
  }
  elapse(o.rttS + transferS);
  bufferS += o.video.segmentS;
  if (!playing && (bufferS >= o.policy.startS || o.k === o.n - 1)) {
    playing = true;
    startupS = t;
  }
  return { clock: { t, bufferS, playing, startupS, rebufferS }, startS, transferS, bytes, quality, abandoned };
}

/**
 * What the browser's loader measures as a download's tail (the last TAIL_WINDOW_S of the
 * transfer), read off the trace: the link's bits in that window, the video's share of them
 * when an audio segment shared the link. Undefined for transfers under 2 x the window, as
 * in the loader.
 */
function tailBps(trace: Trace, video: SimVideo, k: number, bytes: number, transferS: number, endS: number): number | undefined {
  if (transferS < 2 * TAIL_WINDOW_S) return undefined;
  const share = bytes / (bytes + (video.audioBytes?.[k] ?? 0));
  return (bitsBetween(trace, endS - TAIL_WINDOW_S, endS) * share) / TAIL_WINDOW_S;
}

/**
 * `abr` (an instance) overrides `algo` (a registered name): for trying an algorithm of your own.
 * `abandon: false` turns the player's abandonment rule off (for what-ifs; the player has it on).
 */
export function simulateDashlab(opts: { trace: Trace; rttMs?: number; video: SimVideo; algo: string; abr?: AbrAlgorithm; policy?: BufferPolicy; abandon?: boolean }): SimResult {
  const { trace, video } = opts;
  const policy = opts.policy ?? BUFFER_DEFAULTS;
  const rttS = (opts.rttMs ?? trace.rttMs ?? 0) / 1000;
  const abr = opts.abr ?? createAbr(opts.algo);
  const n = simSegments(video);
  const history: ThroughputSample[] = [];
  const segments: SimSegment[] = [];
  let clock = START_CLOCK;
  let last: number | undefined;
  for (let k = 0; k < n; k++) {
    const upcoming = Array.from({ length: Math.min(5, n - k) }, (_, j) => video.bitrates.map((_b, q) => video.sizes[q][k + j]));
    const ctx: AbrContext = {
      bitrates: video.bitrates,
      segmentDurationS: video.segmentS,
      bufferS: clock.bufferS,
      bufferTargetS: policy.targetS,
      history,
      lastIndex: last,
      segmentIndex: k,
      totalSegments: n,
      upcomingSizes: upcoming,
      nowS: clock.t,
      rebuffering: clock.playing && clock.bufferS === 0 && k > 0,
    };
    const d = abr.choose(ctx);
    const q = Math.max(0, Math.min(video.bitrates.length - 1, d.index));
    const before = clock;
    const step = stepSegment(clock, { trace, video, policy, rttS, k, q, n, abrDelayS: d.delayS, abandon: opts.abandon });
    clock = step.clock;
    history.push({ bytes: step.bytes, ttfbS: rttS, transferS: step.transferS, endS: clock.t, tailBps: tailBps(trace, video, k, step.bytes, step.transferS, clock.t) });
    segments.push({
      index: k,
      quality: step.quality,
      bytes: step.bytes,
      startS: step.startS,
      downloadS: clock.t - step.startS,
      bufferS: clock.bufferS,
      rebufferS: clock.rebufferS - before.rebufferS,
      estimateBps: d.estimateBps,
      linkKbps: rateAt(trace, step.startS),
      ...(step.abandoned ? { abandoned: { quality: q, ...step.abandoned } } : {}),
    });
    last = step.quality;
  }
  return { segments, startupS: clock.startupS, rebufferS: clock.rebufferS, totalS: clock.t + clock.bufferS };
}

/** Segments played: every size given, or `segments` when set. */
export const simSegments = (video: SimVideo) => Math.min(video.segments ?? Infinity, video.sizes[0].length);
