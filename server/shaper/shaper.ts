/**
 * The network shaper: /net/<link>/<path> carries any route of the origin through a shaped
 * link, and /api/links, /api/traces manage links and traces. It runs in one process (the
 * cluster primary, or the single server) so that every request of a link shares one bucket.
 * What a client can make is bounded (links per client and in all, the RTT, trace sizes and
 * counts); traces need the write access uploads need; one broken link closes alone.
 */
import http from 'node:http';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { meanKbps, parseTrace, TraceError, type Trace } from '../../core/traces/index.js';
import { crossSiteRefusal, type Refusal } from '../api/auth.js';
import { clientAddress } from '../client-address.js';
import { cmsdHeaders, EXPOSED_HEADERS } from './cmsd.js';
import { Link, Pacer } from './link.js';
import { parseProfile, profileDescriptions, ProfileError } from './profiles.js';
import { relay } from './relay.js';

export interface ShaperOptions {
  /** Where the origin answers the inner requests, e.g. http://127.0.0.1:8080. */
  originUrl: () => string;
  /** Traces shipped with the project (media/traces/). */
  tracesDir: string;
  /** Uploaded traces (MEDIA_DIR/.traces/). */
  uploadDir: string;
  /** Proxies whose X-Forwarded-For names the client (server/client-address.ts). */
  trustProxies: readonly string[];
  /** Who may upload traces (the upload token's rules: server/api/auth.ts); open when not given. */
  writeRefusal?: (req: http.IncomingMessage) => Refusal | undefined;
  /** Idle links are forgotten after this long. */
  idleMs?: number;
}

export const SHAPER_LIMITS = {
  /** Links one client may hold (one per profile it plays through, and those it makes). */
  linksPerClient: 16,
  links: 2000,
  /** An uploaded trace's body, and how many may be stored. */
  traceBytes: 2 * 1024 * 1024,
  uploadedTraces: 64,
  idleMs: 10 * 60_000,
};

/** The headers through which a cluster worker names the client of a request it forwards (server/cluster/protocol.ts). */
export const FORWARD_HEADERS = { client: 'x-dashlab-client', secret: 'x-dashlab-secret', link: 'x-dashlab-via-link' } as const;

const json = (res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*', ...extra });
  res.end(text);
};

/** Headers only a cluster worker sends the shaper, never passed on. */
const FORWARDED: ReadonlySet<string> = new Set([FORWARD_HEADERS.client, FORWARD_HEADERS.secret]);

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type StoredTrace = Trace & { source: 'shipped' | 'uploaded' };

export class Shaper {
  readonly pacer: Pacer;
  /** Links made with POST /api/links, by id. */
  private links = new Map<string, Link>();
  /** Links of /net/<spec>/, one per spec and client. */
  private bySpec = new Map<string, Link>();
  /** Who holds each link. */
  private owner = new Map<Link, string>();
  private traces = new Map<string, StoredTrace>();
  private sweeper: NodeJS.Timeout;
  private agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  constructor(private readonly opts: ShaperOptions) {
    this.pacer = new Pacer((link) => this.forget(link));
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async loadTraces(): Promise<void> {
    const next = new Map<string, StoredTrace>();
    for (const [dir, source] of [[this.opts.tracesDir, 'shipped'], [this.opts.uploadDir, 'uploaded']] as const) {
      for (const f of await readdir(dir).catch(() => [] as string[])) {
        if (f.startsWith('.') || /\.(md|txt|tmp)$/i.test(f)) continue;
        const name = f.replace(/\.(json|log|trace)$/i, '').toLowerCase();
        if (next.get(name)?.source === 'shipped') continue; // an upload never hides a shipped trace
        try {
          next.set(name, { ...parseTrace(await readFile(path.join(dir, f), 'utf8'), name), name, source });
        } catch {
          // not a trace (a README, a stray file): skip
        }
      }
    }
    this.traces = next;
  }

  trace(name: string): Trace | undefined {
    return this.traces.get(name.toLowerCase());
  }

  private sweep(): void {
    const cutoff = Date.now() - (this.opts.idleMs ?? SHAPER_LIMITS.idleMs);
    for (const l of [...this.bySpec.values(), ...this.links.values()]) if (!l.active && l.lastUsed < cutoff) this.forget(l);
  }

  /** Drop a link: idle, deleted, or broken (the pacer closed it). */
  private forget(link: Link): void {
    this.links.delete(link.id);
    for (const [k, l] of this.bySpec) if (l === link) this.bySpec.delete(k);
    this.owner.delete(link);
  }

  /**
   * A new link for `client`, within the caps. A client at its cap gives up its least recently
   * used idle link (a page reloaded again and again leaves one each time); only a client whose
   * every link is carrying a response now is refused.
   */
  private make(profileSpec: string, client: string, key?: string): Link {
    const mine = [...this.owner].filter(([, c]) => c === client).map(([l]) => l);
    if (mine.length >= SHAPER_LIMITS.linksPerClient) {
      const idle = mine.filter((l) => !l.active).sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (!idle) throw new Refused(429, `this client already has ${mine.length} shaped links carrying responses (at most ${SHAPER_LIMITS.linksPerClient}): delete some (DELETE /api/links/<id>) or let one finish`);
      this.forget(idle);
    }
    if (this.owner.size >= SHAPER_LIMITS.links) throw new Refused(503, `the shaper holds ${this.owner.size} links, its limit: try again when idle ones have gone`);
    const link = new Link(parseProfile(profileSpec, (n) => this.trace(n)), this.pacer);
    this.owner.set(link, client);
    if (key) this.bySpec.set(key, link);
    else this.links.set(link.id, link);
    return link;
  }

  /** The link for a /net/<link>/ segment: a link made by POST /api/links, or one per spec and client. */
  linkFor(seg: string, client: string): Link {
    const made = this.links.get(seg);
    if (made) return made;
    const profile = parseProfile(decodeURIComponent(seg), (n) => this.trace(n));
    const key = `${profile.spec}|${client}`;
    return this.bySpec.get(key) ?? this.make(profile.spec, client, key);
  }

  describe(link: Link) {
    return {
      id: link.id,
      profile: link.profile.spec,
      rttMs: link.profile.rttMs,
      rateKbps: link.rateKbps(),
      traceName: link.profile.trace.name,
      traceTimeS: ((performance.now() - link.startedAt) / 1000) % link.profile.trace.periodS,
      bytesSent: link.bytesSent,
    };
  }

  /**
   * Who a request comes from: its address (through trusted proxies), or, from a cluster worker
   * that shows this primary's secret, the client the worker names.
   */
  private clientOf(req: http.IncomingMessage, forwardedBy?: string): string {
    const named = req.headers[FORWARD_HEADERS.client];
    if (forwardedBy && req.headers[FORWARD_HEADERS.secret] === forwardedBy && typeof named === 'string') return named;
    return clientAddress(req.socket.remoteAddress, req.headers, this.opts.trustProxies);
  }

  /**
   * /net/..., /api/links... and /api/traces... (server/routes.ts sends them here).
   * `forwardedBy`: in a cluster's primary, the secret its workers forward client addresses with.
   */
  handle(req: http.IncomingMessage, res: http.ServerResponse, opts: { forwardedBy?: string } = {}): void {
    const client = this.clientOf(req, opts.forwardedBy);
    if ((req.url ?? '/').startsWith('/net/')) return this.proxy(req, res, client);
    void this.api(req, res, client).catch((err) => {
      if (!res.headersSent) json(res, 500, { error: (err as Error).message });
    });
  }

  private async readBody(req: http.IncomingMessage, limit: number): Promise<string> {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > limit) throw new Refused(413, `the body is larger than ${limit} bytes`);
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private async api(req: http.IncomingMessage, res: http.ServerResponse, client: string): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const parts = u.pathname.split('/').filter(Boolean); // api, links|traces, id?
    const method = req.method ?? 'GET';
    try {
      const refusal = crossSiteRefusal(req);
      if (refusal) return json(res, refusal.status, { error: refusal.error });
      if (parts[1] === 'links') return await this.linksApi(req, res, parts, method, client);
      if (method === 'GET' && parts.length === 2) return json(res, 200, [...this.traces.values()].map((t) => ({ name: t.name, source: t.source, format: t.format, durationS: Number(t.periodS.toFixed(3)), meanKbps: Math.round(meanKbps(t)), rttMs: t.rttMs })));
      if (method === 'POST' && parts.length === 2) return await this.uploadTrace(req, res, u.searchParams.get('name') ?? '');
      return json(res, 405, { error: 'use GET or POST /api/traces' });
    } catch (err) {
      if (err instanceof ProfileError || err instanceof TraceError || err instanceof SyntaxError) return json(res, 400, { error: err.message });
      if (err instanceof Refused) return json(res, err.status, { error: err.message });
      throw err;
    }
  }

  private async linksApi(req: http.IncomingMessage, res: http.ServerResponse, parts: string[], method: string, client: string): Promise<void> {
    const profileOf = async () => {
      const body = JSON.parse((await this.readBody(req, 64 * 1024)) || '{}') as { profile?: unknown };
      if (typeof body.profile !== 'string' || !body.profile) throw new Refused(400, 'send { "profile": "<spec>" }, e.g. { "profile": "1500kbps-80ms" }');
      return body.profile;
    };
    if (parts.length === 2 && method === 'POST') return json(res, 201, this.describe(this.make(await profileOf(), client)));
    if (parts.length === 2 && method === 'GET') return json(res, 200, { profiles: profileDescriptions(), links: [...this.links.values()].map((l) => this.describe(l)) });
    const link = this.links.get(parts[2] ?? '');
    if (!link || parts.length > 3) return json(res, 404, { error: `no link "${parts[2]}"` });
    if (method === 'GET') return json(res, 200, this.describe(link));
    if (method === 'PUT') {
      link.setProfile(parseProfile(await profileOf(), (n) => this.trace(n)));
      return json(res, 200, this.describe(link));
    }
    if (method === 'DELETE') {
      link.close();
      this.forget(link);
      res.writeHead(204).end();
      return;
    }
    return json(res, 405, { error: 'use GET, PUT or DELETE' });
  }

  /** POST /api/traces?name=: the upload token's rules; shipped traces stay; bounded in size and number; written whole. */
  private async uploadTrace(req: http.IncomingMessage, res: http.ServerResponse, rawName: string): Promise<void> {
    const refusal = this.opts.writeRefusal?.(req);
    if (refusal) return json(res, refusal.status, { error: refusal.error }, refusal.headers);
    const name = rawName.toLowerCase();
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) return json(res, 400, { error: 'give the trace a name: POST /api/traces?name=<letters, digits, . _ ->' });
    const existing = this.traces.get(name);
    if (existing?.source === 'shipped') return json(res, 409, { error: `"${name}" is a trace shipped with dashlab and cannot be replaced: upload yours under another name` });
    const uploaded = [...this.traces.values()].filter((t) => t.source === 'uploaded').length;
    if (!existing && uploaded >= SHAPER_LIMITS.uploadedTraces) return json(res, 507, { error: `${uploaded} traces are uploaded already, the limit: replace one of them (same name)` });
    const text = await this.readBody(req, SHAPER_LIMITS.traceBytes);
    const trace = parseTrace(text, name); // refuses a trace that carries no bytes, by name
    await mkdir(this.opts.uploadDir, { recursive: true });
    const file = path.join(this.opts.uploadDir, trace.format === 'json' || trace.format === 'sabre' ? `${name}.json` : name);
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
    this.traces.set(name, { ...trace, name, source: 'uploaded' });
    return json(res, 201, { name, format: trace.format, durationS: trace.periodS, meanKbps: Math.round(meanKbps(trace)) });
  }

  private proxy(req: http.IncomingMessage, res: http.ServerResponse, client: string): void {
    const raw = req.url ?? '/';
    const slash = raw.indexOf('/', '/net/'.length);
    const seg = slash < 0 ? raw.slice(5) : raw.slice(5, slash);
    const rest = slash < 0 ? '/' : raw.slice(slash);
    let link: Link;
    try {
      link = this.linkFor(seg, client);
    } catch (err) {
      if (err instanceof Refused) return json(res, err.status, { error: err.message });
      return json(res, err instanceof ProfileError ? 404 : 400, { error: (err as Error).message });
    }
    if (rest.startsWith('/net/')) return json(res, 400, { error: 'a link inside a link' });
    const origin = new URL(this.opts.originUrl());
    relay(req, res, link, {
      host: origin.hostname,
      port: Number(origin.port),
      path: rest,
      agent: this.agent,
      dropHeaders: FORWARDED,
      // The origin then serves the manifest as packaged, its relative URLs on this link (not a CDN tier's, which would send the segments elsewhere).
      addHeaders: { [FORWARD_HEADERS.link]: link.id },
      answerHeaders: () => ({ 'x-dashlab-link': link.id, ...cmsdHeaders(link, 'dashlab-shaper', rest), 'access-control-expose-headers': EXPOSED_HEADERS }),
      onUnreachable: (r, err) => json(r, 502, { error: `the origin did not answer: ${err.message}` }),
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    this.pacer.stop();
    this.agent.destroy();
  }
}
