/**
 * The dashlab model: our player in virtual time. The same ABR code and the same buffer
 * policy (core/buffer-policy.ts) as the browser player, whose streams it follows: the video
 * stream waits for room in its buffer, asks the ABR, then fetches; the audio stream (when the
 * video has audio) fetches on its own whenever its buffer has room, as the browser's does,
 * and the two share the link equally while both move bytes. A download takes one RTT plus
 * the time to move its bytes over the trace's rate curve (integrated exactly, looping);
 * playback drains the buffers while every stream has media ahead and stalls when one runs
 * dry; a video download that would starve the buffer is abandoned by the player's own rule.
 * Startup (until `startS` seconds are buffered in every stream) is reported apart, not as
 * rebuffering. Deterministic.
 */
import { createAbr, TAIL_WINDOW_S, type AbrAlgorithm, type AbrContext, type DownloadProgress, type ThroughputSample } from '../../core/abr/index.js';
import { audioWaitsForVideo, BUFFER_DEFAULTS, fetchDelayS, shouldAbandon, type BufferPolicy } from '../../core/buffer-policy.js';
import { bitCounter, bitsBetween, rateAt, transferTime, type Trace } from '../../core/traces/index.js';

export interface SimVideo {
  /** bits per second, ascending */
  bitrates: number[];
  segmentS: number;
  /** sizes[q][k] bytes */
  sizes: number[][];
  /**
   * Audio segment k's bytes, when the video has audio: the audio stream fetches them over the
   * same link, on its own schedule.
   */
  audioBytes?: number[];
  /** Segments played (default: every size given; Pensieve's video lists one more than it plays). */
  segments?: number;
  /** ssim[q][k]: segment k's SSIM against the source at rendition q (info.json `segmentSsim`), when measured for every rendition. */
  ssim?: number[][];
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
 * A stream's fetching, as the browser player's loop for it runs (engine/player.ts: run):
 * waiting for room in its own buffer, an ABR-asked delay, a request's round trip, moving the
 * bytes, or done.
 */
interface Flow {
  phase: 'room' | 'delay' | 'rtt' | 'xfer' | 'done';
  /** End of a delay or a round trip. */
  untilS: number;
  /** Bits still to come in a transfer. */
  leftBits: number;
}

/** The audio stream: it fetches on its own, as the browser's does, whenever its buffer has room. */
export interface AudioState extends Flow {
  /** Audio media ahead of the playhead, s. */
  aheadS: number;
  /** The next audio segment to fetch. */
  next: number;
}

/** The player's state at a decision (the video stream about to choose its next segment), in virtual time. */
export interface PlayerClock {
  t: number;
  /** What the player calls its buffer (and gives the ABR): the media ahead of the playhead in every stream. */
  bufferS: number;
  /** The video stream's own buffer, which decides when it fetches. */
  videoS: number;
  /** The audio stream, when the video has audio. */
  audio?: AudioState;
  playing: boolean;
  startupS: number;
  rebufferS: number;
}

/** Before the first request: nothing buffered; the audio stream, if any, about to fetch its first segment. */
export function startClock(video: SimVideo): PlayerClock {
  const audio: AudioState | undefined = video.audioBytes ? { phase: 'room', untilS: 0, leftBits: 0, aheadS: 0, next: 0 } : undefined;
  return { t: 0, bufferS: 0, videoS: 0, audio, playing: false, startupS: 0, rebufferS: 0 };
}

/** Progress is checked this often during a download that could be abandoned (the browser checks on every chunk read). */
const ABANDON_CHECK_S = 0.05;

/** A video transfer under way: what the abandonment rule and the tail measurement need. */
interface VideoTransfer {
  requestS: number;
  /** The representation fetched, and the one an algorithm's own rule abandoned it for. */
  quality: number;
  to?: number;
  bytes: number;
  lowestBytes: number;
  /** The rule may still fire (above the lowest, the rule on, not yet past the point where it cannot). */
  abandonable: boolean;
  /** The next check, seconds after the request (the browser's 50 ms grid, accumulated as the old loop did). */
  checkE: number;
  /** The link's bits since the transfer began at `fromS` (one walk of the curve, made when first asked). */
  fromS: number;
  linkBits?: (t: number) => number;
  /** Bits received up to the last change of share, and the link's bits then. */
  base: number;
  baseLink: number;
  share: number;
  /** Spans of constant share: [from, share], from the transfer's start. */
  spans: Array<[number, number]>;
}

function linkBitsAt(x: VideoTransfer, trace: Trace, t: number): number {
  x.linkBits ??= bitCounter(trace, x.fromS);
  return x.linkBits(t);
}

function received(x: VideoTransfer, trace: Trace, t: number): number {
  return x.base + (linkBitsAt(x, trace, t) - x.baseLink) * x.share;
}

function setShare(x: VideoTransfer, trace: Trace, t: number, share: number): void {
  if (share === x.share) return;
  x.base = received(x, trace, t);
  x.baseLink = linkBitsAt(x, trace, t);
  x.share = share;
  x.spans.push([t, share]);
}

/**
 * What the browser's loader measures as a download's tail: this response's bits in the last
 * TAIL_WINDOW_S of its transfer (its share of the link's). Undefined for transfers under
 * 2 x the window, as in the loader.
 */
function tailBps(trace: Trace, x: VideoTransfer, startS: number, endS: number): number | undefined {
  if (endS - startS < 2 * TAIL_WINDOW_S) return undefined;
  const from = endS - TAIL_WINDOW_S;
  let bits = 0;
  for (let i = 0; i < x.spans.length; i++) {
    const [a, share] = x.spans[i];
    const b = i + 1 < x.spans.length ? x.spans[i + 1][0] : endS;
    if (b > from) bits += bitsBetween(trace, Math.max(a, from), b) * share;
  }
  return bits / TAIL_WINDOW_S;
}

type Options = { trace: Trace; video: SimVideo; policy: BufferPolicy; rttS: number; n: number; k?: number; abrAbandon?: (p: DownloadProgress) => number | undefined };

/** When a stream with `aheadS` buffered has room for one more segment (Infinity: not before some arrival). */
function roomAt(c: PlayerClock, o: Options, aheadS: number): number {
  const need = aheadS + o.video.segmentS - o.policy.targetS;
  if (need <= 1e-9) return c.t;
  // The buffer drains only while playing, and only while every stream has media ahead.
  return c.playing && need <= c.bufferS ? c.t + need : Infinity;
}

/**
 * The event loop of the streams on one link: runs the clock until the video flow's phase
 * ends (or, in a transfer, the abandonment rule fires), the audio flow fetching beside it.
 * Flows moving bytes share the link's rate equally (the shaper releases a link's bytes
 * round-robin over its responses); playback drains every buffer while each has media ahead
 * and stalls when one runs dry. Mutates `c`, `v`, `x`.
 * One function of about 110 lines on purpose: it is the simulator's hot loop (millions of
 * iterations in a comparison), kept as plain code, without a closure or a call per event.
 */
function runVideoPhase(c: PlayerClock, v: Flow, x: VideoTransfer | undefined, o: Options): 'done' | 'abandon' {
  const a = c.audio;
  // The moving transfers' leftBits are exact at syncS; between changes of who moves they are
  // left alone (the link delivers the same bits whatever else happens meanwhile), so the
  // first to finish is computed once per set of moving transfers: this loop runs millions of
  // times in a comparison (plain code, no closures, for the same reason).
  let movers = 0; // 1: video, 2: audio
  let syncS = c.t;
  let finishAt = Infinity;
  let finishLeft = 0;
  let result: 'done' | 'abandon' | undefined;
  for (;;) {
    if (a) {
      // The audio stream's transitions that are due.
      for (;;) {
        if (a.phase === 'room' && roomAt(c, o, a.aheadS) <= c.t && !audioWaitsForVideo(o.policy, a.aheadS, c.videoS, v.phase === 'done')) {
          a.phase = 'rtt';
          a.untilS = c.t + o.rttS;
        } else if (a.phase === 'rtt' && a.untilS <= c.t) {
          catchUp(v, a, movers, syncS, c.t, o.trace);
          movers = -1; // a new transfer: the set is formed again below
          syncS = c.t;
          a.phase = 'xfer';
          a.leftBits = o.video.audioBytes![a.next] * 8;
        } else if (a.phase === 'xfer' && a.leftBits <= 0) {
          a.aheadS += o.video.segmentS;
          a.next++;
          a.phase = a.next >= o.n ? 'done' : 'room';
          c.bufferS = Math.min(c.videoS, a.aheadS);
          if (!c.playing && (c.bufferS >= o.policy.startS || (a.phase === 'done' && v.phase === 'done'))) {
            c.playing = true;
            c.startupS = c.t;
          }
        } else break;
      }
    }
    // A video transfer's share of the link from now on (for what it has received, and its tail).
    if (x && v.phase === 'xfer') setShare(x, o.trace, c.t, a?.phase === 'xfer' ? 0.5 : 1);
    if (v.phase === 'room' && roomAt(c, o, c.videoS) <= c.t) result = 'done';
    else if ((v.phase === 'delay' || v.phase === 'rtt') && v.untilS <= c.t) result = 'done';
    else if (v.phase === 'xfer' && v.leftBits <= 0) result = 'done';
    else if (v.phase === 'done' && (!a || a.phase === 'done')) result = 'done';
    else if (x && v.phase === 'xfer' && x.abandonable && x.requestS + x.checkE <= c.t) {
      const loaded = received(x, o.trace, c.t) / 8;
      if (o.abrAbandon) {
        // The algorithm's own rule (BOLA-E, throughput-abandon) instead of the player's.
        const sizes = o.video.sizes.map((q) => q[o.k!]);
        const to = o.abrAbandon({ quality: x.quality, bytesTotal: x.bytes, bytesLoaded: loaded, elapsedS: x.checkE, ttfbS: o.rttS, bufferS: c.bufferS, sizes, bitrates: o.video.bitrates, segmentDurationS: o.video.segmentS });
        if (to !== undefined && to < x.quality) {
          x.to = to;
          result = 'abandon';
        }
      } else if (x.lowestBytes > (x.bytes - loaded) * 0.5 * (1 + 1e-9)) x.abandonable = false;
      // Past that the lowest can never take under half the time still to go, at any rate: the
      // rule cannot fire again (the margin leaves float ties to the rule itself).
      else if (shouldAbandon({ bytesLoaded: loaded, bytesTotal: x.bytes, elapsedS: x.checkE, bufferS: c.bufferS, lowestBytes: x.lowestBytes, policy: o.policy })) result = 'abandon';
      x.checkE += ABANDON_CHECK_S;
    }
    if (result) {
      catchUp(v, a, movers, syncS, c.t, o.trace);
      return result;
    }
    // The next event: a transfer ending, a round trip or delay ending, room in a buffer, a progress check.
    const now = (v.phase === 'xfer' ? 1 : 0) + (a?.phase === 'xfer' ? 2 : 0);
    if (now !== movers) {
      catchUp(v, a, movers, syncS, c.t, o.trace);
      movers = now;
      syncS = c.t;
      finishLeft = Math.min(now & 1 ? v.leftBits : Infinity, now & 2 ? a!.leftBits : Infinity);
      finishAt = now ? c.t + transferTime(o.trace, c.t, (finishLeft * (now === 3 ? 2 : 1)) / 8) : Infinity;
    }
    let next = finishAt;
    let finishes = movers > 0;
    let at = v.phase === 'room' ? roomAt(c, o, c.videoS) : v.phase === 'delay' || v.phase === 'rtt' ? v.untilS : Infinity;
    if (at < next) {
      next = at;
      finishes = false;
    }
    // (Waiting for the video ends only at a video arrival, which ends this run: no event of its own.)
    at = a?.phase === 'room' ? (audioWaitsForVideo(o.policy, a.aheadS, c.videoS, v.phase === 'done') ? Infinity : roomAt(c, o, a.aheadS)) : a?.phase === 'rtt' ? a.untilS : Infinity;
    if (at < next) {
      next = at;
      finishes = false;
    }
    if (x && v.phase === 'xfer' && x.abandonable) {
      // Checks find nothing while the buffer is above the low-water mark: skip to where it could be there.
      const from = c.bufferS > o.policy.lowWaterS ? (c.playing ? c.t + (c.bufferS - o.policy.lowWaterS) : Infinity) : c.t;
      while (x.requestS + x.checkE < from) x.checkE += ABANDON_CHECK_S;
      if (from < Infinity && x.requestS + x.checkE < next) {
        next = x.requestS + x.checkE;
        finishes = false;
      }
    }
    if (!(next < Infinity)) {
      // Every stream waits for room and playback has not started (a start threshold near the
      // target): the browser's video element starts on what it has, and so does the model.
      if (!c.playing && c.bufferS > 0) {
        c.playing = true;
        c.startupS = c.t;
        continue;
      }
      throw new Error('dashlab model: no stream can make progress');
    }
    if (finishes) {
      // Moving flows get equal shares: each got what the first to finish still needed.
      if (movers & 1) v.leftBits = v.leftBits === finishLeft ? 0 : v.leftBits - finishLeft;
      if (movers & 2) a!.leftBits = a!.leftBits === finishLeft ? 0 : a!.leftBits - finishLeft;
      syncS = next;
      movers = -1;
    }
    if (c.playing) {
      const drain = Math.min(next - c.t, c.bufferS);
      c.rebufferS += next - c.t - drain;
      c.videoS -= drain;
      if (a) a.aheadS -= drain;
    }
    c.t = next;
    c.bufferS = a ? Math.min(c.videoS, a.aheadS) : c.videoS;
  }
}

/** Brings the moving transfers' leftBits from `fromS` to `toS` (equal shares of the link). */
function catchUp(v: Flow, a: Flow | undefined, movers: number, fromS: number, toS: number, trace: Trace): void {
  if (movers <= 0 || toS <= fromS) return;
  const got = bitsBetween(trace, fromS, toS) / (movers === 3 ? 2 : 1);
  if (movers & 1) v.leftBits -= got;
  if (movers & 2) a!.leftBits -= got;
}

export interface StepResult {
  /** The state at the next decision (after waiting for room for the next segment), or at the end. */
  clock: PlayerClock;
  /** When the segment's request was sent. */
  startS: number;
  /** When it arrived, and the buffer then. */
  endS: number;
  bufferS: number;
  /** Its transfer (after the round trip), and the tail the loader would have measured. */
  transferS: number;
  tailBps?: number;
  bytes: number;
  /** The representation kept (the lowest when the rule abandoned `q`). */
  quality: number;
  abandoned?: { afterS: number; bytes: number };
}

/**
 * One video segment in the dashlab model, from a decision to the next: an ABR-asked delay,
 * the request (one RTT), the transfer (sharing the link with the audio stream while it
 * moves bytes), abandoned by the player's rule if it would starve the buffer and fetched again
 * at the lowest; then, unless it was the last, the wait for room for the next one. After the
 * last, the clock runs on until the audio stream has everything too.
 */
export function stepSegment(
  from: PlayerClock,
  o: { trace: Trace; video: SimVideo; policy: BufferPolicy; rttS: number; k: number; q: number; n: number; abrDelayS?: number; abandon?: boolean; abrAbandon?: Options['abrAbandon'] },
): StepResult {
  const c: PlayerClock = { ...from, audio: from.audio && { ...from.audio } };
  const opt: Options = { trace: o.trace, video: o.video, policy: o.policy, rttS: o.rttS, n: o.n, k: o.k, abrAbandon: o.abandon === false ? undefined : o.abrAbandon };
  const seg = o.video.segmentS;
  const v: Flow = { phase: 'delay', untilS: c.t + fetchDelayS(o.policy, c.videoS, seg, o.abrDelayS), leftBits: 0 };
  // (A phase of no length with no audio stream beside it changes nothing: skipped, for speed.)
  if (c.audio || v.untilS > c.t) runVideoPhase(c, v, undefined, opt);
  const startS = c.t;
  const lowestBytes = o.video.sizes[0][o.k];
  let quality = o.q;
  let bytes = o.video.sizes[o.q][o.k];
  let abandoned: StepResult['abandoned'];
  let x: VideoTransfer;
  let xferS: number;
  for (;;) {
    const requestS = c.t;
    v.phase = 'rtt';
    v.untilS = c.t + o.rttS;
    runVideoPhase(c, v, undefined, opt);
    v.phase = 'xfer';
    v.leftBits = bytes * 8;
    xferS = c.t;
    x = {
      requestS,
      quality,
      bytes,
      lowestBytes,
      abandonable: quality > 0 && bytes > lowestBytes && o.abandon !== false,
      checkE: 0.5,
      fromS: c.t,
      base: 0,
      baseLink: 0,
      share: c.audio?.phase === 'xfer' ? 0.5 : 1,
      spans: [],
    };
    x.spans.push([c.t, x.share]);
    if (runVideoPhase(c, v, x, opt) === 'done') break;
    // Abandoned: what arrived is dropped, the segment is fetched again at the lowest (or where the algorithm's rule said).
    abandoned = { afterS: c.t - requestS, bytes: received(x, o.trace, c.t) / 8 };
    quality = x.to ?? 0;
    bytes = o.video.sizes[quality][o.k];
  }
  const endS = c.t;
  c.videoS += seg;
  c.bufferS = c.audio ? Math.min(c.videoS, c.audio.aheadS) : c.videoS;
  const last = o.k === o.n - 1;
  if (!c.playing && (c.bufferS >= o.policy.startS || (last && (!c.audio || c.audio.phase === 'done')))) {
    c.playing = true;
    c.startupS = c.t;
  }
  const bufferS = c.bufferS;
  v.phase = last ? 'done' : 'room';
  if (c.audio || (!last && roomAt(c, opt, c.videoS) > c.t)) runVideoPhase(c, v, undefined, opt);
  return { clock: c, startS, endS, bufferS, transferS: endS - xferS, tailBps: tailBps(o.trace, x, xferS, endS), bytes, quality, abandoned };
}

/**
 * `abr` (an instance) overrides `algo` (a registered name): for trying an algorithm of your own.
 * `abandon: false` turns the player's abandonment rule off (for what-ifs; the player has it on).
 * `startHintBps`: what a page's first downloads measured (AbrContext.startHintBps; none by default,
 * as the model has no page: the browser comparison passes the one its session measured).
 */
export function simulatePlayer(opts: { trace: Trace; rttMs?: number; video: SimVideo; algo: string; abr?: AbrAlgorithm; policy?: BufferPolicy; abandon?: boolean; startHintBps?: number }): SimResult {
  const { trace, video } = opts;
  const policy = opts.policy ?? BUFFER_DEFAULTS;
  const rttS = (opts.rttMs ?? trace.rttMs ?? 0) / 1000;
  const abr = opts.abr ?? createAbr(opts.algo);
  const n = simSegments(video);
  const history: ThroughputSample[] = [];
  const segments: SimSegment[] = [];
  let clock = startClock(video);
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
      ...(video.ssim ? { ssim: { upcoming: upcoming.map((_row, j) => video.bitrates.map((_b, q) => video.ssim![q][k + j])), previous: last === undefined ? undefined : video.ssim[last][k - 1] } } : {}),
      nowS: clock.t,
      rebuffering: clock.playing && clock.bufferS === 0 && k > 0,
      startHintBps: opts.startHintBps,
    };
    const d = abr.choose(ctx);
    const q = Math.max(0, Math.min(video.bitrates.length - 1, d.index));
    const before = clock;
    const step = stepSegment(clock, { trace, video, policy, rttS, k, q, n, abrDelayS: d.delayS, abandon: opts.abandon, abrAbandon: abr.abandon?.bind(abr) });
    clock = step.clock;
    // The server's word with the response (CMSD etp, as the shaper sends it): the link's rate when the response started.
    history.push({ bytes: step.bytes, ttfbS: rttS, transferS: step.transferS, endS: step.endS, tailBps: step.tailBps, serverHintBps: rateAt(trace, step.endS - step.transferS) * 1000 });
    segments.push({
      index: k,
      quality: step.quality,
      bytes: step.bytes,
      startS: step.startS,
      downloadS: step.endS - step.startS,
      bufferS: step.bufferS,
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
