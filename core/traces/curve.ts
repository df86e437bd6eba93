/**
 * Rates over time on a trace: the rate at a moment, bits between two moments, how long a
 * download takes. A trace loops when it ends.
 */
import type { Trace, TracePoint } from './formats.js';

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

/**
 * Seconds to move `bytes` over the trace starting at time t (the trace loops). Walks the
 * pieces of the rate curve by index, not by `time % period`: with a period of a few
 * milliseconds (Mahimahi's constant-rate traces) the float remainder can land a hair below
 * the period and the walk would stop advancing. A transfer that starts in a silent stretch
 * running to the trace's end waits for the next lap; parseTrace refuses a trace that never
 * delivers, and one built by hand that never does is refused here, by name.
 */
export function transferTime(trace: Trace, t: number, bytes: number): number {
  const pts = trace.points;
  const period = trace.periodS;
  let left = bytes * 8; // bits
  let phase = t - Math.floor(t / period) * period;
  if (!(phase >= 0 && phase < period)) phase = 0;
  let i = pieceAt(trace, phase);
  let now = t;
  // Laps begun at the curve's start that delivered nothing: one whole such lap means none ever will.
  let deliveredThisLap = true;
  for (;;) {
    const end = i + 1 < pts.length ? pts[i + 1].t : period;
    const span = Math.max(0, end - phase);
    const rate = pts[i].kbps * 1000; // bit/s
    if (rate > 0 && span > 0) {
      if (rate * span >= left) return now + left / rate - t;
      left -= rate * span;
      deliveredThisLap = true;
    }
    now += span;
    phase = end;
    if (++i === pts.length) {
      if (!deliveredThisLap) throw new Error(`${trace.name}: the trace delivers nothing (its rate is 0 throughout)`);
      deliveredThisLap = false;
      i = 0;
      phase = 0;
    }
  }
}
