/**
 * npm run compare -- --video ID|info.json --traces DIR|FILE|NAME --algos a,b,...|all
 *                    [--model dashlab|pensieve] [--json F] [--html F] [--trace NAME]
 * Trace-driven comparison of ABR algorithms in the simulator: a table on the terminal (best
 * first), the DESIGN.md JSON and a self-contained HTML report with plots.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CompareInputError, resolveAlgos, runComparison, STOCHASTIC_DP, YARDSTICKS } from '../player/sim/compare.js';
import { buildReportData } from '../player/sim/report.js';
import { reportPage } from '../server/ui/report-page.js';
import { ensureReportAssets } from './lib/build-player.js';
import { printCompareTable } from './lib/compare-table.js';
import { ProgressBar } from './lib/progress-bar.js';
import { loadTraces, loadVideo, UsageError } from '../server/reports/inputs.js';

const USAGE = `usage: npm run compare -- --video ID|info.json --traces DIR|FILE|NAME --algos a,b,...|all [--model dashlab|pensieve] [--train DIR|FILE|NAME] [--json F] [--html F] [--trace NAME]

  --video    a library id (MEDIA_DIR/<id>/info.json), a bundled video's name
             (pensieve-envivio: Pensieve's test video) or an info.json file
  --traces   a folder of traces, one trace file, or a name under media/traces/, or a
             comma-separated list of those (norway-test = Pensieve's 142 Norway test traces)
  --algos    comma-separated, or all (default); yardsticks (dashlab model only): add
             offline-optimal for the best any player could do knowing the trace (~50 ms a
             session), stochastic-dp for a player that learns from --train first (~10 s)
  --train    the traces stochastic-dp learns from (default norway-train: Pensieve's 68
             Norway training traces; none may be among --traces)
  --model    dashlab (our player, default) or pensieve (Pensieve's test environment)
  --json     write every session and the summary as JSON
  --html     write a self-contained HTML report with plots
  --trace    the trace the report's timeline shows first (default: the median session)`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { video: { type: 'string' }, traces: { type: 'string' }, algos: { type: 'string', default: 'all' }, train: { type: 'string', default: 'norway-train' }, model: { type: 'string', default: 'dashlab' }, json: { type: 'string' }, html: { type: 'string' }, trace: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) return void console.log(USAGE);
  if (!values.video || !values.traces) throw new UsageError(`--video and --traces are required\n${USAGE}`);
  if (values.model !== 'dashlab' && values.model !== 'pensieve') throw new UsageError('--model is dashlab or pensieve');
  const algos = (() => {
    try {
      return resolveAlgos(values.algos!);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  })();
  const yardstick = algos.find((a) => YARDSTICKS.includes(a));
  if (values.model === 'pensieve' && yardstick) throw new UsageError(`${yardstick} is computed in the dashlab model only`);
  const video = await loadVideo(values.video);
  const traces = await loadTraces(values.traces);
  let training;
  if (algos.includes(STOCHASTIC_DP)) {
    const loaded = await loadTraces(values.train!);
    training = loaded.map((t) => t.trace);
    console.log(`${STOCHASTIC_DP}: learning from ${loaded.length} traces (${values.train}), about 10 s for 68 long traces`);
  }
  if (values.trace && !traces.some((t) => t.name === values.trace)) throw new UsageError(`--trace ${values.trace}: not one of the traces given by --traces`);
  const bar = new ProgressBar();
  const t0 = performance.now();
  const result = await runComparison({ model: values.model, video, traces, algos, training, onProgress: (d, n) => bar.update({ label: 'simulate', percent: (d / n) * 100 }) });
  bar.done();
  printCompareTable(result, `${result.model} model, video ${result.video}, ${result.traces.length} trace${result.traces.length === 1 ? '' : 's'}`);
  console.log(`${result.results.length} sessions in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  if (values.json) {
    const slim = { ...result, results: result.results.map(({ timeline: _t, ...rest }) => rest) };
    await writeFile(values.json, JSON.stringify(slim, null, 2) + '\n');
    console.log(`wrote ${values.json}`);
  }
  if (values.html) {
    const data = buildReportData({ title: `ABR comparison: ${video.name}`, result, traces, chosenTrace: values.trace });
    await writeFile(values.html, reportPage(data, await ensureReportAssets()));
    console.log(`wrote ${values.html}`);
  }
}

main().catch((err) => {
  process.stderr.write(`dashlab compare: error: ${err instanceof Error ? err.message : err}\n`);
  process.exit(err instanceof UsageError || err instanceof CompareInputError ? 2 : 1);
});
