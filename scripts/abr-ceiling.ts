/**
 * npm run abr:ceiling [-- --video ID --traces NAME --train NAME --quick]
 * How far could an online ABR algorithm go in the dashlab model? Runs robust-MPC, ours, a
 * learned player (lab/learning/stochastic-dp.ts: stochastic DP trained on other traces, by
 * default the 68 Norway training traces; it reads only the past), players that are told the
 * future (lab/yardsticks/ceiling.ts, oracles.ts: MPC with the exact future, MPC with the link's true mean
 * rate over the next seconds), the best of every registered player on each trace (picked in
 * hindsight) and the offline optimum, and prints each one's mean QoE
 * against robust-MPC's; then how much of the link's next seconds the past can predict
 * (lab/yardsticks/predictability.ts). The README's "how far the goal is" comes from
 * this command (defaults: Pensieve's video, the 142 Norway test traces; about 60 s on two
 * cores, most of it the exhaustive exact-future planner and ~10 s of training; 53-58 s measured). --quick skips the exact-future rows.
 */
import { parseArgs } from 'node:util';
import { learnedUnavailable } from '../lab/compare/compare.js';
import { measureCeiling } from '../lab/yardsticks/ceiling.js';
import { ProgressBar } from './lib/progress-bar.js';
import { loadTraces, loadVideo, UsageError } from '../lab/inputs.js';
import { loadConfig } from '../server/config.js';

const GOAL = 1.1;

async function main(): Promise<void> {
  const usage = 'usage: npm run abr:ceiling [-- --video ID|info.json] [--traces DIR|FILE|NAME] [--train DIR|FILE|NAME] [--quick]';
  let values;
  try {
    ({ values } = parseArgs({ options: { video: { type: 'string', default: 'pensieve-envivio' }, traces: { type: 'string', default: 'norway-test' }, train: { type: 'string', default: 'norway-train' }, quick: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${usage}`);
  }
  if (values.help) return void console.log(usage);
  const video = await loadVideo(values.video!, loadConfig().mediaDir);
  const traces = await loadTraces(values.traces!);
  const training = await loadTraces(values.train!);
  const shared = learnedUnavailable({ video: { name: video.name, sim: video.sim }, traces, training: { name: values.train!, traces: training.map((t) => t.trace) } });
  if (shared) throw new UsageError(`--train and --traces: ${shared}`);
  console.log(`abr:ceiling: ${video.name}, ${traces.length} traces, dashlab model (abandonment on unless said); the learned player trains on ${training.length} traces (${values.train}) first`);
  const bar = new ProgressBar();
  const t0 = performance.now();
  // No ETA: the exact-future rows take ~100x as long a session as the others.
  const c = measureCeiling({ video: video.sim, traces: traces.map((t) => t.trace), training: { name: values.train!, traces: training.map((t) => t.trace) }, quick: values.quick, onProgress: (label, percent) => bar.update({ label, percent }) });
  bar.done();
  const robust = c.rows[0].summary.meanQoe;
  const width = Math.max(...c.rows.map((r) => r.label.length));
  console.log(`\n${'player'.padEnd(width)}  mean QoE  x robust-MPC  rebuffer s  switches  knows`);
  for (const { label, knows, summary: s } of c.rows) console.log(`${label.padEnd(width)}  ${s.meanQoe.toFixed(2).padStart(8)}  ${(s.meanQoe / robust).toFixed(3).padStart(11)}  ${s.meanRebufferS.toFixed(2).padStart(10)}  ${s.meanSwitches.toFixed(1).padStart(8)}  ${knows}`);
  console.log(`\ngoal ${GOAL.toFixed(2)}x robust-MPC = ${(GOAL * robust).toFixed(2)}; learned from ${c.trainingSamples} samples; ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  // What any player could know of the next seconds from the past (lab/yardsticks/predictability.ts).
  for (const p of c.predictability) {
    console.log(`\nthe link's mean rate over the next ${p.aheadS} s, predicted from the past (least squares in log rate, fitted on ${values.train}, ${p.samples.test} moments of ${values.traces}):`);
    for (const row of p.rows) console.log(`  ${row.label.padEnd(34)}  R^2 ${row.r2.toFixed(3)}  RMSE of the log ${row.rmse.toFixed(3)}`);
  }
}

main().catch((err) => {
  process.stderr.write(`dashlab abr:ceiling: error: ${err instanceof Error ? err.message : err}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
