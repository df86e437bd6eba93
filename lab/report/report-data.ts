/**
 * The data behind a comparison report (npm run compare --html, compare:browser, the web UI):
 * the summary table, every session's metrics, and for each trace the timelines the plots
 * draw. Plain JSON, embedded in the self-contained HTML page and drawn by lab/report/report-script.ts.
 */
import { YARDSTICKS, type CompareResult } from '../compare/compare.js';
import type { SessionMetrics, Summary } from '../../core/qoe.js';
import type { Trace } from '../../core/traces/index.js';

export type ReportSession = { algo: string; trace: string } & SessionMetrics;

/** Columns: time s, chosen bitrate kbit/s, buffer s (after each segment arrives). */
export type Timeline = [number[], number[], number[]];

export interface ReportData {
  title: string;
  /** dashlab / pensieve (simulated) or browser (measured in Chromium). */
  model: string;
  video: string;
  generatedAt: string;
  traces: string[];
  summary: Summary[];
  sessions: ReportSession[];
  /** timelines[trace][algo] */
  timelines: Record<string, Record<string, Timeline>>;
  /** The link's rate over the session, per trace: [times s, kbit/s] (a step function). */
  links: Record<string, [number[], number[]]>;
  /** The trace shown first in the timeline plot. */
  chosenTrace: string;
  /** compare:browser: what the simulator predicted for the same algorithm and trace. */
  /** compare:browser: our algorithms' sessions simulated from where each started on its trace, with the range a start 0.5 s either side gives. */
  simulated?: Array<{ algo: string; trace: string; simulatedQoe: number; measuredQoe: number; simulatedQoeRange?: [number, number]; startS?: number }>;
  /** Algorithms compared that are yardsticks, not players (the offline optimum). */
  yardsticks?: string[];
  notes?: string[];
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** The trace whose QoE for the best algorithm is the median one: a representative default. */
export function medianTrace(result: Pick<CompareResult, 'results' | 'summary' | 'traces'>): string {
  const best = result.summary[0]?.algo;
  const mine = result.results.filter((r) => r.algo === best).sort((a, b) => a.qoe - b.qoe);
  return mine[Math.floor((mine.length - 1) / 2)]?.trace ?? result.traces[0];
}

/** The rate curve of a trace from 0 to `untilS` (looping as the simulator does). */
export function linkCurve(trace: Trace, untilS: number): [number[], number[]] {
  const t: number[] = [];
  const k: number[] = [];
  for (let base = 0; base <= untilS && t.length < 20_000; base += trace.periodS) {
    for (const p of trace.points) {
      if (base + p.t > untilS) break;
      // Consecutive equal rates add nothing to a step plot.
      if (k.length && k[k.length - 1] === p.kbps) continue;
      t.push(r3(base + p.t));
      k.push(r3(p.kbps));
    }
  }
  t.push(r3(untilS));
  k.push(k[k.length - 1] ?? 0);
  return [t, k];
}

export function buildReportData(opts: {
  title: string;
  result: CompareResult;
  traces: Array<{ name: string; trace: Trace }>;
  chosenTrace?: string;
  simulated?: ReportData['simulated'];
  notes?: string[];
}): ReportData {
  const { result } = opts;
  const timelines: ReportData['timelines'] = {};
  const ends: Record<string, number> = {};
  for (const r of result.results) {
    if (!r.timeline?.length) continue;
    const tl: Timeline = [[], [], []];
    for (const p of r.timeline) {
      tl[0].push(r3(p.t));
      tl[1].push(r3(p.kbps));
      tl[2].push(r3(p.bufferS));
    }
    (timelines[r.trace] ??= {})[r.algo] = tl;
    ends[r.trace] = Math.max(ends[r.trace] ?? 0, r.timeline[r.timeline.length - 1].t + 1);
  }
  const links: ReportData['links'] = {};
  for (const tr of opts.traces) if (ends[tr.name] !== undefined) links[tr.name] = linkCurve(tr.trace, ends[tr.name]);
  const chosen = opts.chosenTrace ?? medianTrace(result);
  if (!result.traces.includes(chosen)) throw new Error(`--trace ${chosen}: not one of the traces compared`);
  return {
    title: opts.title,
    model: result.model,
    video: result.video,
    generatedAt: new Date().toISOString(),
    traces: result.traces,
    summary: result.summary,
    sessions: result.results.map((r) => ({ algo: r.algo, trace: r.trace, qoe: r3(r.qoe), bitrateKbps: r3(r.bitrateKbps), rebufferS: r3(r.rebufferS), rebufferRatio: r.rebufferRatio, switches: r.switches, startupS: r3(r.startupS) })),
    timelines,
    links,
    chosenTrace: chosen,
    simulated: opts.simulated,
    yardsticks: result.summary.map((x) => x.algo).filter((a) => YARDSTICKS.includes(a)),
    notes: opts.notes,
  };
}
