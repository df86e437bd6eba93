/** Figures the results tables share: paired differences per trace, and how they are printed. */
import type { CompareResult } from '../compare/compare.js';

/** Per trace, `a` minus `b`: the mean and its 95% half-width. */
export function pairedDiff(r: CompareResult, a: string, b: string): { mean: number; ci: number } {
  const byTrace = (algo: string) => new Map(r.results.filter((x) => x.algo === algo).map((x) => [x.trace, x.qoe]));
  const base = byTrace(b);
  const d = [...byTrace(a)].map(([t, q]) => q - base.get(t)!);
  const m = d.reduce((x, y) => x + y, 0) / d.length;
  const sd = Math.sqrt(d.reduce((x, y) => x + (y - m) ** 2, 0) / Math.max(1, d.length - 1));
  return { mean: m, ci: (1.96 * sd) / Math.sqrt(d.length) };
}

/** Traces where `a` scored above `b`, below, and level (within 0.005). */
export function winsLosses(r: CompareResult, a: string, b: string): { wins: number; losses: number; ties: number } {
  const base = new Map(r.results.filter((x) => x.algo === b).map((x) => [x.trace, x.qoe]));
  const out = { wins: 0, losses: 0, ties: 0 };
  for (const x of r.results.filter((y) => y.algo === a)) {
    const d = x.qoe - base.get(x.trace)!;
    if (Math.abs(d) < 0.005) out.ties++;
    else if (d > 0) out.wins++;
    else out.losses++;
  }
  return out;
}

export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
export const pm = (p: { mean: number; ci: number }, digits = 2) => `${p.mean >= 0 ? '+' : ''}${p.mean.toFixed(digits)} ± ${p.ci.toFixed(digits)}`;
/** A summary row of `r` by algorithm name. */
export const summaryOf = (r: CompareResult, algo: string) => {
  const s = r.summary.find((x) => x.algo === algo);
  if (!s) throw new Error(`no ${algo} in the comparison`);
  return s;
};
