/**
 * CMSD (CTA-5006, Common Media Server Data): what a server tells the player about a response.
 * On a shaped link the server knows the link's rate, so it says so: `CMSD-Dynamic` with `etp`
 * (estimated throughput, kbit/s) and `mb` (maximum suggested bitrate, kbit/s), keyed by the
 * server that says it; `CMSD-Static` with what the object is. dash.js's CMSD support and our
 * player read the same headers.
 */
import type { Link } from './link.js';

/** Of the link's rate, the share a player may spend on video (audio and overheads take the rest). */
export const CMSD_MB_SHARE = 0.8;

/** CMSD-Static's object type for one of our file names (DESIGN.md's package format). */
export function objectType(pathname: string): 'm' | 'i' | 'a' | 'v' | 'o' {
  const name = pathname.split('?')[0].split('/').pop() ?? '';
  if (/\.(mpd|m3u8)$/.test(name)) return 'm';
  if (name.endsWith('.mp4')) return 'i';
  if (name.endsWith('.m4s')) return name.startsWith('a') ? 'a' : 'v';
  return 'o';
}

/** The two headers for a response crossing `link`, said by `server` (an edge's id, or the origin's). */
export function cmsdHeaders(link: Link, server: string, pathname: string): Record<string, string> {
  const etp = Math.round(link.rateKbps());
  return {
    'CMSD-Static': `ot=${objectType(pathname)},sf=d,st=v`,
    'CMSD-Dynamic': `${JSON.stringify(server)};etp=${etp};mb=${Math.round(etp * CMSD_MB_SHARE)}`,
  };
}

/** Response headers a player on another origin may read, CMSD and the edge's cache status among them. */
export const EXPOSED_HEADERS = 'ETag, Content-Length, Content-Range, Last-Modified, Accept-Ranges, Date, X-Cache-Status, X-Dashlab-Edge, X-Dashlab-Link, CMSD-Static, CMSD-Dynamic';
