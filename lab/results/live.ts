/**
 * The live table: the live model on the held-out Norway traces and all 59 FCC traces (nothing
 * live was learned from FCC, so none is kept for training), the rules made for
 * live (L2A, LoL+, ours: dashlab-live, tuned on norway-train) and the VOD throughput rule and
 * BOLA beside them; per family, ours minus L2A and LoL+ per trace.
 */
import { runComparison } from '../compare/compare.js';
import { loadTraces, loadVideo } from '../inputs.js';
import { pairedDiff, pct, pm, summaryOf } from './stats.js';

const LIVE_ALGOS = ['dashlab-live', 'l2a', 'lolp', 'bola', 'throughput'];

export async function liveTable(log: (line: string) => void): Promise<string[]> {
  const lines = ['| family | traces | rule | live QoE (95% CI) | bitrate kbit/s | rebuffer s | latency s | switches |', '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |'];
  const notes: string[] = [];
  const video = await loadVideo('pensieve-envivio');
  for (const f of [{ name: 'norway-test' }, { name: 'fcc' }]) {
    const r = await runComparison({ model: 'live', video, traces: await loadTraces(f.name), algos: LIVE_ALGOS });
    for (const s of r.summary) lines.push(`| ${f.name} | ${s.n} | ${s.algo === 'dashlab-live' ? '**dashlab-live**' : s.algo} | ${s.meanQoe.toFixed(0)} ± ${s.ciQoe.toFixed(0)} | ${s.meanBitrateKbps.toFixed(0)} | ${s.meanRebufferS.toFixed(2)} | ${s.meanLatencyS!.toFixed(2)} | ${s.meanSwitches.toFixed(1)} |`);
    const [ours, l2a, lolp] = ['dashlab-live', 'l2a', 'lolp'].map((a) => summaryOf(r, a));
    const first = r.summary.filter((s) => s.algo !== 'dashlab-live').every((s) => s.meanQoe < ours.meanQoe);
    notes.push(
      `- ${f.name}: dashlab-live ${first ? 'first' : 'not first'}; − L2A per trace ${pm(pairedDiff(r, 'dashlab-live', 'l2a'), 0)} (${pct(ours.meanQoe / l2a.meanQoe - 1)} over L2A's mean), − LoL+ ${pm(pairedDiff(r, 'dashlab-live', 'lolp'), 0)}; stalls ${ours.meanRebufferS.toFixed(2)} s a session against L2A's ${l2a.meanRebufferS.toFixed(2)}, switches ${ours.meanSwitches.toFixed(0)} against L2A's ${l2a.meanSwitches.toFixed(0)} and LoL+'s ${lolp.meanSwitches.toFixed(0)}.`,
    );
    log(`live, ${f.name}: ${r.results.length} sessions`);
  }
  return [...lines, '', ...notes];
}
