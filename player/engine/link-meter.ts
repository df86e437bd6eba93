/**
 * The link as this player sees it: every byte any of its downloads receives (video, audio,
 * init segments, whichever stream), when it arrives. A download's own throughput is only its
 * share of the link: with an audio segment moving beside it a video segment sees about half
 * (measured in Chromium on a 500 kbit/s link: every download 250 kbit/s, for the audio and the
 * video streams were almost always both moving). The estimate here is the bytes that arrived
 * over the most recent `windowS` of time in which at least one transfer was under way: what the
 * link delivers. Transfers still under way count as they go; one a cache answered is dropped.
 * This is the page's estimate; the ABR keeps its own samples.
 */

interface Transfer {
  /** Arrivals: seconds (performance.now() / 1000) and bytes, in order. */
  arrivals: Array<[number, number]>;
  open: boolean;
}

export class LinkMeter {
  private transfers: Transfer[] = [];

  constructor(
    private readonly windowS = 2,
    /** Transfers kept (the newest). */
    private readonly keep = 24,
  ) {}

  /** A transfer begins: report its bytes as they arrive, then whether a cache answered it. */
  open(): { bytes(n: number, tS: number): void; close(fromCache: boolean): void } {
    const t: Transfer = { arrivals: [], open: true };
    this.transfers.push(t);
    if (this.transfers.length > this.keep) this.transfers.shift();
    return {
      bytes: (n, tS) => void t.arrivals.push([tS, n]),
      close: (fromCache) => {
        t.open = false;
        if (fromCache) this.transfers = this.transfers.filter((x) => x !== t);
      },
    };
  }

  /**
   * Bits per second over the last `windowS` of busy time (the union of the transfers' spans,
   * from first to last byte, an open one to `nowS`); undefined before any span. Overlapping
   * transfers count once in time and fully in bytes: two flows sharing the link add up to it.
   */
  estimateBps(nowS = performance.now() / 1000): number | undefined {
    const spans: Array<[number, number]> = [];
    for (const t of this.transfers) {
      if (!t.arrivals.length) continue;
      const end = t.open ? nowS : t.arrivals[t.arrivals.length - 1][0];
      if (end > t.arrivals[0][0]) spans.push([t.arrivals[0][0], end]);
    }
    const busy = union(spans);
    // Back from the newest, until windowS of busy time.
    const chosen: Array<[number, number]> = [];
    let time = 0;
    for (let i = busy.length - 1; i >= 0 && time < this.windowS; i--) {
      const [a, b] = busy[i];
      const from = Math.max(a, b - (this.windowS - time));
      chosen.push([from, b]);
      time += b - from;
    }
    if (!(time > 0)) return undefined;
    let bytes = 0;
    for (const t of this.transfers) for (const [at, n] of t.arrivals) if (chosen.some(([a, b]) => at > a && at <= b)) bytes += n;
    return (bytes * 8) / time;
  }
}

/** Intervals merged into disjoint ones, in order. */
function union(spans: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...spans].sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
