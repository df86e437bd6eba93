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
 * Then Pensieve's video on its 142 Norway test traces (`results:norway`): every VOD player in
 * our model and in Pensieve's, the offline optimum, the ratios the text quotes, and the table by
 * kind of network. Then the live table (`results:live` markers): the live model on the held-out Norway and FCC
 * traces, the rules made for live (L2A, LoL+, ours: dashlab-live, tuned on norway-train) and
 * the VOD throughput rule and BOLA beside them, with ours minus L2A per trace.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runComparison, YARDSTICKS, type CompareResult } from '../lab/compare/compare.js';
import { bestPlayer, qoeByNetwork } from '../lab/compare/networks.js';
import { loadTraces, loadVideo, type LoadedTrace } from '../lab/inputs.js';
import { REPO_ROOT } from '../server/config.js';
import { fail } from './lib/cli.js';

/** Where the table goes: docs/results.md (RESULTS_FILE: another copy, for the test). */
const RESULTS = process.env.RESULTS_FILE ?? path.join(REPO_ROOT, 'docs', 'results.md');
const START = '<!-- results:held-out:start (npm run results writes what follows; do not edit by hand) -->';
const END = '<!-- results:held-out:end -->';
const LIVE_START = '<!-- results:live:start (npm run results writes what follows; do not edit by hand) -->';
const LIVE_END = '<!-- results:live:end -->';
const LIVE_ALGOS = ['dashlab-live', 'l2a', 'lolp', 'bola', 'throughput'];
const NORWAY_START = '<!-- results:norway:start (npm run results writes what follows; do not edit by hand) -->';
const NORWAY_END = '<!-- results:norway:end -->';
/** The VOD players of the Norway table (dashlab-ssim is dashlab on a video without SSIM; the live rules are for live). */
const VOD_ALGOS = ['learned', 'dashlab', 'robust-mpc', 'dynamic', 'bola', 'bola-e', 'mpc', 'bba', 'throughput', 'throughput-abandon'];
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

/** Per trace, `a` minus `b`: the mean and its 95% half-width. */
function pairedDiff(r: CompareResult, a: string, b: string): { mean: number; ci: number } {
  const byTrace = (algo: string) => new Map(r.results.filter((x) => x.algo === algo).map((x) => [x.trace, x.qoe]));
  const base = byTrace(b);
  const d = [...byTrace(a)].map(([t, q]) => q - base.get(t)!);
  const m = d.reduce((x, y) => x + y, 0) / d.length;
  const sd = Math.sqrt(d.reduce((x, y) => x + (y - m) ** 2, 0) / Math.max(1, d.length - 1));
  return { mean: m, ci: (1.96 * sd) / Math.sqrt(d.length) };
}

function rowOf(family: Family, r: CompareResult): Row {
  const mean = Object.fromEntries(r.summary.map((s) => [s.algo, s.meanQoe]));
  const closed: Row['closed'] = {};
  const paired: Row['paired'] = {};
  for (const a of OURS) {
    closed[a] = (mean[a] - mean['robust-mpc']) / (mean['offline-optimal'] - mean['robust-mpc']);
    paired[a] = pairedDiff(r, a, 'robust-mpc');
  }
  return { family, n: r.summary[0].n, mean, closed, paired };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const pm = (p: { mean: number; ci: number }, digits = 2) => `${p.mean >= 0 ? '+' : ''}${p.mean.toFixed(digits)} ± ${p.ci.toFixed(digits)}`;

function markdown(rows: Row[]): string {
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

/** The live table: per held-out family, each rule's mean live QoE, rebuffering, latency and seeks to the target; ours minus L2A per trace. */
async function liveTable(fams: Family[]): Promise<string> {
  const lines = [LIVE_START, '', '| family | traces | rule | live QoE (95% CI) | bitrate kbit/s | rebuffer s | latency s | switches |', '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |'];
  const notes: string[] = [];
  for (const f of fams.filter((x) => x.name === 'norway-test' || x.name === 'fcc')) {
    const r = await runComparison({ model: 'live', video: await loadVideo(f.video), traces: f.traces, algos: LIVE_ALGOS });
    for (const s of r.summary) lines.push(`| ${f.name} | ${s.n} | ${s.algo === 'dashlab-live' ? '**dashlab-live**' : s.algo} | ${s.meanQoe.toFixed(0)} ± ${s.ciQoe.toFixed(0)} | ${s.meanBitrateKbps.toFixed(0)} | ${s.meanRebufferS.toFixed(2)} | ${s.meanLatencyS!.toFixed(2)} | ${s.meanSwitches.toFixed(1)} |`);
    const mean = Object.fromEntries(r.summary.map((s) => [s.algo, s.meanQoe]));
    notes.push(`- ${f.name}: dashlab-live − L2A per trace ${pm(pairedDiff(r, 'dashlab-live', 'l2a'), 0)} (${pct(mean['dashlab-live'] / mean.l2a - 1)} over L2A's mean); − LoL+ ${pm(pairedDiff(r, 'dashlab-live', 'lolp'), 0)}.`);
    process.stderr.write(`results: live, ${f.name}: ${r.results.length} sessions\n`);
  }
  return [...lines, '', ...notes, '', LIVE_END].join('\n');
}

/** Pensieve's video on norway-test: mean QoE per player in both models, the ratios quoted in the text, and QoE by kind of network. */
async function norwayTables(): Promise<string> {
  const video = await loadVideo('pensieve-envivio');
  const traces = await loadTraces('norway-test');
  const ours = await runComparison({ model: 'dashlab', video, traces, algos: [...VOD_ALGOS, 'offline-optimal'] });
  const theirs = await runComparison({ model: 'pensieve', video, traces, algos: VOD_ALGOS.filter((a) => a !== 'learned') });
  const cell = (r: CompareResult, a: string) => {
    const x = r.summary.find((y) => y.algo === a);
    return x ? `${x.meanQoe.toFixed(2)} ± ${x.ciQoe.toFixed(2)}` : '';
  };
  const mean = (r: CompareResult, a: string) => r.summary.find((y) => y.algo === a)!.meanQoe;
  const name = (a: string) => (a === 'learned' || a === 'dashlab' ? `**${a} (ours)**` : a === 'offline-optimal' ? 'offline optimum (knows the whole trace)' : a);
  const ratio = (r: CompareResult, a: string, b: string) => `${(mean(r, a) / mean(r, b)).toFixed(3)}x`;
  const groups = qoeByNetwork(ours);
  const cols = ['offline-optimal', 'learned', 'dashlab', 'robust-mpc', 'bola'];
  const lines = [
    NORWAY_START,
    '',
    '| algorithm | dashlab model | pensieve model |',
    '| --- | ---: | ---: |',
    ...ours.summary.map((x) => `| ${name(x.algo)} | ${cell(ours, x.algo)} | ${x.algo === 'offline-optimal' ? '' : x.algo === 'learned' ? '(dashlab model only)' : cell(theirs, x.algo)} |`),
    '',
    `Ratios: \`learned\` ${ratio(ours, 'learned', 'robust-mpc')} robust-MPC; \`dashlab\` ${ratio(ours, 'dashlab', 'robust-mpc')} robust-MPC and ${ratio(ours, 'dashlab', 'bola')} BOLA in the dashlab model, ${ratio(theirs, 'dashlab', 'robust-mpc')} robust-MPC and ${ratio(theirs, 'dashlab', 'bola')} BOLA in Pensieve's; \`learned\` reaches ${((mean(ours, 'learned') / mean(ours, 'offline-optimal')) * 100).toFixed(0)}% of the offline optimum, \`dashlab\` ${((mean(ours, 'dashlab') / mean(ours, 'offline-optimal')) * 100).toFixed(0)}%.`,
    '',
    "Pensieve's model has no abandonment hook (it is Pensieve's environment): `throughput-abandon` plays as `throughput` there.",
    '',
    `By kind of network (dashlab model; the best player of each row in bold):`,
    '',
    `| network | traces | ${cols.map((c) => (c === 'offline-optimal' ? 'offline optimum' : c)).join(' | ')} |`,
    `| --- | ---: | ${cols.map(() => '---:').join(' | ')} |`,
    ...groups.map((g) => {
      const best = bestPlayer(g.qoe, YARDSTICKS);
      return `| ${g.network} | ${g.traces} | ${cols.map((c) => (c === best ? `**${g.qoe[c].toFixed(2)}**` : g.qoe[c].toFixed(2))).join(' | ')} |`;
    }),
    '',
    NORWAY_END,
  ];
  process.stderr.write(`results: norway-test, ${ours.results.length + theirs.results.length} sessions\n`);
  return lines.join('\n');
}

/** `doc` with what lies between the markers (`start` found by its opening words) replaced by `block`. */
function between(doc: string, start: string, end: string, block: string): string {
  const from = doc.indexOf(start.slice(0, start.indexOf(' (')));
  const to = doc.indexOf(end);
  if (from < 0 || to < 0) throw new Error(`${path.relative(REPO_ROOT, RESULTS)} has no ${start.slice(5, start.indexOf(' ('))} markers to write between`);
  return `${doc.slice(0, from)}${block}${doc.slice(to + end.length)}`;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const fams = await families();
  for (const f of fams) {
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
  const live = await liveTable(fams);
  const norway = await norwayTables();
  console.log(`${table}\n\n${live}\n\n${norway}`);
  const doc = await readFile(RESULTS, 'utf8');
  await writeFile(RESULTS, between(between(between(doc, START, END, table), LIVE_START, LIVE_END, live), NORWAY_START, NORWAY_END, norway));
  process.stderr.write(`results: wrote the held-out, live and Norway tables into ${path.relative(REPO_ROOT, RESULTS)}\n`);
}

main().catch((err) => fail('results', err));
