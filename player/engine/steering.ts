/**
 * Our player's side of DASH-IF Content Steering: ask the steering server named in the MPD
 * (before the first segment when the MPD says queryBeforeStart), then the RELOAD-URI of each
 * answer every TTL seconds, telling it the pathways used and the throughput measured on each
 * (as dash.js does: core/mpd/steering.ts; with our CMCD too, when the player sends it), and hand the answer's PATHWAY-PRIORITY to the
 * source picker as an order of BaseURLs. A steering server that fails or answers nonsense
 * leaves the order as it was and is asked again after the TTL (or 10 s); 404 and 410 stop it.
 */
import type { ContentSteering, Manifest } from '../../core/mpd/parse.js';
import { parseSteeringManifest, steeringRequestUrl, type SteeringManifest } from '../../core/mpd/steering.js';
import type { SourcePicker, SourceState } from './sources.js';

const RETRY_S = 10;

export class SteeringClient {
  private next?: string;
  private timer?: ReturnType<typeof setTimeout>;
  private stopped = false;
  /** The latest answer, for the stats. */
  latest?: SteeringManifest & { atS: number };
  requests = 0;

  constructor(
    private readonly steering: ContentSteering,
    private readonly baseUrls: Manifest['baseUrls'],
    private readonly sources: SourcePicker,
    private readonly opts: { credentials?: RequestCredentials; signal: AbortSignal; onAnswer?: (m: SteeringManifest) => void; /** The request URL with the player's CMCD (its session, buffer, throughput), when it sends CMCD. */ withCmcd?: (url: string) => string },
  ) {
    opts.signal.addEventListener('abort', () => this.stop(), { once: true });
    const first = baseUrls.find((b) => b.serviceLocation === steering.defaultServiceLocation);
    // Before any answer: the default pathway first, the rest as the MPD lists them.
    if (first) sources.prefer([first.url, ...baseUrls.filter((b) => b !== first).map((b) => b.url)]);
  }

  /** The first request; awaited before the first segment when the MPD asks for it. */
  async start(): Promise<void> {
    const first = this.ask();
    if (this.steering.queryBeforeStart) await first;
  }

  private used(): Array<{ pathway: string; bps?: number }> {
    const states = new Map<string, SourceState>(this.sources.snapshot().map((s) => [s.source, s]));
    return this.baseUrls
      .filter((b) => b.serviceLocation && states.get(b.url)?.downloads)
      .map((b) => ({ pathway: b.serviceLocation!, bps: states.get(b.url)?.bps }));
  }

  private async ask(): Promise<void> {
    if (this.stopped) return;
    let ttl = RETRY_S;
    try {
      this.requests++;
      const url = steeringRequestUrl(this.next ?? this.steering.serverUrl, this.used());
      const res = await fetch(this.opts.withCmcd ? this.opts.withCmcd(url) : url, { credentials: this.opts.credentials, signal: this.opts.signal, cache: 'no-store' });
      if (res.status === 404 || res.status === 410) return this.stop();
      const answer = res.ok ? parseSteeringManifest(await res.json()) : undefined;
      if (answer) {
        ttl = answer.TTL;
        if (answer['RELOAD-URI']) this.next = new URL(answer['RELOAD-URI'], this.next ?? this.steering.serverUrl).toString();
        this.apply(answer);
      }
    } catch {
      // unreachable or not JSON: keep the order we have, ask again later
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.ask(), ttl * 1000);
  }

  private apply(answer: SteeringManifest): void {
    const order = answer['PATHWAY-PRIORITY'].flatMap((p) => this.baseUrls.filter((b) => b.serviceLocation === p).map((b) => b.url));
    // Pathways the answer leaves out go after those it lists (a client never has nowhere to go).
    const rest = this.baseUrls.map((b) => b.url).filter((u) => !order.includes(u));
    this.sources.prefer([...order, ...rest]);
    this.latest = { ...answer, atS: performance.now() / 1000 };
    this.opts.onAnswer?.(answer);
  }

  /** The pathway a source (URL prefix) belongs to. */
  pathwayOf(source: string): string | undefined {
    return this.baseUrls.find((b) => b.url === source)?.serviceLocation;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
