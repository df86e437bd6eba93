/**
 * DASH-IF Content Steering (the steering manifest a server answers, and the request a client
 * makes for it), as dash.js 5 reads and writes them (HLS Content Steering's manifest is the
 * same JSON; its clients say _HLS_pathway and _HLS_throughput): the client asks the URL in the MPD's
 * <ContentSteering> (then the RELOAD-URI of each answer) with `_DASH_pathway="a,b"` (the
 * pathways it used) and `_DASH_throughput=x,y` (bit/s measured on each), every TTL seconds;
 * the answer's PATHWAY-PRIORITY orders the BaseURLs by their serviceLocation.
 */

export interface SteeringManifest {
  VERSION: 1;
  /** Seconds until the client asks again. */
  TTL: number;
  'RELOAD-URI'?: string;
  /** serviceLocations, best first. */
  'PATHWAY-PRIORITY': string[];
}

export const STEERING_QUERY = { pathway: '_DASH_pathway', throughput: '_DASH_throughput' } as const;
/** HLS clients (hls.js) say the same with these (RFC 8216bis 7.2: the current pathway and its throughput). */
export const HLS_STEERING_QUERY = { pathway: '_HLS_pathway', throughput: '_HLS_throughput' } as const;

/** A steering answer, checked; undefined for what is not one (the client then keeps its current order). */
export function parseSteeringManifest(body: unknown): SteeringManifest | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (Number(b.VERSION) !== 1) return undefined;
  const priority = b['PATHWAY-PRIORITY'];
  if (!Array.isArray(priority) || !priority.every((p) => typeof p === 'string')) return undefined;
  const ttl = Number(b.TTL);
  return {
    VERSION: 1,
    TTL: Number.isFinite(ttl) && ttl > 0 ? ttl : 300,
    'RELOAD-URI': typeof b['RELOAD-URI'] === 'string' ? (b['RELOAD-URI'] as string) : undefined,
    'PATHWAY-PRIORITY': priority as string[],
  };
}

/** The steering request URL: `base` with the pathways used and their throughput (bit/s; empty when not measured). */
export function steeringRequestUrl(base: string, used: Array<{ pathway: string; bps?: number }>): string {
  if (!used.length) return base;
  const pathways = `"${used.map((u) => u.pathway).join(',')}"`;
  const throughput = used.map((u) => (u.bps && u.bps > 0 ? String(Math.round(u.bps)) : '')).join(',');
  const sep = base.includes('?') ? '&' : '?';
  return `${base}${sep}${STEERING_QUERY.pathway}=${encodeURIComponent(pathways)}&${STEERING_QUERY.throughput}=${encodeURIComponent(throughput)}`;
}

/** What a steering request says, DASH's or HLS's: the pathways the client used and what it measured on each (bit/s). */
export function readSteeringRequest(query: URLSearchParams): Array<{ pathway: string; bps?: number }> {
  const keys = query.has(STEERING_QUERY.pathway) ? STEERING_QUERY : HLS_STEERING_QUERY;
  const pathways = (query.get(keys.pathway) ?? '').replace(/^"|"$/g, '').split(',').map((p) => p.trim()).filter(Boolean);
  const rates = (query.get(keys.throughput) ?? '').split(',');
  return pathways.map((pathway, i) => {
    const bps = Number(rates[i]);
    return { pathway, bps: rates[i] && Number.isFinite(bps) && bps > 0 ? bps : undefined };
  });
}
