/** GET /watch/<id> and /watch?src=<MPD URL>: the player page (its script is player/ui/watch.ts). */
import { PAGE_HEAD, esc, scriptJson } from '../../core/html.js';
import { ENGINE_NAMES, ENGINES, OUR_ENGINE, type WatchConfig } from '../../core/players.js';

/** Where the embeddable player's bundle is served (scripts/lib/build-player.ts writes it). */
export const PLAYER_BUNDLE_URL = '/assets/dashlab-player.js';
export function watchPage(cfg: Omit<WatchConfig, 'playerUrl'>): string {
  const json = scriptJson({ ...cfg, playerUrl: PLAYER_BUNDLE_URL } satisfies WatchConfig);
  const q = (engine: string) =>
    `?${new URLSearchParams({ ...(cfg.src.startsWith('/media/') ? {} : { src: cfg.src }), engine, abr: cfg.abr, ...(cfg.net ? { net: cfg.net } : {}), ...(cfg.sources && engine === OUR_ENGINE ? { sources: cfg.sources.join(',') } : {}) })}`;
  const tab = (engine: string, label: string) => `<a class="tab${cfg.engine === engine ? ' on" aria-current="page' : ''}" href="${esc(q(engine))}">${label}</a>`;
  // A tab per engine that can play what this page has (an HLS engine needs the playlist).
  const tabs = ENGINE_NAMES.filter((e) => e === OUR_ENGINE || (ENGINES[e].manifest === 'hls' ? cfg.hls : cfg.src)).map((e) => tab(e, ENGINES[e].label)).join('');
  return `<!doctype html>
${PAGE_HEAD}
<title>${esc(cfg.title)} · dashlab</title>
<link rel="stylesheet" href="/assets/uPlot.min.css">
<style>
:root{color-scheme:dark}
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#0f1115;color:#e8e8ea}
header{padding:14px 24px;border-bottom:1px solid #262a33;display:flex;gap:14px;align-items:center;flex-wrap:wrap}
header h1{margin:0;font-size:17px;font-weight:600;flex:1;min-width:200px} a{color:#8ab4ff;text-decoration:none}
.tabs{display:flex;gap:8px;flex-wrap:wrap} .tab{padding:4px 10px;border:1px solid #353a45;border-radius:6px;color:#c8ccd4}.tab.on{background:#8ab4ff;color:#0f1115;border-color:#8ab4ff}
main{display:grid;grid-template-columns:minmax(0,1fr) 320px;gap:18px;padding:18px 24px;max-width:1500px}
@media (max-width:900px){main{grid-template-columns:minmax(0,1fr)}}
video{width:100%;aspect-ratio:16/9;background:#000;border-radius:10px}
.panel{background:#171a21;border:1px solid #262a33;border-radius:10px;padding:12px 14px}
dl{display:grid;grid-template-columns:auto 1fr;gap:6px 12px;margin:0} dt{color:#9aa0aa} dd{margin:0;font-variant-numeric:tabular-nums}
label{display:flex;flex-direction:column;gap:4px;color:#9aa0aa;margin-bottom:10px} select{background:#0f1115;color:#e8e8ea;border:1px solid #353a45;border-radius:6px;padding:5px}
#chart{margin-top:14px} #keys{margin-bottom:10px;color:#9aa0aa} #keys summary{cursor:pointer} #keys dl{margin-top:6px} kbd{font:12px ui-monospace,monospace;border:1px solid #353a45;border-radius:4px;padding:0 4px} .wide{grid-column:1/-1} label.check{flex-direction:row;align-items:center;gap:8px}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums} th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #262a33} th{color:#9aa0aa;font-weight:500}
#log{max-height:260px;overflow:auto;display:block} #log td:last-child{min-width:14em} @media (max-width:600px){main{padding:10px;gap:10px} header{padding:10px 12px}} h2{font-size:14px;margin:16px 0 8px;color:#c8ccd4} .hint{color:#9aa0aa;font-size:12px;margin:6px 0 0}
input[type=number]{background:#0f1115;color:#e8e8ea;border:1px solid #353a45;border-radius:6px;padding:5px} input[type=range]{width:100%}
body.embed header,body.embed aside{display:none} body.embed main{grid-template-columns:minmax(0,1fr);gap:8px;padding:8px} body.embed video{max-height:270px} body.embed #chart{margin-top:8px} body.embed #log{max-height:170px}
button{background:#262a33;color:#e8e8ea;border:1px solid #353a45;border-radius:6px;padding:6px 10px;cursor:pointer} #error{background:#3a1d1d;border:1px solid #7a2e2e;color:#ffb4b4;padding:10px 14px;border-radius:8px;margin-bottom:12px}
</style></head><body${cfg.embed ? ' class="embed"' : ''}>
<header><a href="/">dashlab</a><h1>${esc(cfg.title)}</h1><nav aria-label="Player engine" class="tabs">${tabs}</nav></header>
<main>
<section><div id="error" hidden></div><video id="video" controls muted autoplay playsinline aria-label="${esc(cfg.title)}"></video><div id="chart" class="panel" role="img" aria-label="Chart over time: the throughput estimate, the chosen bitrate and the link's rate in Mbit/s, and the buffer in seconds"></div></section>
<aside class="panel">
<label>Quality <select id="quality"><option value="auto">auto</option></select></label>
<label>ABR algorithm <select id="abr"></select></label>
<label class="check"><input type="checkbox" id="loop"${cfg.loop ? ' checked' : ''}> Loop: play again from the start, fetching anew</label>
<details id="keys"><summary>Keyboard shortcuts</summary></details>
<dl>
<dt title="The rendition on screen now">Playing</dt><dd id="s-rep">–</dd>
<dt title="The rendition of the latest download: what will play once the buffer ahead has played">Fetching</dt><dd id="s-fetch">–</dd>
<dt title="The link's rate as this player measures it: all its downloads' bytes over the time they moved">Estimate</dt><dd id="s-est">–</dd>
<dt title="The rate our ABR planned its latest choice with: its own samples, discounted for how wrong its recent predictions were">ABR plans with</dt><dd id="s-abr-est">–</dd>
<dt>Buffer</dt><dd id="s-buf">–</dd>
<dt>Stalls</dt><dd id="s-stalls">0</dd>
<dt>Dropped frames</dt><dd id="s-frames">–</dd>
<dt>Requests</dt><dd id="s-cache">–</dd>
<dt>Startup</dt><dd id="s-startup">–</dd>
<dt>State</dt><dd id="s-state">–</dd>
</dl>
<h2>Network</h2>
<div id="net">
<label>Preset <select id="net-preset"></select></label>
<label>Bandwidth <span id="net-kbps-label"></span><input id="net-kbps" type="range" min="0" max="1000" value="700"></label>
<label>Trace <select id="net-trace"><option value="">(none: constant rate)</option></select></label>
<label>Round trip, ms <input id="net-rtt" type="number" min="0" max="2000" step="10" value="40"></label>
<button id="net-apply">Apply to this player's link</button>
<p id="net-status" class="hint"></p>
</div></aside>
<section class="panel wide"><table id="log"><caption class="sr-only">Switch log, newest first</caption><thead><tr><th>t (s)</th><th>segment</th><th>switch</th><th>bitrate</th><th>buffer</th><th>reason</th></tr></thead><tbody></tbody></table></section>
</main>
<script id="dashlab-config" type="application/json">${json}</script>
<script type="module" src="/assets/watch.js"></script>
</body></html>`;
}
