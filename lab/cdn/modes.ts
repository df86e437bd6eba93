/**
 * Which node serves whom, in the simulator: a viewer with E edges to fetch from, each behind
 * a path of its own (a trace), and the network it ends up with under each mode, as one trace
 * the player model then plays (lab/models/player-model.ts, our ABR):
 *  - redirect: the edge for the viewer's location, fixed (the router knows where the viewer
 *    is, not how its path is doing);
 *  - steering: every TTL, the edge the steering rule puts first (core/cdn/steering-rule.ts:
 *    the server knows each edge's link rate, as our tier's does), taken from the next second;
 *  - client: the player's own choice (player/engine/sources.ts): the edge with the best rate
 *    it measured, measuring the one it uses at every segment and each other one again once a
 *    minute (one segment there: the cost of knowing).
 * Model assumptions, said plainly: a switch takes effect at once; measurements are exact; the
 * round trip is the time-weighted mean of the edges used. Pure.
 */
import { pathwayPriority } from '../../core/cdn/steering-rule.js';
import { rateAt, type Trace } from '../../core/traces/index.js';

export const LAB_MODES = ['redirect', 'steering', 'client'] as const;
export type LabMode = (typeof LAB_MODES)[number];

export interface LabEdge {
  id: string;
  trace: Trace;
  rttMs: number;
}

/** Seconds the client keeps using a measurement before measuring that edge again. */
const REMEASURE_S = 60;

/** Which edge serves the viewer at each whole second of `durationS`. */
export function edgeTimeline(mode: LabMode, edges: readonly LabEdge[], o: { durationS: number; ttlS: number; segmentS: number; home: number }): number[] {
  const at: number[] = [];
  if (mode === 'redirect') return Array.from({ length: o.durationS }, () => o.home);
  if (mode === 'steering') {
    let current = o.home;
    for (let t = 0; t < o.durationS; t++) {
      if (t % o.ttlS === 0) {
        const views = edges.map((e) => ({ id: e.id, link: e.id, up: true, rateKbps: rateAt(e.trace, t), rttMs: e.rttMs, viewers: 0, capacity: 0 }));
        current = edges.findIndex((e) => e.id === pathwayPriority(views)[0]);
      }
      at.push(current);
    }
    return at;
  }
  // client: the best measured; the one in use measured each segment, the others once a minute.
  const measured = edges.map((e) => ({ kbps: rateAt(e.trace, 0), atS: 0 }));
  let current = measured.reduce((b, m, i) => (m.kbps > measured[b].kbps ? i : b), 0);
  for (let t = 0; t < o.durationS; t++) {
    if (t % o.segmentS === 0) {
      measured[current] = { kbps: rateAt(edges[current].trace, t), atS: t };
      const stale = measured.findIndex((m, i) => i !== current && t - m.atS >= REMEASURE_S);
      if (stale >= 0) {
        current = stale; // this segment measures it
        measured[stale] = { kbps: rateAt(edges[stale].trace, t), atS: t };
      } else current = measured.reduce((b, m, i) => (m.kbps > measured[b].kbps ? i : b), 0);
    }
    at.push(current);
  }
  return at;
}

/** The network a viewer gets under a mode: the edges' rates second by second, as one trace. */
export function modeTrace(mode: LabMode, edges: readonly LabEdge[], o: { durationS: number; ttlS: number; segmentS: number; home: number }): Trace {
  const at = edgeTimeline(mode, edges, o);
  const points = at.map((e, t) => ({ t, kbps: rateAt(edges[e].trace, t) }));
  const rttMs = at.reduce((s, e) => s + edges[e].rttMs, 0) / Math.max(1, at.length);
  return { name: `${mode}:${edges.map((e) => e.trace.name).join('+')}`, points, periodS: o.durationS, rttMs, format: 'json' };
}
