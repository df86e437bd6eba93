/**
 * The dashlab model: our player in virtual time. The same ABR code and the same buffer
 * policy (engine/schedule.ts) as the browser player; downloads take one RTT plus the time
 * to move the bytes over the trace's rate curve (integrated exactly, looping); the buffer
 * drains while playing, playback stalls when it empties and waits when it is full.
 * Startup (until the first `startS` seconds are buffered) is reported apart, not as
 * rebuffering. Deterministic.
 */
import { createAbr, type AbrAlgorithm, type AbrContext, type ThroughputSample } from '../abr/index.js';
import { BUFFER_DEFAULTS, fetchDelayS, type BufferPolicy } from '../engine/schedule.js';
import { pieceAt, rateAt, type Trace } from './traces.js';

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

/** `abr` (an instance) overrides `algo` (a registered name): for trying an algorithm of your own. */
export function simulateDashlab(opts: { trace: Trace; rttMs?: number; video: SimVideo; algo: string; abr?: AbrAlgorithm; policy?: BufferPolicy }): SimResult {
  const { trace, video } = opts;
  const policy = opts.policy ?? BUFFER_DEFAULTS;
  const rtt = (opts.rttMs ?? trace.rttMs ?? 0) / 1000;
  const abr = opts.abr ?? createAbr(opts.algo);
  const n = Math.min(video.segments ?? Infinity, video.sizes[0].length);
  const history: ThroughputSample[] = [];
  const segments: SimSegment[] = [];
  let t = 0;
  let buffer = 0;
  let playing = false;
  let startupS = 0;
  let rebuffer = 0;
  let last: number | undefined;
  const elapse = (d: number) => {
    // Playback drains the buffer; an empty buffer while playing is a stall.
    if (playing) {
      if (buffer >= d) buffer -= d;
      else {
        rebuffer += d - buffer;
        buffer = 0;
      }
    }
    t += d;
  };
  for (let k = 0; k < n; k++) {
    const upcoming = Array.from({ length: Math.min(5, n - k) }, (_, j) => video.bitrates.map((_b, q) => video.sizes[q][k + j]));
    const ctx: AbrContext = {
      bitrates: video.bitrates,
      segmentDurationS: video.segmentS,
      bufferS: buffer,
      bufferTargetS: policy.targetS,
      history,
      lastIndex: last,
      segmentIndex: k,
      totalSegments: n,
      upcomingSizes: upcoming,
      nowS: t,
      rebuffering: playing && buffer === 0 && k > 0,
    };
    const d = abr.choose(ctx);
    const q = Math.max(0, Math.min(video.bitrates.length - 1, d.index));
    const wait = fetchDelayS(policy, buffer, video.segmentS, d.delayS);
    if (wait > 0) elapse(wait);
    const bytes = video.sizes[q][k];
    const linkKbps = rateAt(trace, t);
    const startS = t;
    const stalledBefore = rebuffer;
    const transfer = transferTime(trace, t + rtt, bytes + (video.audioBytes?.[k] ?? 0));
    elapse(rtt + transfer);
    buffer += video.segmentS;
    history.push({ bytes, ttfbS: rtt, transferS: transfer, endS: t });
    if (!playing && (buffer >= policy.startS || k === n - 1)) {
      playing = true;
      startupS = t;
    }
    segments.push({ index: k, quality: q, bytes, startS, downloadS: t - startS, bufferS: buffer, rebufferS: rebuffer - stalledBefore, estimateBps: d.estimateBps, linkKbps });
    last = q;
  }
  return { segments, startupS, rebufferS: rebuffer, totalS: t + buffer };
}
