/**
 * Conditional requests and ranges, exactly as RFC 9110 (sections 13 and 14) says, as pure
 * functions: given the request's headers and the representation's validators and size,
 * decide the status and the byte range. No I/O, so every case is tested on its own.
 *
 * Evaluation order (RFC 9110, 13.2.2):
 *  1. If-Match (strong comparison) fails           -> 412
 *  2. else If-Unmodified-Since, modified after it   -> 412
 *  3. If-None-Match (weak comparison) matches       -> 304 for GET/HEAD, 412 otherwise
 *  4. else If-Modified-Since (GET/HEAD, not in the future), not newer -> 304
 *  5. Range (GET/HEAD), honoured only when If-Range (strong) matches or is absent
 *     -> 206 with one range, or 416 when nothing is satisfiable
 * Note 3-4: a matching If-None-Match wins even when an older If-Modified-Since comes along
 * (nginx gets this wrong and answers 200).
 */

export interface Validators {
  /** Strong entity tag, with its quotes: "abc". */
  etag: string;
  /** Last modification, milliseconds since the epoch (compared at one-second precision). */
  lastModifiedMs: number;
  /** Size of the representation in bytes. */
  size: number;
}

export type RequestHeaders = Record<string, string | string[] | undefined>;

export type Decision =
  | { status: 200 }
  | { status: 206; start: number; end: number }
  | { status: 304 }
  | { status: 412 }
  | { status: 416 };

const header = (h: RequestHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : v;
};

/**
 * Split an If-Match / If-None-Match value into entity tags ("*" stays "*"); undefined when
 * malformed (then the header is ignored). Tags may contain commas, so this scans, not splits.
 */
export function parseEntityTags(value: string): string[] | undefined {
  const v = value.trim();
  if (v === '*') return ['*'];
  const tags: string[] = [];
  let i = 0;
  while (i < v.length) {
    while (v[i] === ' ' || v[i] === '\t' || v[i] === ',') i++;
    if (i >= v.length) break;
    const weak = v.startsWith('W/', i);
    const open = weak ? i + 2 : i;
    if (v[open] !== '"') return undefined;
    const close = v.indexOf('"', open + 1);
    if (close < 0) return undefined;
    tags.push(v.slice(i, close + 1));
    i = close + 1;
    while (v[i] === ' ' || v[i] === '\t') i++;
    if (i < v.length && v[i] !== ',') return undefined;
  }
  return tags.length ? tags : undefined;
}

const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** Weak comparison: opaque tags equal, W/ ignored on both sides. */
export const weakMatch = (a: string, b: string) => opaque(a) === opaque(b);
/** Strong comparison: both strong and equal. */
export const strongMatch = (a: string, b: string) => !a.startsWith('W/') && !b.startsWith('W/') && a === b;

const HTTP_DATE = [
  /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/, // IMF-fixdate
  /^[A-Z][a-z]+, \d\d-[A-Z][a-z]{2}-\d\d \d\d:\d\d:\d\d GMT$/, // obsolete RFC 850
  /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/, // obsolete asctime
];

/** An HTTP-date (RFC 9110, 5.6.7) in milliseconds, or undefined when it is not one. */
export function parseHttpDate(value: string | undefined): number | undefined {
  const v = value?.trim();
  if (!v || !HTTP_DATE.some((re) => re.test(v))) return undefined;
  const ms = Date.parse(/GMT$/.test(v) || !/^[A-Z][a-z]{2} [A-Z]/.test(v) ? v : `${v} GMT`);
  return Number.isFinite(ms) ? ms : undefined;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

export type ByteRange = { start: number; end: number };

/**
 * Parse a Range header against a size. Returns undefined when the header is to be ignored
 * (not bytes, malformed, or several ranges: we answer those with the whole representation,
 * which RFC 9110 allows), 'unsatisfiable' when no range overlaps the content, else the range.
 */
export function parseRange(value: string, size: number): ByteRange | 'unsatisfiable' | undefined {
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(value);
  if (!m) return undefined;
  const specs = m[1].split(',').map((s) => s.trim()).filter(Boolean);
  if (!specs.length) return undefined;
  const parsed: ByteRange[] = [];
  let anySatisfiable = false;
  for (const spec of specs) {
    const r = /^(\d*)\s*-\s*(\d*)$/.exec(spec);
    if (!r || (r[1] === '' && r[2] === '')) return undefined;
    if (r[1] === '') {
      // suffix: the last N bytes
      const n = Number(r[2]);
      if (n === 0) continue;
      if (size === 0) continue;
      parsed.push({ start: Math.max(0, size - n), end: size - 1 });
      anySatisfiable = true;
    } else {
      const start = Number(r[1]);
      const end = r[2] === '' ? size - 1 : Number(r[2]);
      if (r[2] !== '' && end < start) return undefined; // invalid spec: ignore the header
      if (start >= size) continue;
      parsed.push({ start, end: Math.min(end, size - 1) });
      anySatisfiable = true;
    }
  }
  if (!anySatisfiable) return 'unsatisfiable';
  if (specs.length > 1) return undefined;
  return parsed[0];
}

/**
 * Decide the response to a request for a representation with these validators. `nowMs`: the
 * server's clock; an If-Modified-Since later than it is invalid and ignored (RFC 9110, 13.1.3:
 * it cannot come from a Last-Modified this server sent), as nginx ignores it.
 */
export function evaluate(method: string, h: RequestHeaders, v: Validators, nowMs = Date.now()): Decision {
  const isGetOrHead = method === 'GET' || method === 'HEAD';
  const lmS = seconds(v.lastModifiedMs);

  const ifMatch = header(h, 'if-match');
  if (ifMatch !== undefined) {
    const tags = parseEntityTags(ifMatch);
    if (tags && !(tags.includes('*') || tags.some((t) => strongMatch(t, v.etag)))) return { status: 412 };
  } else {
    const ius = parseHttpDate(header(h, 'if-unmodified-since'));
    if (ius !== undefined && lmS > seconds(ius)) return { status: 412 };
  }

  const ifNoneMatch = header(h, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    const tags = parseEntityTags(ifNoneMatch);
    if (tags && (tags.includes('*') || tags.some((t) => weakMatch(t, v.etag)))) {
      return isGetOrHead ? { status: 304 } : { status: 412 };
    }
  } else if (isGetOrHead) {
    const ims = parseHttpDate(header(h, 'if-modified-since'));
    if (ims !== undefined && seconds(ims) <= seconds(nowMs) && lmS <= seconds(ims)) return { status: 304 };
  }

  const range = header(h, 'range');
  if (range !== undefined && isGetOrHead) {
    const ifRange = header(h, 'if-range');
    if (ifRange !== undefined) {
      const t = ifRange.trim();
      const ok = t.startsWith('"') || t.startsWith('W/')
        ? strongMatch(t, v.etag)
        : parseHttpDate(t) !== undefined && seconds(parseHttpDate(t)!) === lmS;
      if (!ok) return { status: 200 };
    }
    const r = parseRange(range, v.size);
    if (r === 'unsatisfiable') return { status: 416 };
    if (r) return { status: 206, start: r.start, end: r.end };
  }
  return { status: 200 };
}
