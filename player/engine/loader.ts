/**
 * Segment downloads with fetch and streaming reads, so throughput is measured while bytes
 * arrive: time to first byte is kept apart from transfer time. A download answered by a
 * cache (a 304, or Resource Timing's transferSize 0 with a body) is recorded but never
 * feeds the bandwidth estimate; a fast loopback answer is not a cache hit (dash.js#1931),
 * and a cache hit is not bandwidth (hls.js#5826).
 */
import { TAIL_WINDOW_S } from '../../core/abr/types.js';
import { parseCmsdDynamic, type CmsdHint } from '../../core/cdn/cmsd.js';
import type { ByteRange } from '../../core/mpd/parse.js';

export interface Download {
  url: string;
  bytes: Uint8Array;
  status: number;
  ttfbS: number;
  transferS: number;
  /** performance.now() / 1000 at the end. */
  endS: number;
  /** Throughput over the last TAIL_WINDOW_S of the transfer (see tailRate). */
  tailBps?: number;
  fromCache: boolean;
  /** What the server said of its link (CMSD-Dynamic), when it said something. */
  cmsd?: CmsdHint;
}

/** Bytes received so far at a moment (seconds), as the streaming reader saw them. */
export interface ProgressMark {
  tS: number;
  loaded: number;
}

/**
 * Throughput at the end of a transfer: the bytes that arrived after the last mark at least
 * `windowS` before the end, over the time since that mark. Undefined for a transfer shorter
 * than 2 x windowS (the tail would be most of it, and reads come in bursts).
 */
export function tailRate(marks: ProgressMark[], windowS = TAIL_WINDOW_S): number | undefined {
  if (marks.length < 2) return undefined;
  const end = marks[marks.length - 1];
  if (end.tS - marks[0].tS < 2 * windowS) return undefined;
  let i = marks.length - 1;
  while (i > 0 && end.tS - marks[i].tS < windowS) i--;
  const dt = end.tS - marks[i].tS;
  return dt > 0 ? ((end.loaded - marks[i].loaded) * 8) / dt : undefined;
}

export interface LoadOptions {
  range?: ByteRange;
  signal?: AbortSignal;
  /** Fetch's credentials mode; default 'same-origin', as dash.js's and hls.js's requests. */
  credentials?: RequestCredentials;
  onProgress?: (loaded: number, total: number, elapsedS: number) => void;
  /** More request headers (CMCD in header mode). */
  headers?: Record<string, string>;
  /** Every chunk as it arrives: its bytes and when (seconds, performance.now() / 1000). */
  onChunk?: (bytes: number, tS: number) => void;
}

export class LoadError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

function resourceTiming(url: string): PerformanceResourceTiming | undefined {
  if (typeof performance === 'undefined' || !performance.getEntriesByName) return undefined;
  const entries = performance.getEntriesByName(url, 'resource') as PerformanceResourceTiming[];
  return entries[entries.length - 1];
}

export async function load(url: string, opts: LoadOptions = {}): Promise<Download> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.range) headers.Range = `bytes=${opts.range.start}-${opts.range.end}`;
  const t0 = performance.now();
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: opts.signal, mode: 'cors', credentials: opts.credentials ?? 'same-origin' });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new LoadError(`${url}: network error (${(err as Error).message})`);
  }
  const tHeaders = performance.now();
  if (!res.ok && res.status !== 304) throw new LoadError(`${url}: HTTP ${res.status}`, res.status);
  const total = Number(res.headers.get('content-length') ?? 0);
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let tFirst: number | undefined;
  const marks: ProgressMark[] = [];
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const now = performance.now();
      // The first chunk marks the start of the transfer: its own bytes came before it.
      if (tFirst === undefined) {
        tFirst = now;
        marks.push({ tS: now / 1000, loaded: 0 });
      }
      chunks.push(value);
      loaded += value.byteLength;
      opts.onChunk?.(value.byteLength, now / 1000);
      marks.push({ tS: now / 1000, loaded });
      opts.onProgress?.(loaded, total, (performance.now() - t0) / 1000);
    }
  }
  const tEnd = performance.now();
  const bytes = new Uint8Array(loaded);
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.byteLength;
  }
  const timing = resourceTiming(res.url || url);
  // transferSize is 0 only when the body came from a cache (Timing-Allow-Origin lets us see it).
  const fromCache = res.status === 304 || (timing !== undefined && timing.transferSize === 0 && timing.decodedBodySize > 0);
  return {
    url: res.url || url,
    bytes,
    status: res.status,
    ttfbS: ((tFirst ?? tHeaders) - t0) / 1000,
    transferS: (tEnd - (tFirst ?? tHeaders)) / 1000,
    endS: tEnd / 1000,
    tailBps: tailRate(marks),
    fromCache,
    cmsd: parseCmsdDynamic(res.headers.get('cmsd-dynamic')),
  };
}
