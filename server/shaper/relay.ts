/**
 * A request carried across a shaped link to a server behind it, and its answer carried back:
 * half the link's round trip before the request leaves, half before the answer starts, the
 * body paced by the link (link.ts). The shaper's /net/ routes relay to the origin this way,
 * and the CDN tier's edges relay to their nginx.
 */
import http from 'node:http';
import type { Link } from './link.js';

export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host']);

export interface RelayTarget {
  host: string;
  port: number;
  path: string;
  agent: http.Agent;
  /** Request headers to leave out besides the hop-by-hop ones. */
  dropHeaders?: ReadonlySet<string>;
  /** Request headers to add or replace. */
  addHeaders?: http.OutgoingHttpHeaders;
  /** Headers to add to the answer (given the upstream's), e.g. what the link knows (CMSD). */
  answerHeaders?: (up: http.IncomingMessage) => http.OutgoingHttpHeaders;
  /** The server behind did not answer: write what the client gets. */
  onUnreachable: (res: http.ServerResponse, err: Error) => void;
}

export function relay(req: http.IncomingMessage, res: http.ServerResponse, link: Link, t: RelayTarget): void {
  link.lastUsed = Date.now();
  const halfRtt = link.profile.rttMs / 2;
  const headers: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && !t.dropHeaders?.has(k) && v !== undefined) headers[k] = v;
  Object.assign(headers, t.addHeaders);
  let closed = false;
  res.on('close', () => (closed = true));
  setTimeout(() => {
    if (closed) return;
    const inner = http.request({ host: t.host, port: t.port, method: req.method, path: t.path, headers, agent: t.agent }, (up) => {
      setTimeout(() => {
        if (closed) return up.destroy();
        const out: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
        Object.assign(out, t.answerHeaders?.(up));
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
    });
    inner.on('error', (err) => {
      if (!res.headersSent) t.onUnreachable(res, err);
      else res.destroy();
    });
    req.pipe(inner);
  }, halfRtt);
}
