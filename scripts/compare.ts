/**
 * npm run compare -- --video ID|info.json --traces DIR|FILE|NAME --algos a,b,...|all
 *                    [--model dashlab|pensieve|sabre|live] [--json F] [--html F] [--trace NAME]
 *                    [--dashlab-error-cap N|none]
 * Trace-driven comparison of ABR algorithms in the simulator: a table on the terminal (best
 * first), the DESIGN.md JSON and a self-contained HTML report with plots.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CompareInputError, LEARNED, learnedUnavailable, MODELS, resolveAlgos, runComparison, YARDSTICKS, type CompareModel } from '../lab/compare/compare.js';
import { buildReportData } from '../lab/report/report-data.js';
import { reportPage } from '../lab/report/report-page.js';
import { ensureReportAssets } from './lib/build-player.js';
import { printCompareTable, printNetworkTable } from './lib/compare-table.js';
import { ProgressBar } from './lib/progress-bar.js';
import { loadTraces, loadVideo, UsageError } from '../lab/inputs.js';
import { loadConfig } from '../server/config.js';

const USAGE = `usage: npm run compare -- --video ID|info.json --traces DIR|FILE|NAME --algos a,b,...|all [--model dashlab|pensieve|sabre|live] [--train DIR|FILE|NAME] [--json F] [--html F] [--trace NAME] [--dashlab-error-cap N|none]

  --video    a library id (MEDIA_DIR/<id>/info.json), a bundled video's name
             (pensieve-envivio: Pensieve's test video) or an info.json file
  --traces   a folder of traces, one trace file, or a name under media/traces/, or a
             comma-separated list of those (norway-test = Pensieve's 142 Norway test traces)
  --algos    comma-separated, or all (default); add the yardstick offline-optimal (dashlab
             model only) for the best any player could do knowing the trace (~50 ms a session),
             and offline-optimal-ssim for the best QoE on SSIM (a video with its SSIM measured)
  --train    what learned learns from when the video has no abr-policy.json of its own
             (~10 s; default norway-train: Pensieve's 68 Norway training traces); it is
             never scored on the traces its policy learned from
  --model    dashlab (our player, default), pensieve (Pensieve's test environment) or sabre
             (Sabre's simulator, with its algorithms bola, bola-e, throughput, dynamic; qoe is
             Sabre's score) or live (a low-latency channel of the video, 0.5 s chunks,
             1.5 s target latency, catch-up by rate; qoe is the MMSys'20 challenge's live
             QoE; all adds l2a, lolp and dashlab-live, the rules made for live)
  --json     write every session and the summary as JSON
  --html     write a self-contained HTML report with plots
  --trace    the trace the report's timeline shows first (default: the median session)
  --dashlab-error-cap
             the largest prediction error dashlab's discount counts (dashlab model; default
             none: all of it, as robust-MPC). The held-out table in docs/results.md chooses
             it per kind of network on training traces: 0.25 on Sabre's 4G logs`;

/** --dashlab-error-cap: a number of 0 or more, or none (undefined: not given). */
function parseErrorCap(value: string | undefined, model: string): number | undefined {
  if (value === undefined) return undefined;
  if (model !== 'dashlab') throw new UsageError('--dashlab-error-cap applies to the dashlab model only');
  if (value === 'none') return Infinity;
  const cap = Number(value);
  if (value.trim() === '' || !Number.isFinite(cap) || cap < 0) throw new UsageError(`--dashlab-error-cap is a number of 0 or more, or none (not "${value}")`);
  return cap;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { video: { type: 'string' }, traces: { type: 'string' }, algos: { type: 'string', default: 'all' }, train: { type: 'string', default: 'norway-train' }, model: { type: 'string', default: 'dashlab' }, json: { type: 'string' }, html: { type: 'string' }, trace: { type: 'string' }, 'dashlab-error-cap': { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) return void console.log(USAGE);
  if (!values.video || !values.traces) throw new UsageError(`--video and --traces are required\n${USAGE}`);
  if (!MODELS.includes(values.model as CompareModel)) throw new UsageError(`--model is ${MODELS.join(', ')}`);
  const algos = (() => {
    try {
      return resolveAlgos(values.algos!, values.model as CompareModel);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  })();
  const errorCap = parseErrorCap(values['dashlab-error-cap'], values.model!);
  const dashlabOnly = algos.find((a) => YARDSTICKS.includes(a) || a === LEARNED);
  if (values.model !== 'dashlab' && dashlabOnly) throw new UsageError(`${dashlabOnly} is computed in the dashlab model only`);
  const video = await loadVideo(values.video, loadConfig().mediaDir);
  const traces = await loadTraces(values.traces);
  let training;
  if (algos.includes(LEARNED) && !video.policy) training = { name: values.train!, traces: (await loadTraces(values.train!)).map((t) => t.trace) };
  if (algos.includes(LEARNED)) {
    // Asked by name, an unavailable `learned` is an error (runComparison says why); as part of "all" it is left out.
    const why = learnedUnavailable({ video, traces, training });
    if (why && !values.algos!.split(',').includes(LEARNED)) {
      console.log(`${LEARNED} left out: ${why}`);
      algos.splice(algos.indexOf(LEARNED), 1);
    } else if (!why && video.policy) console.log(`${LEARNED}: the video's own policy (learned from ${video.policy.training.name})`);
    else if (!why) console.log(`${LEARNED}: ${video.policyProblem ? `cannot use ${video.policyProblem}` : `${video.name} has no abr-policy.json`}; learning one from ${training!.traces.length} traces (${values.train}), about 10 s for 68 long traces`);
  }
  if (values.trace && !traces.some((t) => t.name === values.trace)) throw new UsageError(`--trace ${values.trace}: not one of the traces given by --traces`);
  const bar = new ProgressBar();
  const t0 = performance.now();
  // A cap other than the default: said on the terminal, in the table's and the report's titles, and in the JSON.
  const capped = errorCap !== undefined && errorCap !== Infinity ? errorCap : undefined;
  const cappedNote = capped === undefined ? '' : `, dashlab's error cap ${capped}`;
  if (capped !== undefined) console.log(`dashlab: its discount counts errors up to ${capped} (learned's fallback and the other dashlab rules keep their default)`);
  const result = await runComparison({ model: values.model as CompareModel, video, traces, algos, training, dashlab: errorCap === undefined ? undefined : { errorCap }, onProgress: (d, n) => bar.update({ label: 'simulate', percent: (d / n) * 100 }) });
  bar.done();
  printCompareTable(result, `${result.model} model, video ${result.video}, ${result.traces.length} trace${result.traces.length === 1 ? '' : 's'}${cappedNote}`);
  printNetworkTable(result);
  console.log(`${result.results.length} sessions in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  if (values.json) {
    // Its rows keep the name dashlab: the file says which cap they played with.
    const slim = { ...result, ...(capped !== undefined ? { dashlab: { errorCap: capped } } : {}), results: result.results.map(({ timeline: _t, ...rest }) => rest) };
    await writeFile(values.json, JSON.stringify(slim, null, 2) + '\n');
    console.log(`wrote ${values.json}`);
  }
  if (values.html) {
    const data = buildReportData({ title: `ABR comparison: ${video.name}${cappedNote}`, result, traces, chosenTrace: values.trace });
    await writeFile(values.html, reportPage(data, await ensureReportAssets()));
    console.log(`wrote ${values.html}`);
  }
}

main().catch((err) => {
  process.stderr.write(`dashlab compare: error: ${err instanceof Error ? err.message : err}\n`);
  process.exit(err instanceof UsageError || err instanceof CompareInputError ? 2 : 1);
});
