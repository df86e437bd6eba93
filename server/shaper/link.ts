/**
 * Shaped links, the way Mahimahi paces a link: each link is a token bucket refilled at the
 * trace's rate of the moment (an idle link banks 20 ms of rate at most; a late tick releases
 * the whole interval it missed, up to 1 s, so the average holds), and the bytes of every
 * response on the link are released from it round-robin, so concurrent downloads share its
 * capacity and different links never do. One timer paces every link (no per-chunk timers).
 */
import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { rateAt } from '../../core/traces/index.js';
import type { LinkProfile } from './profiles.js';

const TICK_MS = 10;
const BURST_S = 0.02;
const MIN_BURST_BYTES = 1500;
/** Bytes a flow may hold before its upstream is paused. */
const HIGH_WATER = 256 * 1024;
/**
 * Bytes a response may have written but not yet flushed to its socket before the flow stops
 * taking tokens (a client that does not read). Not the stream's 16 KB high-water mark and its
 * 'drain' event: a tick late by 200 ms releases 75 KB at 3 Mbit/s, and waiting for 'drain'
 * after the first 16 KB lost the rest of it (measured: 2.2 of 3 Mbit/s on a starved loop).
 */
const OUT_LIMIT = 1024 * 1024;

/** One response crossing a link. */
export class Flow {
  private queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  onDrained?: () => void;
  onDone?: () => void;

  constructor(
    readonly link: Link,
    private readonly out: Writable,
  ) {}

  /** Bytes from upstream; false means "pause until onDrained". */
  push(chunk: Buffer): boolean {
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.link.wake();
    return this.queued < HIGH_WATER;
  }

  end(): void {
    this.ended = true;
    this.link.wake();
    if (!this.queued) this.finish();
  }

  get wants(): boolean {
    return this.queued > 0 && this.out.writableLength < OUT_LIMIT;
  }

  /** Write up to n bytes; returns how many were written. */
  send(n: number): number {
    let sent = 0;
    while (sent < n && this.queue.length && this.out.writableLength < OUT_LIMIT) {
      const head = this.queue[0];
      const take = Math.min(head.length, n - sent, OUT_LIMIT - this.out.writableLength);
      const piece = take === head.length ? head : head.subarray(0, take);
      if (take === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(take);
      sent += take;
      this.queued -= take;
      this.out.write(piece);
    }
    if (this.queued < HIGH_WATER / 2) this.onDrained?.();
    if (this.ended && !this.queued) this.finish();
    return sent;
  }

  private finished = false;
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.link.remove(this);
    this.out.end();
    this.onDone?.();
  }

  abort(): void {
    this.queue = [];
    this.queued = 0;
    this.finished = true;
    this.link.remove(this);
  }

  /** The link is gone: the response is cut off (the client sees a broken download, not a hang). */
  destroy(): void {
    this.abort();
    this.out.destroy();
  }
}

export class Link {
  readonly id: string;
  profile: LinkProfile;
  /** When the trace started (ms, performance.now()). */
  startedAt: number;
  private tokens = 0;
  private flows = new Set<Flow>();
  bytesSent = 0;
  lastUsed = Date.now();

  constructor(
    profile: LinkProfile,
    private readonly pacer: Pacer,
    id?: string,
  ) {
    this.id = id ?? randomUUID().slice(0, 8);
    this.profile = profile;
    this.startedAt = performance.now();
  }

  /** Change the profile live; a new trace starts from its beginning. */
  setProfile(profile: LinkProfile): void {
    this.profile = profile;
    this.startedAt = performance.now();
    this.tokens = 0;
  }

  /** The rate now, kbit/s. */
  rateKbps(nowMs = performance.now()): number {
    return rateAt(this.profile.trace, (nowMs - this.startedAt) / 1000);
  }

  open(out: Writable): Flow {
    const f = new Flow(this, out);
    this.flows.add(f);
    this.lastUsed = Date.now();
    return f;
  }

  remove(f: Flow): void {
    this.flows.delete(f);
  }

  wake(): void {
    this.pacer.activate(this);
  }

  get active(): boolean {
    return this.flows.size > 0;
  }

  /** Cut off every response on the link (deleted, or broken). */
  close(): void {
    for (const f of [...this.flows]) f.destroy();
    this.flows.clear();
  }

  /**
   * Refill for dt seconds and hand the tokens to the flows that want bytes, round-robin.
   * The whole of dt is released, so a late tick (a busy or CPU-starved server) still delivers
   * the link's rate on average; only what is left over is capped at one burst.
   */
  tick(dtS: number, nowMs: number): void {
    const bytesPerS = (this.rateKbps(nowMs) * 1000) / 8;
    const cap = Math.max(MIN_BURST_BYTES, bytesPerS * BURST_S);
    this.tokens += bytesPerS * dtS;
    let wanting = [...this.flows].filter((f) => f.wants);
    while (this.tokens >= 1 && wanting.length) {
      const share = Math.max(1, Math.floor(this.tokens / wanting.length));
      for (const f of wanting) {
        const n = f.send(Math.min(share, Math.floor(this.tokens)));
        this.tokens -= n;
        this.bytesSent += n;
        if (this.tokens < 1) break;
      }
      wanting = wanting.filter((f) => f.wants);
    }
    // Idle (or back-pressured) links do not bank capacity beyond one burst.
    this.tokens = Math.min(this.tokens, cap);
  }
}

/**
 * One timer for all links, running only while some link has a flow. A link whose tick throws
 * (a bad profile that slipped through) is closed and handed to `onBroken`; the other links,
 * and the process, go on.
 */
export class Pacer {
  private active = new Set<Link>();
  private timer?: NodeJS.Timeout;
  private last = 0;

  constructor(private readonly onBroken: (link: Link, err: Error) => void = () => undefined) {}

  activate(link: Link): void {
    this.active.add(link);
    if (!this.timer) {
      this.last = performance.now();
      this.timer = setInterval(() => this.tick(), TICK_MS);
    }
  }

  private tick(): void {
    const now = performance.now();
    // A late timer (busy event loop) is made up for, but never by more than a second.
    const dt = Math.min(now - this.last, 1000) / 1000;
    this.last = now;
    for (const link of this.active) {
      try {
        link.tick(dt, now);
      } catch (err) {
        link.close();
        this.onBroken(link, err as Error);
      }
      if (!link.active) this.active.delete(link);
    }
    if (!this.active.size) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
