/**
 * npm run compare -- --video ID|info.json --traces DIR|FILE|NAME --algos a,b,...|all
 *                    [--model dashlab|pensieve] [--json F]
 * Trace-driven comparison of ABR algorithms in the simulator: a table on the terminal (best
 * first) and the DESIGN.md JSON.
 */
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, REPO_ROOT } from '../server/config.js';
import { resolveAlgos, runComparison, type CompareResult } from '../player/sim/compare.js';
import type { SimVideo } from '../player/sim/dashlab-model.js';
import { parseCooked, type CookedTrace } from '../player/sim/pensieve.js';
import { parseTrace, type Trace } from '../player/sim/traces.js';
import { ProgressBar } from './lib/progress-bar.js';

const USAGE = `usage: npm run compare -- --video ID|info.json --traces DIR|FILE|NAME --algos a,b,...|all [--model dashlab|pensieve] [--json F]

  --video    a library id (MEDIA_DIR/<id>/info.json) or an info.json file
             (media/videos/pensieve-envivio.info.json is Pensieve's test video)
  --traces   a folder of traces, one trace file, or a name under media/traces/
             (norway-test = Pensieve's 142 Norway test traces)
  --algos    comma-separated, or all
  --model    dashlab (our player, default) or pensieve (Pensieve's test environment)
  --json     write every session and the summary as JSON`;

class UsageError extends Error {}

async function loadVideo(spec: string): Promise<{ name: string; sim: SimVideo }> {
  let file = spec;
  if (!spec.endsWith('.json')) file = path.join(loadConfig().mediaDir, spec, 'info.json');
  let info: { id: string; segmentDurationS: number; durationS: number; renditions: Array<{ kind: string; bandwidth: number; segmentBytes: number[] }> };
  try {
    info = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new UsageError(`--video ${spec}: no such video (looked for ${file})`);
  }
  const video = info.renditions.filter((r) => r.kind === 'video').sort((a, b) => a.bandwidth - b.bandwidth);
  const played = Math.round(info.durationS / info.segmentDurationS);
  const n = Math.min(played, ...video.map((r) => r.segmentBytes.length));
  return {
    name: info.id,
    // Pensieve's model reads one chunk past the last played (mpc.py's look-ahead): keep all sizes.
    sim: { bitrates: video.map((r) => r.bandwidth), segmentS: info.segmentDurationS, sizes: video.map((r) => r.segmentBytes), segments: n },
  };
}

async function loadTraces(spec: string): Promise<Array<{ name: string; trace: Trace; cooked?: CookedTrace }>> {
  const candidates = [spec, path.join(REPO_ROOT, 'media', 'traces', spec)];
  for (const c of candidates) {
    const st = await stat(c).catch(() => undefined);
    if (!st) continue;
    const files = st.isDirectory() ? (await readdir(c)).filter((f) => !f.startsWith('.') && !/\.md$/i.test(f)).sort().map((f) => path.join(c, f)) : [c];
    const out = [];
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      const name = path.basename(f);
      const trace = parseTrace(text, name);
      out.push({ name, trace, cooked: trace.format === 'pensieve' ? parseCooked(text, name) : undefined });
    }
    if (!out.length) throw new UsageError(`--traces ${spec}: no trace files there`);
    return out;
  }
  throw new UsageError(`--traces ${spec}: not a folder, a file, or a name under media/traces/`);
}

function printTable(r: CompareResult): void {
  const head = ['algorithm', 'mean QoE', '95% CI', 'bitrate kbit/s', 'rebuffer s', 'rebuf %', 'switches', 'startup s'];
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
  console.log(`\n${r.model} model, video ${r.video}, ${r.traces.length} trace${r.traces.length === 1 ? '' : 's'} (best first)`);
  console.log(line(head));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { video: { type: 'string' }, traces: { type: 'string' }, algos: { type: 'string', default: 'all' }, model: { type: 'string', default: 'dashlab' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
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
  const video = await loadVideo(values.video);
  const traces = await loadTraces(values.traces);
  const bar = new ProgressBar();
  const t0 = performance.now();
  const result = runComparison({ model: values.model, video, traces, algos, onProgress: (d, n) => bar.update({ label: 'simulate', percent: (d / n) * 100 }) });
  bar.done();
  printTable(result);
  console.log(`${result.results.length} sessions in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  if (values.json) {
    const slim = { ...result, results: result.results.map(({ timeline: _t, ...rest }) => rest) };
    await writeFile(values.json, JSON.stringify(slim, null, 2) + '\n');
    console.log(`wrote ${values.json}`);
  }
}

main().catch((err) => {
  process.stderr.write(`dashlab compare: error: ${err instanceof Error ? err.message : err}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
