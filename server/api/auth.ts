/**
 * Who may change things (upload, delete, retry, cancel; upload traces; make and change shaped
 * links). Reading never needs a token.
 * - A write from another site (Sec-Fetch-Site cross-site or same-site, or an Origin that is
 *   not this host) is refused, token or not: a multipart or text POST needs no preflight, so
 *   any page a user visits could otherwise upload or delete.
 * - The library and the traces (`writeRefusal`):
 *   - UPLOAD_TOKEN set: `Authorization: Bearer <token>` is required.
 *   - No token, bound to loopback: open (a local tool on a developer's machine).
 *   - No token, bound beyond loopback: refused, with how to enable it.
 *   - No token, a request that came through a proxy (X-Forwarded-For, Forwarded, Via or
 *     X-Real-IP, as deploy/nginx sets): refused too. Behind an edge on the same machine every
 *     client reaches a loopback origin, so loopback no longer means "this machine's user".
 * - Shaped links (`crossSiteRefusal` only): every viewer may throttle its own links.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { viaProxy } from '../client-address.js';

export interface Refusal {
  status: number;
  error: string;
  headers?: Record<string, string>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The name in a Host header: `[::1]:8080` -> `[::1]`, `a.example:80` -> `a.example`. */
const hostnameOf = (host: string) => {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return host;
  }
};

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A browser's write on behalf of another site. Tools (curl, scripts) send neither header and pass. */
export function crossSiteRefusal(req: Pick<IncomingMessage, 'method' | 'headers'>): Refusal | undefined {
  if (!WRITES.has(req.method ?? 'GET')) return undefined;
  const site = req.headers['sec-fetch-site'];
  const refused = { status: 403, error: 'refused: a write from another site (this server takes uploads, deletes and link changes only from its own pages or from tools)' };
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return refused;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let host: string;
    try {
      host = new URL(origin).hostname;
    } catch {
      return refused; // "null" (a sandboxed frame, a file) or garbage
    }
    // By name, not port: a proxy may forward Host without the port it was reached on (nginx's $host).
    const own = (req.headers['x-forwarded-host'] as string | undefined) ?? req.headers.host ?? '';
    if (host !== hostnameOf(own)) return refused;
  }
  return undefined;
}

export function writeRefusal(req: Pick<IncomingMessage, 'method' | 'headers'>, opts: { host: string; token?: string }): Refusal | undefined {
  const crossSite = crossSiteRefusal(req);
  if (crossSite) return crossSite;
  if (!opts.token) {
    if (viaProxy(req.headers)) {
      return { status: 403, error: 'uploads and deletes are disabled through a proxy without UPLOAD_TOKEN: start the origin with UPLOAD_TOKEN=<a long secret> and send "Authorization: Bearer <that secret>"' };
    }
    if (isLoopback(opts.host)) return undefined;
    return {
      status: 403,
      error: `uploads and deletes are disabled: this server listens on ${opts.host}, beyond loopback, and has no UPLOAD_TOKEN. Start it with UPLOAD_TOKEN=<a long secret> and send "Authorization: Bearer <that secret>"`,
    };
  }
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  const given = Buffer.from(m?.[1]?.trim() ?? '');
  const want = Buffer.from(opts.token);
  if (given.length === want.length && timingSafeEqual(given, want)) return undefined;
  return { status: 401, error: 'missing or wrong token: send "Authorization: Bearer <UPLOAD_TOKEN>"', headers: { 'WWW-Authenticate': 'Bearer realm="dashlab"' } };
}

/** writeRefusal as express middleware. */
export function requireWriteAccess(opts: { host: string; token?: string }) {
  return (req: Request, res: Response, next: NextFunction) => {
    const refusal = writeRefusal(req, opts);
    if (!refusal) return next();
    res.status(refusal.status).set(refusal.headers ?? {}).json({ error: refusal.error });
  };
}
