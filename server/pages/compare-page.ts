/**
 * GET /compare?video=<id>&players=dashlab:bola,dashjs,hlsjs&net=<profile>: players side by
 * side, each on its own shaped link replaying the same profile from the same instant (one
 * link each, so none steals another's bandwidth: dash.js#2131), with live metrics.
 */
import { PAGE_HEAD, SCROLLING_TABLES, esc, scriptJson } from '../../core/html.js';
import { OUR_ENGINE, playerLabel, type PlayerSpec } from '../../core/players.js';
import { REBUFFER_PENALTY, SSIM_QOE } from '../../core/qoe.js';

export type ComparePlayer = Pick<PlayerSpec, 'engine' | 'abr'>;

/**
 * Chromium opens at most six HTTP/1.1 connections to a host for requests with credentials
 * and six more for requests without, shared by every frame of the page. dash.js and hls.js
 * (XHR) always send credentials to their own origin; our player sends them or not
 * (`credentials`), so ours go to whichever pool has fewer players. A player keeps up to two
 * requests open (video and audio): three players fit a pool. Measured in Chromium on a
 * shared 3 Mbit/s profile before ours were spread: with four of ours in the credential-less
 * pool, their requests waited for a free connection up to ~0.4 s, which a player counts as
 * a slower link. compare:browser gives each session a browser context (pools) of its own.
 */
const PLAYERS_PER_POOL = 3;

/** Our players' credentials mode, so that both pools hold as few players as they can; undefined for dash.js and hls.js. */
export function spreadOverPools(players: ComparePlayer[]): Array<'omit' | 'same-origin' | undefined> {
  let withCredentials = players.filter((p) => p.engine !== OUR_ENGINE).length;
  let without = 0;
  return players.map((p) => {
    if (p.engine !== OUR_ENGINE) return undefined;
    if (without <= withCredentials) {
      without++;
      return 'omit';
    }
    withCredentials++;
    return 'same-origin';
  });
}

const sharedConnectionsNote = (n: number) => `<p class="note" id="connections-note">${n} of these players are dash.js or hls.js, whose requests all share the six connections this browser opens to the server for requests with cookies: a request can wait for a free one, and a player counts the wait as a slower link. For exact comparisons play at most ${PLAYERS_PER_POOL} of them at once, or use <code>npm run compare:browser</code>, which gives each player a browser of its own.</p>`;

/**
 * `ssim`: each video rendition's per-segment SSIM by its bandwidth (info.json `segmentSsim`),
 * when every rendition has it: the scoreboard then shows QoE on SSIM beside QoE_lin.
 */
export function comparePage(opts: { video: string; title: string; players: ComparePlayer[]; net: string; loop?: boolean; segmentS: number; cdn?: string[]; ssim?: Record<number, number[]> }): string {
  const credentials = spreadOverPools(opts.players);
  const cfg = scriptJson({ ...opts, players: opts.players.map((p, i) => ({ ...p, credentials: credentials[i] })) });
  const theirs = opts.players.filter((p) => p.engine !== OUR_ENGINE).length;
  return `<!doctype html>
${PAGE_HEAD}
<title>Compare · ${esc(opts.title)} · dashlab</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:var(--bg);color:var(--fg)}
header{padding:14px 24px;border-bottom:1px solid var(--line);display:flex;gap:14px;align-items:center;flex-wrap:wrap}
header h1{margin:0;font-size:17px;flex:1} a{color:var(--link);text-decoration:none}
button{background:var(--button);color:var(--fg);border:1px solid var(--edge);border-radius:6px;padding:6px 10px;cursor:pointer}
main{padding:16px 24px} .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(440px,100%),1fr));gap:14px}
@media (max-width:600px){main{padding:10px} header{padding:10px 12px}}
${SCROLLING_TABLES}
figure{margin:0} figcaption{font-weight:600;margin:0 0 6px 4px} figcaption a{font-weight:400;font-size:13px;margin-left:8px}
iframe{width:100%;height:800px;border:1px solid var(--line);border-radius:10px;background:var(--bg)}
.note{color:var(--warn);background:var(--warn-bg);border:1px solid var(--warn-line);border-radius:8px;padding:10px 14px}
.error{color:var(--err);background:var(--err-bg);border:1px solid var(--err-line);border-radius:8px;padding:10px 14px}
label.check{display:flex;align-items:center;gap:6px} .hint{color:var(--muted)} tr.best td{color:var(--good);font-weight:600}
table{border-collapse:collapse;margin-bottom:14px;font-variant-numeric:tabular-nums} th,td{padding:4px 12px;border-bottom:1px solid var(--line);text-align:right} th:first-child,td:first-child{text-align:left}
</style></head><body>
<header><a href="/">dashlab</a><h1>${esc(opts.title)}: ${opts.players.length} players, ${opts.cdn ? `through the CDN (<a href="/cdn">its edges' links</a>), by ${esc([...new Set(opts.cdn)].join(', '))}` : `each on its own <code>${esc(opts.net)}</code> link`}</h1>
<a href="/compare?${esc(new URLSearchParams({ setup: '', video: opts.video, players: opts.players.map(playerLabel).join(','), net: opts.net }).toString())}">Change players or network</a>
<label class="check"><input type="checkbox" id="loop"${opts.loop ? ' checked' : ''}> Loop</label>
<button id="restart" title="Every video from its start and every link from the start of its profile, at the same instant">Restart all</button></header>
<main><p class="error" id="error" hidden></p>${theirs > PLAYERS_PER_POOL ? sharedConnectionsNote(theirs) : ''}
<p class="hint"><span id="run-state"></span> QoE is the lab's: the sum of the bitrates played in Mbit/s, one per segment, less ${REBUFFER_PENALTY} per second of rebuffering and the sum of the bitrate changes.${opts.ssim ? ` QoE on SSIM is quality as viewers see it (Puffer's): each segment's SSIM against the source in dB, summed, less ${SSIM_QOE.changeWeight} x the changes in dB and ${SSIM_QOE.rebufferPerS} per second of rebuffering.` : ''} <button id="download-json" type="button">Save as JSON</button> <button id="download-csv" type="button">CSV</button></p>
<table id="metrics"><thead><tr><th>player</th><th title="QoE so far (QoE_lin), higher is better">QoE</th>${opts.ssim ? '<th title="QoE on SSIM so far, higher is better">QoE on SSIM</th>' : ''}<th>avg bitrate</th><th>stalls</th><th>switches</th><th>startup</th><th title="on screen">playing</th><th title="the link's rate as the player measures it">estimate</th><th>buffer</th><th>played</th></tr></thead><tbody></tbody></table>
<div class="grid" id="grid"></div></main>
<script id="compare-config" type="application/json">${cfg}</script>
<script type="module" src="/assets/compare.js"></script></body></html>`;
}
