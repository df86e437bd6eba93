/**
 * Many viewers on a CDN, over real HTTP: each picks a video by popularity (Zipf), is at one
 * edge's location (viewer i at edge i mod E), and fetches its video's files in order, as fast
 * as its link allows (the edge's shaped last mile: each viewer names itself with a CMCD
 * session, so each has a link of its own). Arrivals are spread over the run, at most
 * `concurrency` watching at once, so caches see a stream of viewers rather than one burst.
 */
import { encodeCmcd } from '../../core/cdn/cmcd.js';
import { seededRandom } from '../../core/random.js';
import { zipfSampler } from './zipf.js';

export interface LoadVideo {
  id: string;
  /** Its files in the order a player fetches them (init segments, then media segments). */
  files: string[];
}

export interface LoadOptions {
  /** Edge base URLs, e.g. http://127.0.0.1:8081. */
  edges: string[];
  /** Videos, the most popular first. */
  videos: LoadVideo[];
  viewers: number;
  /** Zipf exponent (0: every video as popular). */
  skew: number;
  seed: number;
  /** Viewers fetching at once. */
  concurrency: number;
  /**
   * For a benchmark: every one of `viewers` watches at once, video after video, until this
   * many seconds have passed (`concurrency` is then unused).
   */
  durationS?: number;
  onViewer?: (done: number) => void;
}

export interface LoadResult {
  requests: number;
  failures: number;
  bytes: number;
  seconds: number;
  /** How many viewers watched each video (by popularity rank). */
  views: number[];
}

export async function runViewers(o: LoadOptions): Promise<LoadResult> {
  const random = seededRandom(o.seed);
  const pick = zipfSampler(o.videos.length, o.skew, random);
  const result: LoadResult = { requests: 0, failures: 0, bytes: 0, seconds: 0, views: o.videos.map(() => 0) };
  const t0 = performance.now();
  const timed = o.durationS !== undefined;
  const plan = timed ? [] : Array.from({ length: o.viewers }, (_, i) => ({ i, video: pick(), edge: o.edges[i % o.edges.length] }));
  let next = 0;
  let done = 0;
  const over = () => timed && performance.now() - t0 >= o.durationS! * 1000;
  const worker = async (w: number) => {
    for (;;) {
      const v = timed ? (over() ? undefined : { i: w, video: pick(), edge: o.edges[w % o.edges.length] }) : plan[next++];
      if (!v) return;
      const video = o.videos[v.video];
      result.views[v.video]++;
      const cmcd = encodeURIComponent(encodeCmcd({ sid: `load-${o.seed}-${v.i}`, cid: video.id, sf: 'd', st: 'v' }));
      for (const file of video.files) {
        if (over()) break;
        result.requests++;
        try {
          const res = await fetch(`${v.edge}/media/${encodeURIComponent(video.id)}/${file}?CMCD=${cmcd}`);
          const body = await res.arrayBuffer();
          if (!res.ok) result.failures++;
          else result.bytes += body.byteLength;
        } catch {
          result.failures++;
        }
      }
      o.onViewer?.(++done);
    }
  };
  await Promise.all(Array.from({ length: timed ? o.viewers : Math.min(o.concurrency, o.viewers) }, (_, w) => worker(w)));
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}
