/**
 * CMCD (CTA-5004, Common Media Client Data): what a player tells the servers it fetches from
 * about itself, with each request: its buffer, its throughput, the bitrate it asks for. Written
 * by our player, read by the origin and the CDN tier from the `CMCD` query argument or the four
 * `CMCD-*` headers. Pure: no I/O, the same code in the browser and in Node.
 */

/** The keys dashlab sends and reads (CTA-5004 section 3.3), with their value types. */
export interface CmcdData {
  /** Encoded bitrate of the object, kbit/s. */
  br?: number;
  /** Buffer length, ms (rounded to 100 ms). */
  bl?: number;
  /** Measured throughput, kbit/s (rounded to 100). */
  mtp?: number;
  /** Object duration, ms. */
  d?: number;
  /** Object type: m manifest, a audio, v video, av muxed, i init, c caption, k key, o other. */
  ot?: 'm' | 'a' | 'v' | 'av' | 'i' | 'c' | 'tt' | 'k' | 'o';
  /** Streaming format: d DASH, h HLS. */
  sf?: 'd' | 'h' | 's' | 'o';
  /** Session id: one playback, a UUID. */
  sid?: string;
  /** Content id: the video. */
  cid?: string;
  /** Next object request: the relative URL the player will fetch next. */
  nor?: string;
  /** Startup: the object is needed urgently (startup, seek, recovery from a stall). */
  su?: boolean;
  /** Buffer starvation since the previous request. */
  bs?: boolean;
  /** Stream type: v VOD, l live. */
  st?: 'v' | 'l';
}

export type CmcdKey = keyof CmcdData;

/** Which header carries each key (CTA-5004 section 2.2). */
export const CMCD_HEADER_OF: Readonly<Record<CmcdKey, 'CMCD-Object' | 'CMCD-Request' | 'CMCD-Session' | 'CMCD-Status'>> = {
  br: 'CMCD-Object',
  d: 'CMCD-Object',
  ot: 'CMCD-Object',
  bl: 'CMCD-Request',
  mtp: 'CMCD-Request',
  nor: 'CMCD-Request',
  su: 'CMCD-Request',
  cid: 'CMCD-Session',
  sf: 'CMCD-Session',
  sid: 'CMCD-Session',
  st: 'CMCD-Session',
  bs: 'CMCD-Status',
};

const STRING_KEYS = new Set<CmcdKey>(['sid', 'cid', 'nor']);
const TOKEN_KEYS = new Set<CmcdKey>(['ot', 'sf', 'st']);
const BOOLEAN_KEYS = new Set<CmcdKey>(['su', 'bs']);
const NUMBER_KEYS = new Set<CmcdKey>(['br', 'bl', 'mtp', 'd']);
const KNOWN = new Set<string>(Object.keys(CMCD_HEADER_OF));

/** One key=value pair as CTA-5004 writes it: strings quoted, true booleans bare, false ones left out. */
function pair(key: CmcdKey, value: unknown): string | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  if (BOOLEAN_KEYS.has(key)) return key;
  if (STRING_KEYS.has(key)) return `${key}=${JSON.stringify(String(value).slice(0, 64))}`;
  if (NUMBER_KEYS.has(key)) return Number.isFinite(value) ? `${key}=${Math.max(0, Math.round(value as number))}` : undefined;
  return `${key}=${String(value)}`;
}

/** The payload, keys in alphabetical order (as the spec recommends), comma-separated. */
export function encodeCmcd(data: CmcdData): string {
  return (Object.keys(data) as CmcdKey[])
    .filter((k) => KNOWN.has(k))
    .sort()
    .map((k) => pair(k, data[k]))
    .filter((x): x is string => Boolean(x))
    .join(',');
}

/** `url` with the payload as its last query argument (last, so caches can strip it: deploy/nginx). */
export function withCmcdQuery(url: string, data: CmcdData): string {
  const payload = encodeCmcd(data);
  if (!payload) return url;
  const hash = url.indexOf('#');
  const base = hash < 0 ? url : url.slice(0, hash);
  return `${base}${base.includes('?') ? '&' : '?'}CMCD=${encodeURIComponent(payload)}`;
}

/** The payload as the four headers (only those with keys). */
export function cmcdHeaders(data: CmcdData): Record<string, string> {
  const out: Record<string, string[]> = {};
  for (const k of (Object.keys(data) as CmcdKey[]).filter((x) => KNOWN.has(x)).sort()) {
    const p = pair(k, data[k]);
    if (p) (out[CMCD_HEADER_OF[k]] ??= []).push(p);
  }
  return Object.fromEntries(Object.entries(out).map(([h, v]) => [h, v.join(',')]));
}

/** Split on commas outside quotes. */
function splitPairs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

/** Read a payload; unknown keys and malformed values are skipped (a server never fails on what a client sends). */
export function parseCmcd(text: string): CmcdData {
  const data: Record<string, unknown> = {};
  for (const raw of splitPairs(text.slice(0, 4096))) {
    const item = raw.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)) as CmcdKey;
    if (!KNOWN.has(key)) continue;
    const value = eq < 0 ? undefined : item.slice(eq + 1);
    if (BOOLEAN_KEYS.has(key)) data[key] = value === undefined || value === '?1';
    else if (value === undefined) continue;
    else if (STRING_KEYS.has(key)) {
      if (/^"(?:[^"\\]|\\.)*"$/.test(value)) data[key] = value.slice(1, -1).replace(/\\(.)/g, '$1');
    } else if (NUMBER_KEYS.has(key)) {
      const n = Number(value);
      if (Number.isFinite(n) && n >= 0) data[key] = n;
    } else if (TOKEN_KEYS.has(key) && /^[a-z]{1,2}$/.test(value)) data[key] = value;
  }
  return data as CmcdData;
}

/**
 * CMCD of a request, wherever it came: the `CMCD` query argument (a URL or its query) and/or
 * the `CMCD-*` headers (lower-cased names, as Node gives them). Undefined when there is none.
 */
export function cmcdOfRequest(urlOrQuery: string, headers: Record<string, string | string[] | undefined> = {}): CmcdData | undefined {
  let text = '';
  const q = urlOrQuery.indexOf('?');
  const query = q < 0 ? urlOrQuery : urlOrQuery.slice(q + 1);
  for (const part of query.split('&')) {
    if (!/^cmcd=/i.test(part)) continue;
    try {
      text = decodeURIComponent(part.slice(5).replace(/\+/g, ' '));
    } catch {
      text = '';
    }
  }
  for (const h of ['cmcd-object', 'cmcd-request', 'cmcd-session', 'cmcd-status']) {
    const v = headers[h];
    if (v) text += `${text ? ',' : ''}${Array.isArray(v) ? v.join(',') : v}`;
  }
  return text ? parseCmcd(text) : undefined;
}
