/**
 * GET /compare?video=<id>&players=dashlab:bola,dashjs,hlsjs&net=<profile>: players side by
 * side, each on its own shaped link replaying the same profile from the same instant (one
 * link each, so none steals another's bandwidth: dash.js#2131), with live metrics.
 */
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface ComparePlayer {
  engine: 'dashlab' | 'dashjs' | 'hlsjs';
  abr?: string;
}

export function comparePage(opts: { video: string; title: string; players: ComparePlayer[]; net: string }): string {
  const cfg = JSON.stringify(opts).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Compare · ${esc(opts.title)} · dashlab</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#0f1115;color:#e8e8ea}
header{padding:14px 24px;border-bottom:1px solid #262a33;display:flex;gap:14px;align-items:center;flex-wrap:wrap}
header h1{margin:0;font-size:17px;flex:1} a{color:#8ab4ff;text-decoration:none}
button{background:#262a33;color:#e8e8ea;border:1px solid #353a45;border-radius:6px;padding:6px 10px;cursor:pointer}
main{padding:16px 24px} .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:14px}
iframe{width:100%;height:760px;border:1px solid #262a33;border-radius:10px;background:#0f1115}
table{border-collapse:collapse;margin-bottom:14px;font-variant-numeric:tabular-nums} th,td{padding:4px 12px;border-bottom:1px solid #262a33;text-align:right} th:first-child,td:first-child{text-align:left}
</style></head><body>
<header><a href="/">dashlab</a><h1>${esc(opts.title)}: ${opts.players.length} players, each on its own <code>${esc(opts.net)}</code> link</h1>
<button id="restart">Restart the trace for all</button></header>
<main><table id="metrics"><thead><tr><th>player</th><th>playing</th><th>avg bitrate</th><th>estimate</th><th>buffer</th><th>stalls</th><th>switches</th><th>startup</th></tr></thead><tbody></tbody></table>
<div class="grid" id="grid"></div></main>
<script id="compare-config" type="application/json">${cfg}</script>
<script type="module">
const cfg = JSON.parse(document.getElementById('compare-config').textContent);
const post = (url, body, method = 'POST') => fetch(url, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }).then(async (r) => { const j = await r.json(); if (!r.ok) throw new Error(j.error); return j; });
const kbps = (b) => b === undefined ? '–' : (b / 1e6).toFixed(2) + ' Mbit/s';
// One link per player, all (re)started with the profile at the same instant.
const links = [];
for (const p of cfg.players) links.push((await post('/api/links', { profile: cfg.net })).id);
const restart = () => Promise.all(links.map((id) => post('/api/links/' + id, { profile: cfg.net }, 'PUT')));
await restart();
document.getElementById('restart').onclick = restart;
const frames = cfg.players.map((p, i) => {
  const f = document.createElement('iframe');
  const q = new URLSearchParams({ engine: p.engine, link: links[i] });
  if (p.abr) q.set('abr', p.abr);
  f.src = '/watch/' + encodeURIComponent(cfg.video) + '?' + q;
  f.title = p.engine + (p.abr ? ':' + p.abr : '');
  document.getElementById('grid').append(f);
  return f;
});
window.dashlabCompare = { links, frames, stats: () => frames.map((f) => f.contentWindow?.dashlabPlayer?.stats()) };
const tbody = document.querySelector('#metrics tbody');
const sums = frames.map(() => ({ n: 0, sum: 0 }));
setInterval(() => {
  tbody.innerHTML = '';
  frames.forEach((f, i) => {
    const s = f.contentWindow?.dashlabPlayer?.stats();
    const tr = document.createElement('tr');
    if (s?.representation && s.state === 'playing') { sums[i].n++; sums[i].sum += s.representation.bandwidth; }
    const avg = sums[i].n ? sums[i].sum / sums[i].n : undefined;
    const cells = [f.title, s?.representation ? (s.representation.height ?? '?') + 'p' : '–', kbps(avg), kbps(s?.estimateBps), s ? s.bufferS.toFixed(1) + ' s' : '–',
      s ? s.stalls.count + ' (' + s.stalls.seconds.toFixed(1) + ' s)' : '–', s ? String(s.switches.length) : '–', s?.startupS !== undefined ? s.startupS.toFixed(1) + ' s' : '–'];
    for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.append(td); }
    tbody.append(tr);
  });
}, 1000);
</script></body></html>`;
}
