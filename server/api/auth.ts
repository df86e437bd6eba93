/**
 * Who may change the library (upload, delete). Reading never needs a token.
 * - UPLOAD_TOKEN set: `Authorization: Bearer <token>` is required.
 * - No token, bound to loopback: open (a local tool on a developer's machine).
 * - No token, bound beyond loopback: refused, with how to enable it.
 * - No token, a request that came through a proxy (X-Forwarded-For, Forwarded or Via, as
 *   deploy/nginx sets): refused too. Behind an edge on the same machine every client
 *   reaches a loopback origin, so loopback no longer means "this machine's user".
 */
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function requireWriteAccess(opts: { host: string; token?: string }) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!opts.token) {
      const proxied = ['x-forwarded-for', 'forwarded', 'via'].some((h) => req.headers[h] !== undefined);
      if (proxied) {
        res.status(403).json({ error: 'uploads and deletes are disabled through a proxy without UPLOAD_TOKEN: start the origin with UPLOAD_TOKEN=<a long secret> and send "Authorization: Bearer <that secret>"' });
        return;
      }
      if (isLoopback(opts.host)) return next();
      res.status(403).json({
        error: `uploads and deletes are disabled: this server listens on ${opts.host}, beyond loopback, and has no UPLOAD_TOKEN. Start it with UPLOAD_TOKEN=<a long secret> and send "Authorization: Bearer <that secret>"`,
      });
      return;
    }
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const given = Buffer.from(m?.[1]?.trim() ?? '');
    const want = Buffer.from(opts.token);
    if (given.length === want.length && timingSafeEqual(given, want)) return next();
    res.status(401).set('WWW-Authenticate', 'Bearer realm="dashlab"').json({ error: 'missing or wrong token: send "Authorization: Bearer <UPLOAD_TOKEN>"' });
  };
}
