/** What the player is given (PlayerOptions) and what it tells (PlayerStats, SwitchRecord): its public shapes. */
import type { BufferPolicy } from '../../core/buffer-policy.js';
import type { CmsdHint } from '../../core/cdn/cmsd.js';
import type { SourceState } from './sources.js';

export interface PlayerOptions {
  abr?: string;
  buffer?: Partial<BufferPolicy>;
  /** Segment sizes for ABR (dashlab's info.json); default: info.json beside the MPD, if there is one. */
  infoUrl?: string | false;
  /**
   * Where to fetch segments, instead of the manifest's BaseURLs: origins (or origins with a
   * path prefix) that serve the same paths, e.g. CDN edges (sources.ts: offerSources). The
   * player measures them and picks per segment, as it does the manifest's.
   */
  sources?: string[];
  /**
   * Credentials for the manifest, index and segment requests. 'same-origin' (default, as
   * dash.js and hls.js): cookies go to the page's own origin, so media behind a login plays;
   * 'omit': never. Chromium keeps a separate pool of six connections per host for each mode:
   * the compare page spreads its players over both (server/pages/compare-page.ts).
   */
  credentials?: 'same-origin' | 'omit';
  /** At the end, play again from the start, fetching everything anew (restart()). */
  loop?: boolean;
  /**
   * CMCD (CTA-5004) with each segment request: as the `CMCD` query argument, as `CMCD-*`
   * headers, or not. 'auto' (default): the query argument when the manifest comes from a CDN
   * tier (BaseURLs with a serviceLocation, or Content Steering), else none.
   */
  cmcd?: 'auto' | 'query' | 'headers' | 'off';
  /** The audio track to start with: an AdaptationSet id or a language; default: the browser's languages, else the main track. */
  audio?: string;
  /** The video codec to play (h264, av1, or a set id); default: the one MediaCapabilities says plays best (tracks.ts). */
  codec?: string;
}

export interface SwitchRecord {
  /** Wall clock of the decision, seconds since load(). */
  atS: number;
  segment: number;
  from: number | undefined;
  to: number;
  bitrate: number;
  reason: string;
  /** The link's rate as this player measures it: every stream's bytes over the time they moved (link-meter.ts). */
  estimateBps?: number;
  /** The rate the ABR planned its latest choice with (its own samples, discounted as it chooses). */
  abrEstimateBps?: number;
  bufferS: number;
}

export interface PlayerStats {
  state: 'idle' | 'loading' | 'playing' | 'paused' | 'stalled' | 'ended' | 'error';
  abr: string;
  manual: number | undefined;
  /** The representation on screen: of the media playing now; `ssim`: its segment's SSIM against the source (info.json), where measured. */
  representation?: { index: number; id: string; width?: number; height?: number; bandwidth: number; ssim?: number };
  /** The representation of the latest video download (ahead of what is on screen by the buffer). */
  fetching?: { index: number; id: string; width?: number; height?: number; bandwidth: number };
  representations: Array<{ index: number; id: string; width?: number; height?: number; bandwidth: number }>;
  /** The video codec playing (avc1, av01, ...). */
  codec?: string;
  /** The audio track playing (setAudio() changes it). */
  audio?: { id: string; lang: string; role: string; label?: string };
  /** The link's rate as this player measures it: every stream's bytes over the time they moved (link-meter.ts). */
  estimateBps?: number;
  /** The rate the ABR planned its latest choice with (its own samples, discounted as it chooses). */
  abrEstimateBps?: number;
  /** What the page's first downloads (manifest, info.json) measured: the ABR's start hint (AbrContext.startHintBps). */
  startHintBps?: number;
  bufferS: number;
  currentTimeS: number;
  durationS: number;
  startupS?: number;
  /** Rebuffering: playback stopped with the buffer empty (completed stops). */
  stalls: { count: number; seconds: number };
  /** Playback stopped with media buffered: the machine did not decode in time (stall-watch.ts). */
  starved: { count: number; seconds: number };
  frames: { dropped: number; total: number };
  requests: { network: number; fromCache: number; notModified: number; abandoned: number; bytes: number; failovers: number };
  /** Where segments came from: each BaseURL the manifest offers, as measured (sources.ts). */
  sources: SourceState[];
  /** CMCD as sent: how, and this playback's session id (the one the servers see). */
  cmcd?: { mode: 'query' | 'headers'; sid: string };
  /** Content Steering: the latest answer's order of pathways, its TTL, requests made. */
  steering?: { priority: string[]; ttlS: number; requests: number };
  /** What the latest server to say so said of the link (CMSD-Dynamic). */
  cmsd?: CmsdHint;
  switches: SwitchRecord[];
  /** Why the ABR chose the latest video segment's representation (the switch log keeps only changes). */
  decision?: string;
  /**
   * A live stream (dynamic MPD): how far behind the live edge the picture is (s), the latency
   * held to, the playback rate holding it, the edge and the time-shift window's start (s since
   * availabilityStartTime), whether it follows the edge (not a DVR seek back), whether the
   * stream has ended, and the server clock's offset from this machine's (ms).
   */
  live?: { latencyS?: number; targetLatencyS: number; playbackRate: number; edgeS: number; windowStartS: number; atEdge: boolean; ended: boolean; clockOffsetMs: number };
  error?: string;
}
