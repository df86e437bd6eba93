/**
 * Network traces, read the same way by the server's shaper and by the simulator.
 * Formats (DESIGN.md):
 *  - Pensieve "cooked": one `seconds megabits-per-second` pair a line;
 *  - Mahimahi: one millisecond timestamp a line, each a chance to deliver 1500 bytes;
 *  - JSON: { name, rttMs?, points: [{ t, kbps }] };
 *  - Sabre's network JSON: [{ duration_ms, bandwidth_kbps, latency_ms }] periods in order.
 * A trace is a piecewise-constant rate that loops when it ends.
 */

export interface TracePoint {
  /** Seconds from the start of the trace. */
  t: number;
  kbps: number;
  /** Sabre's traces: the latency of a download begun in this period (ms). */
  latencyMs?: number;
}

export interface Trace {
  name: string;
  rttMs?: number;
  /** Ascending t, starting at 0. */
  points: TracePoint[];
  /** The trace repeats after this many seconds. */
  periodS: number;
  format: 'pensieve' | 'mahimahi' | 'json' | 'sabre';
}

export class TraceError extends Error {}

const MAHIMAHI_BIN_MS = 100;

export function parseTrace(text: string, name: string): Trace {
  const trace = parseFormat(text, name);
  // A link that never delivers a byte would hold every request on it forever.
  if (!trace.points.some((p, i) => p.kbps > 0 && (i + 1 < trace.points.length ? trace.points[i + 1].t : trace.periodS) > p.t)) {
    throw new TraceError(`${name}: the trace carries no bytes (its rate is 0 throughout)`);
  }
  return trace;
}

function parseFormat(text: string, name: string): Trace {
  const trimmed = text.trim();
  if (!trimmed) throw new TraceError(`${name}: the trace is empty`);
  if (trimmed.startsWith('[')) return sabreNetwork(trimmed, name);
  if (trimmed.startsWith('{')) {
    let data: { name?: string; rttMs?: number; points?: Array<{ t: number; kbps: number }> };
    try {
      data = JSON.parse(trimmed);
    } catch (err) {
      throw new TraceError(`${name}: not valid JSON (${(err as Error).message})`);
    }
    const pts = data.points;
    if (!Array.isArray(pts) || !pts.length) throw new TraceError(`${name}: a JSON trace needs "points": [{ "t": seconds, "kbps": rate }]`);
    for (const p of pts) {
      if (!(Number.isFinite(p.t) && p.t >= 0 && Number.isFinite(p.kbps) && p.kbps >= 0)) throw new TraceError(`${name}: every point needs t >= 0 and kbps >= 0`);
    }
    const points = [...pts].sort((a, b) => a.t - b.t).map((p) => ({ t: p.t, kbps: p.kbps }));
    if (points[0].t > 0) points.unshift({ t: 0, kbps: points[0].kbps });
    const last = points[points.length - 1];
    const step = points.length > 1 ? last.t - points[points.length - 2].t : 1;
    return { name: data.name ?? name, rttMs: data.rttMs, points, periodS: last.t + step, format: 'json' };
  }
  const lines = trimmed.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const cols = lines[0].split(/\s+/).length;
  if (cols >= 2) {
    // Pensieve: seconds and Mbit/s.
    const points = lines.map((l, i) => {
      const [t, mbps] = l.split(/\s+/).map(Number);
      if (!Number.isFinite(t) || !Number.isFinite(mbps) || mbps < 0) throw new TraceError(`${name}: line ${i + 1} is not "seconds Mbit/s": ${l}`);
      return { t, kbps: mbps * 1000 };
    });
    const t0 = points[0].t;
    for (const p of points) p.t -= t0;
    const last = points[points.length - 1];
    const step = points.length > 1 ? last.t - points[points.length - 2].t : 1;
    return { name, points, periodS: last.t + step, format: 'pensieve' };
  }
  // Mahimahi: delivery opportunities (1500 bytes each) at millisecond timestamps.
  const ms = lines.map((l, i) => {
    const v = Number(l);
    if (!Number.isInteger(v) || v < 0) throw new TraceError(`${name}: line ${i + 1} is not a millisecond timestamp: ${l}`);
    return v;
  });
  // The trace repeats every `last timestamp` ms; an opportunity at 0 is the one at the period.
  const periodMs = Math.max(ms[ms.length - 1], 1);
  const opportunities = ms.filter((v) => v > 0);
  const binMs = Math.min(MAHIMAHI_BIN_MS, periodMs);
  const bins = new Array(Math.ceil(periodMs / binMs)).fill(0);
  for (const v of opportunities) bins[Math.min(bins.length - 1, Math.floor((v - 1) / binMs))]++;
  const points = bins.map((n, i) => ({ t: (i * binMs) / 1000, kbps: (n * 1500 * 8) / Math.min(binMs, periodMs - i * binMs) }));
  return { name, points, periodS: periodMs / 1000, format: 'mahimahi' };
}

/** Sabre's network JSON (UMass-LIDS/sabre): periods of a rate and a latency, played in order, looped. */
function sabreNetwork(text: string, name: string): Trace {
  let periods: Array<{ duration_ms: number; bandwidth_kbps: number; latency_ms?: number }>;
  try {
    periods = JSON.parse(text);
  } catch (err) {
    throw new TraceError(`${name}: not valid JSON (${(err as Error).message})`);
  }
  if (!periods.length) throw new TraceError(`${name}: a Sabre network trace needs at least one period`);
  const points: TracePoint[] = [];
  let t = 0;
  periods.forEach((p, i) => {
    if (!(p.duration_ms > 0 && Number.isFinite(p.bandwidth_kbps) && p.bandwidth_kbps >= 0 && (p.latency_ms === undefined || p.latency_ms >= 0))) {
      throw new TraceError(`${name}: period ${i + 1} needs duration_ms > 0, bandwidth_kbps >= 0 and latency_ms >= 0`);
    }
    points.push({ t, kbps: p.bandwidth_kbps, latencyMs: p.latency_ms ?? 0 });
    t += p.duration_ms / 1000;
  });
  // A round trip where the trace has one latency throughout (Sabre charges it once per download).
  const one = new Set(points.map((p) => p.latencyMs)).size === 1 ? points[0].latencyMs : undefined;
  return { name, ...(one !== undefined ? { rttMs: one } : {}), points, periodS: t, format: 'sabre' };
}
