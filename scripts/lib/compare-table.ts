/** The comparison table on the terminal (npm run compare, compare:browser): one row per algorithm, best first. */
import type { CompareResult } from '../../player/sim/compare.js';

export function printCompareTable(r: Pick<CompareResult, 'summary'>, heading: string, first = 'algorithm'): void {
  const head = [first, 'mean QoE', '95% CI', 'bitrate kbit/s', 'rebuffer s', 'rebuf %', 'switches', 'startup s'];
  const rows = r.summary.map((s) => [
    s.algo,
    s.meanQoe.toFixed(2),
    `±${s.ciQoe.toFixed(2)}`,
    s.meanBitrateKbps.toFixed(0),
    s.meanRebufferS.toFixed(2),
    (s.meanRebufferRatio * 100).toFixed(2),
    s.meanSwitches.toFixed(1),
    s.meanStartupS.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${heading} (best first)`);
  console.log(line(head));
  for (const row of rows) console.log(line(row));
}
