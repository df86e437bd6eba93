/** GET /watch/<id> and /watch?src=<MPD URL>: the player page (its script is player/ui/watch.ts). */
import { PAGE_HEAD, esc, scriptJson } from '../../core/html.js';
import { ENGINE_NAMES, ENGINES, OUR_ENGINE, type WatchConfig } from '../../core/players.js';

/** The live stats: element id, name, and a short help (hover, and "What these numbers mean"). */
const STATS: ReadonlyArray<readonly [id: string, name: string, help: string]> = [
  ['s-rep', 'Playing', 'The quality on screen now: its size and bitrate, and (where the package measured it) the SSIM of the segment playing against the source: 1 is identical; below about 0.95 most people see the loss.'],
  ['s-fetch', 'Fetching', 'The quality of the latest download: what plays once the buffer ahead has played.'],
  ['s-est', 'Estimate', "The link's speed as this player measures it: all its downloads' bytes over the time they took."],
  ['s-abr-est', 'ABR plans with', 'The speed our ABR planned its latest choice with: its own measurements, lowered by how wrong its recent predictions were.'],
  ['s-buf', 'Buffer', 'Seconds of video downloaded ahead of what is playing: what keeps playback going when the link slows.'],
  ['s-stalls', 'Stalls', 'Rebuffering: how often playback stopped with the buffer empty, and for how long. "decoding": stops with video buffered, because this machine did not decode in time.'],
  ['s-frames', 'Dropped frames', 'Frames the browser skipped because it could not draw them in time (not the network).'],
  ['s-cache', 'Requests', 'Downloads answered from the browser cache, revalidated with a 304 (not modified), or fetched over the network.'],
  ['s-latency', 'Live latency', 'Live streams only: how far behind the live edge the picture is (the encoder\'s clock minus the time on screen), the latency the player holds to, and the playback rate it uses to hold it (above 1: catching up).'],
  ['s-startup', 'Startup', 'Time from the player starting to load the video to its first frame playing.'],
  ['s-state', 'State', 'What the player is doing, and which ABR algorithm chooses the quality.'],
];

/** Where the embeddable player's bundle is served (scripts/lib/build-player.ts writes it). */
export const PLAYER_BUNDLE_URL = '/assets/dashlab-player.js';
export function watchPage(cfg: Omit<WatchConfig, 'playerUrl'>): string {
  const json = scriptJson({ ...cfg, playerUrl: PLAYER_BUNDLE_URL } satisfies WatchConfig);
  const q = (engine: string) =>
    `?${new URLSearchParams({ ...(cfg.src.startsWith('/media/') ? {} : { src: cfg.src }), engine, abr: cfg.abr, ...(cfg.net ? { net: cfg.net } : {}), ...(cfg.cdn ? { cdn: cfg.cdn } : {}), ...(cfg.sources && engine === OUR_ENGINE ? { sources: cfg.sources.join(',') } : {}) })}`;
  const tab = (engine: string, label: string) => `<a class="tab${cfg.engine === engine ? ' on" aria-current="page' : ''}" href="${esc(q(engine))}">${label}</a>`;
  // A tab per engine that can play what this page has (an HLS engine needs the playlist).
  const tabs = ENGINE_NAMES.filter((e) => e === OUR_ENGINE || (ENGINES[e].manifest === 'hls' ? cfg.hls : cfg.src)).map((e) => tab(e, ENGINES[e].label)).join('');
  return `<!doctype html>
${PAGE_HEAD}
<title>${esc(cfg.title)} · dashlab</title>
<link rel="stylesheet" href="/assets/uPlot.min.css">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:var(--bg);color:var(--fg)}
header{padding:14px 24px;border-bottom:1px solid var(--line);display:flex;gap:14px;align-items:center;flex-wrap:wrap}
header h1{margin:0;font-size:17px;font-weight:600;flex:1;min-width:200px} a{color:var(--link);text-decoration:none}
.tabs{display:flex;gap:8px;flex-wrap:wrap} .tab{padding:4px 10px;border:1px solid var(--edge);border-radius:6px;color:var(--fg2)}.tab.on{background:var(--link);color:var(--bg);border-color:var(--link)}
main{display:grid;grid-template-columns:minmax(0,1fr) 320px;gap:18px;padding:18px 24px;max-width:1500px}
@media (max-width:900px){main{grid-template-columns:minmax(0,1fr)}}
video{width:100%;aspect-ratio:16/9;background:#000;border-radius:10px;display:block} .stage{position:relative} #seekbar{position:relative;margin:6px 0 2px} #seek{width:100%;margin:0} #preview{position:absolute;bottom:26px;transform:translateX(-50%);background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:4px;pointer-events:none;z-index:2} #preview .pic{background-repeat:no-repeat;border-radius:3px} #preview span{display:block;text-align:center;font-size:12px;color:var(--muted)} #unmute{position:absolute;top:10px;left:10px;background:rgba(0,0,0,.72);color:#fff;border-color:#fff6} body.embed #unmute{display:none}
#stat-help{margin-top:10px;color:var(--muted)} #stat-help summary{cursor:pointer} #stat-help dl{display:block} #stat-help dt{color:var(--fg);margin-top:6px} #stat-help dd{color:var(--muted)}
#log small{display:block;color:var(--muted);font-size:12px} #log th,#log td:not(:last-child){white-space:nowrap}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
dl{display:grid;grid-template-columns:auto 1fr;gap:6px 12px;margin:0} dt{color:var(--muted)} dd{margin:0;font-variant-numeric:tabular-nums}
label{display:flex;flex-direction:column;gap:4px;color:var(--muted);margin-bottom:10px} select{background:var(--bg);color:var(--fg);border:1px solid var(--edge);border-radius:6px;padding:5px}
#chart{margin-top:14px} #keys{margin-bottom:10px;color:var(--muted)} #keys summary{cursor:pointer} #keys dl{margin-top:6px} kbd{font:12px ui-monospace,monospace;border:1px solid var(--edge);border-radius:4px;padding:0 4px} .wide{grid-column:1/-1} label.check{flex-direction:row;align-items:center;gap:8px}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums} th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line)} th{color:var(--muted);font-weight:500}
#log{max-height:260px;overflow:auto;display:block} #log td:last-child{min-width:14em} @media (max-width:600px){main{padding:10px;gap:10px} header{padding:10px 12px}} h2{font-size:14px;margin:16px 0 8px;color:var(--fg2)} .hint{color:var(--muted);font-size:12px;margin:6px 0 0}
input[type=number]{background:var(--bg);color:var(--fg);border:1px solid var(--edge);border-radius:6px;padding:5px} input[type=range]{width:100%}
body.embed header,body.embed aside{display:none} body.embed main{grid-template-columns:minmax(0,1fr);gap:8px;padding:8px} body.embed video{max-height:270px} body.embed #chart{margin-top:8px} body.embed #log{max-height:170px}
#livebar{display:flex;gap:10px;align-items:center;margin:8px 0 0;flex-wrap:wrap} #golive.on{background:var(--red);color:#fff;border-color:var(--red)} #live-text{color:var(--fg2);font-variant-numeric:tabular-nums}
button{background:var(--button);color:var(--fg);border:1px solid var(--edge);border-radius:6px;padding:6px 10px;cursor:pointer} #error{background:var(--err-bg);border:1px solid var(--err-line);color:var(--err);padding:10px 14px;border-radius:8px;margin-bottom:12px}
</style></head><body${cfg.embed ? ' class="embed"' : ''}>
<header><a href="/">dashlab</a><h1>${esc(cfg.title)}</h1><nav aria-label="Player engine" class="tabs">${tabs}</nav></header>
<main>
<section><div id="error" hidden></div><div class="stage"><video id="video" controls muted autoplay playsinline aria-label="${esc(cfg.title)}"></video><button id="unmute" type="button" hidden>Sound is off: unmute (m)</button></div><div id="livebar" hidden><button id="golive" type="button" title="Back to the live edge">● LIVE</button> <span id="live-text" aria-live="polite"></span></div><div id="seekbar" hidden><input type="range" id="seek" min="0" max="0" step="0.1" value="0" aria-label="Seek: hover or drag to preview a picture"><div id="preview" hidden aria-hidden="true"><div class="pic"></div><span></span></div></div><div id="chart" class="panel" role="img" aria-label="Chart over time: the throughput estimate, the chosen bitrate and the link's rate in Mbit/s, and the buffer in seconds"></div></section>
<aside class="panel">
<label>Quality <select id="quality"><option value="auto">auto</option></select></label>
<label id="audio-choice" hidden>Audio <select id="audio"></select></label>
<label id="text-choice" hidden>Subtitles <select id="captions"></select></label>
<label>ABR algorithm <select id="abr"></select></label>
<label class="check"><input type="checkbox" id="loop"${cfg.loop ? ' checked' : ''}> Loop: play again from the start, fetching anew</label>
<details id="keys"><summary>Keyboard shortcuts</summary></details>
<dl id="stats">${STATS.map(([id, name, help]) => `<dt title="${esc(help)}">${name}</dt><dd id="${id}">–</dd>`).join('\n')}</dl>
<details id="stat-help"><summary>What these numbers mean</summary><dl>${STATS.map(([, name, help]) => `<dt>${name}</dt><dd>${esc(help)}</dd>`).join('')}</dl></details>
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
