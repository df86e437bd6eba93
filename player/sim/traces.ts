/**
 * Network traces, read the same way by the server's shaper and by the simulator.
 * Formats (DESIGN.md):
 *  - Pensieve "cooked": one `seconds megabits-per-second` pair a line;
 *  - Mahimahi: one millisecond timestamp a line, each a chance to deliver 1500 bytes;
 *  - JSON: { name, rttMs?, points: [{ t, kbps }] }.
 * A trace is a piecewise-constant rate that loops when it ends.
 */

export interface TracePoint {
  /** Seconds from the start of the trace. */
  t: number;
  kbps: number;
}

export interface Trace {
  name: string;
  rttMs?: number;
  /** Ascending t, starting at 0. */
  points: TracePoint[];
  /** The trace repeats after this many seconds. */
  periodS: number;
  format: 'pensieve' | 'mahimahi' | 'json';
}

export class TraceError extends Error {}

const MAHIMAHI_BIN_MS = 100;

export function parseTrace(text: string, name: string): Trace {
  const trimmed = text.trim();
  if (!trimmed) throw new TraceError(`${name}: the trace is empty`);
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

/** The index of the piece of the curve holding `phaseS` (0 <= phaseS < periodS): the last point at or before it. */
export function pieceAt(trace: Trace, phaseS: number): number {
  const pts = trace.points;
  let lo = 0;
  let hi = pts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pts[mid].t <= phaseS) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The rate at time t (seconds since the trace started), looping. */
export function rateAt(trace: Trace, tS: number): number {
  const t = ((tS % trace.periodS) + trace.periodS) % trace.periodS;
  return trace.points[pieceAt(trace, t)].kbps;
}

/** Mean rate over one period, kbit/s. */
export function meanKbps(trace: Trace): number {
  let sum = 0;
  trace.points.forEach((p, i) => {
    const end = i + 1 < trace.points.length ? trace.points[i + 1].t : trace.periodS;
    sum += p.kbps * (end - p.t);
  });
  return sum / trace.periodS;
}

/** Bits the link carries from time a to time b (a <= b, seconds since the trace started, looping). */
export function bitsBetween(trace: Trace, a: number, b: number): number {
  const pts = trace.points;
  const period = trace.periodS;
  const lap = Math.floor(a / period);
  let phase = a - lap * period;
  let now = a;
  let i = pieceAt(trace, phase);
  let bits = 0;
  while (now < b) {
    const end = i + 1 < pts.length ? pts[i + 1].t : period;
    const span = Math.min(Math.max(0, end - phase), b - now);
    bits += pts[i].kbps * 1000 * span;
    now += Math.max(0, end - phase);
    phase = end;
    if (++i === pts.length) {
      i = 0;
      phase = 0;
    }
  }
  return bits;
}

/**
 * bitsBetween(trace, a, b) for one start `a` and a run of non-decreasing ends, in one walk of
 * the curve: what a download's progress checks ask (every 50 ms of a transfer), which would
 * otherwise walk it again from `a` each time.
 */
export function bitCounter(trace: Trace, a: number): (b: number) => number {
  const pts = trace.points;
  const period = trace.periodS;
  let phase = a - Math.floor(a / period) * period;
  let i = pieceAt(trace, phase);
  let now = a;
  let full = 0; // bits of the pieces wholly before `now`
  return (b: number) => {
    for (;;) {
      const end = i + 1 < pts.length ? pts[i + 1].t : period;
      const span = Math.max(0, end - phase);
      if (b < now + span) return full + pts[i].kbps * 1000 * Math.max(0, b - now);
      full += pts[i].kbps * 1000 * span;
      now += span;
      phase = end;
      if (++i === pts.length) {
        i = 0;
        phase = 0;
      }
    }
  };
}

/**
 * The same link entered `offsetS` seconds in (looping): a new session on an old trace. Used to
 * draw more training situations from a few traces.
 */
export function rotateTrace(trace: Trace, offsetS: number): Trace {
  const period = trace.periodS;
  const off = ((offsetS % period) + period) % period;
  if (off === 0) return trace;
  const first = pieceAt(trace, off);
  const points: TracePoint[] = [{ t: 0, kbps: trace.points[first].kbps }];
  for (let i = first + 1; i < trace.points.length; i++) points.push({ t: trace.points[i].t - off, kbps: trace.points[i].kbps });
  for (let i = 0; i <= first; i++) {
    const t = period - off + trace.points[i].t;
    if (t > points[points.length - 1].t) points.push({ t, kbps: trace.points[i].kbps });
  }
  return { ...trace, name: `${trace.name}@${Math.round(off)}s`, points };
}

/**
 * A key for a trace's content (its rate curve, whatever its file or name): two 32-bit FNV-1a
 * hashes of the points, as hex. A learned policy records its training traces' keys so a
 * comparison can refuse to score it on them.
 */
export function traceKey(trace: Trace): string {
  const text = `${trace.periodS}|${trace.points.map((pt) => `${pt.t},${pt.kbps}`).join(';')}`;
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c ^ (i & 0xff), 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}
