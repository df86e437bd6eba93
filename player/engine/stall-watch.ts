/**
 * Startup and stalls, read from the video element ('waiting' after playback began, until
 * 'playing'), for our player and the dash.js/hls.js engines alike.
 *
 * A stop with the buffer empty is rebuffering: what the network and the ABR are judged by.
 * A stop with media buffered past the playhead means this machine did not decode or render in
 * time (a starved CPU: Chromium reports its decoder falling behind as 'waiting' too); no bitrate
 * choice over the network explains it, so it is counted apart, as `starved`.
 */

export interface StallCounts {
  count: number;
  seconds: number;
}

/** Media buffered past the playhead at a stop that makes it the decoder's, not the network's. */
export const STARVED_AHEAD_S = 0.5;

/** Seconds of media buffered contiguously from the playhead (a gap under 0.1 s is jumped). */
export function bufferedAhead(video: HTMLMediaElement): number {
  const b = video.buffered;
  const t = video.currentTime;
  for (let i = 0; i < b.length; i++) if (b.start(i) <= t + 0.1 && b.end(i) > t) return b.end(i) - t;
  return 0;
}

export interface StallEvent {
  atS: number;
  currentTimeS: number;
  /** Media was buffered: the decoder fell behind, not the network. */
  starved: boolean;
}

export class StallWatch {
  started = false;
  startupS?: number;
  readonly stalls: StallCounts = { count: 0, seconds: 0 };
  readonly starved: StallCounts = { count: 0, seconds: 0 };
  private open?: { atS: number; into: StallCounts };
  /** Where the media buffered from the playhead ended at the last 'timeupdate' (none since a seek). */
  private lastEnd?: number;

  /**
   * `now` is seconds since the session began; `ignore` says when a 'waiting' is not a stall
   * (a seek); `onStall` hears each new stall.
   */
  constructor(
    video: HTMLMediaElement,
    opts: { now: () => number; ignore?: () => boolean; onStall?: (e: StallEvent) => void; signal?: AbortSignal },
  ) {
    const on = (e: string, fn: () => void) => video.addEventListener(e, fn, { signal: opts.signal });
    on('playing', () => {
      if (!this.started) {
        this.started = true;
        this.startupS = opts.now();
      }
      if (this.open) {
        this.open.into.seconds += opts.now() - this.open.atS;
        this.open = undefined;
      }
    });
    on('timeupdate', () => (this.lastEnd = video.currentTime + bufferedAhead(video)));
    on('seeking', () => (this.lastEnd = undefined));
    on('waiting', () => {
      if (!this.started || video.ended || this.open || opts.ignore?.()) return;
      // Buffered now, and as of the last 'timeupdate': an append that completed between the
      // buffer running dry and this handler must not turn a true underrun into "decoding".
      const now = bufferedAhead(video);
      const before = this.lastEnd === undefined ? now : this.lastEnd - video.currentTime;
      const starved = Math.min(now, before) >= STARVED_AHEAD_S;
      this.open = { atS: opts.now(), into: starved ? this.starved : this.stalls };
      this.open.into.count++;
      opts.onStall?.({ atS: this.open.atS, currentTimeS: video.currentTime, starved });
    });
  }

  /** Playback is stopped for want of media now. */
  get rebuffering(): boolean {
    return this.open?.into === this.stalls;
  }
}
