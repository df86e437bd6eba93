/**
 * Playing a dynamic MPD: the live side of DashlabPlayer. It reads the server's clock
 * (UTCTiming), starts at the target latency behind the live edge, fetches each stream's next
 * segment when it becomes available (its first chunk, with chunked CMAF) and appends chunks as
 * they arrive, refreshes the manifest (its end, a SegmentTimeline's new segments), and holds
 * the latency by playback rate (core/live/catchup.ts). A seek back into the time-shift window
 * plays from there at rate 1 until goLive(). The video's currentTime is presentation time since
 * availabilityStartTime (each SourceBuffer's timestampOffset makes it so).
 */
import { catchup, catchupPolicy, type CatchupPolicy } from '../../../core/live/catchup.js';
import { availableAtMs, liveEdgeS, liveSegment, segmentAt } from '../../../core/live/timing.js';
import type { AbrAlgorithm, ThroughputSample } from '../../../core/abr/index.js';
import { parseMpd, type LiveInfo, type Manifest, type Representation, type SegmentRef } from '../../../core/mpd/parse.js';
import type { Stream } from '../fetch-loop.js';
import { noteAppended } from '../fetch-loop.js';
import { load } from '../loader.js';
import type { PlayerStats, SwitchRecord } from '../types.js';
import { loadChunked } from './chunk-loader.js';
import { serverClockOffsetMs } from './clock.js';

/** A link too fast to time (every chunk in one read) is taken as at least this fast. */
const UNTIMED_BPS = 50e6;
/** Media kept ahead when playing behind the edge (DVR): enough to ride out a slow segment. */
const DVR_AHEAD_S = 12;
/** After a stall, no catching up for this long: the buffer refills first. */
const STALL_CALM_S = 3;

export interface LiveHost {
  video: HTMLVideoElement;
  mediaSource: MediaSource;
  manifest: Manifest;
  mpdUrl: string;
  signal: AbortSignal;
  credentials?: RequestCredentials;
  streams: Stream[];
  stats: PlayerStats;
  history: ThroughputSample[];
  abr(): AbrAlgorithm;
  manual(): number | undefined;
  rebuffering(): boolean;
  emit(event: string, detail: unknown): void;
}

interface Cursor {
  /** Presentation time where the next segment to fetch starts. */
  nextS: number;
  epoch: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, Math.max(0, ms));
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export class LiveSession {
  private offsetMs = 0;
  private policy: CatchupPolicy;
  private cursors = new Map<Stream, Cursor>();
  private atEdge = true;
  private calmUntil = 0;
  private rate = 1;
  /** Playback has begun (the first frames after the start's jump). */
  private started = false;

  constructor(private readonly h: LiveHost) {
    this.policy = this.policyFor(h.manifest);
  }

  private get live(): LiveInfo {
    return this.h.manifest.live!;
  }

  private serverNow(): number {
    return Date.now() + this.offsetMs;
  }

  /** The latency to hold: the manifest's, never closer than the segments' availability allows. */
  private policyFor(m: Manifest): CatchupPolicy {
    const live = m.live!;
    const rep = m.adaptationSets.find((s) => s.contentType === 'video')?.representations[0];
    const segS = rep?.live?.segmentS ?? rep?.segments[0]?.durationS ?? 2;
    const ato = rep?.live?.availabilityTimeOffsetS ?? 0;
    const p = catchupPolicy(live.service);
    const floor = segS - Math.min(ato, segS) + 0.5;
    const asked = live.service?.targetLatencyS ?? live.suggestedPresentationDelayS ?? 3 * segS;
    p.targetS = Math.max(asked, floor);
    return p;
  }

  async start(): Promise<void> {
    const h = this.h;
    const sync = await serverClockOffsetMs(this.live.utcTiming, { signal: h.signal, credentials: h.credentials });
    this.offsetMs = sync.offsetMs;
    h.mediaSource.duration = this.live.ended ? h.manifest.durationS : Infinity;
    const startS = this.edgeS() - this.policy.targetS;
    for (const s of h.streams) {
      const rep = s.reps[0];
      s.buffer.sb.timestampOffset = this.live.periodStartS - (rep.ptoS ?? 0);
      this.cursors.set(s, { nextS: this.segmentFor(rep, startS)?.startS ?? startS, epoch: 0 });
    }
    this.updateStats();
    void this.refreshLoop();
    const first = Promise.all(h.streams.map((s) => this.firstAppend(s)));
    void first.then(() => this.jumpTo(this.edgeS() - this.policy.targetS));
    await Promise.all(h.streams.map((s) => this.run(s)));
  }

  private firstAppends = new Map<Stream, () => void>();
  private firstAppend(s: Stream): Promise<void> {
    return new Promise((resolve) => this.firstAppends.set(s, resolve));
  }

  /** The live edge now, seconds since availabilityStartTime (the end of a live stream that ended). */
  edgeS(): number {
    const e = liveEdgeS(this.live, this.serverNow());
    return this.live.ended ? Math.min(e, this.h.manifest.durationS) : e;
  }

  /** The oldest time still in the time-shift window. */
  windowStartS(): number {
    const depth = this.live.timeShiftBufferDepthS ?? Infinity;
    return Math.max(this.live.periodStartS, liveEdgeS(this.live, this.serverNow()) - depth);
  }

  /** A stream's segment holding (or first after) presentation time `t`, if it exists yet. */
  private segmentFor(rep: Representation, t: number): SegmentRef | undefined {
    if (rep.live) {
      const seg = liveSegment(this.live, rep.live, rep, segmentAt(this.live, rep.live, t));
      return this.live.ended && seg.startS >= this.h.manifest.durationS - 1e-3 ? undefined : seg;
    }
    const p = this.live.periodStartS;
    const seg = rep.segments.find((x) => p + x.startS + x.durationS > t + 1e-3);
    return seg && { ...seg, startS: p + seg.startS };
  }

  /** When a segment can be asked for (server clock, ms): a template's from the clock; a listed one now. */
  private availableAt(rep: Representation, seg: SegmentRef): number {
    return rep.live ? availableAtMs(this.live, rep.live, seg.number) : 0;
  }

  private async run(s: Stream): Promise<void> {
    const h = this.h;
    const cur = this.cursors.get(s)!;
    while (!h.signal.aborted) {
      const epoch = cur.epoch;
      const ahead = s.buffer.aheadOf(h.video.currentTime);
      if (!this.atEdge && ahead > DVR_AHEAD_S) {
        await sleep(250, h.signal);
        continue;
      }
      const index = this.choose(s, ahead);
      const rep = s.reps[index];
      const seg = this.segmentFor(rep, cur.nextS);
      if (!seg) {
        if (this.live.ended) {
          s.done = true;
          if (h.streams.every((x) => x.done) && h.mediaSource.readyState === 'open') h.mediaSource.endOfStream();
        }
        await sleep(250, h.signal);
        continue;
      }
      const waitMs = this.availableAt(rep, seg) - this.serverNow();
      if (waitMs > 0) {
        await sleep(Math.min(waitMs, 500), h.signal);
        continue;
      }
      try {
        await this.fetchSegment(s, index, seg, epoch);
      } catch (err) {
        if (h.signal.aborted) return;
        h.emit('retry', { url: seg.urls[0], error: (err as Error).message });
        // Fell out of the window, or not there yet: go on from where the window starts, or wait a little.
        if (cur.nextS < this.windowStartS()) cur.nextS = this.windowStartS();
        await sleep(500, h.signal);
        continue;
      }
      if (cur.epoch === epoch) cur.nextS = seg.startS + seg.durationS;
    }
  }

  /** Video: the manual choice, or the ABR's (told the live buffer); audio: its best. */
  private choose(s: Stream, ahead: number): number {
    if (s.type === 'audio') return s.reps.length - 1;
    const manual = this.h.manual();
    if (manual !== undefined) return Math.min(manual, s.reps.length - 1);
    const rep = s.reps[0];
    const segS = rep.live?.segmentS ?? rep.segments[0]?.durationS ?? 2;
    const d = this.h.abr().choose({
      bitrates: s.reps.map((r) => r.bandwidth),
      segmentDurationS: segS,
      bufferS: ahead,
      bufferTargetS: this.policy.targetS,
      history: this.h.history,
      lastIndex: s.rep,
      segmentIndex: Math.round(this.cursors.get(s)!.nextS / segS),
      totalSegments: Number.MAX_SAFE_INTEGER,
      nowS: performance.now() / 1000,
      rebuffering: this.h.rebuffering(),
      // The rules made for live (L2A, LoL+, dashlab-live) read these; the others ignore them.
      live: { latencyS: Math.max(0, this.edgeS() - this.h.video.currentTime), targetLatencyS: this.policy.targetS, playbackRate: this.rate },
    });
    const index = Math.max(0, Math.min(s.reps.length - 1, d.index));
    if (index !== s.rep) {
      const rec: SwitchRecord = { atS: performance.now() / 1000, segment: Math.round(this.cursors.get(s)!.nextS / segS), from: s.rep, to: index, bitrate: s.reps[index].bandwidth, reason: d.reason, estimateBps: d.estimateBps, bufferS: ahead };
      this.h.stats.switches.push(rec);
      this.h.emit('switch', rec);
    }
    if (d.estimateBps) this.h.stats.abrEstimateBps = d.estimateBps;
    this.h.stats.decision = d.reason;
    return index;
  }

  private async fetchSegment(s: Stream, index: number, seg: SegmentRef, epoch: number): Promise<void> {
    const h = this.h;
    const rep = s.reps[index];
    const cur = this.cursors.get(s)!;
    const controller = new AbortController();
    const stop = () => controller.abort();
    h.signal.addEventListener('abort', stop, { once: true });
    s.inflight = controller;
    try {
      if (s.initFor !== rep.id && rep.init) {
        const init = await load(rep.init.urls[0], { signal: controller.signal, credentials: h.credentials });
        await s.buffer.append(init.bytes);
        s.initFor = rep.id;
        h.stats.requests.network++;
      }
      s.rep = index;
      const got = await loadChunked(seg.urls[0], {
        signal: controller.signal,
        credentials: h.credentials,
        onChunk: async (chunk) => {
          if (cur.epoch !== epoch) return;
          await s.buffer.append(chunk);
          this.firstAppends.get(s)?.();
        },
      });
      const r = h.stats.requests;
      r.network++;
      r.bytes += got.bytes;
      if (cur.epoch === epoch) noteAppended(s, seg.startS, seg.startS + seg.durationS, index);
      if (s.type === 'video' && got.bytes > 0) this.sample(got.measuredBytes, got.measuredS, got.bytes, got.endS);
      h.emit('segment', { type: s.type, number: seg.number, rep: rep.id, bytes: got.bytes, fromCache: false });
    } catch (err) {
      if ((err as Error).name === 'AbortError' && cur.epoch !== epoch) return; // a seek moved on
      throw err;
    } finally {
      h.signal.removeEventListener('abort', stop);
      if (s.inflight === controller) s.inflight = undefined;
    }
  }

  /** A throughput sample from the timed part of a chunked download (chunk-loader.ts). */
  private sample(measuredBytes: number, measuredS: number, bytes: number, endS: number): void {
    const timed = measuredS >= 0.02 && measuredBytes > 0;
    const s: ThroughputSample = timed ? { bytes: measuredBytes, ttfbS: 0, transferS: measuredS, endS } : { bytes, ttfbS: 0, transferS: (bytes * 8) / UNTIMED_BPS, endS };
    this.h.history.push(s);
    if (this.h.history.length > 100) this.h.history.shift();
    this.h.stats.estimateBps = (s.bytes * 8) / s.transferS;
  }

  /** Re-read the manifest every minimumUpdatePeriod: its end, and a SegmentTimeline's new segments. */
  private async refreshLoop(): Promise<void> {
    const h = this.h;
    while (!h.signal.aborted && !this.live.ended) {
      // A SegmentTimeline lists only what exists: read it again every segment, whatever the MPD's period says.
      const listed = h.streams.some((s) => !s.reps[0].live);
      const segS = h.streams[0]?.reps[0]?.segments.at(-1)?.durationS ?? 2;
      const everyS = Math.min(this.live.minimumUpdatePeriodS ?? segS, listed ? segS : Infinity);
      await sleep(Math.max(1000, everyS * 1000), h.signal);
      if (h.signal.aborted) return;
      try {
        const res = await load(h.mpdUrl, { signal: h.signal, credentials: h.credentials });
        const next = parseMpd(new TextDecoder().decode(res.bytes), res.url, new DOMParser());
        if (next.type !== 'dynamic' || !next.live) continue;
        h.manifest.live = next.live;
        h.manifest.durationS = next.durationS;
        for (const s of h.streams) {
          s.reps = s.reps.map((r) => next.adaptationSets.flatMap((a) => a.representations).find((x) => x.id === r.id) ?? r);
        }
        if (next.live.ended) {
          h.mediaSource.duration = Math.max(next.durationS, ...h.streams.map((s) => (s.buffer.sb.buffered.length ? s.buffer.sb.buffered.end(s.buffer.sb.buffered.length - 1) : 0)));
          h.emit('live-ended', { durationS: next.durationS });
        }
      } catch {
        // The next refresh tries again; the segments' own timing carries on meanwhile.
      }
    }
  }

  /** Every 250 ms (the player's ticker): hold the latency, keep the seekable window, update the stats. */
  tick(): void {
    const v = this.h.video;
    const ahead = Math.min(...this.h.streams.map((s) => s.buffer.aheadOf(v.currentTime)));
    const latency = this.edgeS() - v.currentTime;
    if (this.h.mediaSource.readyState === 'open' && !this.live.ended) {
      try {
        this.h.mediaSource.setLiveSeekableRange(this.windowStartS(), Math.max(this.windowStartS(), this.edgeS()));
      } catch {
        // an older browser: seeking is within what is buffered
      }
    }
    if (this.h.rebuffering()) this.calmUntil = performance.now() + STALL_CALM_S * 1000;
    // Not started with media buffered where it stands (autoplay held back, a seek that landed
    // before its media): start it. Once it has played, a pause is the viewer's and stays.
    if (!this.started && ahead > 0.5 && (v.paused || v.readyState < 3)) {
      if (v.readyState < 3 && !v.seeking) v.currentTime = v.currentTime + 0.001;
      if (v.paused) void v.play().catch(() => undefined);
    }
    // The first frames play a moment after the jump to the target (decoders start): when that
    // moment left the picture well behind, jump again within what is buffered rather than catch up by rate.
    if (!this.started && !v.paused && v.readyState >= 3) {
      this.started = true;
      if (latency > this.policy.targetS + 0.75 && this.atEdge) this.jumpTo(this.edgeS() - this.policy.targetS);
    }
    let rate = 1;
    if (this.atEdge && !this.live.ended && !v.paused && v.readyState >= 2 && performance.now() > this.calmUntil) {
      const a = catchup(this.policy, latency, ahead);
      if ('seekToLatencyS' in a) this.jumpTo(this.edgeS() - a.seekToLatencyS);
      else rate = a.rate;
    }
    if (rate !== this.rate) {
      this.rate = rate;
      v.playbackRate = rate;
    }
    this.updateStats(latency);
  }

  private updateStats(latency?: number): void {
    this.h.stats.live = {
      latencyS: latency,
      targetLatencyS: this.policy.targetS,
      playbackRate: this.rate,
      edgeS: this.edgeS(),
      windowStartS: this.windowStartS(),
      atEdge: this.atEdge,
      ended: this.live.ended,
      clockOffsetMs: Math.round(this.offsetMs),
    };
  }

  /** The viewer seeked: behind the edge by more than catching up covers, play from there at rate 1 (DVR). */
  onSeek(t: number): void {
    this.atEdge = this.edgeS() - t <= this.policy.targetS + this.policy.seekAboveS;
    if (!this.atEdge && this.rate !== 1) {
      this.rate = 1;
      this.h.video.playbackRate = 1;
    }
    for (const s of this.h.streams) {
      if (s.buffer.aheadOf(t) > 0.5 && s.appended.some((a) => a.startS <= t + 0.1 && a.endS > t)) continue; // buffered there: keep going
      const cur = this.cursors.get(s)!;
      cur.epoch++;
      s.inflight?.abort();
      const seg = this.segmentFor(s.reps[s.rep ?? 0], t);
      cur.nextS = seg ? seg.startS : t;
    }
  }

  /** Back to the live edge, at the target latency. */
  goLive(): void {
    this.atEdge = true;
    this.jumpTo(this.edgeS() - this.policy.targetS);
  }

  private jumpTo(t: number): void {
    this.h.video.currentTime = Math.max(this.windowStartS(), t);
  }
}
