/**
 * npm run bench:sim: the simulator's speed on Pensieve's video and its 142 Norway test
 * traces, every registered algorithm, in both models (goal: under 5 s each). Three runs
 * each, the median reported, with the time per algorithm from the fastest run. Reference
 * measured in the same run: robust-MPC's sessions with the plain enumeration of every plan
 * (Pensieve's loop) in place of our branch-and-bound planner; both must choose the same.
 */
import { ABR_DEFAULTS, createAbr, harmonicMean, indexForBps, type AbrAlgorithm, type AbrContext } from '../core/abr/index.js';
import { PredictionErrors } from '../core/abr/estimators.js';
import { sizeFor } from '../core/abr/mpc.js';
import { simulatePlayer } from '../lab/models/player-model.js';
import { resolveAlgos, runComparison } from '../lab/compare/compare.js';
import { loadTraces, loadVideo } from '../lab/inputs.js';

const GOAL_S = 5;
const RUNS = 3;

const video = await loadVideo('pensieve-envivio');
const traces = await loadTraces('norway-test');
console.log(`bench:sim: ${traces.length} traces x every algorithm (learned, with the video's policy, in the dashlab model only), ${RUNS} runs per model`);
for (const model of ['dashlab', 'pensieve'] as const) {
  const algos = resolveAlgos('all', model);
  const walls: number[] = [];
  let perAlgo: Array<[string, number]> = [];
  for (let run = 0; run < RUNS; run++) {
    const times = new Map<string, number>();
    const t0 = performance.now();
    for (const algo of algos) {
      const a0 = performance.now();
      await runComparison({ model, video, traces, algos: [algo] });
      times.set(algo, (performance.now() - a0) / 1000);
    }
    const wall = (performance.now() - t0) / 1000;
    if (!walls.length || wall < Math.min(...walls)) perAlgo = [...times];
    walls.push(wall);
  }
  const median = [...walls].sort((a, b) => a - b)[Math.floor(RUNS / 2)];
  console.log(`\n${model} model: median ${median.toFixed(2)} s (runs ${walls.map((w) => w.toFixed(2)).join(', ')} s) = ${(median / GOAL_S).toFixed(2)}x the ${GOAL_S} s goal; ${traces.length * algos.length} sessions, ${((traces.length * algos.length) / median).toFixed(0)} sessions/s`);
  for (const [algo, s] of perAlgo.sort((a, b) => b[1] - a[1])) console.log(`  ${algo.padEnd(12)} ${s.toFixed(3).padStart(7)} s`);
}

// The reference: robust-MPC as mpc.ts computes it, but planning by visiting every plan.
function plainRobustMpc(): AbrAlgorithm {
  const errors = new PredictionErrors();
  return {
    name: 'robust-mpc (plain enumeration)',
    choose(ctx: AbrContext) {
      const harmonic = harmonicMean(ctx.history, ABR_DEFAULTS.mpcWindow);
      if (harmonic === undefined) return { index: indexForBps(ctx.bitrates, ABR_DEFAULTS.startBps), reason: '' };
      errors.observe(ctx.history);
      const predicted = harmonic / (1 + Math.max(0, ...errors.recent(ABR_DEFAULTS.mpcWindow)));
      errors.predicted(harmonic);
      const h = Math.max(1, Math.min(ABR_DEFAULTS.mpcHorizon, ctx.totalSegments - ctx.segmentIndex));
      const kb = ctx.bitrates.map((b) => b / 1000);
      let best = -Infinity;
      let first = 0;
      const plan: number[] = [];
      const dt = Array.from({ length: h }, (_, k) => kb.map((_b, q) => (sizeFor(ctx, k, q) * 8) / predicted));
      const visit = (k: number, buffer: number, rebuf: number, sum: number, smooth: number, last: number): void => {
        if (k === h) {
          const reward = sum / 1000 - ABR_DEFAULTS.rebufferPenalty * rebuf - (ABR_DEFAULTS.smoothPenalty * smooth) / 1000;
          if (reward >= best) {
            best = reward;
            first = plan[0];
          }
          return;
        }
        for (let q = 0; q < kb.length; q++) {
          const d = dt[k][q];
          const r = buffer < d ? rebuf + (d - buffer) : rebuf;
          plan[k] = q;
          visit(k + 1, Math.max(buffer - d, 0) + ctx.segmentDurationS, r, sum + kb[q], smooth + Math.abs(kb[q] - kb[last]), q);
        }
      };
      visit(0, ctx.bufferS, 0, 0, 0, ctx.lastIndex ?? 0);
      return { index: first, reason: '' };
    },
  };
}

const timeIt = (make: () => AbrAlgorithm) => {
  const t0 = performance.now();
  const choices: number[] = [];
  for (const t of traces) for (const s of simulatePlayer({ trace: t.trace, video: video.sim, algo: '', abr: make() }).segments) choices.push(s.quality);
  return { s: (performance.now() - t0) / 1000, choices };
};
const ref = timeIt(plainRobustMpc);
const ours = timeIt(() => createAbr('robust-mpc'));
const same = ref.choices.length === ours.choices.length && ref.choices.every((c, i) => c === ours.choices[i]);
console.log(`\nrobust-MPC, ${traces.length} sessions (dashlab model): plain enumeration ${ref.s.toFixed(2)} s, our planner ${ours.s.toFixed(2)} s = ${(ours.s / ref.s).toFixed(2)}x the reference; same ${ours.choices.length} choices: ${same ? 'yes' : 'NO'}`);
if (!same) process.exitCode = 1;
