/**
 * npm run bench:sim: the simulator's speed on Pensieve's video and its 142 Norway test
 * traces, every registered algorithm, in both models (goal: under 5 s each). Three runs
 * each, the median reported, with the time per algorithm from the fastest run.
 */
import { ABR_NAMES } from '../player/abr/index.js';
import { runComparison } from '../player/sim/compare.js';
import { loadTraces, loadVideo } from '../server/reports/inputs.js';

const GOAL_S = 5;
const RUNS = 3;

const video = await loadVideo('pensieve-envivio');
const traces = await loadTraces('norway-test');
const algos = [...ABR_NAMES];
console.log(`bench:sim: ${traces.length} traces x ${algos.length} algorithms (${algos.join(', ')}) = ${traces.length * algos.length} sessions per run, ${RUNS} runs per model`);
for (const model of ['dashlab', 'pensieve'] as const) {
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
  console.log(`\n${model} model: median ${median.toFixed(2)} s (runs ${walls.map((w) => w.toFixed(2)).join(', ')} s) = ${(median / GOAL_S).toFixed(2)}x the ${GOAL_S} s goal; ${((traces.length * algos.length) / median).toFixed(0)} sessions/s`);
  for (const [algo, s] of perAlgo.sort((a, b) => b[1] - a[1])) console.log(`  ${algo.padEnd(12)} ${s.toFixed(3).padStart(7)} s`);
}
