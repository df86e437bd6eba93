/**
 * How well can any player predict the link from its past? A yardstick for ABR research: a
 * player's choices can be no better than what it can know of the next seconds. At every
 * second of every trace (from `historyS` in, until `aheadS` before its end) it reads the
 * link's mean rate over past windows (0.5 s, the tail our players see, up to 64 s) and the
 * mean rate over the next `aheadS` seconds; a least-squares fit in log rate, learned on one
 * set of traces and scored on another, says how much of the future's variance each set of
 * past features explains (R^2) and the typical error (RMSE of the log: 0.27 is about +-30%).
 * If the longer windows add little to the last half second, no predictor built on them
 * (MPC's harmonic mean, a learned table) can know much more than that.
 */
import { bitsBetween, type Trace } from '../../core/traces/index.js';

/** Past windows, seconds. */
export const PAST_WINDOWS_S = [0.5, 1, 2, 4, 8, 16, 32, 64];

/** Feature sets compared: indices into PAST_WINDOWS_S. */
export const FEATURE_SETS: Array<{ label: string; windows: number[] }> = [
  { label: 'last 0.5 s', windows: [0] },
  { label: 'last 0.5 s + last 32 s', windows: [0, 6] },
  { label: 'all eight windows (0.5 s .. 64 s)', windows: PAST_WINDOWS_S.map((_w, i) => i) },
];

export interface PredictabilityRow {
  label: string;
  /** Share of the test set's variance (log of the future mean rate) explained. */
  r2: number;
  /** Root mean square error of the log of the future mean rate. */
  rmse: number;
}

export interface Predictability {
  aheadS: number;
  samples: { train: number; test: number };
  rows: PredictabilityRow[];
}

/** Rates below this (Mbit/s) count as this: an outage's log would otherwise be -infinity. */
const FLOOR_MBPS = 0.05;
const logRate = (bits: number, seconds: number) => Math.log(Math.max(FLOOR_MBPS, bits / seconds / 1e6));

function observations(traces: Trace[], aheadS: number, stepS: number): { x: number[][]; y: number[] } {
  const historyS = PAST_WINDOWS_S[PAST_WINDOWS_S.length - 1];
  const x: number[][] = [];
  const y: number[] = [];
  for (const trace of traces) {
    // One lap of the trace, no looping: the future is the trace's own.
    for (let t = historyS; t + aheadS <= trace.periodS; t += stepS) {
      x.push(PAST_WINDOWS_S.map((w) => logRate(bitsBetween(trace, t - w, t), w)));
      y.push(logRate(bitsBetween(trace, t, t + aheadS), aheadS));
    }
  }
  return { x, y };
}

/** Least squares with an intercept (normal equations, a tiny ridge for collinear windows). */
function fit(x: number[][], y: number[]): number[] {
  const d = x[0].length + 1;
  const a = Array.from({ length: d }, () => new Array<number>(d + 1).fill(0));
  x.forEach((row, n) => {
    const r = [1, ...row];
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) a[i][j] += r[i] * r[j];
      a[i][d] += r[i] * y[n];
    }
  });
  for (let i = 0; i < d; i++) a[i][i] += 1e-9 * x.length;
  // Gauss-Jordan with partial pivoting.
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = 0; r < d; r++) {
      if (r === c || a[c][c] === 0) continue;
      const f = a[r][c] / a[c][c];
      for (let k = c; k <= d; k++) a[r][k] -= f * a[c][k];
    }
  }
  return a.map((row, i) => (row[i] === 0 ? 0 : row[d] / row[i]));
}

export function linkPredictability(o: { train: Trace[]; test: Trace[]; aheadS?: number; stepS?: number }): Predictability {
  const aheadS = o.aheadS ?? 8;
  const stepS = o.stepS ?? 1;
  const train = observations(o.train, aheadS, stepS);
  const test = observations(o.test, aheadS, stepS);
  const need = PAST_WINDOWS_S[PAST_WINDOWS_S.length - 1] + aheadS;
  if (!train.y.length || !test.y.length) throw new Error(`predictability: every trace is shorter than ${need} s (${PAST_WINDOWS_S.at(-1)} s of history and ${aheadS} s ahead)`);
  const mean = test.y.reduce((s, v) => s + v, 0) / test.y.length;
  const total = test.y.reduce((s, v) => s + (v - mean) ** 2, 0);
  const rows = FEATURE_SETS.map(({ label, windows }) => {
    const pick = (row: number[]) => windows.map((i) => row[i]);
    const w = fit(train.x.map(pick), train.y);
    let sse = 0;
    test.x.forEach((row, n) => {
      const f = pick(row);
      const predicted = w[0] + f.reduce((s, v, i) => s + v * w[i + 1], 0);
      sse += (test.y[n] - predicted) ** 2;
    });
    return { label, r2: total > 0 ? 1 - sse / total : 0, rmse: Math.sqrt(sse / test.y.length) };
  });
  return { aheadS, samples: { train: train.y.length, test: test.y.length }, rows };
}
