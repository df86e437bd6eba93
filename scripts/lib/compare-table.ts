/** The comparison tables on the terminal (npm run compare, compare:browser): one row per algorithm, best first; QoE by kind of network. */
import { YARDSTICKS, type CompareResult } from '../../lab/compare/compare.js';
import { bestPlayer, qoeByNetwork } from '../../lab/compare/networks.js';

export function printCompareTable(r: Pick<CompareResult, 'summary'>, heading: string, first = 'algorithm'): void {
  // QoE on SSIM beside QoE_lin where the video's segments' SSIM is known (core/qoe.ts).
  const ssim = r.summary.some((s) => s.meanQoeSsim !== undefined);
  const live = r.summary.some((s) => s.meanLatencyS !== undefined);
  const head = [first, 'mean QoE', '95% CI', ...(ssim ? ['QoE SSIM', '95% CI', 'SSIM dB'] : []), 'bitrate kbit/s', 'rebuffer s', 'rebuf %', 'switches', 'startup s', ...(live ? ['latency s'] : [])];
  const rows = r.summary.map((s) => [
    s.algo,
    s.meanQoe.toFixed(2),
    `±${s.ciQoe.toFixed(2)}`,
    ...(ssim ? [s.meanQoeSsim?.toFixed(1) ?? '-', s.ciQoeSsim === undefined ? '-' : `±${s.ciQoeSsim.toFixed(1)}`, s.meanSsimDb?.toFixed(2) ?? '-'] : []),
    s.meanBitrateKbps.toFixed(0),
    s.meanRebufferS.toFixed(2),
    (s.meanRebufferRatio * 100).toFixed(2),
    s.meanSwitches.toFixed(1),
    s.meanStartupS.toFixed(2),
    ...(live ? [s.meanLatencyS?.toFixed(2) ?? '-'] : []),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${heading} (best first)`);
  console.log(line(head));
  for (const row of rows) console.log(line(row));
}

/** Mean QoE by kind of network (qoeByNetwork), the best player of each row marked (yardsticks are not players); nothing when the traces are not of several kinds. */
export function printNetworkTable(r: Pick<CompareResult, 'results' | 'summary'>): void {
  const groups = qoeByNetwork(r);
  if (!groups.length) return;
  const algos = r.summary.map((s) => s.algo);
  const head = ['network', 'traces', ...algos];
  const rows = groups.map((g) => {
    const best = bestPlayer(g.qoe, YARDSTICKS);
    return [g.network, String(g.traces), ...algos.map((a) => (g.qoe[a] === undefined ? '-' : `${a === best ? '*' : ''}${g.qoe[a].toFixed(2)}`))];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log('\nmean QoE by kind of network (the trace name without its number; * the best player)');
  console.log(line(head));
  for (const row of rows) console.log(line(row));
}
