/**
 * Where to fetch each segment. A manifest may offer every segment at several BaseURLs (an
 * origin and CDN edges; parseMpd keeps them all, in the manifest's order). The player
 * measures each source on its own downloads and asks, for every request, which order to
 * try them in:
 *  1. a source not measured yet, or not used for `remeasureAfterS`, first (once): the only
 *     way to know an edge is to fetch from it. While a request to it is under way, the
 *     next unmeasured one is tried instead (audio and video fetch side by side), and
 *     measured sources come before it;
 *  2. then the fastest, by an EWMA of the throughput of its downloads (latency included);
 *  3. a source that failed (network error, HTTP error) recently, last: for `retryAfterS`
 *     after one failure, twice as long after each further failure in a row (up to
 *     `maxRetryAfterS`), so a dead edge costs a request now and then, not one a segment.
 * Under Content Steering (prefer()), the steering server's order replaces 1 and 2: the
 * server knows what the client cannot measure (an edge's health and load); 3 still holds.
 * Pure: URLs and a clock in, an order out (no fetch, no timers).
 */

export const SOURCE_DEFAULTS = {
  /** A failed source goes last for this long (doubled for each further failure in a row). */
  retryAfterS: 10,
  maxRetryAfterS: 300,
  /** A source not used for this long is measured again. */
  remeasureAfterS: 60,
  /** Weight of the newest download in a source's throughput average. */
  alpha: 0.5,
  /** Smaller downloads (init segments, tiny segments) say little about a source's rate. */
  minSampleBytes: 32 * 1024,
};

export interface SourceState {
  source: string;
  /** Average throughput of its downloads, bits per second (undefined: not measured). */
  bps?: number;
  downloads: number;
  failures: number;
  /** Failures since its last success. */
  failuresInRow: number;
  lastUsedS?: number;
  failedAtS?: number;
  /** Requests under way. */
  inflight: number;
}

/** The source a URL belongs to: the URL without its file name (and query). */
export function sourceOf(url: string): string {
  const noQuery = url.split(/[?#]/)[0];
  return noQuery.slice(0, noQuery.lastIndexOf('/') + 1);
}

export class SourcePicker {
  private states = new Map<string, SourceState>();
  /** Sources in the steering server's order (undefined: choose by measurement). */
  private preferred?: string[];

  constructor(private readonly opts: typeof SOURCE_DEFAULTS = SOURCE_DEFAULTS) {}

  private state(url: string): SourceState {
    const key = sourceOf(url);
    let s = this.states.get(key);
    if (!s) {
      s = { source: key, downloads: 0, failures: 0, failuresInRow: 0, inflight: 0 };
      this.states.set(key, s);
    }
    return s;
  }

  /** Follow a steering server's order of sources (their URL prefixes, best first); undefined: measure and choose again. */
  prefer(sources: string[] | undefined): void {
    this.preferred = sources;
  }

  /** The order to try `urls` in (the same segment at each source), best first. */
  order(urls: string[], nowS: number): string[] {
    if (urls.length < 2) return urls;
    const preferred = this.preferred;
    const rank = (url: string): [number, number] => {
      const s = this.state(url);
      const backoffS = Math.min(this.opts.maxRetryAfterS, this.opts.retryAfterS * 2 ** Math.max(0, s.failuresInRow - 1));
      if (s.failedAtS !== undefined && nowS - s.failedAtS < backoffS) return [2, -(s.bps ?? 0)];
      if (preferred) {
        const at = preferred.indexOf(s.source);
        return [1, at < 0 ? preferred.length : at];
      }
      const stale = s.lastUsedS === undefined || nowS - s.lastUsedS >= this.opts.remeasureAfterS;
      if (s.bps === undefined || stale) return s.inflight ? [1.5, 0] : [0, 0];
      return [1, -s.bps];
    };
    // Stable: equal ranks keep the manifest's order.
    return urls
      .map((url, i) => ({ url, i, r: rank(url) }))
      .sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || a.i - b.i)
      .map((x) => x.url);
  }

  /** A request to `url` starts; call the function returned when it ends, however it ends. */
  begin(url: string): () => void {
    const s = this.state(url);
    s.inflight++;
    let ended = false;
    return () => {
      if (!ended) s.inflight--;
      ended = true;
    };
  }

  /** A download from `url` finished: `seconds` from request to last byte. */
  succeeded(url: string, bytes: number, seconds: number, nowS: number): void {
    const s = this.state(url);
    s.downloads++;
    s.lastUsedS = nowS;
    s.failedAtS = undefined;
    s.failuresInRow = 0;
    if (bytes < this.opts.minSampleBytes || !(seconds > 0)) return;
    const bps = (bytes * 8) / seconds;
    s.bps = s.bps === undefined ? bps : this.opts.alpha * bps + (1 - this.opts.alpha) * s.bps;
  }

  /** A request to `url` failed (not an abort). */
  failed(url: string, nowS: number): void {
    const s = this.state(url);
    s.failures++;
    s.failuresInRow++;
    s.failedAtS = nowS;
    s.lastUsedS = nowS;
  }

  snapshot(): SourceState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }
}
