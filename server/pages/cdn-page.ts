/**
 * GET /cdn (npm run cdn): the CDN tier at work. Each edge with its link and what its cache did
 * (HIT, MISS, REVALIDATED, STALE, EXPIRED, as nginx logged them), bytes served and cache use;
 * the origin's requests, 304s and bytes; what the edges saved; the players watching now and
 * which edge served each of their segments; buttons to start players and to stop an edge.
 * The page's script is player/ui/cdn.ts (it reads GET /api/cdn every second).
 */
import { PAGE_HEAD, SCROLLING_TABLES, esc, scriptJson } from '../../core/html.js';

export interface CdnPageConfig {
  edges: Array<{ id: string; url: string; link: string }>;
}

export function cdnPage(cfg: CdnPageConfig): string {
  return `<!doctype html>
${PAGE_HEAD}
<title>CDN · dashlab</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:var(--bg);color:var(--fg)}
header{padding:14px 24px;border-bottom:1px solid var(--line);display:flex;gap:14px;align-items:center;flex-wrap:wrap}
header h1{margin:0;font-size:17px;flex:1} a{color:var(--link)} main{padding:16px 24px;max-width:1500px}
h2{font-size:15px;margin:22px 0 8px;color:var(--fg2)} p{color:var(--muted);max-width:72em}
button,select,input{background:var(--button);color:var(--fg);border:1px solid var(--edge);border-radius:6px;padding:5px 9px} button{cursor:pointer}
${SCROLLING_TABLES}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:6px 0 10px} th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap} th:first-child,td:first-child{text-align:left} th{color:var(--muted);font-weight:500}
.cards{display:flex;gap:12px;flex-wrap:wrap} .card{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:10px 14px;min-width:150px;max-width:100%;box-sizing:border-box} .card b{display:block;font-size:22px;color:var(--fg);overflow-wrap:anywhere} .card span{color:var(--muted);font-size:12px}
.down td{color:var(--err)} .up{color:var(--good)} .bar{display:inline-block;width:70px;height:8px;background:var(--line);border-radius:4px;vertical-align:middle;margin-left:6px;overflow:hidden} .bar i{display:block;height:100%;background:var(--link)}
.strip{display:flex;gap:1px;flex-wrap:wrap;max-width:520px} .strip i{display:inline-block;width:7px;height:14px;border-radius:2px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px;vertical-align:middle}
.controls{display:flex;gap:10px;align-items:center;flex-wrap:wrap} .controls label{max-width:100%} .controls select{max-width:min(24em,70vw)} .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(300px,100%),1fr));gap:10px;margin-top:10px}
iframe{width:100%;height:430px;border:1px solid var(--line);border-radius:8px;background:var(--bg)}
.error{color:var(--err);background:var(--err-bg);border:1px solid var(--err-line);border-radius:8px;padding:10px 14px}
@media (max-width:600px){main{padding:10px} header{padding:10px 12px}}
</style></head><body>
<header><a href="/">dashlab</a><h1>CDN: ${cfg.edges.length} edge${cfg.edges.length === 1 ? '' : 's'} in front of the origin</h1><a href="/compare">Side by side</a></header>
<main>
<p>Viewers fetch segments from <b>edges</b> (nginx caches near them), not from the origin. An edge answers from its cache (<b>HIT</b>), or fetches from the origin first (<b>MISS</b>); a manifest it holds is checked with the origin after a second by a conditional GET, which the origin answers <b>304 Not Modified</b> (<b>REVALIDATED</b>) when nothing changed; <b>STALE</b> is a copy served because the origin did not answer; <b>EXPIRED</b> a copy too old, fetched again whole. Each edge reaches its viewers through a link of its own: what <i>near</i> and <i>far</i> mean. Which edge serves whom: <b>steering</b> (the origin's steering server orders the edges for each player, from their health and load), <b>redirect</b> (each request answered with a 302 to an edge) or <b>client</b> (the player measures the edges and picks).</p>
<p class="error" id="error" hidden></p>
<div class="cards" id="cards"></div>
<h2 id="edges-h">Edges</h2>
<table aria-labelledby="edges-h" id="edges" tabindex="0"><thead><tr><th>edge</th><th>link to its viewers</th><th>state</th><th title="answered from the cache">HIT</th><th title="fetched from the origin, then cached">MISS</th><th title="checked with the origin (304), then served from the cache">REVALIDATED</th><th title="served old because the origin did not answer">STALE</th><th title="too old: fetched again">EXPIRED</th><th>requests</th><th>bytes served</th><th>cache use</th><th>viewers</th><th><span class="sr-only">actions</span></th></tr></thead><tbody></tbody></table>
<h2 id="origin-h">Origin</h2>
<table aria-labelledby="origin-h" id="origin" tabindex="0"><thead><tr><th>origin</th><th>media requests</th><th title="conditional GETs answered 304 Not Modified">304s</th><th>bytes sent</th><th title="bytes sent to viewers directly, not through an edge">of which to viewers</th></tr></thead><tbody></tbody></table>
<h2 id="players-h">Players</h2>
<div class="controls" role="group" aria-labelledby="players-h">
<label>Video <select id="video" aria-label="video"></select></label>
<label>Mode <select id="mode" aria-label="which node serves whom"><option value="steering">steering</option><option value="redirect">redirect</option><option value="client">client</option></select></label>
<label>Engine <select id="engine" aria-label="player"><option value="dashlab">dashlab</option><option value="dashjs">dash.js</option><option value="hlsjs">hls.js</option></select></label>
<label>Players <input id="count" type="number" min="1" max="8" value="3" style="width:4em"></label>
<button id="start" type="button">Start players</button> <button id="stop-players" type="button">Stop players</button>
<a id="compare-modes" href="/compare">The three modes side by side, with their QoE</a>
</div>
<p>Each player reports itself to the servers with CMCD (its session, buffer, throughput, bitrate). The strip is its segments, oldest first, coloured by the edge that served each. <span class="legend" id="legend"></span></p>
<table aria-labelledby="players-h" id="players" tabindex="0"><thead><tr><th>player</th><th>video</th><th>edge now</th><th>bitrate</th><th>buffer</th><th>throughput</th><th style="text-align:left">who served its segments</th></tr></thead><tbody></tbody></table>
<div class="grid" id="grid"></div>
</main>
<script id="cdn-config" type="application/json">${scriptJson(cfg)}</script>
<script type="module" src="/assets/cdn.js"></script>
<noscript><p>This page reads <a href="/api/cdn">/api/cdn</a> every second; without JavaScript, read it there. Edges: ${cfg.edges.map((e) => `${esc(e.id)} (${esc(e.link)}) ${esc(e.url)}`).join(', ')}</p></noscript>
</body></html>`;
}
