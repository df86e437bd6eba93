/**
 * The dashlab player: Media Source Extensions, one SourceBuffer per type (video, audio),
 * our own loader and scheduler, and the ABR library choosing every video segment.
 * This is the composition root of the browser side: defaults come from one place each
 * (ABR_DEFAULTS, BUFFER_DEFAULTS) and are wired here.
 */
import { checkPolicy, createAbr, DEFAULT_ABR, POLICY_FILE, type AbrAlgorithm, type AbrDecision, type LearnedPolicy, type ThroughputSample } from '../abr/index.js';
import { load, LoadError, type Download } from './loader.js';
import { MediaBuffer } from './media-buffer.js';
import { MpdError, parseMpd, type AdaptationSet, type Manifest, type Representation } from './mpd.js';
import { audioWaitsForVideo, BUFFER_DEFAULTS, fetchDelayS, shouldAbandon, type BufferPolicy } from './schedule.js';
import { offerSources, SourcePicker, type SourceState } from './sources.js';
import { StallWatch } from './stall-watch.js';

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
   * the compare page spreads its players over both (server/ui/compare-page.ts).
   */
  credentials?: 'same-origin' | 'omit';
}

export interface SwitchRecord {
  /** Wall clock of the decision, seconds since load(). */
  atS: number;
  segment: number;
  from: number | undefined;
  to: number;
  bitrate: number;
  reason: string;
  estimateBps?: number;
  bufferS: number;
}

export interface PlayerStats {
  state: 'idle' | 'loading' | 'playing' | 'paused' | 'stalled' | 'ended' | 'error';
  abr: string;
  manual: number | undefined;
  representation?: { index: number; id: string; width?: number; height?: number; bandwidth: number };
  representations: Array<{ index: number; id: string; width?: number; height?: number; bandwidth: number }>;
  estimateBps?: number;
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
  switches: SwitchRecord[];
  /** Why the ABR chose the latest video segment's representation (the switch log keeps only changes). */
  decision?: string;
  error?: string;
}

type Listener = (detail: unknown) => void;

const sleep = (s: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, s * 1000);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

interface Stream {
  type: 'video' | 'audio';
  reps: Representation[];
  buffer: MediaBuffer;
  next: number;
  rep: number | undefined;
  initFor: string | undefined;
  inflight?: AbortController;
  done: boolean;
  /** After an abandoned download: fetch that segment again at the lowest representation. */
  forceLowest: boolean;
}

export class DashlabPlayer {
  private video?: HTMLVideoElement;
  private mediaSource?: MediaSource;
  private manifest?: Manifest;
  private streams: Stream[] = [];
  private abr: AbrAlgorithm;
  private abrName: string;
  private manual: number | undefined;
  private readonly policy: BufferPolicy;
  private history: ThroughputSample[] = [];
  private sources = new SourcePicker();
  private sizes = new Map<string, number[]>();
  private listeners = new Map<string, Set<Listener>>();
  private life = new AbortController();
  private t0 = 0;
  private stats_: PlayerStats;
  private stallWatch?: StallWatch;
  private seeking = false;
  private ticker?: ReturnType<typeof setInterval>;

  /** The video's learned ABR policy (abr-policy.json beside the MPD), fetched when `learned` is chosen. */
  private learnedPolicy?: LearnedPolicy;
  /** Why the video's abr-policy.json was refused (outdated, corrupt), for the switch log. */
  private policyProblem?: string;
  private policyUrl?: string;

  constructor(private readonly opts: PlayerOptions = {}) {
    this.abrName = opts.abr ?? DEFAULT_ABR;
    this.abr = createAbr(this.abrName);
    this.policy = { ...BUFFER_DEFAULTS, ...opts.buffer };
    this.stats_ = this.freshStats();
  }

  private freshStats(): PlayerStats {
    return {
      state: 'idle',
      abr: this.abrName,
      manual: undefined,
      representations: [],
      bufferS: 0,
      currentTimeS: 0,
      durationS: 0,
      stalls: { count: 0, seconds: 0 },
      starved: { count: 0, seconds: 0 },
      frames: { dropped: 0, total: 0 },
      requests: { network: 0, fromCache: 0, notModified: 0, abandoned: 0, bytes: 0, failovers: 0 },
      sources: [],
      switches: [],
    };
  }

  on(event: 'manifest' | 'switch' | 'segment' | 'failover' | 'retry' | 'stall' | 'error' | 'ended' | 'stats', fn: Listener): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set!.delete(fn);
  }

  private emit(event: string, detail: unknown): void {
    for (const fn of this.listeners.get(event) ?? []) fn(detail);
  }

  attach(video: HTMLVideoElement): this {
    this.video = video;
    return this;
  }

  /** Change the ABR algorithm while playing (a fresh instance: algorithms keep state). */
  setAbr(name: string): void {
    this.abr = createAbr(name, { policy: this.learnedPolicy, policyProblem: this.policyProblem });
    this.abrName = name;
    this.stats_.abr = name;
    if (name === 'learned') void this.loadPolicy();
  }

  /**
   * Fetch and check the video's learned policy once; `learned` plays as dashlab until it
   * arrives, and without one (not packaged by dashlab, or packaged with --no-abr-policy).
   */
  private async loadPolicy(): Promise<void> {
    if (this.learnedPolicy || this.policyProblem || !this.policyUrl) return;
    let res: Response;
    try {
      res = await fetch(this.policyUrl, { signal: this.life.signal, credentials: this.opts.credentials });
    } catch {
      return; // unreachable or stopped: dashlab's choices, and the next setAbr('learned') tries again
    }
    if (!res.ok) return; // none (not packaged by dashlab, or with --no-abr-policy): the switch log says so
    try {
      this.learnedPolicy = checkPolicy(await res.json());
    } catch (err) {
      this.policyProblem = (err as Error).message;
    }
    if (this.abrName === 'learned') this.abr = createAbr('learned', { policy: this.learnedPolicy, policyProblem: this.policyProblem });
  }

  /** Fix the video representation (index into stats().representations), or 'auto'. */
  setQuality(index: number | 'auto'): void {
    this.manual = index === 'auto' ? undefined : index;
    this.stats_.manual = this.manual;
  }

  async load(mpdUrl: string): Promise<void> {
    const video = this.video;
    if (!video) throw new Error('attach a video element first');
    this.t0 = performance.now();
    this.stats_.state = 'loading';
    if (typeof location !== 'undefined') mpdUrl = new URL(mpdUrl, location.href).toString();
    try {
      const res = await load(mpdUrl, { signal: this.life.signal, credentials: this.opts.credentials }).catch((err) => {
        throw new MpdError(`cannot load the manifest ${mpdUrl}: ${(err as Error).message}`);
      });
      const parsed = parseMpd(new TextDecoder().decode(res.bytes), res.url, new DOMParser());
      const manifest = this.opts.sources?.length ? offerSources(parsed, this.opts.sources) : parsed;
      this.manifest = manifest;
      if (manifest.type !== 'static') throw new MpdError('live (dynamic) manifests are not supported yet');
      this.policyUrl = new URL(POLICY_FILE, mpdUrl).toString();
      await Promise.all([this.loadSizes(mpdUrl), this.abrName === 'learned' ? this.loadPolicy() : undefined]);
      await this.openMediaSource(video, manifest);
      this.emit('manifest', manifest);
      this.startTicker();
      await Promise.all(this.streams.map((s) => this.run(s)));
    } catch (err) {
      if (this.life.signal.aborted) return;
      this.fail(err as Error);
    }
  }

  private fail(err: Error): void {
    this.stats_.state = 'error';
    this.stats_.error = err.message;
    this.emit('error', err.message);
  }

  private async loadSizes(mpdUrl: string): Promise<void> {
    if (this.opts.infoUrl === false) return;
    const url = this.opts.infoUrl ?? new URL('info.json', mpdUrl).toString();
    try {
      const res = await fetch(url, { signal: this.life.signal, credentials: this.opts.credentials });
      if (!res.ok) return;
      const info = (await res.json()) as { renditions?: Array<{ id: string; segmentBytes?: number[] }> };
      for (const r of info.renditions ?? []) if (r.segmentBytes) this.sizes.set(r.id, r.segmentBytes);
    } catch {
      // Not a dashlab origin: plan with bitrate x duration.
    }
  }

  private pickSet(type: 'video' | 'audio'): AdaptationSet | undefined {
    return this.manifest!.adaptationSets.find((s) => s.contentType === type && s.representations.some((r) => this.supported(r)));
  }

  private supported(r: Representation): boolean {
    return typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported(`${r.mimeType}; codecs="${r.codecs}"`);
  }

  private async openMediaSource(video: HTMLVideoElement, manifest: Manifest): Promise<void> {
    const videoSet = this.pickSet('video');
    if (!videoSet) {
      const codecs = manifest.adaptationSets.flatMap((s) => s.representations.map((r) => r.codecs)).join(', ');
      throw new MpdError(`this browser cannot play any video representation of the manifest (codecs: ${codecs || 'none'})`);
    }
    const audioSet = this.pickSet('audio');
    const ms = new MediaSource();
    this.mediaSource = ms;
    video.src = URL.createObjectURL(ms);
    await new Promise<void>((resolve) => ms.addEventListener('sourceopen', () => resolve(), { once: true }));
    ms.duration = manifest.durationS;
    for (const [type, set] of [['video', videoSet], ['audio', audioSet]] as const) {
      if (!set) continue;
      const reps = set.representations.filter((r) => this.supported(r));
      // SegmentBase: read each representation's segment index (sidx) before playing.
      await Promise.all(
        reps.filter((r) => r.segmentBase).map(async (r) => {
          const idx = await load(r.segmentBase!.urls[0], { range: r.segmentBase!.indexRange, signal: this.life.signal, credentials: this.opts.credentials });
          const { applySidx } = await import('./sidx.js');
          await applySidx(r, idx.bytes);
        }),
      );
      const first = reps[0];
      const sb = ms.addSourceBuffer(`${first.mimeType}; codecs="${first.codecs}"`);
      this.streams.push({ type, reps, buffer: new MediaBuffer(sb, video), next: 0, rep: undefined, initFor: undefined, done: false, forceLowest: false });
    }
    this.stats_.representations = this.streams[0].reps.map((r, index) => ({ index, id: r.id, width: r.width, height: r.height, bandwidth: r.bandwidth }));
    this.stats_.durationS = manifest.durationS;
    this.watchVideo(video);
  }

  private watchVideo(video: HTMLVideoElement): void {
    const now = () => (performance.now() - this.t0) / 1000;
    const on = (e: string, fn: () => void) => video.addEventListener(e, fn, { signal: this.life.signal });
    this.stallWatch = new StallWatch(video, {
      now,
      ignore: () => this.seeking,
      signal: this.life.signal,
      onStall: (e) => {
        this.stats_.state = 'stalled';
        this.emit('stall', e);
      },
    });
    on('playing', () => {
      this.stats_.state = 'playing';
    });
    on('pause', () => {
      if (!video.ended) this.stats_.state = 'paused';
    });
    on('ended', () => {
      this.stats_.state = 'ended';
      this.emit('ended', this.stats());
    });
    on('seeking', () => {
      this.seeking = true;
      this.onSeek(video.currentTime);
    });
    on('seeked', () => {
      this.seeking = false;
    });
  }

  /** Every 250 ms: jump small gaps, and end the stream once everything is appended. */
  private startTicker(): void {
    this.ticker = setInterval(() => {
      const v = this.video;
      if (!v) return;
      if (v.readyState < 3 && !v.seeking) {
        const b = v.buffered;
        for (let i = 0; i < b.length; i++) {
          const gap = b.start(i) - v.currentTime;
          if (gap > 0 && gap < 0.5) {
            v.currentTime = b.start(i) + 0.01;
            break;
          }
        }
      }
      this.emit('stats', this.stats());
    }, 250);
  }

  private onSeek(t: number): void {
    for (const s of this.streams) {
      s.inflight?.abort();
      const ahead = s.buffer.aheadOf(t);
      const from = t + ahead;
      const rep = s.reps[s.rep ?? 0];
      let k = rep.segments.findIndex((seg) => seg.startS + seg.durationS > from + 0.05);
      if (k < 0) k = rep.segments.length;
      s.next = k;
      if (s.done && k < rep.segments.length) s.done = false;
    }
  }

  private bufferAhead(): number {
    const v = this.video!;
    return Math.min(...this.streams.map((s) => s.buffer.aheadOf(v.currentTime)));
  }

  private choose(s: Stream): { index: number; decision?: AbrDecision } {
    if (s.type === 'audio') return { index: s.reps.length - 1 };
    if (s.forceLowest) return { index: 0, decision: { index: 0, reason: 'download abandoned: the buffer would run dry; refetching at the lowest bitrate' } };
    if (this.manual !== undefined) return { index: Math.min(this.manual, s.reps.length - 1) };
    const horizon = 5;
    const upcoming: number[][] = [];
    for (let k = 0; k < horizon && s.next + k < s.reps[0].segments.length; k++) {
      const row = s.reps.map((r) => this.sizes.get(r.id)?.[s.next + k]);
      if (row.some((x) => x === undefined)) break;
      upcoming.push(row as number[]);
    }
    const decision = this.abr.choose({
      bitrates: s.reps.map((r) => r.bandwidth),
      segmentDurationS: s.reps[0].segments[s.next]?.durationS ?? 4,
      bufferS: this.bufferAhead(),
      bufferTargetS: this.policy.targetS,
      history: this.history,
      lastIndex: s.rep,
      segmentIndex: s.next,
      totalSegments: s.reps[0].segments.length,
      upcomingSizes: upcoming.length ? upcoming : undefined,
      nowS: performance.now() / 1000,
      rebuffering: this.stallWatch?.rebuffering ?? false,
    });
    return { index: Math.max(0, Math.min(s.reps.length - 1, decision.index)), decision };
  }

  /**
   * Fetch one segment (or init segment), from the best of the sources the manifest offers
   * for it (sources.ts); on a failure the next source is tried at once, and when every one
   * has failed, all again after 1 s and 2 s before the error is final. 'abandoned' when the
   * abandonment rule gave the download up (or a seek/stop aborted it).
   */
  private async fetchInto(s: Stream, urls: string[], range: Representation['segments'][number]['range'], opts: { abandonable?: { lowestBytes: number } } = {}): Promise<Download | 'abandoned'> {
    const now = () => performance.now() / 1000;
    let lastError: unknown;
    for (const pauseS of [0, 1, 2]) {
      if (pauseS) await sleep(pauseS, this.life.signal);
      for (const url of this.sources.order(urls, now())) {
        if (this.life.signal.aborted) return 'abandoned';
        const t0 = now();
        const end = this.sources.begin(url);
        try {
          const got = await this.loadFrom(s, url, range, opts);
          if (got !== 'abandoned' && !got.fromCache) this.sources.succeeded(url, got.bytes.byteLength, got.ttfbS + got.transferS, now());
          return got;
        } catch (err) {
          lastError = err;
          this.sources.failed(url, now());
          // With one source there is nowhere to fail over to: the next attempt is a retry.
          if (urls.length > 1) this.stats_.requests.failovers++;
          this.emit(urls.length > 1 ? 'failover' : 'retry', { url, error: (err as Error).message, afterS: now() - t0 });
        } finally {
          end();
        }
      }
    }
    throw lastError;
  }

  private async loadFrom(s: Stream, url: string, range: Representation['segments'][number]['range'], opts: { abandonable?: { lowestBytes: number } }): Promise<Download | 'abandoned'> {
    const controller = new AbortController();
    s.inflight = controller;
    const stop = () => controller.abort();
    this.life.signal.addEventListener('abort', stop, { once: true });
    try {
      return await load(url, {
        range,
        signal: controller.signal,
        credentials: this.opts.credentials,
        onProgress: opts.abandonable
          ? (loaded, total, elapsedS) => {
              if (total && shouldAbandon({ bytesLoaded: loaded, bytesTotal: total, elapsedS, bufferS: this.bufferAhead(), lowestBytes: opts.abandonable!.lowestBytes, policy: this.policy })) {
                controller.abort();
              }
            }
          : undefined,
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') return 'abandoned';
      throw err;
    } finally {
      this.life.signal.removeEventListener('abort', stop);
      if (s.inflight === controller) s.inflight = undefined;
    }
  }

  private record(d: Download, isVideo: boolean): void {
    const r = this.stats_.requests;
    if (d.status === 304) r.notModified++;
    else if (d.fromCache) r.fromCache++;
    else r.network++;
    r.bytes += d.bytes.byteLength;
    // Only real network transfers of video segments measure the link.
    if (isVideo && !d.fromCache && d.bytes.byteLength > 0) {
      this.history.push({ bytes: d.bytes.byteLength, ttfbS: d.ttfbS, transferS: d.transferS, endS: d.endS, tailBps: d.tailBps });
      if (this.history.length > 100) this.history.shift();
    }
  }

  private async run(s: Stream): Promise<void> {
    const signal = this.life.signal;
    while (!signal.aborted) {
      const total = s.reps[0].segments.length;
      if (s.next >= total) {
        s.done = true;
        if (this.streams.every((x) => x.done) && this.mediaSource?.readyState === 'open') {
          try {
            this.mediaSource.endOfStream();
          } catch {
            // a seek reopened it
          }
        }
        await sleep(0.25, signal);
        continue;
      }
      const segS = s.reps[0].segments[s.next].durationS;
      const ahead = s.buffer.aheadOf(this.video!.currentTime);
      const wait = fetchDelayS(this.policy, ahead, segS);
      if (wait > 0) {
        await sleep(Math.min(wait, 0.5), signal);
        continue;
      }
      const video = this.streams.find((x) => x.type === 'video');
      if (s.type === 'audio' && video && audioWaitsForVideo(this.policy, ahead, video.buffer.aheadOf(this.video!.currentTime), video.done)) {
        // Only a video segment's arrival (or a seek) ends this wait.
        await sleep(0.05, signal);
        continue;
      }
      const { index, decision } = this.choose(s);
      // BOLA asks to wait rather than overfill the buffer with low quality.
      const delay = fetchDelayS(this.policy, ahead, segS, decision?.delayS);
      if (delay > 0) await sleep(Math.min(delay, 1), signal);
      const rep = s.reps[index];
      if (s.type === 'video' && index !== s.rep) {
        const rec: SwitchRecord = {
          atS: (performance.now() - this.t0) / 1000,
          segment: s.next,
          from: s.rep,
          to: index,
          bitrate: rep.bandwidth,
          reason: decision?.reason ?? (this.manual !== undefined ? 'manual' : 'start'),
          estimateBps: decision?.estimateBps,
          bufferS: ahead,
        };
        this.stats_.switches.push(rec);
        this.emit('switch', rec);
      }
      if (decision?.estimateBps) this.stats_.estimateBps = decision.estimateBps;
      if (s.type === 'video' && decision) this.stats_.decision = decision.reason;
      if (s.initFor !== rep.id && rep.init) {
        const init = await this.fetchInto(s, rep.init.urls, rep.init.range);
        if (init === 'abandoned') continue;
        this.record(init, false);
        await s.buffer.append(init.bytes);
        s.initFor = rep.id;
      }
      const segNumber = s.next;
      const seg = rep.segments[segNumber];
      const lowest = this.sizes.get(s.reps[0].id)?.[segNumber] ?? (s.reps[0].bandwidth * seg.durationS) / 8;
      const got = await this.fetchInto(s, seg.urls, seg.range, s.type === 'video' && index > 0 ? { abandonable: { lowestBytes: lowest } } : {});
      if (got === 'abandoned') {
        if (s.next === segNumber && !this.seeking) {
          // Starving: fetch this segment again at the lowest rate.
          this.stats_.requests.abandoned++;
          s.forceLowest = true;
        }
        continue;
      }
      this.record(got, s.type === 'video');
      if (s.next !== segNumber) continue; // a seek moved us while downloading
      s.rep = index;
      s.forceLowest = false;
      await s.buffer.append(got.bytes);
      // A seek during the append has already chosen where to continue: keep its choice.
      if (s.next === segNumber) s.next++;
      this.emit('segment', { type: s.type, number: segNumber + 1, rep: rep.id, bytes: got.bytes.byteLength, fromCache: got.fromCache });
    }
  }

  stats(): PlayerStats {
    const v = this.video;
    if (v) {
      this.stats_.currentTimeS = v.currentTime;
      this.stats_.bufferS = this.streams.length ? this.bufferAhead() : 0;
      const q = v.getVideoPlaybackQuality?.();
      if (q) this.stats_.frames = { dropped: q.droppedVideoFrames, total: q.totalVideoFrames };
    }
    const vs = this.streams.find((s) => s.type === 'video');
    if (vs?.rep !== undefined) {
      const r = vs.reps[vs.rep];
      this.stats_.representation = { index: vs.rep, id: r.id, width: r.width, height: r.height, bandwidth: r.bandwidth };
    }
    this.stats_.sources = this.sources.snapshot();
    if (this.stallWatch) {
      this.stats_.startupS = this.stallWatch.startupS;
      this.stats_.stalls = { ...this.stallWatch.stalls };
      this.stats_.starved = { ...this.stallWatch.starved };
    }
    return structuredClone(this.stats_);
  }

  destroy(): void {
    this.life.abort();
    clearInterval(this.ticker);
    for (const s of this.streams) s.buffer.abort();
    if (this.video) {
      this.video.removeAttribute('src');
      this.video.load();
    }
  }
}

export { LoadError, MpdError };
