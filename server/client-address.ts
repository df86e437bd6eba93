/**
 * Who a request comes from. Behind a proxy (the shipped nginx edge, a load balancer) every
 * request arrives from the proxy's address; the proxy names the client in X-Forwarded-For or
 * X-Real-IP. Those headers are believed only from the proxies this origin trusts
 * (TRUSTED_PROXIES, loopback by default), since any client can write them: from anyone else
 * the socket's address is the client. The shaper keys links on it, uploads count slots by it.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Loopback: a proxy on this machine (nginx in front of a loopback origin). */
export const DEFAULT_TRUSTED_PROXIES = ['127.0.0.1', '::1'];

const plain = (addr: string) => addr.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '').replace(/^\[(.*)\]$/, '$1');

export function clientAddress(socketAddress: string | undefined, headers: IncomingHttpHeaders, trusted: readonly string[]): string {
  const isTrusted = (a: string) => trusted.includes(plain(a));
  let client = plain(socketAddress ?? 'unknown');
  if (!isTrusted(client)) return client;
  const forwarded = String(headers['x-forwarded-for'] ?? '').split(',').map(plain).filter(Boolean);
  if (!forwarded.length) {
    const real = headers['x-real-ip'];
    return typeof real === 'string' && real.trim() ? plain(real) : client;
  }
  // From the nearest hop back: the first address a trusted proxy did not add itself.
  for (let i = forwarded.length - 1; i >= 0; i--) {
    client = forwarded[i];
    if (!isTrusted(client)) break;
  }
  return client;
}

/** Whether a request says it came through a proxy (any of the headers proxies add). */
export const viaProxy = (headers: IncomingHttpHeaders) => ['x-forwarded-for', 'forwarded', 'via', 'x-real-ip'].some((h) => headers[h] !== undefined);
