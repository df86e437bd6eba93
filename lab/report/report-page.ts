/**
 * A comparison report as one self-contained HTML file: the data as JSON, the page script
 * (dist/player/report.js, uPlot included) and uPlot's stylesheet inlined, nothing fetched.
 * Written by `npm run compare --html`, `npm run compare:browser` and served by GET /reports/view.
 */
import { PAGE_HEAD, SCROLLING_TABLES, esc, scriptJson } from '../../core/html.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReportData } from './report-data.js';
import { REPO_ROOT } from '../paths.js';

export const REPORT_SCRIPT = path.join(REPO_ROOT, 'dist', 'player', 'report.js');
const UPLOT_CSS = path.join(REPO_ROOT, 'node_modules', 'uplot', 'dist', 'uPlot.min.css');

// JSON and scripts inside <script>: no "</script>" or "<!--" may appear.
const inlineSafe = (s: string) => s.replace(/<(?=\/script|!--)/gi, '\\u003c');

export interface ReportAssets {
  script: string;
  css: string;
}

/** The page script; it is built by `npm run build` (and by npm start and the test setup). */
export async function loadReportAssets(): Promise<ReportAssets> {
  const script = await readFile(REPORT_SCRIPT, 'utf8').catch(() => {
    throw new Error(`${path.relative(REPO_ROOT, REPORT_SCRIPT)} is missing: run npm run build`);
  });
  return { script, css: await readFile(UPLOT_CSS, 'utf8') };
}

export function reportPage(data: ReportData, assets: ReportAssets): string {
  const json = scriptJson(data);
  return `<!doctype html>
${PAGE_HEAD}
<title>${esc(data.title)} · dashlab</title>
<style>${assets.css}</style>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:var(--bg);color:var(--fg)}
header{padding:16px 28px;border-bottom:1px solid var(--line)} header h1{margin:0 0 2px;font-size:19px} header p{margin:0;color:var(--muted)}
main{padding:8px 28px 40px;max-width:1200px} h2{font-size:16px;margin:26px 0 8px} .hint{color:var(--muted);margin:0 0 10px}
a{color:var(--link);text-decoration:none} select{background:var(--panel);color:var(--fg);border:1px solid var(--edge);border-radius:6px;padding:4px 8px}
${SCROLLING_TABLES}
table{border-collapse:collapse;font-variant-numeric:tabular-nums} th,td{padding:4px 12px;border-bottom:1px solid var(--line);text-align:right} th:first-child,td:first-child{text-align:left}
th{color:var(--muted);font-weight:600} #notes{color:var(--muted);padding-left:18px}
nav{margin-bottom:6px} .downloads{margin:8px 0 0} button{background:var(--button);color:var(--fg);border:1px solid var(--edge);border-radius:6px;padding:4px 10px;cursor:pointer}
#timeline-algos label{margin-right:10px;white-space:nowrap;display:inline-block}
@media (max-width:600px){header,main{padding-left:12px;padding-right:12px}} .uplot{font-family:inherit} .u-legend{color:var(--fg)}
</style></head><body>
<header><nav id="back" hidden><a href="/">dashlab</a> · <a href="/reports">ABR lab: another comparison</a></nav><h1 id="title">${esc(data.title)}</h1><p id="subtitle"></p>
<p class="downloads"><button id="download-json" type="button">Download the sessions as JSON</button> <button id="download-csv" type="button">as CSV</button></p></header>
<main>
<ul id="notes"></ul>
<h2>Summary, best first</h2>
<p class="hint">QoE per session: sum of bitrates in Mbit/s − 4.3 × rebuffer seconds − sum of bitrate changes in Mbit/s (Pensieve's linear QoE); 95% confidence interval of the mean.</p>
<div id="summary-host"></div>
<div id="simulated-host"></div>
<div id="networks-host"></div>
<h2>QoE per session: cumulative distribution</h2>
<p class="hint">Further right is better; a curve entirely right of another wins on every quantile.</p>
<div id="cdf"></div>
<h2>One session: bitrate, link rate and buffer</h2>
<p class="hint"><label for="trace">Trace</label> <select id="trace"></select> (the default is the median session of the best algorithm). Show: <span id="timeline-algos"></span></p>
<div id="timeline"></div>
<h2>Average bitrate against rebuffering</h2>
<p class="hint">Up and to the left is better: more bitrate for less stalling.</p>
<div id="scatter"></div>
</main>
<script id="report-data" type="application/json">${json}</script>
<script>${inlineSafe(assets.script)}</script>
</body></html>
`;
}
