/**
 * Which node serves whom: the one rule behind both request-routing modes of the CDN tier.
 * Content Steering answers a client's steering request with every usable edge, best first;
 * the HTTP redirector sends each request to the first of that same list. Pure.
 *
 * The order:
 *  1. edges that are down are left out (a client never waits on a dead edge's timeout);
 *  2. the edge for the client's location (?loc=<edge id or link name>) first, when it is up
 *     and has room: the lectures' "nearest node";
 *  3. then edges with room before edges at capacity (load: viewers against `capacity`);
 *  4. then by the throughput the client can expect: the edge's link rate now, or what the
 *     client measured on that edge (it reports _DASH_throughput per pathway) when that is less
 *     than a quarter of it: a path worse than the edge's link, which only the client can see. (Not
 *     any shortfall: a download's measure always falls short of the link, by its round trip
 *     and its start, and an edge in use would then lose to an idle one on paper.)
 *  5. ties: the shorter round trip, then fewer viewers;
 *  6. the origin last, always: with every edge down, clients still play.
 */

export const ORIGIN_PATHWAY = 'origin';

/**
 * A client's measure of an edge counts when it is below this share of the edge's link rate.
 * (Half was too eager: dash.js measured short segments on a 20 Mbit/s edge below 10 Mbit/s,
 * and was steered off a good edge; seen in the browser tests.)
 */
export const MEASURED_SHORTFALL = 0.25;

export interface EdgeView {
  id: string;
  /** The link profile's name (near, far, congested, 8mbps-80ms, ...). */
  link: string;
  up: boolean;
  rateKbps: number;
  rttMs: number;
  viewers: number;
  /** Viewers an edge takes before others are preferred (0: no limit). */
  capacity: number;
}

export interface SteeringClient {
  loc?: string;
  /** What the client measured on pathways it used, bit/s. */
  reported?: Array<{ pathway: string; bps?: number }>;
}

export function pathwayPriority(edges: readonly EdgeView[], client: SteeringClient = {}): string[] {
  const measured = new Map((client.reported ?? []).filter((r) => r.bps).map((r) => [r.pathway, r.bps! / 1000]));
  const full = (e: EdgeView) => e.capacity > 0 && e.viewers >= e.capacity;
  const home = (e: EdgeView) => Boolean(client.loc) && (e.id === client.loc || e.link === client.loc) && !full(e);
  const expectKbps = (e: EdgeView) => {
    const m = measured.get(e.id);
    return m !== undefined && m < e.rateKbps * MEASURED_SHORTFALL ? m : e.rateKbps;
  };
  const ranked = edges
    .filter((e) => e.up)
    .sort((a, b) => Number(home(b)) - Number(home(a)) || Number(full(a)) - Number(full(b)) || expectKbps(b) - expectKbps(a) || a.rttMs - b.rttMs || a.viewers - b.viewers)
    .map((e) => e.id);
  return [...ranked, ORIGIN_PATHWAY];
}
