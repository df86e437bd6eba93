/**
 * The comparison report's page script (bundled as one file and inlined, so a report is a
 * single self-contained HTML file). Reads the ReportData embedded in the page and draws:
 * the summary table, mean QoE by kind of network, the QoE CDF per algorithm, the
 * bitrate/buffer/link timeline of one trace (chosen from a list), and average bitrate
 * against rebuffering per algorithm.
 */
import uPlot from 'uplot';
import { bestPlayer, qoeByNetwork } from '../compare/networks.js';
import { prefersLight, themeColor, themedAxis } from '../../player/ui/theme.js';
import type { ReportData, Timeline } from './report-data.js';

// One colour per algorithm; on a light page, darker ones (lines on white need the contrast).
const PALETTE = prefersLight()
  ? ['#1a5fd0', '#137a4a', '#b86e00', '#c62f35', '#8b3fd9', '#0f8a7e', '#c2317f', '#5a8a00', '#c45a00', '#5b6474']
  : ['#8ab4ff', '#4cc38a', '#f5a524', '#e5484d', '#c084fc', '#2dd4bf', '#f472b6', '#a3e635', '#fb923c', '#94a3b8'];
const AXIS = themedAxis();

const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector(sel) as T;
const el = (tag: string, text?: string, cls?: string) => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
};

const data = JSON.parse($('#report-data').textContent ?? '{}') as ReportData;
const algos = data.summary.map((s) => s.algo);
const color = (algo: string) => PALETTE[algos.indexOf(algo) % PALETTE.length];
const width = (node: HTMLElement) => Math.max(320, node.clientWidth || 900);

function table(head: string[], rows: string[][], id: string): HTMLTableElement {
  const t = el('table') as HTMLTableElement;
  t.id = id;
  const tr = el('tr');
  for (const h of head) tr.append(el('th', h));
  t.append(el('thead'));
  t.tHead!.append(tr);
  const body = el('tbody');
  for (const row of rows) {
    const r = el('tr');
    row.forEach((c, i) => {
      const td = el('td', c);
      if (i === 0) td.style.color = color(c) ?? '';
      r.append(td);
    });
    body.append(r);
  }
  t.append(body);
  return t;
}

/** The summary; with the QoE on SSIM and the mean SSIM (dB) beside QoE_lin where the video's SSIM is known, and the latency for live sessions. */
function summaryTable(): HTMLTableElement {
  const ssim = data.summary.some((s) => s.meanQoeSsim !== undefined);
  const live = data.summary.some((s) => s.meanLatencyS !== undefined);
  const extra = (s: (typeof data.summary)[number]) => (ssim ? [s.meanQoeSsim === undefined ? '-' : `${s.meanQoeSsim.toFixed(1)} ±${(s.ciQoeSsim ?? 0).toFixed(1)}`, s.meanSsimDb === undefined ? '-' : s.meanSsimDb.toFixed(2)] : []);
  return table(
    ['algorithm', 'mean QoE', '95% CI', ...(ssim ? ['QoE on SSIM (95% CI)', 'SSIM dB'] : []), 'bitrate kbit/s', 'rebuffer s', 'rebuffer %', 'switches', 'startup s', ...(live ? ['latency s'] : []), 'sessions'],
    data.summary.map((s) => [s.algo, s.meanQoe.toFixed(2), `±${s.ciQoe.toFixed(2)}`, ...extra(s), s.meanBitrateKbps.toFixed(0), s.meanRebufferS.toFixed(2), (s.meanRebufferRatio * 100).toFixed(2), s.meanSwitches.toFixed(1), s.meanStartupS.toFixed(2), ...(live ? [s.meanLatencyS?.toFixed(2) ?? '-'] : []), String(s.n)]),
    'summary',
  );
}

/** Mean QoE by kind of network (the trace name without its number), the best player's in bold; nothing for traces of one kind. */
function networksTable(host: HTMLElement): void {
  const groups = qoeByNetwork({ results: data.sessions });
  if (!groups.length) return;
  host.append(el('h2', 'By kind of network'));
  host.append(el('p', 'Mean QoE per algorithm over the traces of each kind (the trace name without its number), the best player of each row in bold: where an algorithm wins and where it does not.', 'hint'));
  const t = table(['network', 'traces', ...algos], groups.map((g) => [g.network, String(g.traces), ...algos.map((a) => (g.qoe[a] === undefined ? '-' : g.qoe[a].toFixed(2)))]), 'networks');
  groups.forEach((g, i) => {
    const best = bestPlayer(g.qoe, data.yardsticks ?? []);
    if (best) (t.tBodies[0].rows[i].cells[2 + algos.indexOf(best)] as HTMLElement).style.fontWeight = '700';
  });
  host.append(t);
}

/** Forward-fill step values onto a shared x grid (uPlot's aligned data). */
function stepOnto(xs: number[], tx: number[], ty: number[]): Array<number | null> {
  const out: Array<number | null> = [];
  let j = -1;
  for (const x of xs) {
    while (j + 1 < tx.length && tx[j + 1] <= x) j++;
    out.push(j >= 0 ? ty[j] : null);
  }
  return out;
}

const plots: uPlot[] = [];
function plot(opts: uPlot.Options, d: uPlot.AlignedData, host: HTMLElement): uPlot {
  const p = new uPlot(opts, d, host);
  plots.push(p);
  new ResizeObserver(() => p.setSize({ width: width(host), height: opts.height })).observe(host);
  return p;
}

function qoeCdf(host: HTMLElement): void {
  const per = algos.map((a) => data.sessions.filter((s) => s.algo === a).map((s) => s.qoe).sort((x, y) => x - y));
  const xs = [...new Set(per.flat())].sort((a, b) => a - b);
  const series = per.map((qs) => {
    const frac = qs.map((_q, i) => (i + 1) / qs.length);
    return stepOnto(xs, qs, frac).map((v) => v ?? 0);
  });
  plot(
    {
      width: width(host),
      height: 300,
      scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [{ ...AXIS, label: 'QoE per session' }, { ...AXIS, label: 'fraction of sessions' }],
      series: [{ label: 'QoE' }, ...algos.map((a) => ({ label: a, stroke: color(a), width: 2, paths: uPlot.paths.stepped!({ align: 1 }) }))],
    },
    [xs, ...series] as uPlot.AlignedData,
    host,
  );
}

let timelinePlots: uPlot[] = [];
/** The algorithms the timeline shows (a checkbox each: eight overlapping lines are unreadable). */
const onTimeline = new Set(algos.slice(0, 4));

function timeline(host: HTMLElement, trace: string): void {
  for (const p of timelinePlots) {
    p.destroy();
    plots.splice(plots.indexOf(p), 1);
  }
  host.textContent = '';
  const lines = data.timelines[trace] ?? {};
  const shown = algos.filter((a) => lines[a] && onTimeline.has(a));
  const link = data.links[trace] ?? [[], []];
  const xs = [...new Set([...link[0], ...shown.flatMap((a) => (lines[a] as Timeline)[0])])].sort((a, b) => a - b);
  const bitrate = host.appendChild(el('div'));
  const buffer = host.appendChild(el('div'));
  timelinePlots = [
    plot(
      {
        width: width(host),
        height: 280,
        scales: { x: { time: false } },
        axes: [{ ...AXIS, label: 'seconds' }, { ...AXIS, label: 'kbit/s' }],
        series: [
          { label: 's' },
          { label: 'link rate', stroke: themeColor('fg2'), width: 1.5, dash: [6, 4], paths: uPlot.paths.stepped!({ align: 1 }) },
          ...shown.map((a) => ({ label: `${a} bitrate`, stroke: color(a), width: 2, paths: uPlot.paths.stepped!({ align: 1 }) })),
        ],
      },
      [xs, stepOnto(xs, link[0], link[1]), ...shown.map((a) => stepOnto(xs, lines[a][0], lines[a][1]))] as uPlot.AlignedData,
      bitrate,
    ),
    plot(
      {
        width: width(host),
        height: 200,
        scales: { x: { time: false } },
        axes: [{ ...AXIS, label: 'seconds' }, { ...AXIS, label: 'buffer s' }],
        series: [{ label: 's' }, ...shown.map((a) => ({ label: `${a} buffer`, stroke: color(a), width: 1.5, spanGaps: true }))],
      },
      // Buffer levels only where a segment arrived; lines join them.
      [xs, ...shown.map((a) => xs.map((x) => {
        const i = lines[a][0].indexOf(x);
        return i >= 0 ? lines[a][2][i] : null;
      }))] as uPlot.AlignedData,
      buffer,
    ),
  ];
  (window as unknown as { dashlabReport: { trace: string } }).dashlabReport.trace = trace;
}

function bitrateVsRebuffer(host: HTMLElement): void {
  // One point per algorithm: its mean rebuffer ratio (x) against its mean bitrate (y).
  const pts = data.summary.map((s) => ({ algo: s.algo, x: Math.round(s.meanRebufferRatio * 100 * 1e4) / 1e4, y: s.meanBitrateKbps }));
  const xs = [...new Set(pts.map((p) => p.x))].sort((a, b) => a - b);
  plot(
    {
      width: width(host),
      height: 300,
      scales: { x: { time: false, range: (_u, lo, hi) => [0, Math.max(hi * 1.15, lo + 0.1)] }, y: { range: (_u, lo, hi) => [Math.max(0, lo * 0.85), hi * 1.1] } },
      axes: [{ ...AXIS, label: 'rebuffering, % of session time' }, { ...AXIS, label: 'average bitrate kbit/s' }],
      series: [{ label: 'rebuffer %' }, ...pts.map((p) => ({ label: p.algo, stroke: color(p.algo), fill: color(p.algo), width: 0, paths: () => null, points: { show: true, size: 14, fill: color(p.algo) } }))],
    },
    [xs, ...pts.map((p) => xs.map((x) => (x === p.x ? p.y : null)))] as uPlot.AlignedData,
    host,
  );
}

/** Every session as JSON (npm run compare's shape) and as CSV, saved from the page itself: it fetches nothing. */
function downloads(): void {
  const name = (data.video + '-' + data.model).replace(/[^A-Za-z0-9._-]+/g, '-');
  const save = (text: string, type: string, file: string) => {
    const a = el('a') as HTMLAnchorElement;
    a.href = URL.createObjectURL(new Blob([text], { type }));
    a.download = file;
    a.click();
  };
  $('#download-json').addEventListener('click', () => save(JSON.stringify({ model: data.model, video: data.video, traces: data.traces, results: data.sessions, summary: data.summary }, null, 2), 'application/json', `${name}.json`));
  const cols = ['algo', 'trace', 'qoe', 'bitrateKbps', 'rebufferS', 'rebufferRatio', 'switches', 'startupS'] as const;
  const cell = (v: unknown) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
  $('#download-csv').addEventListener('click', () => save([cols.join(','), ...data.sessions.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n', 'text/csv', `${name}.csv`));
  // Served by dashlab (not a file opened from disk): the way back.
  if (location.protocol.startsWith('http')) $('#back').hidden = false;
}

function main(): void {
  (window as unknown as { dashlabReport: object }).dashlabReport = { data, plots, trace: data.chosenTrace, ready: false };
  document.title = `${data.title} · dashlab`;
  $('#title').textContent = data.title;
  const model = data.model === 'browser' ? 'measured in headless Chromium on shaped links' : `simulated, ${data.model} model`;
  $('#subtitle').textContent = `video ${data.video} · ${data.traces.length} trace${data.traces.length === 1 ? '' : 's'} · ${model} · ${new Date(data.generatedAt).toLocaleString()}`;
  for (const n of data.notes ?? []) $('#notes').append(el('li', n));
  $('#summary-host').append(summaryTable());
  if (data.simulated?.length) {
    const host = $('#simulated-host');
    host.append(el('h2', 'Simulated against measured QoE'));
    host.append(el('p', "For our algorithms: what the dashlab model predicted for the same trace and video, from where the session started on the trace (the range: started up to 0.5 s earlier or later), and what the browser measured. The gap is how far to trust the simulator.", 'hint'));
    const range = (r?: [number, number]) => (r ? `${r[0].toFixed(1)} to ${r[1].toFixed(1)}` : '');
    host.append(table(['algorithm', 'trace', 'starts at, s', 'simulated QoE', 'range', 'measured QoE', 'difference'], data.simulated.map((s) => [s.algo, s.trace, s.startS?.toFixed(2) ?? '', s.simulatedQoe.toFixed(2), range(s.simulatedQoeRange), s.measuredQoe.toFixed(2), (s.measuredQoe - s.simulatedQoe).toFixed(2)]), 'simulated'));
  }
  networksTable($('#networks-host'));
  qoeCdf($('#cdf'));
  const pick = $<HTMLSelectElement>('#trace');
  // Natural order: bus_2 before bus_10.
  const natural = new Intl.Collator(undefined, { numeric: true });
  for (const t of [...data.traces].sort(natural.compare)) {
    const o = el('option', t) as HTMLOptionElement;
    o.value = t;
    o.selected = t === data.chosenTrace;
    pick.append(o);
  }
  const tlHost = $('#timeline');
  const choose = $('#timeline-algos');
  for (const a of algos) {
    const label = el('label');
    const box = el('input') as HTMLInputElement;
    box.type = 'checkbox';
    box.value = a;
    box.checked = onTimeline.has(a);
    box.addEventListener('change', () => {
      if (box.checked) onTimeline.add(a);
      else onTimeline.delete(a);
      timeline(tlHost, pick.value);
    });
    label.append(box, ` ${a}`);
    label.style.color = color(a);
    choose.append(label);
  }
  timeline(tlHost, data.chosenTrace);
  pick.addEventListener('change', () => timeline(tlHost, pick.value));
  downloads();
  bitrateVsRebuffer($('#scatter'));
  (window as unknown as { dashlabReport: { ready: boolean } }).dashlabReport.ready = true;
}

main();
