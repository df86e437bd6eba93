/**
 * The dashlab player: Media Source Extensions, one SourceBuffer per type (video, audio),
 * our own loader and scheduler, and the ABR library choosing every video segment.
 * This is the composition root of the browser side: defaults come from one place each
 * (ABR_DEFAULTS, BUFFER_DEFAULTS) and are wired here.
 */
// The rules this bundle carries (player-rules.ts): the others (core/abr/registry.ts) and the live session are chunks loaded when needed.
import { ABR_NAMES, createCarriedAbr, DEFAULT_ABR, isCarriedAbr, unknownAbr } from '../../core/abr/player-rules.js';
import type { LearnedPolicy } from '../../core/abr/learned.js';
import { POLICY_FILE } from '../../core/package-format.js';
import type { AbrAlgorithm, ThroughputSample } from '../../core/abr/types.js';
import { dropFrom, repAt, runStream, type LoopContext, type Stream } from './fetch-loop.js';
import { LinkMeter } from './link-meter.js';
import { load, LoadError, type Download } from './loader.js';
import { MediaBuffer } from './media-buffer.js';
import { MpdError, parseMpd, type AdaptationSet, type Manifest, type Representation } from '../../core/mpd/parse.js';
import { BUFFER_DEFAULTS, type BufferPolicy } from '../../core/buffer-policy.js';
import { offerSources } from '../../core/mpd/offer-sources.js';
import type { CmcdReporter } from './cmcd.js';
import { SourcePicker } from './sources.js';
import type { SteeringClient } from './steering.js';
import { gapJumpTarget } from './gap-jump.js';
import { StallWatch } from './stall-watch.js';
import { attachTextTracks, audioTrackOf, pickAudioSet, pickVideoSet, textTrackOf, type AudioTrack, type TextTrackInfo } from './tracks.js';
import { langName } from '../../core/lang.js';
import { thumbnailAt, type Thumbnail } from '../../core/mpd/thumbnails.js';
import type { PlayerOptions, PlayerStats, SwitchRecord } from './types.js';
import type { LiveSession } from './live/session.js';

export type { PlayerOptions, PlayerStats, SwitchRecord };

type Listener = (detail: unknown) => void;

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
  private meter = new LinkMeter();
  /** The page's own downloads before any segment (the manifest, info.json): what the ABR may start from. */
  private firstDownloads: Download[] = [];
  private sources = new SourcePicker();
  private cmcd?: CmcdReporter;
  private steering?: SteeringClient;
  private sizes = new Map<string, number[]>();
  /** Each video segment's SSIM against the source (info.json), by rendition id: the quality on screen. */
  private ssim = new Map<string, number[]>();
  private listeners = new Map<string, Set<Listener>>();
  private life = new AbortController();
  private t0 = 0;
  private stats_: PlayerStats;
  private stallWatch?: StallWatch;
  private seeking = false;
  private ticker?: ReturnType<typeof setInterval>;
  /** Set while playing a dynamic MPD: the live side (live/session.ts). */
  private liveSession?: LiveSession;
  /** A live rule's chunk on its way (setAbr): playback waits for it before the first choice. */
  private abrLoading?: Promise<void>;
  /** The manifest's WebVTT tracks, as <track> elements of the video, by AdaptationSet id. */
  private textElements = new Map<string, HTMLTrackElement>();

  /** The video's learned ABR policy (abr-policy.json beside the MPD), fetched when `learned` is chosen. */
  private learnedPolicy?: LearnedPolicy;
  /** Why the video's abr-policy.json was refused (outdated, corrupt), for the switch log. */
  private policyProblem?: string;
  private policyUrl?: string;
  private policyLoading?: Promise<void>;

  constructor(private readonly opts: PlayerOptions = {}) {
    this.abrName = opts.abr ?? DEFAULT_ABR;
    this.abr = createCarriedAbr(isCarriedAbr(this.abrName) ? this.abrName : DEFAULT_ABR);
    this.policy = { ...BUFFER_DEFAULTS, ...opts.buffer };
    this.stats_ = this.freshStats();
    // A rule the first bundle does not carry loads as a chunk (setAbr); load() waits for it before the first choice.
    if (!isCarriedAbr(this.abrName)) this.setAbr(this.abrName);
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

  on(event: 'manifest' | 'steering' | 'switch' | 'segment' | 'failover' | 'retry' | 'stall' | 'error' | 'ended' | 'stats' | 'live-ended', fn: Listener): () => void {
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

  /**
   * Change the ABR algorithm while playing (a fresh instance: algorithms keep state). A rule the
   * first bundle does not carry (player-rules.ts) loads first, as a chunk of its own; the
   * previous algorithm chooses until it has.
   */
  setAbr(name: string): void {
    // An unknown name throws here, before anything changes.
    if (!ABR_NAMES.includes(name)) throw new Error(unknownAbr(name));
    this.abrName = name;
    this.stats_.abr = name;
    if (isCarriedAbr(name)) {
      this.abr = createCarriedAbr(name);
      return;
    }
    const loading = import('../../core/abr/registry.js').then(
      ({ createAbr }) => {
        if (this.abrName !== name) return;
        this.abr = createAbr(name, { policy: this.learnedPolicy, policyProblem: this.policyProblem });
        if (name === 'learned') void this.loadPolicy();
      },
      (err: Error) => {
        throw new Error(`could not load the ABR rule "${name}" (${err.message}); reload the page, or choose another rule`);
      },
    );
    this.abrLoading = loading;
    // Before playback, load() waits for it and reports the failure; asked while playing, it is reported here.
    loading.catch((err: Error) => {
      if (this.stats_.state !== 'idle' && this.stats_.state !== 'loading') this.fail(err);
    });
  }

  /**
   * Fetch and check the video's learned policy once; `learned` plays as dashlab until it
   * arrives, and without one (not packaged by dashlab, or packaged with --no-abr-policy).
   * One fetch at a time: load() and the rule's chunk arriving both ask for it.
   */
  private loadPolicy(): Promise<void> {
    this.policyLoading ??= this.fetchPolicy().finally(() => (this.policyLoading = undefined));
    return this.policyLoading;
  }

  private async fetchPolicy(): Promise<void> {
    if (this.learnedPolicy || this.policyProblem || !this.policyUrl) return;
    let res: Response;
    try {
      res = await fetch(this.policyUrl, { signal: this.life.signal, credentials: this.opts.credentials });
    } catch {
      return; // unreachable or stopped: dashlab's choices, and the next setAbr('learned') tries again
    }
    if (!res.ok) return; // none (not packaged by dashlab, or with --no-abr-policy): the switch log says so
    let registry: typeof import('../../core/abr/registry.js');
    try {
      registry = await import('../../core/abr/registry.js');
    } catch {
      return; // setAbr's load of the same chunk reports it
    }
    try {
      this.learnedPolicy = registry.checkPolicy(await res.json());
    } catch (err) {
      this.policyProblem = (err as Error).message;
    }
    if (this.abrName === 'learned') this.abr = registry.createAbr('learned', { policy: this.learnedPolicy, policyProblem: this.policyProblem });
  }

  /**
   * Play again from the start, fetching everything anew (a lesson's experiment that goes on:
   * the network panel keeps acting on what is fetched). What was measured stays.
   */
  async restart(): Promise<void> {
    const video = this.video;
    if (!video || !this.mediaSource) return;
    await Promise.all(this.streams.map((s) => dropFrom(s, 0, this.manifest?.durationS ?? 0)));
    video.currentTime = 0;
    await video.play().catch(() => undefined);
  }

  /**
   * Fix the video representation (index into stats().representations), or 'auto'. A fixed
   * choice reaches the screen within about two seconds: the buffer ahead beyond a short margin
   * is replaced, as hls.js's `currentLevel` does; 'auto' keeps the buffer and lets the ABR
   * choose from the next segment on.
   */
  setQuality(index: number | 'auto'): void {
    this.manual = index === 'auto' ? undefined : index;
    this.stats_.manual = this.manual;
    if (this.manual !== undefined) void this.replaceAhead(this.manual).catch((err: Error) => this.emit('error', `switching quality: ${err.message}`));
  }

  /**
   * Drop the video buffered beyond a margin ahead of the playhead that is not at `index`, and
   * fetch it again from there. The cut is at the next segment boundary when one comes within
   * 2 s (no overlap with what plays), else 1 s ahead, where the refetched segment's first
   * frames overlap the old ones (segments start with a keyframe, so the replacement is clean).
   */
  private async replaceAhead(index: number): Promise<void> {
    const s = this.streams.find((x) => x.type === 'video');
    const video = this.video;
    if (!s || !video || !this.mediaSource) return;
    const t = video.currentTime;
    const want = Math.min(index, s.reps.length - 1);
    if (!s.appended.some((a) => a.endS > t + 1 && a.rep !== want)) return; // nothing else ahead
    const boundary = s.reps[want].segments.find((seg) => seg.startS >= t + 0.5);
    const cut = boundary && boundary.startS - t <= 2 ? boundary.startS : t + 1;
    await dropFrom(s, cut, this.manifest?.durationS ?? cut + 3600);
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
      this.firstDownloads.push(res);
      const parsed = parseMpd(new TextDecoder().decode(res.bytes), res.url, new DOMParser());
      const manifest = this.opts.sources?.length ? offerSources(parsed, this.opts.sources) : parsed;
      this.manifest = manifest;
      // Live: the throughput rule unless asked otherwise (the buffer-based rules read a live buffer of a second or two as a crisis).
      if (manifest.type === 'dynamic' && !this.opts.abr) this.setAbr('throughput');
      await this.joinCdn(manifest, mpdUrl);
      this.policyUrl = new URL(POLICY_FILE, mpdUrl).toString();
      // A live channel has no info.json (segment sizes) nor a learned policy beside it.
      if (manifest.type === 'static') await Promise.all([this.loadSizes(mpdUrl), this.abrName === 'learned' ? this.loadPolicy() : undefined]);
      await Promise.all([this.openMediaSource(video, manifest), this.abrLoading]);
      this.emit('manifest', manifest);
      this.startTicker();
      if (manifest.type === 'dynamic') return await this.playLive(video, manifest, mpdUrl);
      const ctx = this.loopContext();
      await Promise.all(this.streams.map((s) => runStream(ctx, s)));
    } catch (err) {
      if (this.life.signal.aborted) return;
      this.fail(err as Error);
    }
  }

  /** The live side: its own fetch loops, clock and catch-up (live/session.ts). */
  private async playLive(video: HTMLVideoElement, manifest: Manifest, mpdUrl: string): Promise<void> {
    const { LiveSession } = await loadPart('live session', () => import('./live/session.js'));
    this.liveSession = new LiveSession({
      video,
      mediaSource: this.mediaSource!,
      manifest,
      mpdUrl,
      signal: this.life.signal,
      credentials: this.opts.credentials,
      streams: this.streams,
      stats: this.stats_,
      history: this.history,
      abr: () => this.abr,
      manual: () => this.manual,
      rebuffering: () => this.stallWatch?.rebuffering ?? false,
      emit: (e, d) => this.emit(e, d),
    });
    await this.liveSession.start();
  }

  /** A live stream: back to the live edge (after a seek back into the window). */
  goLive(): void {
    this.liveSession?.goLive();
  }

  /**
   * A manifest served by a CDN tier (edges named by serviceLocation, or steering): report CMCD
   * unless told otherwise, and follow the steering server (unless the page chose sources).
   */
  private async joinCdn(manifest: Manifest, mpdUrl: string): Promise<void> {
    const cdn = Boolean(manifest.steering) || manifest.baseUrls.some((b) => b.serviceLocation);
    const asked = this.opts.cmcd ?? 'auto';
    const mode = asked === 'auto' ? (cdn ? 'query' : 'off') : asked;
    if (mode !== 'off') {
      const cid = /\/media\/([^/]+)\//.exec(new URL(mpdUrl).pathname)?.[1] ?? manifest.title;
      // CMCD and steering load as chunks of their own: only a CDN's manifest (or a page asking) needs them.
      const { CmcdReporter } = await loadPart('CMCD reporter', () => import('./cmcd.js'));
      this.cmcd = new CmcdReporter(mode, cid, () => ({ bufferS: this.stats_.bufferS, estimateBps: this.stats_.estimateBps, urgent: this.stats_.state !== 'playing', stalls: this.stats_.stalls.count }));
      this.stats_.cmcd = { mode, sid: this.cmcd.sid };
    }
    if (manifest.steering && !this.opts.sources?.length) {
      const { SteeringClient } = await loadPart('Content Steering client', () => import('./steering.js'));
      this.steering = new SteeringClient(manifest.steering, manifest.baseUrls, this.sources, {
        credentials: this.opts.credentials,
        signal: this.life.signal,
        withCmcd: this.cmcd && ((url) => this.cmcd!.steering(url)),
        onAnswer: (m) => {
          this.stats_.steering = { priority: m['PATHWAY-PRIORITY'], ttlS: m.TTL, requests: this.steering?.requests ?? 0 };
          this.emit('steering', m);
        },
      });
      await this.steering.start();
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
      const res = await load(url, { signal: this.life.signal, credentials: this.opts.credentials });
      this.firstDownloads.push(res);
      const info = JSON.parse(new TextDecoder().decode(res.bytes)) as { renditions?: Array<{ id: string; segmentBytes?: number[]; segmentSsim?: number[] }> };
      for (const r of info.renditions ?? []) {
        if (r.segmentBytes) this.sizes.set(r.id, r.segmentBytes);
        if (r.segmentSsim) this.ssim.set(r.id, r.segmentSsim);
      }
    } catch {
      // Not a dashlab origin: plan with bitrate x duration.
    }
  }

  private pickAudio(): AdaptationSet | undefined {
    const playable = this.manifest!.adaptationSets.filter((s) => s.contentType === 'audio' && s.representations.some((r) => this.supported(r)));
    return pickAudioSet(playable, typeof navigator === 'undefined' ? [] : navigator.languages, this.opts.audio);
  }

  /** The seek-bar picture for a time (the manifest's DASH-IF thumbnail track), if it has one. */
  thumbnailAt(t: number): Thumbnail | undefined {
    return this.manifest ? thumbnailAt(this.manifest, t) : undefined;
  }

  /** The text tracks (subtitles, captions), and the one showing. */
  textTracks(): { tracks: TextTrackInfo[]; current?: string } {
    const sets = this.manifest?.adaptationSets.filter((s) => this.textElements.has(s.id)) ?? [];
    const showing = [...this.textElements].find(([, el]) => el.track.mode === 'showing')?.[0];
    return { tracks: sets.map(textTrackOf), current: showing };
  }

  /** Show one text track (its set id), or none ('off'). */
  setText(id: string | 'off'): void {
    if (id !== 'off' && !this.textElements.has(id)) throw new Error(`no text track "${id}"`);
    for (const [setId, el] of this.textElements) el.track.mode = setId === id ? 'showing' : 'disabled';
  }

  /** The audio tracks this browser can play (one per language and role), and the one playing. */
  audioTracks(): { tracks: AudioTrack[]; current?: string } {
    const sets = this.manifest?.adaptationSets.filter((s) => s.contentType === 'audio' && s.representations.some((r) => this.supported(r))) ?? [];
    return { tracks: sets.map(audioTrackOf), current: this.stats_.audio?.id };
  }

  /**
   * Switch the audio track while playing: the audio buffered beyond AUDIO_SWITCH_MARGIN_S ahead is replaced by
   * the new track's (audio frames are all sync points, so the cut may fall mid-segment), with
   * the video untouched, so the switch is heard at once and nothing stalls.
   */
  async setAudio(id: string): Promise<void> {
    const set = this.manifest?.adaptationSets.find((x) => x.id === id && x.contentType === 'audio');
    const s = this.streams.find((x) => x.type === 'audio');
    if (!set || !s || !this.video) throw new Error(`no audio track "${id}"`);
    const reps = set.representations.filter((r) => this.supported(r));
    if (!reps.length) throw new Error(`this browser cannot play audio track "${id}"`);
    const was = s.reps[0];
    if (reps[0].codecs !== was.codecs || reps[0].mimeType !== was.mimeType) s.buffer.changeType(`${reps[0].mimeType}; codecs="${reps[0].codecs}"`);
    s.reps = reps;
    s.rep = undefined;
    s.initFor = undefined;
    this.stats_.audio = audioTrackOf(set);
    await dropFrom(s, this.video.currentTime + AUDIO_SWITCH_MARGIN_S, this.manifest?.durationS ?? 0);
  }

  private supported(r: Representation): boolean {
    return typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported(`${r.mimeType}; codecs="${r.codecs}"`);
  }

  private async openMediaSource(video: HTMLVideoElement, manifest: Manifest): Promise<void> {
    const videoSet = await pickVideoSet(manifest.adaptationSets.filter((s) => s.contentType === 'video' && s.representations.some((r) => this.supported(r))), this.opts.codec);
    if (!videoSet) {
      const codecs = manifest.adaptationSets.flatMap((s) => s.representations.map((r) => r.codecs)).join(', ');
      throw new MpdError(`this browser cannot play any video representation of the manifest (codecs: ${codecs || 'none'})`);
    }
    const audioSet = this.pickAudio();
    if (audioSet) this.stats_.audio = audioTrackOf(audioSet);
    this.textElements = attachTextTracks(video, manifest.adaptationSets.filter((s) => s.contentType === 'text'), (t) => t.label ?? langName(t.lang, typeof navigator === 'undefined' ? undefined : navigator.language));
    const ms = new MediaSource();
    this.mediaSource = ms;
    video.src = URL.createObjectURL(ms);
    await new Promise<void>((resolve) => ms.addEventListener('sourceopen', () => resolve(), { once: true }));
    ms.duration = manifest.durationS; // Infinity for a live stream still going
    for (const [type, set] of [['video', videoSet], ['audio', audioSet]] as const) {
      if (!set) continue;
      const reps = set.representations.filter((r) => this.supported(r));
      // SegmentBase: read each representation's segment index (sidx) before playing.
      await Promise.all(
        reps.filter((r) => r.segmentBase).map(async (r) => {
          const idx = await load(r.segmentBase!.urls[0], { range: r.segmentBase!.indexRange, signal: this.life.signal, credentials: this.opts.credentials });
          const { applySidx } = await loadPart('segment index reader', () => import('./sidx.js'));
          await applySidx(r, idx.bytes);
        }),
      );
      const first = reps[0];
      const sb = ms.addSourceBuffer(`${first.mimeType}; codecs="${first.codecs}"`);
      this.streams.push({ type, reps, buffer: new MediaBuffer(sb, video), next: 0, rep: undefined, initFor: undefined, done: false, epoch: 0, appended: [] });
    }
    this.stats_.representations = this.streams[0].reps.map((r, index) => ({ index, id: r.id, width: r.width, height: r.height, bandwidth: r.bandwidth }));
    this.stats_.durationS = manifest.durationS;
    this.stats_.codec = (videoSet.representations[0]?.codecs ?? '').split('.')[0];
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
      if (this.opts.loop) void this.restart();
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
      // Also while seeking: a seek that landed just before its media never completes on its own.
      if (v.readyState < 3) {
        const to = gapJumpTarget(v.buffered, v.currentTime);
        if (to !== undefined) v.currentTime = to;
      }
      this.liveSession?.tick();
      this.emit('stats', this.stats());
    }, 250);
  }

  private onSeek(t: number): void {
    if (this.liveSession) return this.liveSession.onSeek(t);
    for (const s of this.streams) {
      s.epoch++;
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

  /** The fetch loop's view of this player (fetch-loop.ts). */
  private loopContext(): LoopContext {
    this.stats_.startHintBps = startHint(this.firstDownloads);
    return {
      policy: this.policy,
      signal: this.life.signal,
      credentials: this.opts.credentials,
      sources: this.sources,
      cmcd: this.cmcd,
      sizes: this.sizes,
      ssim: this.ssim,
      history: this.history,
      meter: this.meter,
      stats: this.stats_,
      t0: this.t0,
      streams: () => this.streams,
      abr: () => this.abr,
      manual: () => this.manual,
      currentTime: () => this.video!.currentTime,
      bufferAhead: () => this.bufferAhead(),
      seeking: () => this.seeking,
      durationS: this.manifest?.durationS ?? 0,
      startHintBps: this.stats_.startHintBps,
      rebuffering: () => this.stallWatch?.rebuffering ?? false,
      endOfStream: () => {
        if (this.mediaSource?.readyState !== 'open') return;
        try {
          this.mediaSource.endOfStream();
        } catch {
          // a seek reopened it
        }
      },
      emit: (event, detail) => this.emit(event, detail),
    };
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
      const describe = (i: number) => ({ index: i, id: vs.reps[i].id, width: vs.reps[i].width, height: vs.reps[i].height, bandwidth: vs.reps[i].bandwidth });
      // On screen: what was appended for the media time playing now; fetching: the latest download's.
      this.stats_.representation = describe(repAt(vs, v?.currentTime ?? 0) ?? vs.rep);
      const shown = vs.reps[this.stats_.representation.index];
      const k = shown.segments.findIndex((seg) => (v?.currentTime ?? 0) < seg.startS + seg.durationS);
      const ssim = this.ssim.get(shown.id)?.[k];
      if (ssim !== undefined) this.stats_.representation.ssim = ssim;
      this.stats_.fetching = describe(vs.rep);
    }
    if (!this.liveSession) this.stats_.estimateBps = this.meter.estimateBps(); // live: the session's chunk-aware samples
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
    for (const el of this.textElements.values()) el.remove();
    if (this.video) {
      this.video.removeAttribute('src');
      this.video.load();
    }
  }
}

export { LoadError, MpdError };

/** Audio kept ahead of the playhead when the track changes: time to fetch the new track's init and segment before the old runs out. */
const AUDIO_SWITCH_MARGIN_S = 1;

/** A part of the player that loads as a chunk of its own; a failed load says which part, and what to do. */
async function loadPart<T>(part: string, get: () => Promise<T>): Promise<T> {
  try {
    return await get();
  } catch (err) {
    throw new Error(`could not load the player's ${part} (${(err as Error).message}); reload the page`);
  }
}

/**
 * What the page's first downloads (the manifest, info.json) say of the link: all their bytes
 * over all their time, the time to first byte included, halved. A few kilobytes, so a figure
 * dominated by round trips, which reads low on a distant link (475 kbit/s for the pair on a
 * 500 kbit/s link with 80 ms); but a shaped link lets its first kilobyte or two through at once
 * (its banked burst), which reads high on a slow one (1195 kbit/s on 500 kbit/s without delay):
 * hence half. A cache hit says nothing and is left out.
 */
function startHint(downloads: Download[]): number | undefined {
  let bits = 0;
  let seconds = 0;
  for (const d of downloads) {
    if (d.fromCache || d.status !== 200) continue;
    bits += d.bytes.byteLength * 8;
    seconds += d.ttfbS + d.transferS;
  }
  return bits > 0 && seconds > 0 ? bits / seconds / 2 : undefined;
}
