/**
 * The last mile of one edge: what its viewers connect to. Each viewer gets a link of the edge's
 * profile of its own (near: 40 Mbit/s and 10 ms; far: 8 Mbit/s and 80 ms; a trace), so "near"
 * is something a viewer sees, and viewers of one edge do not slow each other down (their access
 * links are theirs; the edge's cache is shared). A viewer is its CMCD session id when it sends
 * one (several players in one browser are several viewers), else its address. Requests go on
 * to the edge's nginx; answers come back with the edge's id and CMSD (the link's rate).
 */
import http from 'node:http';
import { cmcdOfRequest } from '../../core/cdn/cmcd.js';
import { rateAt } from '../../core/traces/index.js';
import { clientAddress } from '../client-address.js';
import { cmsdHeaders, EXPOSED_HEADERS } from '../shaper/cmsd.js';
import { Link, type Pacer } from '../shaper/link.js';
import type { LinkProfile } from '../shaper/profiles.js';
import { relay } from '../shaper/relay.js';

export const FRONT_LIMITS = { viewers: 5000, idleMs: 2 * 60_000 };

export interface EdgeFrontOptions {
  id: string;
  profile: LinkProfile;
  /** Where the edge's nginx listens (loopback). */
  nginxPort: number;
  pacer: Pacer;
}

export class EdgeFront {
  readonly server: http.Server;
  profile: LinkProfile;
  private startedAt = performance.now();
  private links = new Map<string, Link>();
  private agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  private sweeper: NodeJS.Timeout;

  constructor(private readonly opts: EdgeFrontOptions) {
    this.profile = opts.profile;
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  /** The link's rate now, kbit/s. A trace plays on one clock for the whole edge (its path is congested for every viewer at once). */
  rateKbps(): number {
    return rateAt(this.profile.trace, (performance.now() - this.startedAt) / 1000);
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  private viewer(req: http.IncomingMessage): string {
    const sid = cmcdOfRequest(req.url ?? '', req.headers)?.sid;
    return sid ? `sid:${sid}` : `addr:${clientAddress(req.socket.remoteAddress, req.headers, [])}`;
  }

  private linkFor(key: string): Link {
    let link = this.links.get(key);
    if (!link) {
      if (this.links.size >= FRONT_LIMITS.viewers) this.sweep(true);
      link = new Link(this.profile, this.opts.pacer);
      link.startedAt = this.startedAt;
      this.links.set(key, link);
    }
    return link;
  }

  /** Forget idle viewers; `hard`: also the least recently used half, to make room. */
  private sweep(hard = false): void {
    const cutoff = Date.now() - FRONT_LIMITS.idleMs;
    for (const [k, l] of this.links) if (!l.active && l.lastUsed < cutoff) this.links.delete(k);
    if (hard && this.links.size >= FRONT_LIMITS.viewers) {
      const idle = [...this.links].filter(([, l]) => !l.active).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
      for (const [k] of idle.slice(0, Math.ceil(idle.length / 2))) this.links.delete(k);
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const link = this.linkFor(this.viewer(req));
    const path = req.url ?? '/';
    relay(req, res, link, {
      host: '127.0.0.1',
      port: this.opts.nginxPort,
      path,
      agent: this.agent,
      addHeaders: { 'x-forwarded-for': clientAddress(req.socket.remoteAddress, req.headers, []) },
      answerHeaders: () => ({ 'x-dashlab-edge': this.opts.id, ...cmsdHeaders(link, this.opts.id, path), 'access-control-expose-headers': EXPOSED_HEADERS }),
      onUnreachable: (r) => {
        const body = `edge ${this.opts.id} is down (its nginx does not answer)\n`;
        r.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*', 'X-Dashlab-Edge': this.opts.id }).end(body);
      },
    });
  }

  /** A new profile for the edge: new viewers get it; each current viewer's link changes now. */
  setProfile(profile: LinkProfile): void {
    this.profile = profile;
    this.startedAt = performance.now();
    for (const l of this.links.values()) {
      l.setProfile(profile);
      l.startedAt = this.startedAt;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const l of this.links.values()) l.close();
    this.links.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.agent.destroy();
  }
}
