/**
 * The player's fetch loop: for each stream (video, audio), wait for room in its buffer
 * (core/buffer-policy.ts, the rule the simulator follows too), ask the ABR, fetch the segment
 * from the best source (sources.ts), abandon a download that would starve the buffer, append,
 * and go on. DashlabPlayer (player.ts) owns the state; the loop sees it through a LoopContext.
 */
import type { AbrAlgorithm, AbrDecision, ThroughputSample } from '../../core/abr/index.js';
import { audioWaitsForVideo, fetchDelayS, shouldAbandon, type BufferPolicy } from '../../core/buffer-policy.js';
import type { Representation } from '../../core/mpd/parse.js';
import type { LinkMeter } from './link-meter.js';
import { load, type Download } from './loader.js';
import type { MediaBuffer } from './media-buffer.js';
import type { PlayerStats, SwitchRecord } from './types.js';
import type { CmcdObject, CmcdReporter } from './cmcd.js';
import type { SourcePicker } from './sources.js';

export interface Stream {
  type: 'video' | 'audio';
  reps: Representation[];
  buffer: MediaBuffer;
  next: number;
  rep: number | undefined;
  initFor: string | undefined;
  inflight?: AbortController;
  done: boolean;
  /** After an abandoned download: fetch that segment again at this representation (the lowest, or where the algorithm's own rule said). */
  forceTo?: number;
  /** What the abandonment rule chose while a download was given up, and whether it was the algorithm's own rule. */
  abandonTo?: number;
  abandonByAlgorithm?: boolean;
  /** Bumped by a seek or a replacement of the buffer ahead: a download begun before is dropped. */
  epoch: number;
  /** What is in the buffer, segment by segment (media time, representation), to tell what is on screen. */
  appended: Array<{ startS: number; endS: number; rep: number }>;
}

/** Note a segment appended: it replaces whatever was recorded over the same media time. */
export function noteAppended(s: Stream, startS: number, endS: number, rep: number): void {
  s.appended = s.appended.filter((a) => a.endS <= startS + 0.01 || a.startS >= endS - 0.01);
  s.appended.push({ startS, endS, rep });
  s.appended.sort((a, b) => a.startS - b.startS);
}

/**
 * Drop the stream's buffer from `cut` (a time) on and fetch again from the segment holding it:
 * a download under way is given up, what was recorded as appended is trimmed. (A removal from
 * an ended MediaSource opens it again; the loop ends it again when all is in.)
 */
export async function dropFrom(s: Stream, cut: number, durationS: number): Promise<void> {
  const segments = s.reps[0].segments;
  let k = segments.findIndex((seg) => seg.startS + seg.durationS > cut + 1e-3);
  if (k < 0) k = segments.length;
  s.epoch++;
  s.inflight?.abort();
  s.next = k;
  s.done = k >= segments.length;
  s.forceTo = undefined;
  s.appended = s.appended.filter((a) => a.startS < cut).map((a) => ({ ...a, endS: Math.min(a.endS, cut) }));
  await s.buffer.remove(cut, Math.max(durationS, cut + 1));
}

/**
 * After a large rise (the ABR now chooses at least two rungs above what is buffered ahead),
 * the buffer past a safe point is fetched again at the new quality, so that it reaches the
 * screen in seconds instead of after the whole buffer of low quality has played (28 s after
 * a step from 0.5 to 20 Mbit/s, measured). Safe: the point is the first buffered segment that
 * starts at least 2 s, and twice its replacement's download time at the link's measured rate,
 * ahead of the playhead, and only with the buffer above its low-water mark. The simulator does not model this (it keeps
 * no record of what is buffered at which quality): docs/lab.md says where the two part.
 */
async function replaceOnRise(ctx: LoopContext, s: Stream, index: number, decision: AbrDecision | undefined): Promise<boolean> {
  if (s.type !== 'video' || !ctx.abr().replacesOnRise || ctx.manual() !== undefined || s.forceTo !== undefined || !decision?.estimateBps) return false;
  const t = ctx.currentTime();
  if (ctx.bufferAhead() <= ctx.policy.lowWaterS) return false;
  const link = ctx.meter.estimateBps() ?? decision.estimateBps;
  const rep = s.reps[index];
  // The first buffered segment far enough ahead for its replacement to arrive in time.
  const from = s.appended.find((a) => {
    const k = rep.segments.findIndex((seg) => Math.abs(seg.startS - a.startS) < 1e-3);
    const bytes = ctx.sizes.get(rep.id)?.[k] ?? (rep.bandwidth * (a.endS - a.startS)) / 8;
    return k >= 0 && a.startS - t >= Math.max(2, (2 * bytes * 8) / link);
  });
  if (!from || !s.appended.some((a) => a.startS >= from.startS && a.rep <= index - 2)) return false;
  await dropFrom(s, from.startS, ctx.durationS);
  ctx.emit('replace', { fromS: from.startS, to: index });
  return true;
}

/** The representation of the media at time t, as appended (undefined: nothing there). */
export const repAt = (s: Stream, t: number) => s.appended.find((a) => a.startS <= t + 1e-3 && t < a.endS)?.rep;

/** What the loop reads and changes of the player. */
export interface LoopContext {
  readonly policy: BufferPolicy;
  readonly signal: AbortSignal;
  readonly credentials?: RequestCredentials;
  readonly sources: SourcePicker;
  /** CMCD with each request (cmcd.ts), when the player sends it. */
  readonly cmcd?: CmcdReporter;
  /** Segment sizes by representation id (info.json), when the origin gives them. */
  readonly sizes: Map<string, number[]>;
  /** Each representation's SSIM per segment (info.json segmentSsim), where measured. */
  readonly ssim?: Map<string, number[]>;
  /** Throughput samples: real network transfers of video segments. */
  readonly history: ThroughputSample[];
  /** Every transfer of every stream: the link's rate, as the page shows it. */
  readonly meter: LinkMeter;
  /** The stats record the loop keeps current (requests, switches, the estimate). */
  readonly stats: PlayerStats;
  readonly t0: number;
  streams(): Stream[];
  abr(): AbrAlgorithm;
  manual(): number | undefined;
  currentTime(): number;
  /** Media buffered ahead in every stream: what the ABR is told. */
  bufferAhead(): number;
  seeking(): boolean;
  rebuffering(): boolean;
  /** The presentation's length, s (the end of a removal from the buffer). */
  readonly durationS: number;
  /** What the page's first downloads measured (AbrContext.startHintBps). */
  readonly startHintBps?: number;
  /** Every stream has every segment: end the MediaSource. */
  endOfStream(): void;
  emit(event: string, detail: unknown): void;
}

const sleep = (s: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, s * 1000);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

const now = () => performance.now() / 1000;

/** One stream's loop, until the player stops. */
export async function runStream(ctx: LoopContext, s: Stream): Promise<void> {
  while (!ctx.signal.aborted) {
    const total = s.reps[0].segments.length;
    if (s.next >= total) {
      s.done = true;
      if (ctx.streams().every((x) => x.done)) ctx.endOfStream();
      await sleep(0.25, ctx.signal);
      continue;
    }
    const segS = s.reps[0].segments[s.next].durationS;
    const ahead = s.buffer.aheadOf(ctx.currentTime());
    const wait = fetchDelayS(ctx.policy, ahead, segS);
    if (wait > 0) {
      await sleep(Math.min(wait, 0.5), ctx.signal);
      continue;
    }
    const video = ctx.streams().find((x) => x.type === 'video');
    if (s.type === 'audio' && video && audioWaitsForVideo(ctx.policy, ahead, video.buffer.aheadOf(ctx.currentTime()), video.done)) {
      // Only a video segment's arrival (or a seek) ends this wait.
      await sleep(0.05, ctx.signal);
      continue;
    }
    const { index, decision } = choose(ctx, s);
    if (await replaceOnRise(ctx, s, index, decision)) continue;
    // BOLA asks to wait rather than overfill the buffer with low quality.
    const delay = fetchDelayS(ctx.policy, ahead, segS, decision?.delayS);
    if (delay > 0) await sleep(Math.min(delay, 1), ctx.signal);
    noteChoice(ctx, s, index, decision, ahead);
    await fetchAndAppend(ctx, s, index);
  }
}

/** The representation for the stream's next segment: the highest audio; for video the abandonment fallback, the manual choice, or the ABR's. */
function choose(ctx: LoopContext, s: Stream): { index: number; decision?: AbrDecision } {
  if (s.type === 'audio') return { index: s.reps.length - 1 };
  if (s.forceTo === 0 && !s.abandonByAlgorithm) return { index: 0, decision: { index: 0, reason: 'download abandoned: the buffer would run dry; refetching at the lowest bitrate' } };
  if (s.forceTo !== undefined) return { index: s.forceTo, decision: { index: s.forceTo, reason: `download abandoned by the algorithm's own rule; refetching at representation ${s.forceTo}` } };
  const manual = ctx.manual();
  if (manual !== undefined) return { index: Math.min(manual, s.reps.length - 1) };
  const horizon = 5;
  const upcoming: number[][] = [];
  for (let k = 0; k < horizon && s.next + k < s.reps[0].segments.length; k++) {
    const row = s.reps.map((r) => ctx.sizes.get(r.id)?.[s.next + k]);
    if (row.some((x) => x === undefined)) break;
    upcoming.push(row as number[]);
  }
  // The video's SSIM ahead (info.json segmentSsim), for rules that plan on it.
  const ssimRows: number[][] = [];
  for (let k = 0; k < upcoming.length; k++) {
    const row = s.reps.map((r) => ctx.ssim?.get(r.id)?.[s.next + k]);
    if (row.some((x) => x === undefined)) break;
    ssimRows.push(row as number[]);
  }
  const decision = ctx.abr().choose({
    bitrates: s.reps.map((r) => r.bandwidth),
    segmentDurationS: s.reps[0].segments[s.next]?.durationS ?? 4,
    bufferS: ctx.bufferAhead(),
    bufferTargetS: ctx.policy.targetS,
    history: ctx.history,
    lastIndex: s.rep,
    segmentIndex: s.next,
    totalSegments: s.reps[0].segments.length,
    upcomingSizes: upcoming.length ? upcoming : undefined,
    ...(ssimRows.length ? { ssim: { upcoming: ssimRows, previous: s.rep === undefined ? undefined : ctx.ssim?.get(s.reps[s.rep].id)?.[s.next - 1] } } : {}),
    nowS: now(),
    rebuffering: ctx.rebuffering(),
    startHintBps: ctx.startHintBps,
  });
  return { index: Math.max(0, Math.min(s.reps.length - 1, decision.index)), decision };
}

/** The switch log (a video switch), the estimate and the decision's reason, in the stats. */
function noteChoice(ctx: LoopContext, s: Stream, index: number, decision: AbrDecision | undefined, ahead: number): void {
  if (s.type === 'video' && index !== s.rep) {
    const rec: SwitchRecord = {
      atS: (performance.now() - ctx.t0) / 1000,
      segment: s.next,
      from: s.rep,
      to: index,
      bitrate: s.reps[index].bandwidth,
      reason: decision?.reason ?? (ctx.manual() !== undefined ? 'manual' : 'start'),
      estimateBps: decision?.estimateBps,
      bufferS: ahead,
    };
    ctx.stats.switches.push(rec);
    ctx.emit('switch', rec);
  }
  if (decision?.estimateBps) ctx.stats.abrEstimateBps = decision.estimateBps;
  if (s.type === 'video' && decision) ctx.stats.decision = decision.reason;
}

/** The init segment when the representation changed, then the segment: appended, unless abandoned or a seek moved the stream. */
async function fetchAndAppend(ctx: LoopContext, s: Stream, index: number): Promise<void> {
  const rep = s.reps[index];
  const epoch = s.epoch;
  if (s.initFor !== rep.id && rep.init) {
    const init = await fetchFromSources(ctx, s, rep.init.urls, rep.init.range, { object: { ot: 'i', bitrateBps: rep.bandwidth } });
    if (init === 'abandoned' || s.epoch !== epoch) return;
    record(ctx, init, false);
    await s.buffer.append(init.bytes);
    s.initFor = rep.id;
  }
  const segNumber = s.next;
  const seg = rep.segments[segNumber];
  const lowest = ctx.sizes.get(s.reps[0].id)?.[segNumber] ?? (s.reps[0].bandwidth * seg.durationS) / 8;
  const object: CmcdObject = { ot: s.type === 'video' ? 'v' : 'a', bitrateBps: rep.bandwidth, durationS: seg.durationS, next: rep.segments[segNumber + 1]?.urls[0] };
  s.abandonTo = undefined;
  const rule = algorithmAbandon(ctx, s, index, segNumber);
  s.abandonByAlgorithm = rule !== undefined;
  const got = await fetchFromSources(ctx, s, seg.urls, seg.range, s.type === 'video' && index > 0 ? { abandonable: { lowestBytes: lowest, rule }, object } : { object });
  // A seek or a replacement of the buffer ahead meanwhile: this download is not wanted.
  if (s.epoch !== epoch) return;
  if (got === 'abandoned') {
    if (s.next === segNumber && !ctx.seeking()) {
      // Starving: fetch this segment again at the lowest rate (or where the algorithm's rule said).
      ctx.stats.requests.abandoned++;
      s.forceTo = s.abandonTo ?? 0;
    }
    return;
  }
  record(ctx, got, s.type === 'video');
  if (s.next !== segNumber) return; // a seek moved us while downloading
  s.rep = index;
  s.forceTo = undefined;
  await s.buffer.append(got.bytes);
  // (Unless a replacement queued a removal of it meanwhile.)
  if (s.epoch === epoch) noteAppended(s, seg.startS, seg.startS + seg.durationS, index);
  // A seek during the append has already chosen where to continue: keep its choice.
  if (s.next === segNumber) s.next++;
  ctx.emit('segment', { type: s.type, number: segNumber + 1, rep: rep.id, bytes: got.bytes.byteLength, fromCache: got.fromCache });
}

type Range = Representation['segments'][number]['range'];
type FetchOptions = { abandonable?: { lowestBytes: number; rule?: (loaded: number, total: number, elapsedS: number) => number | undefined }; object?: CmcdObject };

/** The algorithm's own abandonment rule for this download (BOLA-E's, throughput-abandon's), when it has one. */
function algorithmAbandon(ctx: LoopContext, s: Stream, index: number, segNumber: number): ((loaded: number, total: number, elapsedS: number) => number | undefined) | undefined {
  const abr = ctx.abr();
  if (!abr.abandon) return undefined;
  const durationS = s.reps[index].segments[segNumber].durationS;
  const sizes = s.reps.map((r) => ctx.sizes.get(r.id)?.[segNumber] ?? (r.bandwidth * durationS) / 8);
  const bitrates = s.reps.map((r) => r.bandwidth);
  return (loaded, total, elapsedS) => {
    const to = abr.abandon!({ quality: index, bytesTotal: total, bytesLoaded: loaded, elapsedS, ttfbS: ctx.history[ctx.history.length - 1]?.ttfbS ?? 0, bufferS: ctx.bufferAhead(), sizes, bitrates, segmentDurationS: durationS });
    return to !== undefined && to < index ? to : undefined;
  };
}

/**
 * Fetch one segment (or init segment), from the best of the sources the manifest offers
 * for it (sources.ts); on a failure the next source is tried at once, and when every one
 * has failed, all again after 1 s and 2 s before the error is final. 'abandoned' when the
 * abandonment rule gave the download up (or a seek/stop aborted it).
 */
async function fetchFromSources(ctx: LoopContext, s: Stream, urls: string[], range: Range, opts: FetchOptions = {}): Promise<Download | 'abandoned'> {
  let lastError: unknown;
  for (const pauseS of [0, 1, 2]) {
    if (pauseS) await sleep(pauseS, ctx.signal);
    for (const url of ctx.sources.order(urls, now())) {
      if (ctx.signal.aborted) return 'abandoned';
      const t0 = now();
      const end = ctx.sources.begin(url);
      try {
        const got = await loadFrom(ctx, s, url, range, opts);
        if (got !== 'abandoned' && !got.fromCache) ctx.sources.succeeded(url, got.bytes.byteLength, got.ttfbS + got.transferS, now());
        return got;
      } catch (err) {
        lastError = err;
        ctx.sources.failed(url, now());
        // With one source there is nowhere to fail over to: the next attempt is a retry.
        if (urls.length > 1) ctx.stats.requests.failovers++;
        ctx.emit(urls.length > 1 ? 'failover' : 'retry', { url, error: (err as Error).message, afterS: now() - t0 });
      } finally {
        end();
      }
    }
  }
  throw lastError;
}

/** One request, abandoned by the rule (checked on every read) when it would starve the buffer. */
async function loadFrom(ctx: LoopContext, s: Stream, url: string, range: Range, opts: FetchOptions): Promise<Download | 'abandoned'> {
  const controller = new AbortController();
  const request = ctx.cmcd && opts.object ? ctx.cmcd.decorate(url, opts.object) : { url };
  s.inflight = controller;
  const stop = () => controller.abort();
  ctx.signal.addEventListener('abort', stop, { once: true });
  const metered = ctx.meter.open();
  let fromCache = false;
  try {
    const got = await load(request.url, {
      range,
      headers: request.headers,
      signal: controller.signal,
      credentials: ctx.credentials,
      onChunk: metered.bytes,
      onProgress: opts.abandonable
        ? (loaded, total, elapsedS) => {
            if (!total) return;
            const rule = opts.abandonable!.rule;
            const to = rule ? rule(loaded, total, elapsedS) : shouldAbandon({ bytesLoaded: loaded, bytesTotal: total, elapsedS, bufferS: ctx.bufferAhead(), lowestBytes: opts.abandonable!.lowestBytes, policy: ctx.policy }) ? 0 : undefined;
            if (to !== undefined) {
              s.abandonTo = to;
              controller.abort();
            }
          }
        : undefined,
    });
    fromCache = got.fromCache;
    return got;
  } catch (err) {
    if ((err as Error).name === 'AbortError') return 'abandoned';
    throw err;
  } finally {
    metered.close(fromCache);
    ctx.signal.removeEventListener('abort', stop);
    if (s.inflight === controller) s.inflight = undefined;
  }
}

/** Count a download; only real network transfers of video segments measure the link. */
function record(ctx: LoopContext, d: Download, isVideo: boolean): void {
  const r = ctx.stats.requests;
  if (d.status === 304) r.notModified++;
  else if (d.fromCache) r.fromCache++;
  else r.network++;
  r.bytes += d.bytes.byteLength;
  if (d.cmsd) ctx.stats.cmsd = d.cmsd;
  if (isVideo && !d.fromCache && d.bytes.byteLength > 0) {
    ctx.history.push({ bytes: d.bytes.byteLength, ttfbS: d.ttfbS, transferS: d.transferS, endS: d.endS, tailBps: d.tailBps, serverHintBps: d.cmsd?.etpKbps ? d.cmsd.etpKbps * 1000 : undefined });
    if (ctx.history.length > 100) ctx.history.shift();
  }
}
