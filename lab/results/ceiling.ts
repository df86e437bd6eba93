/**
 * How far the 1.10x goal is (issue 6): lab/yardsticks/ceiling.ts on Pensieve's video and the
 * Norway test traces, the learned player trained on norway-train, as `npm run abr:ceiling`
 * prints it; then how much of the link's next seconds the past holds.
 */
import { measureCeiling } from '../yardsticks/ceiling.js';
import { loadTraces, loadVideo } from '../inputs.js';

const GOAL = 1.1;

/** Rows printed together (x1 / x0.9 / x0.7; abandonment on / off), by the label they share. */
const GROUPS: Array<{ test: RegExp; label: (m: RegExpExecArray) => string; knows: string }> = [
  { test: /^mean-rate oracle (\d+) s x/, label: (m) => `MPC told the true mean rate of the next ${m[1]} s (x1 / x0.9 / x0.7)`, knows: 'the next seconds' },
  { test: /^exact-future MPC h(\d+)/, label: (m) => `MPC told every download of the next ${m[1]} segments (abandonment on / off)`, knows: 'the next segments, exactly' },
];

export async function ceilingTable(log: (line: string) => void): Promise<string[]> {
  const video = await loadVideo('pensieve-envivio');
  const traces = await loadTraces('norway-test');
  const training = await loadTraces('norway-train');
  const c = measureCeiling({ video: video.sim, traces: traces.map((t) => t.trace), training: { name: 'norway-train', traces: training.map((t) => t.trace) } });
  const robust = c.rows[0].summary.meanQoe;
  const lines = ['| player (dashlab model) | knows | mean QoE | x robust-MPC |', '| --- | --- | ---: | ---: |'];
  const done = new Set<string>();
  for (const row of c.rows) {
    const group = GROUPS.map((g) => ({ g, m: g.test.exec(row.label) })).find((x) => x.m);
    if (group) {
      const label = group.g.label(group.m!);
      if (done.has(label)) continue;
      done.add(label);
      const members = c.rows.filter((r) => group.g.test.exec(r.label)?.[1] === group.m![1]);
      lines.push(`| ${label} | ${group.g.knows} | ${members.map((r) => r.summary.meanQoe.toFixed(2)).join(' / ')} | ${members.map((r) => (r.summary.meanQoe / robust).toFixed(3)).join(' / ')} |`);
    } else {
      const ours = row.label.startsWith('dashlab') || row.label.startsWith('learned');
      const b = (s: string) => (ours ? `**${s}**` : s);
      lines.push(`| ${b(row.label)} | ${row.knows} | ${b(row.summary.meanQoe.toFixed(2))} | ${b((row.summary.meanQoe / robust).toFixed(3))} |`);
    }
  }
  const best = Math.max(...c.rows.filter((r) => r.knows === 'the past' || r.label.startsWith('learned')).map((r) => r.summary.meanQoe));
  const clears = c.rows.filter((r) => r.summary.meanQoe >= GOAL * robust && r.label !== 'offline optimum').map((r) => r.label);
  lines.push(
    '',
    `The goal, ${GOAL.toFixed(2)}x robust-MPC, is ${(GOAL * robust).toFixed(2)}; the best player reading only the past scores ${best.toFixed(2)} (${(best / robust).toFixed(3)}x). Short of the offline optimum, what clears the goal: ${clears.length ? clears.join(', ') : 'nothing'}.`,
    '',
    `The learned player here trains on norway-train (${c.trainingSamples} samples) as the bundled policy did. How much of the link's next seconds the past holds (least squares in log rate, fitted on norway-train, scored on norway-test):`,
    '',
    '| predicting the mean rate over | from | R^2 | RMSE of the log |',
    '| --- | --- | ---: | ---: |',
    ...c.predictability.flatMap((p) => p.rows.map((r) => `| the next ${p.aheadS} s | ${r.label} | ${r.r2.toFixed(3)} | ${r.rmse.toFixed(3)} |`)),
  );
  log(`ceiling: ${c.rows.length} rows on ${traces.length} traces`);
  return lines;
}
