/**
 * The CDN tier: N edges (each an nginx with its own cache folder and size limit, behind a
 * shaped last mile of its own: edge-front.ts), their health, what they did (from their logs),
 * what the origin did for them, the players watching, and the choice of which edge serves
 * whom (core/cdn/steering-rule.ts). `npm run cdn` composes it with an origin (scripts/cdn.ts); its routes
 * are in routes.ts.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { cmcdOfRequest, type CmcdData } from '../../core/cdn/cmcd.js';
import { freePort } from '../free-port.js';
import type { ResponseInfo } from '../media/handler.js';
import { Pacer } from '../shaper/link.js';
import type { LinkProfile } from '../shaper/profiles.js';
import { EdgeFront } from './edge-front.js';
import { count, EdgeLogReader, emptyCounts, type EdgeCounts, type EdgeLogEntry } from './edge-log.js';
import { EdgeNginx } from './nginx.js';
import { ORIGIN_PATHWAY, pathwayPriority, type EdgeView, type SteeringClient } from '../../core/cdn/steering-rule.js';

export interface EdgeSpec {
  id: string;
  profile: LinkProfile;
  /** The viewers' port. */
  port: number;
  cacheMb: number;
}

export interface CdnTierOptions {
  originPort: number;
  edges: EdgeSpec[];
  /** Where the edges keep their caches, logs and configurations (emptied at start). */
  workDir: string;
  /** Seconds between a client's steering requests. */
  steeringTtlS: number;
  /** Viewers an edge takes before steering prefers others (0: no limit). */
  edgeCapacity: number;
}

interface Edge {
  spec: EdgeSpec;
  nginx: EdgeNginx;
  front: EdgeFront;
  log: EdgeLogReader;
  counts: EdgeCounts;
  up: boolean;
  cacheBytes: number;
}

/** One player as the servers see it, from the CMCD of its requests. */
export interface PlayerView {
  sid: string;
  cid?: string;
  firstSeen: number;
  lastSeen: number;
  /** The latest values it reported. */
  bufferMs?: number;
  throughputKbps?: number;
  bitrateKbps?: number;
  /** Who served its media segments, oldest first (the last SEGMENTS_KEPT). */
  segments: Array<{ edge: string; ot: string; br?: number; cache: string }>;
}

const SEGMENTS_KEPT = 150;
const PLAYERS_KEPT = 300;
/** A player is watching "now" when it requested something this recently. */
export const WATCHING_MS = 10_000;


async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (e.isFile()) total += (await stat(path.join(e.parentPath ?? dir, e.name)).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

export class CdnTier {
  readonly pacer = new Pacer();
  readonly edges: Edge[] = [];
  readonly origin = { requests: 0, notModified: 0, bytes: 0, bytesToViewers: 0 };
  private players = new Map<string, PlayerView>();
  /** Steering sessions and the edge each was last given. */
  private assigned = new Map<string, { edge: string; atMs: number }>();
  private timers: NodeJS.Timeout[] = [];
  steeringRequests = 0;

  constructor(readonly opts: CdnTierOptions) {}

  /** Start every edge (nginx, then its front); on any failure, stop what started and throw. */
  async start(): Promise<void> {
    await rm(this.opts.workDir, { recursive: true, force: true });
    try {
      for (const spec of this.opts.edges) {
        const nginx = new EdgeNginx({ originPort: this.opts.originPort, port: await freePort(), dir: path.join(this.opts.workDir, spec.id), cacheMb: spec.cacheMb });
        await nginx.start();
        const front = new EdgeFront({ id: spec.id, profile: spec.profile, nginxPort: nginx.opts.port, pacer: this.pacer });
        const edge: Edge = { spec, nginx, front, log: new EdgeLogReader(nginx.accessLog), counts: emptyCounts(), up: true, cacheBytes: 0 };
        this.edges.push(edge);
        await front.listen(spec.port).catch((err: NodeJS.ErrnoException) => {
          throw new Error(err.code === 'EADDRINUSE' ? `port ${spec.port} (edge ${spec.id}) is in use: choose another --port` : `edge ${spec.id}: ${err.message}`);
        });
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.timers.push(setInterval(() => void this.poll(), 500), setInterval(() => void this.measureCaches(), 3000));
    for (const t of this.timers) t.unref();
  }

  edge(id: string): Edge | undefined {
    return this.edges.find((e) => e.spec.id === id);
  }

  urlOf(e: Edge): string {
    return `http://127.0.0.1:${e.spec.port}`;
  }

  /** Health and logs, now (also called before answering /api/cdn, so its counts are current). */
  async poll(): Promise<void> {
    await Promise.all(
      this.edges.map(async (e) => {
        e.up = e.nginx.running && (await e.nginx.healthy(400));
        for (const entry of await e.log.read()) {
          count(e.counts, entry);
          if (entry.cmcd?.sid) this.seen(entry.cmcd, e.spec.id, entry);
        }
      }),
    );
  }

  private async measureCaches(): Promise<void> {
    for (const e of this.edges) e.cacheBytes = await folderBytes(e.nginx.cacheDir);
  }

  /** A request a player made, with its CMCD, served by `edge`. */
  private seen(c: CmcdData, edge: string, entry: Pick<EdgeLogEntry, 'cache' | 'ts'>): void {
    const sid = c.sid!.slice(0, 64);
    let p = this.players.get(sid);
    const now = Date.now();
    if (!p) {
      if (this.players.size >= PLAYERS_KEPT) {
        const oldest = [...this.players.values()].sort((a, b) => a.lastSeen - b.lastSeen)[0];
        this.players.delete(oldest.sid);
      }
      p = { sid, cid: c.cid, firstSeen: now, lastSeen: now, segments: [] };
      this.players.set(sid, p);
    }
    p.lastSeen = now;
    if (c.bl !== undefined) p.bufferMs = c.bl;
    if (c.mtp !== undefined) p.throughputKbps = c.mtp;
    if (c.ot === 'v' && c.br !== undefined) p.bitrateKbps = c.br;
    if (c.ot === 'v' || c.ot === 'a') {
      p.segments.push({ edge, ot: c.ot, br: c.br, cache: entry.cache });
      if (p.segments.length > SEGMENTS_KEPT) p.segments.shift();
    }
  }

  /** Every media response of the origin: its counts, and players served by it directly. */
  onOriginResponse(info: ResponseInfo, req: IncomingMessage): void {
    this.origin.requests++;
    if (info.notModified) this.origin.notModified++;
    this.origin.bytes += info.bytes;
    // The edges' nginx names the viewer in X-Forwarded-For; a viewer at the origin does not.
    if (req.headers['x-forwarded-for'] === undefined) {
      this.origin.bytesToViewers += info.bytes;
      const c = cmcdOfRequest(req.url ?? '', req.headers);
      if (c?.sid) this.seen(c, ORIGIN_PATHWAY, { cache: '', ts: Date.now() / 1000 });
    }
  }

  /**
   * The edges as the steering rule sees them. An edge's viewers: the players whose latest
   * segment came from it, or the steering sessions it was given (whichever is more: a session
   * just sent there has not fetched yet), leaving out the session asking (it is not its own
   * load: counted, it would find its own edge full and leave it).
   */
  views(asking?: string): EdgeView[] {
    const watching = this.watching();
    const assigned = [...this.assigned].filter(([k]) => k !== asking).map(([, a]) => a.edge);
    // The asking session is among the players on the edge it holds: not its own load either.
    const held = asking ? this.assigned.get(asking)?.edge : undefined;
    return this.edges.map((e) => {
      const players = watching.filter((p) => p.segments.at(-1)?.edge === e.spec.id).length - (e.spec.id === held ? 1 : 0);
      return {
        id: e.spec.id,
        link: e.front.profile.spec,
        up: e.up,
        rateKbps: e.front.rateKbps(),
        rttMs: e.front.profile.rttMs,
        viewers: Math.max(0, players, assigned.filter((x) => x === e.spec.id).length),
        capacity: this.opts.edgeCapacity,
      };
    });
  }

  /**
   * Pathways for a client, best first (core/cdn/steering-rule.ts). A steering session's answer
   * counts against the edge it names at once: otherwise every client asking within a TTL gets
   * the same answer and they all move together, back and forth (herding: seen on /cdn with a
   * capacity of one viewer, three players leaving the full edge for the same one, and back).
   */
  priority(client: SteeringClient & { session?: string }): string[] {
    const now = Date.now();
    for (const [k, a] of this.assigned) if (now - a.atMs > (3 * this.opts.steeringTtlS + 10) * 1000) this.assigned.delete(k);
    const order = pathwayPriority(this.views(client.session), client);
    if (client.session && order[0] !== ORIGIN_PATHWAY) {
      if (this.assigned.size >= PLAYERS_KEPT && !this.assigned.has(client.session)) this.assigned.delete(this.assigned.keys().next().value!);
      this.assigned.set(client.session, { edge: order[0], atMs: now });
    }
    return order;
  }

  /** The edge a redirect sends a client to; undefined when every edge is down. */
  routeTo(loc: string | undefined): Edge | undefined {
    const first = pathwayPriority(this.views(), { loc: loc === 'auto' ? undefined : loc }).find((p) => p !== ORIGIN_PATHWAY);
    return first ? this.edge(first) : undefined;
  }

  watching(now = Date.now()): PlayerView[] {
    return [...this.players.values()].filter((p) => now - p.lastSeen < WATCHING_MS);
  }

  /** GET /api/cdn (DESIGN.md's contract, and more). */
  snapshot(originUrl: string) {
    const edgeBytes = this.edges.reduce((s, e) => s + e.counts.bytes, 0);
    const viewerBytes = edgeBytes + this.origin.bytesToViewers;
    const views = this.views();
    return {
      origin: { url: originUrl, requests: this.origin.requests, notModified: this.origin.notModified, bytes: this.origin.bytes, bytesToViewers: this.origin.bytesToViewers },
      edges: this.edges.map((e, i) => ({
        id: e.spec.id,
        url: this.urlOf(e),
        link: e.front.profile.spec,
        rateKbps: Math.round(views[i].rateKbps),
        rttMs: views[i].rttMs,
        up: e.up,
        hit: e.counts.hit,
        miss: e.counts.miss,
        revalidated: e.counts.revalidated,
        stale: e.counts.stale,
        expired: e.counts.expired,
        updating: e.counts.updating,
        uncached: e.counts.uncached,
        requests: e.counts.requests,
        bytes: e.counts.bytes,
        cacheBytes: e.cacheBytes,
        cacheMaxBytes: e.spec.cacheMb * 1024 * 1024,
        viewers: views[i].viewers,
        accessLog: e.nginx.accessLog,
      })),
      /** The share of the bytes viewers got that came from edges (the rest came from the origin directly). */
      offload: viewerBytes > 0 ? edgeBytes / viewerBytes : 0,
      /** What the tier saved the origin: 1 - the origin's egress (to edges and viewers) / the bytes viewers got. */
      originSaved: viewerBytes > 0 ? Math.max(0, 1 - this.origin.bytes / viewerBytes) : 0,
      viewerBytes,
      steering: { ttlS: this.opts.steeringTtlS, requests: this.steeringRequests, priority: pathwayPriority(views) },
      players: this.watching().map((p) => ({ ...p, edge: p.segments.at(-1)?.edge })),
    };
  }

  /** Prometheus text for /metrics: each edge's counts, and each player watching as its CMCD says. */
  metricsText(): string {
    const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const lines: string[] = [];
    const family = (name: string, type: string, help: string, rows: Array<[Record<string, string>, number]>) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of rows) lines.push(`${name}{${Object.entries(labels).map(([k, x]) => `${k}="${label(x)}"`).join(',')}} ${v}`);
    };
    const statuses = ['hit', 'miss', 'revalidated', 'stale', 'expired', 'updating', 'uncached'] as const;
    family('dashlab_edge_requests_total', 'counter', 'Requests an edge answered, by cache status (from its nginx access log).', this.edges.flatMap((e) => statuses.map((c): [Record<string, string>, number] => [{ edge: e.spec.id, cache: c }, e.counts[c]])));
    family('dashlab_edge_bytes_total', 'counter', 'Bytes an edge sent to viewers (from its nginx access log).', this.edges.map((e) => [{ edge: e.spec.id }, e.counts.bytes]));
    family('dashlab_edge_up', 'gauge', 'Whether an edge answers its health check.', this.edges.map((e) => [{ edge: e.spec.id }, e.up ? 1 : 0]));
    const players = this.watching();
    const who = (p: PlayerView) => ({ sid: p.sid, cid: p.cid ?? '', edge: p.segments.at(-1)?.edge ?? '' });
    family('dashlab_cmcd_buffer_seconds', 'gauge', 'Each player watching: its buffer, as its CMCD says (bl).', players.filter((p) => p.bufferMs !== undefined).map((p) => [who(p), p.bufferMs! / 1000]));
    family('dashlab_cmcd_throughput_kbps', 'gauge', 'Each player watching: the throughput it measures, as its CMCD says (mtp).', players.filter((p) => p.throughputKbps !== undefined).map((p) => [who(p), p.throughputKbps!]));
    family('dashlab_cmcd_bitrate_kbps', 'gauge', 'Each player watching: the bitrate of its latest video request (br).', players.filter((p) => p.bitrateKbps !== undefined).map((p) => [who(p), p.bitrateKbps!]));
    return `${lines.join('\n')}\n`;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.all(this.edges.map(async (e) => Promise.all([e.front.close().catch(() => undefined), e.nginx.stop()])));
    this.pacer.stop();
  }
}
