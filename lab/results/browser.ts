/**
 * Real-browser runs: `npm run compare:browser -- --json F` (and `--live`) played in Chromium
 * take minutes of real time, shaped links and a real decoder, and no two runs agree to the
 * decimal; so their tables are made from a recorded run's JSON, committed under docs/data/,
 * never typed. To measure again: run the command named in the text with `--json` to that
 * file, then `npm run results`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Summary } from '../../core/qoe.js';
import { PHASE_BAND_S, type SimulatedSession } from '../browser/compare-browser.js';
import { REPO_ROOT } from '../paths.js';

export const BROWSER_RUNS = { vod: path.join('docs', 'data', 'browser-vod.json'), live: path.join('docs', 'data', 'browser-live.json') } as const;

interface RecordedRun {
  measuredAt?: string;
  video: string;
  traces: string[];
  seconds?: number;
  results: Array<{ algo: string; trace: string; qoe: number }>;
  summary: Summary[];
  simulated?: SimulatedSession[];
  incomplete?: Array<{ player: string; trace: string; error?: string }>;
}

async function readRun(file: string): Promise<RecordedRun> {
  const text = await readFile(path.join(REPO_ROOT, file), 'utf8').catch(() => {
    throw new Error(`${file}: no recorded run (make one with npm run compare:browser -- --json ${file})`);
  });
  const run = JSON.parse(text) as RecordedRun;
  if (!Array.isArray(run.summary) || !Array.isArray(run.results)) throw new Error(`${file}: not the JSON of npm run compare:browser`);
  return run;
}

const when = (r: RecordedRun) => (r.measuredAt ? r.measuredAt.slice(0, 10) : 'an undated run');
const incomplete = (r: RecordedRun) => (r.incomplete?.length ? ` ${r.incomplete.length} session(s) did not finish: ${r.incomplete.map((x) => `${x.player} on ${x.trace}`).join(', ')}.` : '');
const sessionsPer = (r: RecordedRun, s: Summary) => r.results.filter((x) => x.algo === s.algo).length;
/** Half-width of the widest 95% interval: how far apart two players must be to be told apart. */
const widest = (r: RecordedRun) => Math.max(...r.summary.map((s) => s.ciQoe));

export async function browserVodTable(): Promise<string[]> {
  const r = await readRun(BROWSER_RUNS.vod);
  const rows = [...r.summary].sort((a, b) => b.meanQoe - a.meanQoe);
  const sim = r.simulated ?? [];
  const gaps = sim.map((s) => Math.abs(s.measuredQoe - s.simulatedQoe));
  const inRange = sim.filter((s) => s.measuredQoe >= s.simulatedQoeRange[0] - 1e-9 && s.measuredQoe <= s.simulatedQoeRange[1] + 1e-9).length;
  return [
    `Recorded ${when(r)} in \`${BROWSER_RUNS.vod}\`: ${r.video}, traces ${r.traces.join(', ')}, ${sessionsPer(r, rows[0])} session(s) per player.${incomplete(r)}`,
    '',
    '| player | measured mean QoE | bitrate kbit/s | rebuffer s | switches | startup s |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((s, i) => `| ${i === 0 ? `**${s.algo}**` : s.algo} | ${s.meanQoe.toFixed(2)} | ${s.meanBitrateKbps.toFixed(0)} | ${s.meanRebufferS.toFixed(2)} | ${s.meanSwitches.toFixed(1)} | ${s.meanStartupS.toFixed(2)} |`),
    '',
    `First in this run: ${rows[0].algo}, ahead of ${rows[1].algo} by ${(rows[0].meanQoe - rows[1].meanQoe).toFixed(2)}; the widest 95% interval is ±${widest(r).toFixed(1)}, so with this few sessions a ranking is a hint, not a result.`,
    ...(sim.length
      ? [
          '',
          `Our algorithms, simulated on the same trace from the moment the session started, with the start hint its page measured (the range: the simulated QoE over start times within ±${PHASE_BAND_S} s) against measured:`,
          '',
          '| our algorithm | trace | starts at | simulated QoE | range | measured QoE | mean time to first byte |',
          '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
          ...sim.map((s) => `| ${s.algo.replace(/^dashlab:/, '')} | ${s.trace} | ${s.startS.toFixed(2)} s | ${s.simulatedQoe.toFixed(2)} | ${s.simulatedQoeRange[0].toFixed(1)}..${s.simulatedQoeRange[1].toFixed(1)} | ${s.measuredQoe.toFixed(2)} | ${s.ttfbMs.toFixed(0)} ms |`),
          '',
          `${inRange} of ${sim.length} sessions measured within their simulated range; the mean gap between measured and simulated QoE is ${(gaps.reduce((a, b) => a + b, 0) / gaps.length).toFixed(2)}.`,
        ]
      : []),
  ];
}

export async function browserLiveTable(): Promise<string[]> {
  const r = await readRun(BROWSER_RUNS.live);
  const rows = [...r.summary].sort((a, b) => b.meanQoe - a.meanQoe);
  const name = (a: string) => (a.startsWith('dashjs:') ? `${a} (dash.js's own)` : a === 'dashlab:dashlab-live' ? a : a.startsWith('dashlab:') ? `${a} (our port)` : a);
  return [
    `Recorded ${when(r)} in \`${BROWSER_RUNS.live}\`: a channel from ${r.video}, traces ${r.traces.join(', ')}, ${r.seconds ?? '?'} s a session, ${sessionsPer(r, rows[0])} session(s) per player.${incomplete(r)}`,
    '',
    '| player | live QoE | bitrate kbit/s | rebuffer s | switches | latency s |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((s) => `| ${s.algo === 'dashlab:dashlab-live' ? `**${name(s.algo)}**` : name(s.algo)} | ${s.meanQoe.toFixed(0)} | ${s.meanBitrateKbps.toFixed(0)} | ${s.meanRebufferS.toFixed(2)} | ${s.meanSwitches.toFixed(1)} | ${s.meanLatencyS?.toFixed(2) ?? ''} |`),
    '',
    `The widest 95% interval is ±${widest(r).toFixed(0)}: players closer than that are not told apart by this run.`,
  ];
}
