/**
 * The engines (core/players.ts) behind one face for the watch page and automation: ours,
 * dash.js (plays the MPD) and hls.js (plays master.m3u8 over the same segments). dash.js and
 * hls.js are loaded only when chosen. `ENGINE_STARTERS` has one entry per engine: the
 * compiler asks for a starter when an engine is added to core/players.ts.
 */
import { engineRules, type EngineName, type WatchConfig } from '../../core/players.js';
import { bufferedAhead, StallWatch, type StallEvent } from '../engine/stall-watch.js';
import type { DashlabPlayer, PlayerStats, SwitchRecord } from '../index.js';
import type { AudioTrack, TextTrackInfo } from '../engine/tracks.js';
import type { Thumbnail } from '../../core/mpd/thumbnails.js';

export type { EngineName };

export interface EngineView {
  engine: EngineName;
  stats(): PlayerStats;
  on(event: 'switch' | 'error' | 'stall' | 'ended', fn: (detail: unknown) => void): void;
  setQuality(index: number | 'auto'): void;
  setAbr?(name: string): void;
  /** Play again from the start (ours fetches everything anew; dash.js and hls.js seek to 0). */
  restart(): void;
  /** The audio tracks (languages, roles) and the one playing, as this engine lists them. */
  audioTracks(): { tracks: AudioTrack[]; current?: string };
  /** Switch the audio track while playing. */
  setAudio(id: string): void;
  /** The text tracks (subtitles, captions) and the one showing. */
  textTracks(): { tracks: TextTrackInfo[]; current?: string };
  /** Show a text track, or none. */
  setText(id: string | 'off'): void;
  /** The seek-bar picture for a time, where the engine reads the package's thumbnail track. */
  thumbnailAt(t: number): Promise<Thumbnail | undefined>;
  /** A live stream: back to the live edge (at the engine's target latency). */
  goLive(): void;
  /** The underlying player object (DashlabPlayer, dash.js MediaPlayer or Hls). */
  raw: unknown;
}

/** Stalls, startup and frames from the video element, for the engines that do not count them our way. */
class VideoWatch {
  state: PlayerStats['state'] = 'loading';
  private readonly stalls: StallWatch;
  private readonly t0 = performance.now();
  constructor(private readonly video: HTMLVideoElement, onStall: (e: StallEvent) => void) {
    this.stalls = new StallWatch(video, {
      now: () => (performance.now() - this.t0) / 1000,
      ignore: () => video.seeking,
      onStall: (e) => {
        this.state = 'stalled';
        onStall(e);
      },
    });
    video.addEventListener('playing', () => (this.state = 'playing'));
    video.addEventListener('pause', () => {
      if (!video.ended) this.state = 'paused';
    });
    video.addEventListener('ended', () => (this.state = 'ended'));
  }
  base(): PlayerStats {
    const q = this.video.getVideoPlaybackQuality?.();
    return {
      state: this.state,
      abr: 'built-in',
      manual: undefined,
      representations: [],
      bufferS: bufferedAhead(this.video),
      currentTimeS: this.video.currentTime,
      durationS: Number.isFinite(this.video.duration) ? this.video.duration : 0,
      startupS: this.stalls.startupS,
      stalls: { ...this.stalls.stalls },
      starved: { ...this.stalls.starved },
      frames: { dropped: q?.droppedVideoFrames ?? 0, total: q?.totalVideoFrames ?? 0 },
      requests: { network: 0, fromCache: 0, notModified: 0, abandoned: 0, bytes: 0, failovers: 0 },
      sources: [],
      switches: [],
    };
  }
}

type Listeners = Map<string, Set<(d: unknown) => void>>;
const emitter = () => {
  const l: Listeners = new Map();
  return {
    on: (e: string, fn: (d: unknown) => void) => {
      if (!l.has(e)) l.set(e, new Set());
      l.get(e)!.add(fn);
    },
    emit: (e: string, d: unknown) => l.get(e)?.forEach((fn) => fn(d)),
  };
};

/**
 * How an engine starts playing the page's manifest (`cfg.src`, or `cfg.hls` for HLS engines);
 * `ourPlayer` loads the embeddable player's bundle, for ours.
 */
export type EngineStarter = (video: HTMLVideoElement, cfg: WatchConfig, ourPlayer: () => Promise<typeof DashlabPlayer>) => Promise<EngineView>;

export const ENGINE_STARTERS: Record<EngineName, EngineStarter> = {
  dashlab: async (video, cfg, ourPlayer) => startDashlab(video, cfg, await ourPlayer()),
  dashjs: (video, cfg) => startDashjs(video, cfg.src, cfg.cdn, engineRules('dashjs').includes(cfg.abr) ? cfg.abr : undefined),
  hlsjs: (video, cfg) => {
    if (!cfg.hls) throw new Error('hls.js needs an HLS playlist: this source has none');
    return startHlsjs(video, cfg.hls);
  },
};

async function startDashlab(video: HTMLVideoElement, cfg: WatchConfig, PlayerClass: typeof DashlabPlayer): Promise<EngineView> {
  const player = new PlayerClass({ abr: cfg.abr, sources: cfg.sources, credentials: cfg.credentials, codec: cfg.codec }).attach(video);
  const ev = emitter();
  player.on('error', (d) => ev.emit('error', d));
  if (cfg.quality !== undefined) player.setQuality(cfg.quality); // before the first segment is chosen
  void player.load(cfg.src);
  return {
    engine: 'dashlab',
    stats: () => player.stats(),
    on: (e, fn) => (e === 'error' ? ev.on(e, fn) : void player.on(e, fn)),
    setQuality: (i) => player.setQuality(i),
    setAbr: (n) => player.setAbr(n),
    restart: () => void player.restart(),
    audioTracks: () => player.audioTracks(),
    textTracks: () => player.textTracks(),
    setText: (id) => player.setText(id),
    thumbnailAt: async (t) => player.thumbnailAt(t),
    setAudio: (id) => void player.setAudio(id).catch((err: Error) => ev.emit('error', `switching audio: ${err.message}`)),
    goLive: () => player.goLive(),
    raw: player,
  };
}

/** dash.js's view of an AdaptationSet (its MediaInfo), as far as the audio menu reads it. */
interface DashjsTrack {
  id?: string | null;
  index?: number;
  lang?: string;
  roles?: Array<string | { value?: string }>;
  labels?: Array<string | { text?: string }>;
}

const dashjsTrack = (t: DashjsTrack): AudioTrack => {
  const role = t.roles?.map((r) => (typeof r === 'string' ? r : r.value)).find(Boolean) ?? 'main';
  const label = t.labels?.map((l) => (typeof l === 'string' ? l : l.text)).find(Boolean);
  return { id: String(t.id ?? t.index ?? ''), lang: t.lang || 'und', role, ...(label ? { label } : {}) };
};

/** Requests a reference engine reports through its own events (theirs, not ours: counted as they tell). */
class RequestCounter {
  readonly requests: PlayerStats['requests'] = { network: 0, fromCache: 0, notModified: 0, abandoned: 0, bytes: 0, failovers: 0 };
  /** The newest video segment each representation index was fetched for. */
  readonly lastSegment = new Map<number, number>();
  fetching?: number;
  count(bytes: number, video: { rep: number; segment: number } | undefined): void {
    this.requests.network++;
    this.requests.bytes += bytes;
    if (video) {
      this.fetching = video.rep;
      this.lastSegment.set(video.rep, video.segment);
    }
  }
}

/**
 * dash.js's own low-latency rules, alone (its other rules off, as its L2A and LoL+ samples run
 * them; LoL+ with its own catch-up mode): the baselines of the live comparison.
 */
const DASHJS_RULES: Record<string, object> = {
  l2a: { abr: { rules: { throughputRule: { active: false }, bolaRule: { active: false }, insufficientBufferRule: { active: false }, switchHistoryRule: { active: false }, droppedFramesRule: { active: false }, abandonRequestsRule: { active: false }, l2ARule: { active: true }, loLPRule: { active: false } } } },
  lolp: { abr: { rules: { throughputRule: { active: false }, bolaRule: { active: false }, insufficientBufferRule: { active: false }, switchHistoryRule: { active: false }, droppedFramesRule: { active: false }, abandonRequestsRule: { active: false }, l2ARule: { active: false }, loLPRule: { active: true } } }, liveCatchup: { mode: 'liveCatchupModeLoLP' } },
};

async function startDashjs(video: HTMLVideoElement, mpdUrl: string, cdn?: string, rule?: string): Promise<EngineView> {
  const dashjs = (await import('dashjs')) as unknown as { MediaPlayer: () => { create: () => any }; MediaPlayer_events?: unknown };
  const player = dashjs.MediaPlayer().create();
  if (rule) player.updateSettings({ streaming: DASHJS_RULES[rule] });
  // From a CDN tier: CMCD as the query argument (the edges log it) and CMSD read, as our player does.
  if (cdn) player.updateSettings({ streaming: { cmcd: { enabled: true, mode: 'query' }, cmsd: { enabled: true } } });
  const ev = emitter();
  const watch = new VideoWatch(video, (e) => ev.emit('stall', e));
  const switches: SwitchRecord[] = [];
  const counter = new RequestCounter();
  const t0 = performance.now();
  // An absolute URL: dash.js's CMCD controller builds `new URL(request.url)` from every
  // request's URL, and a relative one threw "Failed to construct 'URL'" on each response.
  player.initialize(video, new URL(mpdUrl, location.href).href, true);
  const reps = () => (player.getRepresentationsByType?.('video') ?? []) as Array<{ bandwidth: number; width?: number; height?: number; id: string }>;
  const indexOf = (id: string | undefined) => reps().findIndex((r) => r.id === id);
  player.on('fragmentLoadingCompleted', (e: { request?: { mediaType?: string; type?: string; bytesLoaded?: number; index?: number; representation?: { id?: string } } }) => {
    const r = e.request;
    if (!r) return;
    const isVideoSegment = r.mediaType === 'video' && r.type === 'MediaSegment' && typeof r.index === 'number';
    counter.count(r.bytesLoaded ?? 0, isVideoSegment ? { rep: indexOf(r.representation?.id), segment: r.index! } : undefined);
  });
  player.on('qualityChangeRendered', (e: { mediaType: string; newRepresentation?: { bandwidth: number; id: string } }) => {
    if (e.mediaType !== 'video') return;
    const to = indexOf(e.newRepresentation?.id);
    const rec: SwitchRecord = { atS: (performance.now() - t0) / 1000, segment: counter.lastSegment.get(to) ?? -1, from: switches.at(-1)?.to, to, bitrate: e.newRepresentation?.bandwidth ?? 0, reason: rule ? `dash.js ABR (${rule})` : 'dash.js ABR', bufferS: bufferedAhead(video) };
    switches.push(rec);
    ev.emit('switch', rec);
  });
  player.on('error', (e: { error?: { message?: string } }) => ev.emit('error', e.error?.message ?? 'dash.js error'));
  return {
    engine: 'dashjs',
    stats: () => {
      const s = watch.base();
      const list = reps();
      s.abr = rule ? `dash.js ${rule}` : 'dash.js';
      s.representations = list.map((r, index) => ({ index, id: r.id, width: r.width, height: r.height, bandwidth: r.bandwidth }));
      const cur = player.getCurrentRepresentationForType?.('video') as { id: string } | undefined;
      const idx = cur ? list.findIndex((r) => r.id === cur.id) : -1;
      if (idx >= 0) s.representation = s.representations[idx];
      if (counter.fetching !== undefined && counter.fetching >= 0) s.fetching = s.representations[counter.fetching];
      const tput = Number(player.getAverageThroughput?.('video') ?? NaN);
      if (Number.isFinite(tput) && tput > 0) s.estimateBps = tput * 1000;
      s.requests = { ...counter.requests };
      s.switches = switches.slice();
      if (player.isDynamic?.()) s.live = dashjsLive(player, video);
      return s;
    },
    on: ev.on,
    goLive: () => (player.seekToOriginalLive ? player.seekToOriginalLive() : player.seek(player.duration())),
    setQuality: (i) => {
      if (i === 'auto') player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: true } } } });
      else {
        player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: false } } } });
        const r = reps()[i];
        if (r) player.setRepresentationForTypeById?.('video', r.id);
      }
    },
    restart: () => {
      player.seek(0);
      player.play();
    },
    ...dashjsTracks(player),
    raw: player,
  };
}

async function startHlsjs(video: HTMLVideoElement, m3u8Url: string): Promise<EngineView> {
  const { default: Hls } = (await import('hls.js')) as unknown as { default: any };
  const hls = new Hls();
  const ev = emitter();
  const watch = new VideoWatch(video, (e) => ev.emit('stall', e));
  const switches: SwitchRecord[] = [];
  const t0 = performance.now();
  const counter = new RequestCounter();
  hls.on(Hls.Events.FRAG_LOADED, (_e: unknown, data: { frag?: { type?: string; sn?: number | string; level?: number; stats?: { loaded?: number } } }) => {
    const f = data.frag;
    if (!f) return;
    const isVideo = f.type === 'main' && typeof f.sn === 'number' && typeof f.level === 'number';
    // hls.js numbers segments from the playlist's media sequence (0 here): segment sn is the (sn + 1)th.
    counter.count(f.stats?.loaded ?? 0, isVideo ? { rep: f.level!, segment: f.sn as number } : undefined);
  });
  hls.on(Hls.Events.LEVEL_SWITCHED, (_e: unknown, data: { level: number }) => {
    const lvl = hls.levels[data.level];
    const rec: SwitchRecord = { atS: (performance.now() - t0) / 1000, segment: counter.lastSegment.get(data.level) ?? -1, from: switches.at(-1)?.to, to: data.level, bitrate: lvl?.bitrate ?? 0, reason: 'hls.js ABR', bufferS: bufferedAhead(video) };
    switches.push(rec);
    ev.emit('switch', rec);
  });
  hls.on(Hls.Events.ERROR, (_e: unknown, data: { fatal: boolean; details: string }) => {
    if (data.fatal) ev.emit('error', `hls.js: ${data.details}`);
  });
  hls.loadSource(m3u8Url);
  hls.attachMedia(video);
  void video.play().catch(() => undefined);
  return {
    engine: 'hlsjs',
    stats: () => {
      const s = watch.base();
      s.abr = 'hls.js';
      const levels = (hls.levels ?? []) as Array<{ bitrate: number; width: number; height: number }>;
      s.representations = levels.map((l, index) => ({ index, id: String(index), width: l.width, height: l.height, bandwidth: l.bitrate }));
      if (hls.currentLevel >= 0) s.representation = s.representations[hls.currentLevel];
      if (hls.bandwidthEstimate) s.estimateBps = hls.bandwidthEstimate;
      if (counter.fetching !== undefined) s.fetching = s.representations[counter.fetching];
      s.requests = { ...counter.requests };
      s.switches = switches.slice();
      if (hls.levels?.[0]?.details?.live) s.live = hlsjsLive(hls, video);
      return s;
    },
    on: ev.on,
    goLive: () => {
      if (Number.isFinite(hls.liveSyncPosition)) video.currentTime = hls.liveSyncPosition;
    },
    setQuality: (i) => {
      hls.currentLevel = i === 'auto' ? -1 : i;
    },
    restart: () => {
      video.currentTime = 0;
      void video.play().catch(() => undefined);
    },
    ...hlsjsTracks(hls),
    raw: hls,
  };
}

/** dash.js's live figures through its API (latency from its own clock sync and the MPD's). */
function dashjsLive(player: any, video: HTMLVideoElement): NonNullable<PlayerStats['live']> {
  const dvr = player.getDvrWindow?.() as { start?: number; end?: number } | undefined;
  const latency = Number(player.getCurrentLiveLatency?.());
  const target = Number(player.getTargetLiveDelay?.());
  return {
    latencyS: Number.isFinite(latency) ? latency : undefined,
    targetLatencyS: Number.isFinite(target) ? target : NaN,
    playbackRate: video.playbackRate,
    edgeS: dvr?.end ?? NaN,
    windowStartS: dvr?.start ?? NaN,
    atEdge: Number.isFinite(latency) && Number.isFinite(target) ? latency < target + 3 : true,
    ended: false,
    clockOffsetMs: 0,
  };
}

/** hls.js's live figures (latency from EXT-X-PROGRAM-DATE-TIME and its own edge). */
function hlsjsLive(hls: any, video: HTMLVideoElement): NonNullable<PlayerStats['live']> {
  const details = hls.levels?.[hls.currentLevel >= 0 ? hls.currentLevel : 0]?.details;
  const end = Number(details?.edge ?? NaN);
  return {
    latencyS: Number.isFinite(hls.latency) ? hls.latency : undefined,
    targetLatencyS: Number(hls.targetLatency ?? NaN),
    playbackRate: video.playbackRate,
    edgeS: end,
    windowStartS: Number(details?.fragments?.[0]?.start ?? NaN),
    atEdge: !(hls.latency > (hls.targetLatency ?? 0) + 3),
    ended: Boolean(details && !details.live),
    clockOffsetMs: 0,
  };
}

type TrackViews = Pick<EngineView, 'audioTracks' | 'setAudio' | 'textTracks' | 'setText' | 'thumbnailAt'>;

/** dash.js's audio, text and thumbnail tracks through its own API. */
function dashjsTracks(player: any): TrackViews {
  return {
    audioTracks: () => {
      const tracks = (player.getTracksFor?.('audio') ?? []) as DashjsTrack[];
      const cur = player.getCurrentTrackFor?.('audio') as DashjsTrack | undefined;
      return { tracks: tracks.map(dashjsTrack), current: cur ? dashjsTrack(cur).id : undefined };
    },
    setAudio: (id) => {
      const t = ((player.getTracksFor?.('audio') ?? []) as DashjsTrack[]).find((x) => dashjsTrack(x).id === id);
      if (t) player.setCurrentTrack(t);
    },
    textTracks: () => {
      const tracks = ((player.getTracksFor?.('text') ?? []) as DashjsTrack[]).map((t) => ({ ...dashjsTrack(t), role: dashjsTrack(t).role === 'main' ? 'subtitle' : dashjsTrack(t).role }));
      const idx = Number(player.getCurrentTextTrackIndex?.() ?? -1);
      return { tracks, current: idx >= 0 && tracks[idx] ? tracks[idx].id : undefined };
    },
    setText: (id) => {
      const tracks = ((player.getTracksFor?.('text') ?? []) as DashjsTrack[]).map(dashjsTrack);
      const idx = id === 'off' ? -1 : tracks.findIndex((t) => t.id === id);
      player.enableText?.(idx >= 0);
      player.setTextTrack(idx);
    },
    // dash.js's own thumbnail API, reading our DASH-IF image set.
    thumbnailAt: (t) =>
      new Promise((resolve) => {
        if (typeof player.provideThumbnail !== 'function') return resolve(undefined);
        player.provideThumbnail(t, (th: { url: string; x: number; y: number; width: number; height: number } | null) => {
          if (!th?.url) return resolve(undefined);
          const rep = (player.getTracksFor?.('image') ?? [])[0]?.representations?.[0] as { width?: number; height?: number } | undefined;
          resolve({ url: th.url, x: th.x, y: th.y, width: th.width, height: th.height, tileWidth: rep?.width ?? th.width * 5, tileHeight: rep?.height ?? th.height * 5 }); // no size in the manifest: a 5x5 tile, as dashlab makes them
        });
      }),
  };
}

/** hls.js's audio and subtitle tracks through its own API. */
function hlsjsTracks(hls: any): TrackViews {
  return {
    audioTracks: () => {
      const tracks = (hls.audioTracks ?? []) as Array<{ name: string; lang?: string; default?: boolean; autoselect?: boolean }>;
      return {
        tracks: tracks.map((t, i) => ({ id: String(i), lang: t.lang || 'und', role: t.default ? 'main' : t.autoselect === false ? 'commentary' : 'alternate', label: t.name })),
        current: hls.audioTrack >= 0 ? String(hls.audioTrack) : undefined,
      };
    },
    setAudio: (id) => {
      hls.audioTrack = Number(id);
    },
    textTracks: () => {
      const tracks = (hls.subtitleTracks ?? []) as Array<{ name: string; lang?: string; characteristics?: string }>;
      return {
        tracks: tracks.map((t, i) => ({ id: String(i), lang: t.lang || 'und', role: t.characteristics?.includes('transcribes-spoken-dialog') ? 'caption' : 'subtitle', label: t.name })),
        current: hls.subtitleTrack >= 0 && hls.subtitleDisplay ? String(hls.subtitleTrack) : undefined,
      };
    },
    setText: (id) => {
      hls.subtitleDisplay = id !== 'off';
      hls.subtitleTrack = id === 'off' ? -1 : Number(id);
    },
    // HLS has no standard image track (the package's thumbnails.vtt is for players that read one).
    thumbnailAt: async () => undefined,
  };
}
