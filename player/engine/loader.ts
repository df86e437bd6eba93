/**
 * Segment downloads with fetch and streaming reads, so throughput is measured while bytes
 * arrive: time to first byte is kept apart from transfer time. A download answered by a
 * cache (a 304, or Resource Timing's transferSize 0 with a body) is recorded but never
 * feeds the bandwidth estimate; a fast loopback answer is not a cache hit (dash.js#1931),
 * and a cache hit is not bandwidth (hls.js#5826).
 */
import type { ByteRange } from './mpd.js';

export interface Download {
  url: string;
  bytes: Uint8Array;
  status: number;
  ttfbS: number;
  transferS: number;
  /** performance.now() / 1000 at the end. */
  endS: number;
  fromCache: boolean;
}

export interface LoadOptions {
  range?: ByteRange;
  signal?: AbortSignal;
  onProgress?: (loaded: number, total: number, elapsedS: number) => void;
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
  const headers: Record<string, string> = {};
  if (opts.range) headers.Range = `bytes=${opts.range.start}-${opts.range.end}`;
  const t0 = performance.now();
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: opts.signal, mode: 'cors', credentials: 'omit' });
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
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      tFirst ??= performance.now();
      chunks.push(value);
      loaded += value.byteLength;
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
    fromCache,
  };
}
