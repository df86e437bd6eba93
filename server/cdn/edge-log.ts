/**
 * What an edge did, from nginx's own access log (one JSON line per /media/ request, the
 * `dashlab_edge` format of deploy/nginx/dashlab-edge.conf): its cache statuses and bytes, and
 * each player's requests with their CMCD. Read incrementally (from where the last read
 * stopped; a line cut in the middle waits for its end), so /cdn's counts are nginx's counts.
 */
import { open } from 'node:fs/promises';
import { cmcdOfRequest, parseCmcd, type CmcdData } from '../../core/cdn/cmcd.js';

/** One logged request. */
export interface EdgeLogEntry {
  ts: number;
  status: number;
  /** nginx's $upstream_cache_status: HIT, MISS, REVALIDATED, STALE, EXPIRED, UPDATING, BYPASS, or "" (not cached). */
  cache: string;
  bytes: number;
  method: string;
  uri: string;
  cmcd?: CmcdData;
}

/** Counts of one edge, by cache status. */
export interface EdgeCounts {
  requests: number;
  hit: number;
  miss: number;
  revalidated: number;
  stale: number;
  expired: number;
  updating: number;
  /** Answered without the cache (health checks are not logged; 4xx before the cache, say). */
  uncached: number;
  bytes: number;
}

export const emptyCounts = (): EdgeCounts => ({ requests: 0, hit: 0, miss: 0, revalidated: 0, stale: 0, expired: 0, updating: 0, uncached: 0, bytes: 0 });

/** Add one entry to the counts (the one place a status is mapped to a count). */
export function count(c: EdgeCounts, e: Pick<EdgeLogEntry, 'cache' | 'bytes'>): void {
  c.requests++;
  c.bytes += e.bytes;
  const key = e.cache.toLowerCase();
  if (key === 'hit' || key === 'miss' || key === 'revalidated' || key === 'stale' || key === 'expired' || key === 'updating') c[key]++;
  else c.uncached++;
}

/** A log line as an entry; undefined for a line that is not one of ours. */
export function parseLogLine(line: string): EdgeLogEntry | undefined {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof raw.uri !== 'string') return undefined;
  const query = typeof raw.cmcd === 'string' && raw.cmcd ? `CMCD=${raw.cmcd}` : '';
  const fromQuery = query ? cmcdOfRequest(`?${query}`) : undefined;
  const headerText = typeof raw.cmcdHeaders === 'string' ? raw.cmcdHeaders : '';
  const fromHeaders = /[a-z]/.test(headerText) ? parseCmcd(headerText) : undefined;
  return {
    ts: Number(raw.ts) || 0,
    status: Number(raw.status) || 0,
    cache: typeof raw.cache === 'string' && raw.cache !== '-' ? raw.cache : '',
    bytes: Number(raw.bytes) || 0,
    method: typeof raw.method === 'string' ? raw.method : 'GET',
    uri: raw.uri,
    cmcd: fromQuery || fromHeaders ? { ...fromHeaders, ...fromQuery } : undefined,
  };
}

/** Reads the new lines of one log file. */
export class EdgeLogReader {
  private offset = 0;
  private partial = '';

  constructor(readonly file: string) {}

  /** The entries logged since the last call (none when the file does not exist yet). */
  async read(): Promise<EdgeLogEntry[]> {
    let fh;
    try {
      fh = await open(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const { size } = await fh.stat();
      if (size < this.offset) this.offset = 0; // rotated or truncated: start again
      if (size === this.offset) return [];
      const buf = Buffer.alloc(Math.min(size - this.offset, 16 * 1024 * 1024));
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      const text = this.partial + buf.subarray(0, bytesRead).toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      return lines.map(parseLogLine).filter((e): e is EdgeLogEntry => Boolean(e));
    } finally {
      await fh.close();
    }
  }
}
