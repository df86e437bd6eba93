/**
 * MPD parsing for static (VOD) and dynamic (live) manifests from any packager: SegmentTemplate with $Number$
 * or with $Time$ and a SegmentTimeline (r repeats, t jumps, r=-1), SegmentList with media
 * ranges (ffmpeg's single-file output), SegmentBase with an index range (its sidx is read
 * later, see sidx.ts), BaseURLs at every level (all kept, resolved), several adaptation
 * sets. Works on any DOM (the browser's DOMParser, or @xmldom/xmldom in Node).
 */

export class MpdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MpdError';
  }
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export interface SegmentRef {
  /** 1-based position in the representation. */
  number: number;
  /** The same segment at every BaseURL the manifest offers, in the manifest's order. */
  urls: string[];
  range?: ByteRange;
  startS: number;
  durationS: number;
}

export interface Representation {
  id: string;
  bandwidth: number;
  mimeType: string;
  codecs: string;
  width?: number;
  height?: number;
  frameRate?: number;
  audioSamplingRate?: number;
  /** An image set's tiling (DASH-IF thumbnail_tile): each segment is a grid of cols x rows pictures over its duration. */
  tiles?: { cols: number; rows: number };
  /** A SegmentTemplate's @duration in seconds (the last segment is cut to the period's end; this is not). */
  nominalSegmentS?: number;
  /** @presentationTimeOffset in seconds: the media time (tfdt) at the period's start; segments' startS are after it. */
  ptoS?: number;
  init?: { urls: string[]; range?: ByteRange };
  /** Known segments; empty for SegmentBase until its index is loaded, and for a live $Number$ template (see live). */
  segments: SegmentRef[];
  /** A dynamic manifest's $Number$ template with @duration: its segments follow from the clock (core/live/timing.ts). */
  live?: LiveTemplate;
  /** SegmentBase: where the sidx is, to be fetched and parsed before playing. */
  segmentBase?: { urls: string[]; indexRange: ByteRange; timescale: number; presentationTimeOffset: number };
}

export interface AdaptationSet {
  id: string;
  contentType: 'video' | 'audio' | 'text' | 'image' | 'other';
  lang?: string;
  /** The urn:mpeg:dash:role:2011 Role (main, alternate, commentary, subtitle, caption, ...). */
  role?: string;
  /** The set's Label, if it has one. */
  label?: string;
  representations: Representation[];
}

/** A live representation's SegmentTemplate with @duration: segment n's URL and times follow from it. */
export interface LiveTemplate {
  media: string;
  bases: string[];
  startNumber: number;
  timescale: number;
  segmentS: number;
  /** @presentationTimeOffset in seconds: the media time (tfdt) at the period's start. */
  ptoS: number;
  /** How long before its end a segment can be asked for (chunked CMAF: all but its first chunk). */
  availabilityTimeOffsetS: number;
  availabilityTimeComplete: boolean;
}

/** A dynamic manifest's clock and limits (ISO/IEC 23009-1 MPD attributes, and the ServiceDescription). */
export interface LiveInfo {
  /** availabilityStartTime, ms since the epoch. */
  availabilityStartMs: number;
  publishMs?: number;
  minimumUpdatePeriodS?: number;
  timeShiftBufferDepthS?: number;
  suggestedPresentationDelayS?: number;
  /** The Period's start, seconds after availabilityStartTime. */
  periodStartS: number;
  /** Where to read the server's clock (UTCTiming), in the manifest's order. */
  utcTiming: Array<{ scheme: string; value: string }>;
  /** ServiceDescription: the latency to hold and the playback rates allowed to hold it. */
  service?: { targetLatencyS?: number; minLatencyS?: number; maxLatencyS?: number; minRate?: number; maxRate?: number };
  /** The stream has ended: the manifest gives its duration (it will not be updated again). */
  ended: boolean;
}

export interface Manifest {
  type: 'static' | 'dynamic';
  /** Live: the manifest's clock and limits (type dynamic only). */
  live?: LiveInfo;
  durationS: number;
  minBufferTimeS: number;
  title?: string;
  adaptationSets: AdaptationSet[];
  /** The MPD-level BaseURLs, resolved, with their serviceLocation (the pathways Content Steering names). */
  baseUrls: Array<{ url: string; serviceLocation?: string }>;
  /** DASH-IF Content Steering: where the steering server is, and which pathway to start on. */
  steering?: ContentSteering;
}

export interface ContentSteering {
  serverUrl: string;
  defaultServiceLocation?: string;
  queryBeforeStart: boolean;
}

export interface DomParserLike {
  parseFromString(xml: string, type: string): Document;
}

/** ISO 8601 duration (PnYnMnDTnHnMnS) in seconds. */
export function parseDuration(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value.trim());
  if (!m) return undefined;
  const [, neg, y, mo, d, h, mi, s] = m;
  const total = Number(y ?? 0) * 365 * 86400 + Number(mo ?? 0) * 30 * 86400 + Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(mi ?? 0) * 60 + Number(s ?? 0);
  return neg ? -total : total;
}

const kids = (el: Element, name: string): Element[] => {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && ((n as Element).localName ?? n.nodeName) === name) out.push(n as Element);
  }
  return out;
};
const kid = (el: Element, name: string) => kids(el, name)[0];
const attr = (el: Element | undefined, name: string) => (el && el.hasAttribute(name) ? el.getAttribute(name)! : undefined);
const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

function parseRange(v: string | undefined): ByteRange | undefined {
  if (!v) return undefined;
  const m = /^(\d+)-(\d+)$/.exec(v.trim());
  if (!m) throw new MpdError(`invalid byte range "${v}"`);
  return { start: Number(m[1]), end: Number(m[2]) };
}

function resolve(base: string, ref: string): string {
  try {
    return new URL(ref, base).toString();
  } catch {
    throw new MpdError(`cannot resolve URL "${ref}" against "${base}"`);
  }
}

/** Every combination of the BaseURLs declared on an element, resolved against the parents'. */
function baseUrlsOf(el: Element, parents: string[]): string[] {
  const own = kids(el, 'BaseURL').map((b) => (b.textContent ?? '').trim()).filter(Boolean);
  if (!own.length) return parents;
  return parents.flatMap((p) => own.map((o) => resolve(p, o)));
}

/** Fill a SegmentTemplate pattern: $RepresentationID$, $Number%05d$, $Time$, $Bandwidth$, $$. */
export function fillTemplate(tpl: string, v: { id: string; number?: number; time?: number; bandwidth: number }): string {
  return tpl.replace(/\$(RepresentationID|Number|Time|Bandwidth|)(?:%0(\d+)([diuxX]))?\$/g, (_m, name: string, width?: string, fmt?: string) => {
    if (name === '') return '$';
    let value: string;
    if (name === 'RepresentationID') return v.id;
    const n = name === 'Number' ? v.number : name === 'Time' ? v.time : v.bandwidth;
    if (n === undefined) throw new MpdError(`$${name}$ used where it has no value`);
    value = fmt === 'x' ? n.toString(16) : fmt === 'X' ? n.toString(16).toUpperCase() : String(Math.trunc(n));
    return width ? value.padStart(Number(width), '0') : value;
  });
}

/** Merge segment-info elements from Period, AdaptationSet and Representation (the inner wins). */
function inherited(chain: Element[], name: string): { attrs: Map<string, string>; els: Element[] } | undefined {
  const els = chain.map((c) => kid(c, name)).filter((e): e is Element => Boolean(e));
  if (!els.length) return undefined;
  const attrs = new Map<string, string>();
  for (const e of els) for (const a of Array.from(e.attributes)) attrs.set(a.name, a.value);
  return { attrs, els };
}

const innermostChild = (els: Element[], name: string) => [...els].reverse().map((e) => kid(e, name)).find(Boolean);

/** Expand a SegmentTimeline into (time, duration) pairs, ticks. */
function timeline(tl: Element, periodEndTicks: number): Array<{ t: number; d: number }> {
  const out: Array<{ t: number; d: number }> = [];
  const ss = kids(tl, 'S');
  let t = 0;
  ss.forEach((s, i) => {
    const d = num(attr(s, 'd'));
    if (!d || d <= 0) throw new MpdError('SegmentTimeline: an S element without a positive @d');
    if (s.hasAttribute('t')) t = Number(s.getAttribute('t'));
    let r = num(attr(s, 'r')) ?? 0;
    if (r < 0) {
      // Repeat until the next S's @t, or the end of the period.
      const next = ss[i + 1];
      const until = next && next.hasAttribute('t') ? Number(next.getAttribute('t')) : periodEndTicks;
      r = Math.max(0, Math.ceil((until - t) / d) - 1);
    }
    for (let k = 0; k <= r; k++) {
      out.push({ t, d });
      t += d;
    }
  });
  return out;
}

export function parseMpd(xml: string, mpdUrl: string, dom: DomParserLike): Manifest {
  const root = rootOf(xml, dom);
  const type = attr(root, 'type') === 'dynamic' ? 'dynamic' : 'static';
  const periods = kids(root, 'Period');
  if (!periods.length) throw new MpdError('the manifest has no Period');
  const period = periods[0];
  const mediaDuration = parseDuration(attr(root, 'mediaPresentationDuration'));
  const live = type === 'dynamic' ? liveInfo(root, period, mpdUrl, mediaDuration !== undefined) : undefined;
  // A live period still going has no duration yet: its segments come from the clock, not a count.
  const periodDuration = parseDuration(attr(period, 'duration')) ?? (mediaDuration !== undefined && live ? mediaDuration - live.periodStartS : mediaDuration) ?? (live ? Infinity : undefined);
  if (periodDuration === undefined || !(periodDuration > 0)) {
    throw new MpdError('the manifest gives no duration (mediaPresentationDuration or Period@duration)');
  }
  const ctx: PeriodContext = { period, periodDuration, live: Boolean(live), bases: baseUrlsOf(period, baseUrlsOf(root, [mpdUrl])) };
  const info = kid(root, 'ProgramInformation');
  const steer = kid(root, 'ContentSteering');
  const steeringUrl = (steer?.textContent ?? '').trim();
  return {
    type,
    live,
    durationS: mediaDuration ?? periodDuration,
    minBufferTimeS: parseDuration(attr(root, 'minBufferTime')) ?? 2,
    title: info ? (kid(info, 'Title')?.textContent ?? undefined) : undefined,
    adaptationSets: kids(period, 'AdaptationSet').map((set, si) => adaptationSet(set, si, ctx)),
    baseUrls: kids(root, 'BaseURL')
      .filter((b) => (b.textContent ?? '').trim())
      .map((b) => ({ url: resolve(mpdUrl, (b.textContent ?? '').trim()), serviceLocation: attr(b, 'serviceLocation') ?? undefined })),
    steering: steeringUrl
      ? { serverUrl: resolve(mpdUrl, steeringUrl), defaultServiceLocation: attr(steer!, 'defaultServiceLocation') ?? undefined, queryBeforeStart: attr(steer!, 'queryBeforeStart') === 'true' }
      : undefined,
  };
}

/** A dynamic MPD's clock (availabilityStartTime, UTCTiming), window and ServiceDescription. */
function liveInfo(root: Element, period: Element, mpdUrl: string, ended: boolean): LiveInfo {
  const ast = Date.parse(attr(root, 'availabilityStartTime') ?? '');
  if (!Number.isFinite(ast)) throw new MpdError('a dynamic manifest without a valid @availabilityStartTime');
  const sd = kid(root, 'ServiceDescription');
  const lat = sd && kid(sd, 'Latency');
  const rate = sd && kid(sd, 'PlaybackRate');
  const ms = (v: string | undefined) => (v === undefined ? undefined : Number(v) / 1000);
  const publish = Date.parse(attr(root, 'publishTime') ?? '');
  return {
    availabilityStartMs: ast,
    publishMs: Number.isFinite(publish) ? publish : undefined,
    minimumUpdatePeriodS: parseDuration(attr(root, 'minimumUpdatePeriod')),
    timeShiftBufferDepthS: parseDuration(attr(root, 'timeShiftBufferDepth')),
    suggestedPresentationDelayS: parseDuration(attr(root, 'suggestedPresentationDelay')),
    periodStartS: parseDuration(attr(period, 'start')) ?? 0,
    utcTiming: kids(root, 'UTCTiming').map((u) => {
      const scheme = attr(u, 'schemeIdUri') ?? '';
      const value = attr(u, 'value') ?? '';
      // The http schemes name a URL (relative ones against the manifest's); direct and ntp schemes carry a value.
      return { scheme, value: /:http-/.test(scheme) && value ? resolve(mpdUrl, value.split(' ')[0]) : value };
    }),
    service: sd ? { targetLatencyS: ms(attr(lat, 'target')), minLatencyS: ms(attr(lat, 'min')), maxLatencyS: ms(attr(lat, 'max')), minRate: num(attr(rate, 'min')), maxRate: num(attr(rate, 'max')) } : undefined,
    ended,
  };
}

/** The MPD element of a well-formed document, or an MpdError saying what it is instead. */
function rootOf(xml: string, dom: DomParserLike): Element {
  let doc: Document;
  try {
    doc = dom.parseFromString(xml, 'application/xml');
  } catch (err) {
    throw new MpdError(`the manifest is not well-formed XML: ${(err as Error).message}`);
  }
  const root = doc?.documentElement;
  const perr = doc?.getElementsByTagName?.('parsererror')?.[0];
  const parseError = perr ? (perr.textContent ?? '').trim().split('\n')[0] : undefined;
  if (!root || perr) throw new MpdError(`the manifest is not well-formed XML${parseError ? `: ${parseError}` : ''}`);
  if ((root.localName ?? root.nodeName) !== 'MPD') throw new MpdError(`not a DASH manifest: the root element is <${root.nodeName}>, not <MPD>`);
  return root;
}

interface PeriodContext {
  period: Element;
  /** Infinity for a live period still going. */
  periodDuration: number;
  live: boolean;
  /** The Period's BaseURLs, resolved. */
  bases: string[];
}

function adaptationSet(set: Element, index: number, ctx: PeriodContext): AdaptationSet {
  const setBases = baseUrlsOf(set, ctx.bases);
  const reps = kids(set, 'Representation').map((rep) => representation(rep, set, setBases, ctx));
  const ct = attr(set, 'contentType') ?? (attr(set, 'mimeType') ?? reps[0]?.mimeType ?? '').split('/')[0];
  return {
    id: attr(set, 'id') ?? String(index),
    contentType: (['video', 'audio', 'text', 'image'].includes(ct) ? ct : 'other') as AdaptationSet['contentType'],
    lang: attr(set, 'lang'),
    role: kids(set, 'Role').find((r) => attr(r, 'schemeIdUri') === 'urn:mpeg:dash:role:2011')?.getAttribute('value') ?? undefined,
    label: kids(set, 'Label')[0]?.textContent?.trim() || undefined,
    representations: reps.sort((x, y) => x.bandwidth - y.bandwidth),
  };
}

/** A Representation, with its attributes (the AdaptationSet's where it has none) and its segments. */
function representation(rep: Element, set: Element, setBases: string[], ctx: PeriodContext): Representation {
  const id = attr(rep, 'id') ?? '';
  const bandwidth = Number(attr(rep, 'bandwidth') ?? NaN);
  if (!id) throw new MpdError('a Representation without @id');
  if (!(bandwidth > 0)) throw new MpdError(`Representation ${id}: no valid @bandwidth`);
  const either = (name: string) => attr(rep, name) ?? attr(set, name);
  const fr = either('frameRate');
  const r: Representation = {
    id,
    bandwidth,
    mimeType: either('mimeType') ?? '',
    codecs: either('codecs') ?? '',
    width: num(either('width')),
    height: num(either('height')),
    frameRate: fr ? fr.split('/').map(Number).reduce((a, b) => a / b) : undefined,
    audioSamplingRate: num(either('audioSamplingRate')),
    segments: [],
  };
  const tile = [...kids(rep, 'EssentialProperty'), ...kids(set, 'EssentialProperty')].find((e) => attr(e, 'schemeIdUri') === 'http://dashif.org/thumbnail_tile');
  const grid = /^(\d+)x(\d+)$/.exec(tile?.getAttribute('value') ?? '');
  if (grid) r.tiles = { cols: Number(grid[1]), rows: Number(grid[2]) };
  const chain = [ctx.period, set, rep];
  const bases = baseUrlsOf(rep, setBases);
  const tpl = inherited(chain, 'SegmentTemplate');
  const list = inherited(chain, 'SegmentList');
  const base = inherited(chain, 'SegmentBase');
  if (tpl) templateSegments(r, tpl, bases, ctx);
  else if (list) listSegments(r, list, bases, ctx.periodDuration);
  else if (base) indexedSegments(r, base, bases);
  // Only a BaseURL of its own: the resource is the whole media (a sidecar WebVTT file), one segment.
  else if (kids(rep, 'BaseURL').length) r.segments.push({ number: 1, urls: bases, startS: 0, durationS: ctx.periodDuration });
  else throw new MpdError(`Representation ${id}: no SegmentTemplate, SegmentList, SegmentBase or BaseURL`);
  return r;
}

type SegmentInfo = NonNullable<ReturnType<typeof inherited>>;

/** SegmentTemplate: $Number$ with @duration, or $Time$/$Number$ with a SegmentTimeline. */
function templateSegments(r: Representation, tpl: SegmentInfo, bases: string[], ctx: PeriodContext): void {
  const periodDuration = ctx.periodDuration;
  const a = tpl.attrs;
  const vars = { id: r.id, bandwidth: r.bandwidth };
  const timescale = Number(a.get('timescale') ?? 1);
  const pto = Number(a.get('presentationTimeOffset') ?? 0);
  const startNumber = Number(a.get('startNumber') ?? 1);
  r.ptoS = pto / timescale;
  const media = a.get('media');
  if (!media) throw new MpdError(`Representation ${r.id}: SegmentTemplate without @media`);
  const initTpl = a.get('initialization');
  if (initTpl) r.init = { urls: bases.map((b) => resolve(b, fillTemplate(initTpl, vars))) };
  const tl = innermostChild(tpl.els, 'SegmentTimeline');
  if (tl) {
    // A live timeline lists what exists now (an r=-1 runs to the next S, or stops at the last).
    timeline(tl, Number.isFinite(periodDuration) ? pto + periodDuration * timescale : 0).forEach((s, k) => {
      const rel = fillTemplate(media, { ...vars, number: startNumber + k, time: s.t });
      r.segments.push({ number: k + 1, urls: bases.map((b) => resolve(b, rel)), startS: (s.t - pto) / timescale, durationS: s.d / timescale });
    });
    return;
  }
  const d = Number(a.get('duration') ?? NaN);
  if (!(d > 0)) throw new MpdError(`Representation ${r.id}: SegmentTemplate has neither a SegmentTimeline nor @duration`);
  const segS = d / timescale;
  r.nominalSegmentS = segS;
  if (ctx.live) {
    r.live = {
      media,
      bases,
      startNumber,
      timescale,
      segmentS: segS,
      ptoS: pto / timescale,
      availabilityTimeOffsetS: Number(a.get('availabilityTimeOffset') ?? 0),
      availabilityTimeComplete: a.get('availabilityTimeComplete') !== 'false',
    };
    if (!Number.isFinite(periodDuration)) return; // going on: segments from the clock
  }
  const count = Math.ceil(periodDuration / segS - 1e-9);
  for (let k = 0; k < count; k++) {
    const rel = fillTemplate(media, { ...vars, number: startNumber + k, time: k * d });
    r.segments.push({ number: k + 1, urls: bases.map((b) => resolve(b, rel)), startS: k * segS, durationS: Math.min(segS, periodDuration - k * segS) });
  }
}

/** SegmentList: SegmentURLs (media and/or byte ranges, ffmpeg's single-file output), timed by @duration or a SegmentTimeline. */
function listSegments(r: Representation, list: SegmentInfo, bases: string[], periodDuration: number): void {
  const a = list.attrs;
  const timescale = Number(a.get('timescale') ?? 1);
  const initEl = innermostChild(list.els, 'Initialization');
  if (initEl) {
    const src = attr(initEl, 'sourceURL');
    r.init = { urls: bases.map((b) => (src ? resolve(b, src) : b)), range: parseRange(attr(initEl, 'range')) };
  }
  const urls = [...list.els].reverse().map((e) => kids(e, 'SegmentURL')).find((x) => x.length) ?? [];
  const tl = innermostChild(list.els, 'SegmentTimeline');
  const times = tl ? timeline(tl, periodDuration * timescale) : undefined;
  const d = Number(a.get('duration') ?? NaN);
  if (!times && !(d > 0)) throw new MpdError(`Representation ${r.id}: SegmentList has neither @duration nor a SegmentTimeline`);
  urls.forEach((u, k) => {
    const media = attr(u, 'media');
    const startS = times ? times[k].t / timescale : (k * d) / timescale;
    const durationS = times ? times[k].d / timescale : Math.min(d / timescale, periodDuration - startS);
    r.segments.push({ number: k + 1, urls: bases.map((b) => (media ? resolve(b, media) : b)), range: parseRange(attr(u, 'mediaRange')), startS, durationS });
  });
}

/** SegmentBase: one file whose index (sidx, at @indexRange) lists the segments; read before playing (sidx.ts). */
function indexedSegments(r: Representation, base: SegmentInfo, bases: string[]): void {
  const a = base.attrs;
  const indexRange = parseRange(a.get('indexRange'));
  if (!indexRange) throw new MpdError(`Representation ${r.id}: SegmentBase without @indexRange`);
  const initEl = innermostChild(base.els, 'Initialization');
  const initRange = parseRange(attr(initEl, 'range')) ?? { start: 0, end: indexRange.start - 1 };
  r.init = { urls: bases, range: initRange };
  r.segmentBase = { urls: bases, indexRange, timescale: Number(a.get('timescale') ?? 1), presentationTimeOffset: Number(a.get('presentationTimeOffset') ?? 0) };
}
