/**
 * The one ABR interface. Everything an algorithm may look at is in the context; given the
 * same contexts in the same order an algorithm makes the same decisions, in the browser
 * player and in the simulator alike. No DOM, no timers, no clock of its own.
 */

/** One finished download that crossed the network (cache hits are never recorded here). */
export interface ThroughputSample {
  bytes: number;
  /** Request sent to first byte, seconds. */
  ttfbS: number;
  /** First byte to last byte, seconds. */
  transferS: number;
  /** When the download finished, on the context's clock (seconds). */
  endS: number;
  /**
   * Throughput over the download's last TAIL_WINDOW_S seconds, bits per second: the
   * freshest view of the link. Undefined when the transfer took under 2 x TAIL_WINDOW_S.
   */
  tailBps?: number;
  /**
   * What the server said of the link with this download's response (CMSD-Dynamic `etp`),
   * bits per second, when it said something: its rate when the response started.
   */
  serverHintBps?: number;
}

/** The window of `tailBps`, seconds. */
export const TAIL_WINDOW_S = 0.5;

export interface AbrContext {
  /** Bitrate of every representation, bits per second, ascending. */
  bitrates: number[];
  segmentDurationS: number;
  /** Media buffered ahead of the playhead, seconds. */
  bufferS: number;
  /** The buffer level the player keeps when it can (it stops fetching above it). */
  bufferTargetS: number;
  /** Downloads so far, oldest first. */
  history: ThroughputSample[];
  /** Index of the previous segment's representation; undefined before the first. */
  lastIndex: number | undefined;
  /** 0-based number of the segment to fetch now. */
  segmentIndex: number;
  totalSegments: number;
  /** upcomingSizes[k][q]: bytes of segment segmentIndex + k at representation q, when known. */
  upcomingSizes?: number[][];
  /**
   * Where the video's SSIM is known (info.json segmentSsim): upcoming[k][q], segment
   * segmentIndex + k's SSIM at representation q; previous, the last segment's as fetched.
   */
  ssim?: { upcoming: number[][]; previous?: number };
  /** The clock, seconds (virtual in the simulator). */
  nowS: number;
  /** Playback is stalled for lack of media right now. */
  rebuffering: boolean;
  /**
   * Before any segment: the rate the page measured on its own first downloads (the manifest,
   * info.json: a few kilobytes, round trips included, so it reads low on a slow link, never
   * high). The simulator has no such downloads and gives none.
   */
  startHintBps?: number;
  /** Live playback only: how far behind the live edge the playhead is, the target, and the playback rate now. */
  live?: { latencyS: number; targetLatencyS: number; playbackRate: number };
}

export interface AbrDecision {
  index: number;
  /** Why, in a few words, for the switch log. */
  reason: string;
  /** The throughput the algorithm believed, bits per second. */
  estimateBps?: number;
  /** Wait this long before fetching (BOLA keeps the buffer from overfilling with low quality). */
  delayS?: number;
}

/** A video download under way, as an algorithm's own abandonment rule sees it. */
export interface DownloadProgress {
  /** The representation being fetched. */
  quality: number;
  bytesTotal: number;
  bytesLoaded: number;
  /** Since the request was sent, s. */
  elapsedS: number;
  /** Its time to first byte (or the last download's, where not known), s. */
  ttfbS: number;
  bufferS: number;
  /** This segment's bytes at every representation. */
  sizes: number[];
  bitrates: number[];
  segmentDurationS: number;
}

export interface AbrAlgorithm {
  readonly name: string;
  choose(ctx: AbrContext): AbrDecision;
  /**
   * An algorithm's own abandonment rule (BOLA-E's, the throughput rule's as Sabre runs it),
   * asked as a download progresses: a lower representation to fetch the segment at instead,
   * or undefined to go on. Without one, the player's own rule (core/buffer-policy.ts) decides.
   */
  abandon?(p: DownloadProgress): number | undefined;
  /**
   * The player may drop the buffer ahead to show a large rise sooner (player/engine/
   * fetch-loop.ts, replaceOnRise): only for an algorithm whose choice the smaller buffer does
   * not undo. A buffer-driven one (BOLA, BBA) chooses lower once the buffer is cut, so the
   * player would fetch the dropped media again at a lower quality, and again, in a loop
   * (measured with BOLA on step-down: ~120 aborted requests a second).
   */
  readonly replacesOnRise?: boolean;
}

/** Bits per second of a download, latency included: what the next download will see. */
export const sampleBps = (s: ThroughputSample) => (s.bytes * 8) / Math.max(1e-6, s.ttfbS + s.transferS);

/** The link's rate at the end of a download: its tail when measured, else its whole. */
export const recentBps = (s: ThroughputSample) => s.tailBps ?? sampleBps(s);

/** The highest index whose bitrate fits under `bps` (0 when none does). */
export function indexForBps(bitrates: number[], bps: number): number {
  let q = 0;
  for (let i = 0; i < bitrates.length; i++) if (bitrates[i] <= bps) q = i;
  return q;
}
