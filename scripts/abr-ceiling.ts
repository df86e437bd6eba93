/**
 * npm run abr:ceiling [-- --video ID --traces NAME --train NAME --quick]
 * How far could an online ABR algorithm go in the dashlab model? Runs robust-MPC, ours, a
 * learned player (lab/learning/stochastic-dp.ts: stochastic DP trained on other traces, by
 * default the 68 Norway training traces; it reads only the past), players that are told the
 * future (lab/yardsticks/oracles.ts: MPC with the exact future, MPC with the link's true mean
 * rate over the next seconds), the best of every registered player on each trace (picked in
 * hindsight) and the offline optimum, and prints each one's mean QoE
 * against robust-MPC's; then how much of the link's next seconds the past can predict
 * (lab/yardsticks/predictability.ts). The README's "how far the goal is" comes from
 * this command (defaults: Pensieve's video, the 142 Norway test traces; about 60 s on two
 * cores, most of it the exhaustive exact-future planner and ~10 s of training; 53-58 s measured). --quick skips the exact-future rows.
 */
import { parseArgs } from 'node:util';
import { ABR_NAMES, createAbr, LIVE_ABR_NAMES, type AbrAlgorithm } from '../core/abr/index.js';
import { BUFFER_DEFAULTS } from '../core/buffer-policy.js';
import { simulatePlayer, type SimResult } from '../lab/models/player-model.js';
import { offlineOptimal } from '../lab/yardsticks/offline-optimal.js';
import { linkPredictability } from '../lab/yardsticks/predictability.js';
import { exactFutureMpc, meanRateOracle } from '../lab/yardsticks/oracles.js';
import { trainStochasticDp } from '../lab/learning/stochastic-dp.js';
import { learnedUnavailable } from '../lab/compare/compare.js';
import { sessionMetrics, summarise } from '../core/qoe.js';
import type { Trace } from '../core/traces/index.js';
import { ProgressBar } from './lib/progress-bar.js';
import { loadTraces, loadVideo, UsageError } from '../lab/inputs.js';
import { loadConfig } from '../server/config.js';

const GOAL = 1.1;

interface Row {
  label: string;
  /** What the player knows. */
  knows: string;
  run: (trace: Trace, rttS: number) => SimResult;
}

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
  const v = video.sim;
  const policy = BUFFER_DEFAULTS;
  const training = await loadTraces(values.train!);
  // Learned here from --train (not the video's own policy): never scored on those traces.
  const shared = learnedUnavailable({ video: { name: video.name, sim: v }, traces, training: { name: values.train!, traces: training.map((t) => t.trace) } });
  if (shared) throw new UsageError(`--train and --traces: ${shared}`);
  process.stdout.write(`training the stochastic DP on ${training.length} traces (${values.train})... `);
  const t1 = performance.now();
  const dp = trainStochasticDp({ traces: training.map((t) => t.trace), video: v, buffer: policy, trainingName: values.train });
  console.log(`${dp.samples} samples, ${((performance.now() - t1) / 1000).toFixed(0)} s`);
  const online = (make: (trace: Trace, rttS: number) => AbrAlgorithm, abandon = true) => (trace: Trace, rttS: number) => simulatePlayer({ trace, video: v, algo: '', abr: make(trace, rttS), abandon });
  const rows: Row[] = [
    { label: 'robust-mpc', knows: 'the past', run: online(() => createAbr('robust-mpc')) },
    { label: 'dashlab (ours)', knows: 'the past', run: online(() => createAbr('dashlab')) },
    { label: 'learned (stochastic DP)', knows: `the past, and ${values.train}'s statistics`, run: online(() => dp.algorithm()) },
    ...[4, 8].flatMap((w) => [1, 0.9, 0.7].map((f) => ({ label: `mean-rate oracle ${w} s x${f}`, knows: `true mean rate of the next ${w} s`, run: online((trace) => meanRateOracle({ trace, windowS: w, factor: f })) }))),
    ...(values.quick
      ? []
      : [3, 5].flatMap((h) => [true, false].map((abandon) => ({ label: `exact-future MPC h${h}${abandon ? '' : ', no abandon'}`, knows: `every download of the next ${h} segments`, run: online((trace, rttS) => exactFutureMpc({ trace, video: v, policy, rttS, horizon: h }), abandon) })))),
    { label: 'offline optimum', knows: 'the whole trace', run: (trace, rttS) => offlineOptimal({ trace, video: v, rttMs: rttS * 1000, policy }) },
  ];
  console.log(`abr:ceiling: ${video.name}, ${traces.length} traces, dashlab model (abandonment on unless said)`);
  const bar = new ProgressBar();
  const total = rows.length * traces.length;
  let done = 0;
  const t0 = performance.now();
  const score = (r: SimResult) => sessionMetrics(r.segments.map((s) => v.bitrates[s.quality] / 1000), r.rebufferS, r.startupS, r.segments.length * v.segmentS);
  // No ETA: the exact-future rows take ~100x as long a session as the others.
  const summaries = rows.map((row, i) => {
    const sessions = traces.map((t) => {
      const r = row.run(t.trace, (t.trace.rttMs ?? 0) / 1000);
      bar.update({ label: `${row.label} (${i + 1}/${rows.length})`, percent: (++done / total) * 100 });
      return score(r);
    });
    return { label: row.label, knows: row.knows, s: summarise(row.label, sessions) };
  });
  // Every registered player (learned as above), and per trace the best of them, picked in
  // hindsight: a selector that knew which past-only player suits each trace.
  // The VOD players (the live rules plan for a live edge this model has not; dashlab-ssim is dashlab on a video without SSIM).
  const vodNames = ABR_NAMES.filter((n) => !LIVE_ABR_NAMES.includes(n) && n !== 'dashlab-ssim');
  const pastOnly = vodNames.map((name) => online(() => (name === 'learned' ? dp.algorithm() : createAbr(name))));
  const best = traces.map((t, i) => {
    bar.update({ label: 'best past-only player per trace', percent: ((i + 1) / traces.length) * 100 });
    return pastOnly.map((run) => score(run(t.trace, (t.trace.rttMs ?? 0) / 1000))).reduce((a, b) => (b.qoe > a.qoe ? b : a));
  });
  const label = 'best past-only player per trace';
  summaries.splice(summaries.length - 1, 0, { label, knows: `which of the ${vodNames.length} registered VOD players does best on each trace`, s: summarise(label, best) });
  bar.done();
  const robust = summaries[0].s.meanQoe;
  const width = Math.max(...summaries.map((r) => r.label.length));
  console.log(`\n${'player'.padEnd(width)}  mean QoE  x robust-MPC  rebuffer s  switches  knows`);
  for (const { label, knows, s } of summaries) console.log(`${label.padEnd(width)}  ${s.meanQoe.toFixed(2).padStart(8)}  ${(s.meanQoe / robust).toFixed(3).padStart(11)}  ${s.meanRebufferS.toFixed(2).padStart(10)}  ${s.meanSwitches.toFixed(1).padStart(8)}  ${knows}`);
  console.log(`\ngoal ${GOAL.toFixed(2)}x robust-MPC = ${(GOAL * robust).toFixed(2)}; ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  // What any player could know of the next seconds from the past (lab/yardsticks/predictability.ts).
  for (const aheadS of [8, 16]) {
    const p = linkPredictability({ train: training.map((t) => t.trace), test: traces.map((t) => t.trace), aheadS });
    console.log(`\nthe link's mean rate over the next ${aheadS} s, predicted from the past (least squares in log rate, fitted on ${values.train}, ${p.samples.test} moments of ${values.traces}):`);
    for (const row of p.rows) console.log(`  ${row.label.padEnd(34)}  R^2 ${row.r2.toFixed(3)}  RMSE of the log ${row.rmse.toFixed(3)}`);
  }
}

main().catch((err) => {
  process.stderr.write(`dashlab abr:ceiling: error: ${err instanceof Error ? err.message : err}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
