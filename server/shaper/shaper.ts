/**
 * The network shaper: /net/<link>/<path> carries any route of the origin through a shaped
 * link, and /api/links, /api/traces manage links and traces. It runs in one process (the
 * cluster primary, or the single server) so that every request of a link shares one bucket.
 */
import http from 'node:http';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { meanKbps, parseTrace, TraceError, type Trace } from '../../player/sim/traces.js';
import { Link, Pacer } from './link.js';
import { parseProfile, profileDescriptions, ProfileError } from './profiles.js';

export interface ShaperOptions {
  /** Where the origin answers the inner requests, e.g. http://127.0.0.1:8080. */
  originUrl: () => string;
  /** Traces shipped with the project (media/traces/). */
  tracesDir: string;
  /** Uploaded traces (MEDIA_DIR/.traces/). */
  uploadDir: string;
  /** Idle links are forgotten after this long. */
  idleMs?: number;
}

/** Who a request comes from: the address, or the header a cluster worker forwards it in. */
const clientOf = (req: http.IncomingMessage) => String(req.headers['x-dashlab-client'] ?? req.socket.remoteAddress ?? 'unknown');

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*' });
  res.end(text);
};

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host']);

export class Shaper {
  readonly pacer = new Pacer();
  private links = new Map<string, Link>();
  private bySpec = new Map<string, Link>();
  private traces = new Map<string, Trace & { source: string }>();
  private sweeper: NodeJS.Timeout;
  private agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  constructor(private readonly opts: ShaperOptions) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async loadTraces(): Promise<void> {
    const next = new Map<string, Trace & { source: string }>();
    for (const [dir, source] of [[this.opts.tracesDir, 'shipped'], [this.opts.uploadDir, 'uploaded']] as const) {
      for (const f of await readdir(dir).catch(() => [] as string[])) {
        if (f.startsWith('.') || /\.(md|txt)$/i.test(f)) continue;
        const name = f.replace(/\.(json|log|trace)$/i, '').toLowerCase();
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
    const cutoff = Date.now() - (this.opts.idleMs ?? 30 * 60_000);
    for (const [k, l] of this.bySpec) if (!l.active && l.lastUsed < cutoff) this.bySpec.delete(k);
    for (const [k, l] of this.links) if (!l.active && l.lastUsed < cutoff) this.links.delete(k);
  }

  /** The link for a /net/<link>/ segment: a link made by POST /api/links, or one per spec and client. */
  linkFor(seg: string, client: string): Link {
    const made = this.links.get(seg);
    if (made) return made;
    const profile = parseProfile(decodeURIComponent(seg), (n) => this.trace(n));
    const key = `${profile.spec}|${client}`;
    let link = this.bySpec.get(key);
    if (!link) {
      link = new Link(profile, this.pacer);
      this.bySpec.set(key, link);
    }
    return link;
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

  /** Handle /net/..., /api/links... and /api/traces...; returns false for anything else. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = req.url ?? '/';
    if (url.startsWith('/net/')) {
      this.proxy(req, res);
      return true;
    }
    if (url.startsWith('/api/links') || url.startsWith('/api/traces')) {
      void this.api(req, res).catch((err) => json(res, 500, { error: (err as Error).message }));
      return true;
    }
    return false;
  }

  private async readBody(req: http.IncomingMessage, limit: number): Promise<string> {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > limit) throw Object.assign(new Error(`the body is larger than ${limit} bytes`), { status: 413 });
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private async api(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const parts = u.pathname.split('/').filter(Boolean); // api, links|traces, id?
    const method = req.method ?? 'GET';
    try {
      if (parts[1] === 'links') {
        if (parts.length === 2 && method === 'POST') {
          const body = JSON.parse((await this.readBody(req, 64 * 1024)) || '{}') as { profile?: string };
          if (!body.profile) return json(res, 400, { error: 'send { "profile": "<spec>" }, e.g. { "profile": "1500kbps-80ms" }' });
          const link = new Link(parseProfile(body.profile, (n) => this.trace(n)), this.pacer);
          this.links.set(link.id, link);
          return json(res, 201, this.describe(link));
        }
        if (parts.length === 2 && method === 'GET') {
          return json(res, 200, { profiles: profileDescriptions(), links: [...this.links.values()].map((l) => this.describe(l)) });
        }
        const link = this.links.get(parts[2] ?? '');
        if (!link) return json(res, 404, { error: `no link "${parts[2]}"` });
        if (method === 'GET') return json(res, 200, this.describe(link));
        if (method === 'PUT') {
          const body = JSON.parse((await this.readBody(req, 64 * 1024)) || '{}') as { profile?: string };
          if (!body.profile) return json(res, 400, { error: 'send { "profile": "<spec>" }' });
          link.setProfile(parseProfile(body.profile, (n) => this.trace(n)));
          return json(res, 200, this.describe(link));
        }
        if (method === 'DELETE') {
          this.links.delete(link.id);
          res.writeHead(204).end();
          return;
        }
        return json(res, 405, { error: 'use GET, PUT or DELETE' });
      }
      // traces
      if (method === 'GET') {
        return json(res, 200, [...this.traces.values()].map((t) => ({ name: t.name, source: t.source, format: t.format, durationS: Number(t.periodS.toFixed(3)), meanKbps: Math.round(meanKbps(t)), rttMs: t.rttMs })));
      }
      if (method === 'POST') {
        const name = (u.searchParams.get('name') ?? '').toLowerCase();
        if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) return json(res, 400, { error: 'give the trace a name: POST /api/traces?name=<letters, digits, . _ ->' });
        const text = await this.readBody(req, 8 * 1024 * 1024);
        const trace = parseTrace(text, name);
        await mkdir(this.opts.uploadDir, { recursive: true });
        await writeFile(path.join(this.opts.uploadDir, trace.format === 'json' ? `${name}.json` : name), text);
        await this.loadTraces();
        return json(res, 201, { name, format: trace.format, durationS: trace.periodS, meanKbps: Math.round(meanKbps(trace)) });
      }
      return json(res, 405, { error: 'use GET or POST' });
    } catch (err) {
      if (err instanceof ProfileError || err instanceof TraceError || err instanceof SyntaxError) return json(res, 400, { error: err.message });
      const status = (err as { status?: number }).status;
      if (status) return json(res, status, { error: (err as Error).message });
      throw err;
    }
  }

  private proxy(req: http.IncomingMessage, res: http.ServerResponse): void {
    const raw = req.url ?? '/';
    const slash = raw.indexOf('/', '/net/'.length);
    const seg = slash < 0 ? raw.slice(5) : raw.slice(5, slash);
    const rest = slash < 0 ? '/' : raw.slice(slash);
    let link: Link;
    try {
      link = this.linkFor(seg, clientOf(req));
    } catch (err) {
      return json(res, err instanceof ProfileError ? 404 : 400, { error: (err as Error).message });
    }
    if (rest.startsWith('/net/')) return json(res, 400, { error: 'a link inside a link' });
    link.lastUsed = Date.now();
    const halfRtt = link.profile.rttMs / 2;
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
    let closed = false;
    res.on('close', () => (closed = true));
    setTimeout(() => {
      if (closed) return;
      const origin = new URL(this.opts.originUrl());
      const inner = http.request(
        { host: origin.hostname, port: origin.port, method: req.method, path: rest, headers, agent: this.agent },
        (up) => {
          setTimeout(() => {
            if (closed) return up.destroy();
            const out: http.OutgoingHttpHeaders = {};
            for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
            out['x-dashlab-link'] = link.id;
            res.writeHead(up.statusCode ?? 502, out);
            const flow = link.open(res);
            up.on('data', (c: Buffer) => {
              if (!flow.push(c)) up.pause();
            });
            flow.onDrained = () => up.resume();
            up.on('end', () => flow.end());
            up.on('error', () => {
              flow.abort();
              res.destroy();
            });
            res.on('close', () => {
              flow.abort();
              up.destroy();
            });
          }, halfRtt);
        },
      );
      inner.on('error', (err) => {
        if (!res.headersSent) json(res, 502, { error: `the origin did not answer: ${err.message}` });
        else res.destroy();
      });
      req.pipe(inner);
    }, halfRtt);
  }

  close(): void {
    clearInterval(this.sweeper);
    this.pacer.stop();
    this.agent.destroy();
  }
}
