/**
 * The live model: a low-latency channel and one viewer, in virtual time. The channel encodes
 * the video (looping its segments) in real time from wall-clock 0: chunk j of segment k exists
 * from k x D + (j + 1) x chunkS, as our channels' CMAF chunks do (server/live/channel.ts); a
 * request for a segment not yet finished is answered chunk by chunk as the encoder makes them
 * (chunked transfer), so a download near the edge takes as long as the encoder, not the link.
 * The video's segments are cut to our channels' 2 s (recut). The viewer joins at `joinS`, starts `targetS` behind the edge, fetches one segment after
 * another (no abandonment: live segments are made as they are fetched), measures each
 * download chunk-aware (bytes over the time bytes moved, as player/engine/live/chunk-loader.ts),
 * holds its latency by playback rate with the player's own catch-up rule (core/live/catchup.ts,
 * the same for every algorithm), and seeks to the target when too far behind. The score is the
 * MMSys'20 challenge's live QoE (core/qoe.ts), per segment played. A fixed 10 ms step: chunks
 * are 500 ms and the catch-up is continuous, so events would buy little here.
 */
import { CATCHUP_DEFAULTS, catchup, type CatchupPolicy } from '../../core/live/catchup.js';
import { liveSegmentQoe, sessionMetrics, type SessionMetrics } from '../../core/qoe.js';
import { bitCounter, type Trace } from '../../core/traces/index.js';
import type { AbrAlgorithm, AbrContext, ThroughputSample } from '../../core/abr/index.js';
import type { SimVideo } from './player-model.js';

export const LIVE_SIM = {
  /** Our channels' segment and chunk (server/live/defaults.ts: 2 s of 0.5 s chunks); a video of longer segments is cut to these. */
  segmentS: 2,
  chunkS: 0.5,
  /** The viewer joins this long after the channel began (so the window has segments). */
  joinS: 20,
  /** Media the viewer watches, s. */
  durationS: 300,
  stepS: 0.01,
  /** After a stall, play again once this much is buffered, s. */
  resumeS: 0.5,
} as const;

export interface LiveSimOptions {
  trace: Trace;
  video: SimVideo;
  abr: AbrAlgorithm;
  rttMs?: number;
  catchup?: CatchupPolicy;
  chunkS?: number;
  /** Cut the video's segments to this length (default LIVE_SIM.segmentS; the video's own when it does not divide them). */
  segmentS?: number;
  durationS?: number;
}

/**
 * The video with each segment cut into `n` equal parts of `segmentS`, when its segments are a
 * whole multiple of it: a VOD ladder as a live channel of our segment length would carry it
 * (each part its segment's average rate; the ladder and its variation from segment to segment kept).
 */
export function recut(video: SimVideo, segmentS: number): SimVideo {
  const n = Math.round(video.segmentS / segmentS);
  if (n <= 1 || Math.abs(n * segmentS - video.segmentS) > 1e-6) return video;
  const split = (xs: number[]) => xs.flatMap((x) => Array.from({ length: n }, () => x / n));
  const same = (xs: number[]) => xs.flatMap((x) => Array.from({ length: n }, () => x));
  return { bitrates: video.bitrates, segmentS, sizes: video.sizes.map(split), ...(video.ssim ? { ssim: video.ssim.map(same) } : {}), ...(video.segments ? { segments: video.segments * n } : {}) };
}

/** One segment as played: its quality, and what its playing time saw. */
export interface LiveSegment {
  index: number;
  quality: number;
  rebufferS: number;
  /** Mean latency and playback rate over its playing time. */
  latencyS: number;
  playbackRate: number;
  qoe: number;
}

export interface LiveResult {
  segments: LiveSegment[];
  metrics: SessionMetrics;
  seeks: number;
  /** The playhead and latency every second, for plots. */
  timeline: Array<{ t: number; latencyS: number; bufferS: number; kbps: number; rate: number }>;
}

interface Download {
  k: number;
  q: number;
  chunk: number;
  /** Bits of the current chunk still to come. */
  leftBits: number;
  /** Until then the request is on its way (one round trip). */
  untilS: number;
  bytes: number;
  busyS: number;
}

interface Played {
  quality: number;
  rebufferS: number;
  playS: number;
  latencyT: number;
  rateT: number;
}

/**
 * The session. One loop of about 100 lines on purpose: it is the model's clock (30 000 steps
 * a session), and its parts (download, playback, catch-up) share every variable.
 */
export function simulateLive(o: LiveSimOptions): LiveResult {
  const { abr } = o;
  const video = recut(o.video, o.segmentS ?? LIVE_SIM.segmentS);
  const D = video.segmentS;
  const chunkS = o.chunkS ?? LIVE_SIM.chunkS;
  const chunks = Math.max(1, Math.round(D / chunkS));
  const policy = o.catchup ?? CATCHUP_DEFAULTS;
  const rttS = (o.rttMs ?? o.trace.rttMs ?? 0) / 1000;
  const count = Math.min(...video.sizes.map((s) => s.length));
  const sizeOf = (q: number, k: number) => video.sizes[q][k % count];
  const dt = LIVE_SIM.stepS;
  const join = LIVE_SIM.joinS;
  const link = bitCounter(o.trace, 0);
  const linkBits = (a: number, b: number) => link(b - join) - link(a - join);
  const start = join - policy.targetS;
  const end = start + (o.durationS ?? LIVE_SIM.durationS);
  const lastK = Math.floor((end - 1e-9) / D);
  const history: ThroughputSample[] = [];
  const played = new Map<number, Played>();
  const timeline: LiveResult['timeline'] = [];
  let t = join;
  let p = start;
  let e = Math.floor(start / D) * D;
  let playing = false;
  let startedAt: number | undefined;
  let rate = 1;
  let seeks = 0;
  let last: number | undefined;
  let dl: Download | undefined;
  const request = (k: number) => {
    const ctx: AbrContext = {
      bitrates: video.bitrates,
      segmentDurationS: D,
      bufferS: Math.max(0, e - p),
      bufferTargetS: policy.targetS,
      history,
      lastIndex: last,
      segmentIndex: k,
      // Live has no end the player knows of.
      totalSegments: k + 10_000,
      nowS: t,
      rebuffering: startedAt !== undefined && !playing,
      live: { latencyS: t - p, targetLatencyS: policy.targetS, playbackRate: rate },
    };
    const q = Math.max(0, Math.min(video.bitrates.length - 1, abr.choose(ctx).index));
    last = q;
    played.set(k, { quality: q, rebufferS: 0, playS: 0, latencyT: 0, rateT: 0 });
    dl = { k, q, chunk: 0, leftBits: (sizeOf(q, k) * 8) / chunks, untilS: t + rttS, bytes: sizeOf(q, k), busyS: 0 };
  };
  request(Math.floor(start / D));
  // A link that never carries the channel ends the session (traces loop; a dead one would not).
  while (p < end - 1e-9 && t < join + 20 * (end - start)) {
    // The download: bits move while the link has them and the chunk exists.
    if (dl && t + dt > dl.untilS) {
      let from = Math.max(t, dl.untilS);
      while (dl && from < t + dt) {
        const made = dl.k * D + (dl.chunk + 1) * chunkS;
        if (made >= t + dt) break;
        from = Math.max(from, made);
        const bits = linkBits(from, t + dt);
        if (bits < dl.leftBits) {
          dl.leftBits -= bits;
          dl.busyS += t + dt - from;
          break;
        }
        const used = bits > 0 ? ((t + dt - from) * dl.leftBits) / bits : 0;
        dl.busyS += used;
        from += used;
        e = dl.k * D + (dl.chunk + 1) * chunkS;
        if (++dl.chunk < chunks) {
          dl.leftBits = (sizeOf(dl.q, dl.k) * 8) / chunks;
          continue;
        }
        history.push({ bytes: dl.bytes, ttfbS: rttS, transferS: Math.max(1e-4, dl.busyS), endS: from });
        const next = dl.k + 1;
        dl = undefined;
        if (next <= lastK) request(next);
      }
    }
    // Playback, and stalls charged to the segment the playhead waits in.
    const seg = played.get(Math.floor(p / D));
    if (playing) {
      p = Math.min(e, p + rate * dt);
      if (seg) {
        seg.playS += dt;
        seg.latencyT += (t - p) * dt;
        seg.rateT += rate * dt;
      }
      if (p >= e - 1e-9 && p < end - 1e-9) playing = false;
    } else if (e - p >= Math.min(LIVE_SIM.resumeS, end - p) - 1e-9) {
      playing = true;
      startedAt ??= t;
    } else if (startedAt !== undefined && seg) seg.rebufferS += dt;
    // Catch-up by rate, or a seek to the target when too far behind.
    if (startedAt !== undefined) {
      const action = catchup(policy, t - p, e - p);
      if ('rate' in action) rate = action.rate;
      else {
        seeks++;
        const to = t - action.seekToLatencyS;
        if (to > e) {
          // Past what is buffered: drop the download, start over from the target's segment.
          const k = Math.floor(to / D);
          e = k * D;
          playing = false;
          if (k <= lastK) request(k);
        }
        for (let k = Math.floor(p / D); k < Math.floor(to / D); k++) if (played.get(k)?.playS === 0) played.delete(k);
        p = Math.min(to, end);
      }
    }
    t += dt;
    if (Math.abs(t - Math.round(t)) < dt / 2) timeline.push({ t: t - join, latencyS: t - p, bufferS: e - p, kbps: video.bitrates[last ?? 0] / 1000, rate });
  }
  return score(video, [...played].filter(([, s]) => s.playS > 0).sort((a, b) => a[0] - b[0]), startedAt === undefined ? 0 : startedAt - join, seeks, timeline);
}

function score(v: SimVideo, played: Array<[number, Played]>, startupS: number, seeks: number, timeline: LiveResult['timeline']): LiveResult {
  const ladder = { segmentS: v.segmentS, minKbps: v.bitrates[0] / 1000, maxKbps: v.bitrates[v.bitrates.length - 1] / 1000 };
  let previous: number | undefined;
  const segments = played.map(([index, s]) => {
    const kbps = v.bitrates[s.quality] / 1000;
    const x = { kbps, rebufferS: s.rebufferS, latencyS: s.latencyT / s.playS, playbackRate: s.rateT / s.playS, previousKbps: previous };
    previous = kbps;
    return { index, quality: s.quality, rebufferS: s.rebufferS, latencyS: x.latencyS, playbackRate: x.playbackRate, qoe: liveSegmentQoe(x, ladder) };
  });
  const playS = played.reduce((a, [, s]) => a + s.playS, 0);
  const rebufferS = segments.reduce((a, s) => a + s.rebufferS, 0);
  const metrics: SessionMetrics = {
    ...sessionMetrics(segments.map((s) => v.bitrates[s.quality] / 1000), rebufferS, startupS, segments.length * v.segmentS),
    qoe: segments.reduce((a, s) => a + s.qoe, 0),
    latencyS: played.reduce((a, [, s]) => a + s.latencyT, 0) / Math.max(1e-9, playS),
    playbackRate: played.reduce((a, [, s]) => a + s.rateT, 0) / Math.max(1e-9, playS),
  };
  return { segments, metrics, seeks, timeline };
}
