/**
 * npm run results
 *
 * The held-out families of the ABR goal (issue 29), computed from the data and written into
 * docs/results.md between its `results:held-out` markers, so no figure there is typed by hand:
 * for each family, robust-MPC, our players and the offline optimum in the dashlab model, the
 * share of the gap from robust-MPC to the optimum each of ours closes, and the paired 95%
 * interval of ours minus robust-MPC per trace. Policies are frozen on training traces only:
 * Pensieve's video ships one learned from norway-train (none of the families below); for
 * Sabre's 4G logs (their own movie, bbb4k) one is learned here from the logs at even positions
 * in name order and scored on the others. Sabre's 3G logs are the Norway logs: those recorded at
 * a date and time that a norway-train trace carries are left out.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runComparison, type CompareResult } from '../lab/compare/compare.js';
import { loadTraces, loadVideo, type LoadedTrace } from '../lab/inputs.js';
import { REPO_ROOT } from '../server/config.js';
import { fail } from './lib/cli.js';

/** Where the table goes: docs/results.md (RESULTS_FILE: another copy, for the test). */
const RESULTS = process.env.RESULTS_FILE ?? path.join(REPO_ROOT, 'docs', 'results.md');
const START = '<!-- results:held-out:start (npm run results writes what follows; do not edit by hand) -->';
const END = '<!-- results:held-out:end -->';
const OURS = ['learned', 'dashlab'];

interface Family {
  name: string;
  what: string;
  video: string;
  traces: LoadedTrace[];
  training?: { name: string; traces: LoadedTrace[] };
}

/** The date-time stamp of a Norway log's name (2010-09-28_1407CEST), if it has one. */
const stamp = (name: string) => /\d{4}-\d{2}-\d{2}_\d{4}CES?T/.exec(name)?.[0];

async function families(): Promise<Family[]> {
  const trainStamps = new Set((await loadTraces('norway-train')).map((t) => stamp(t.name)).filter(Boolean));
  const g3 = (await loadTraces('sabre-3g')).filter((t) => !trainStamps.has(stamp(t.name)));
  const g4 = (await loadTraces('sabre-4g')).sort((a, b) => a.name.localeCompare(b.name));
  return [
    { name: 'norway-test', what: "Pensieve's 142 Norway test traces, Pensieve's video", video: 'pensieve-envivio', traces: await loadTraces('norway-test') },
    { name: 'fcc', what: "Pensieve's 59 FCC traces, Pensieve's video", video: 'pensieve-envivio', traces: await loadTraces('fcc') },
    { name: 'sabre-3g', what: `Sabre's 3G logs recorded at no norway-train date (${g3.length} of 86), Pensieve's video`, video: 'pensieve-envivio', traces: g3 },
    {
      name: 'sabre-4g',
      what: "Sabre's 4G logs at odd positions (20 of 40), Sabre's bbb4k; learned from the 20 at even positions",
      video: 'sabre-bbb4k',
      traces: g4.filter((_, i) => i % 2 === 1),
      training: { name: 'sabre-4g (even positions)', traces: g4.filter((_, i) => i % 2 === 0) },
    },
  ];
}

interface Row {
  family: Family;
  n: number;
  mean: Record<string, number>;
  /** Per ours: the share of robust-MPC's gap to the optimum closed, and ours minus robust-MPC per trace (mean, 95% half-width). */
  closed: Record<string, number>;
  paired: Record<string, { mean: number; ci: number }>;
}

function rowOf(family: Family, r: CompareResult): Row {
  const byTrace = (algo: string) => new Map(r.results.filter((x) => x.algo === algo).map((x) => [x.trace, x.qoe]));
  const mean = Object.fromEntries(r.summary.map((s) => [s.algo, s.meanQoe]));
  const rmpc = byTrace('robust-mpc');
  const closed: Row['closed'] = {};
  const paired: Row['paired'] = {};
  for (const a of OURS) {
    closed[a] = (mean[a] - mean['robust-mpc']) / (mean['offline-optimal'] - mean['robust-mpc']);
    const d = [...byTrace(a)].map(([t, q]) => q - rmpc.get(t)!);
    const m = d.reduce((x, y) => x + y, 0) / d.length;
    const sd = Math.sqrt(d.reduce((x, y) => x + (y - m) ** 2, 0) / Math.max(1, d.length - 1));
    paired[a] = { mean: m, ci: (1.96 * sd) / Math.sqrt(d.length) };
  }
  return { family, n: rmpc.size, mean, closed, paired };
}

function markdown(rows: Row[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const pm = (p: { mean: number; ci: number }) => `${p.mean >= 0 ? '+' : ''}${p.mean.toFixed(2)} ± ${p.ci.toFixed(2)}`;
  const lines = [
    START,
    '',
    '| family | traces | robust-MPC | learned | dashlab | offline optimum | gap closed: learned | gap closed: dashlab | learned − robust-MPC per trace (95% CI) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.family.name} | ${r.n} | ${r.mean['robust-mpc'].toFixed(2)} | ${r.mean.learned.toFixed(2)} | ${r.mean.dashlab.toFixed(2)} | ${r.mean['offline-optimal'].toFixed(2)} | **${pct(r.closed.learned)}** | ${pct(r.closed.dashlab)} | ${pm(r.paired.learned)} |`),
    '',
    ...rows.map((r) => `- ${r.family.name}: ${r.family.what}.`),
    '',
    `The goal is 50% of the gap closed on every family: ${rows.every((r) => r.closed.learned >= 0.5) ? 'reached' : `not reached; the distance is ${rows.map((r) => `${r.family.name} ${pct(Math.max(0, 0.5 - r.closed.learned))}`).join(', ')}`}.`,
    '',
    END,
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const f of await families()) {
    const t0 = performance.now();
    const video = await loadVideo(f.video);
    const result = await runComparison({
      model: 'dashlab',
      video,
      traces: f.traces,
      algos: ['robust-mpc', ...OURS, 'offline-optimal'],
      training: f.training && { name: f.training.name, traces: f.training.traces.map((t) => t.trace) },
    });
    const row = rowOf(f, result);
    rows.push(row);
    process.stderr.write(`results: ${f.name}: ${row.n} traces, learned closes ${(row.closed.learned * 100).toFixed(1)}% of the gap (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
  const table = markdown(rows);
  console.log(table);
  const doc = await readFile(RESULTS, 'utf8');
  const from = doc.indexOf('<!-- results:held-out:start');
  const to = doc.indexOf(END);
  if (from < 0 || to < 0) throw new Error(`${path.relative(REPO_ROOT, RESULTS)} has no results:held-out markers to write between`);
  await writeFile(RESULTS, `${doc.slice(0, from)}${table}${doc.slice(to + END.length)}`);
  process.stderr.write(`results: wrote the held-out table into ${path.relative(REPO_ROOT, RESULTS)}\n`);
}

main().catch((err) => fail('results', err));
