/**
 * GET /compare without a video (or with a request it cannot play): a form to choose the
 * video, 2 to 6 players and the network profile they share, instead of a dead end. It
 * submits to /compare?video=&players=&net= (the URL users can also type or share).
 */
import { FORM_STYLE, PAGE_HEAD, esc, scriptJson } from '../../core/html.js';
import { ENGINES, everyPlayer, isEngine, OUR_ENGINE } from '../../core/players.js';

export interface CompareSetup {
  videos: Array<{ id: string; title: string }>;
  /** dashlab's ABR algorithms, and the one that is ours. */
  abrNames: readonly string[];
  defaultAbr: string;
  /** Named link profiles with what each does; traces are listed in the page from /api/traces. */
  profiles: Record<string, string>;
  /** What was asked for, to choose again (any may be missing or wrong). */
  video?: string;
  players?: string[];
  net?: string;
  /** Why the request could not be played. */
  error?: string;
}

export const DEFAULT_COMPARE_PLAYERS = ['dashlab:dashlab', 'dashlab:bola', 'dashjs'];
export const DEFAULT_COMPARE_NET = 'step-down';

export function compareSetupPage(o: CompareSetup): string {
  const chosen = new Set(o.players?.length ? o.players : DEFAULT_COMPARE_PLAYERS);
  const players = everyPlayer(o.abrNames);
  const box = (p: string) => {
    const about = p === `${OUR_ENGINE}:${o.defaultAbr}` ? ' (ours)' : isEngine(p) && p !== OUR_ENGINE ? ` (${ENGINES[p].about})` : p.startsWith('dashjs:') ? ' (its own low-latency rule, for live channels)' : '';
    return `<label><input type="checkbox" name="player" value="${esc(p)}"${chosen.has(p) ? ' checked' : ''}> ${esc(p)}${about}</label>`;
  };
  const video = o.videos.map((v) => `<option value="${esc(v.id)}"${v.id === o.video ? ' selected' : ''}>${esc(v.title)}${v.title === v.id ? '' : ` (${esc(v.id)})`}</option>`).join('');
  const net = o.net ?? DEFAULT_COMPARE_NET;
  const profiles = Object.entries(o.profiles)
    .map(([k, about]) => `<option value="${esc(k)}"${k === net ? ' selected' : ''}>${esc(k)}: ${esc(about)}</option>`)
    .join('');
  // A rate spec typed in the URL (1500kbps-80ms) stays selectable; traces arrive from /api/traces.
  const custom = net in o.profiles || net.startsWith('trace-') ? '' : `<optgroup label="as asked"><option value="${esc(net)}" selected>${esc(net)}</option></optgroup>`;
  const cfg = scriptJson({ net });
  return `<!doctype html>
${PAGE_HEAD}
<title>Side by side · dashlab</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:var(--bg);color:var(--fg)}
header{padding:18px 28px;border-bottom:1px solid var(--line);display:flex;gap:16px;align-items:baseline}
header h1{margin:0;font-size:20px} a{color:var(--link);text-decoration:none} main{padding:24px 28px;max-width:900px}
${FORM_STYLE}
.error{color:var(--err);background:var(--err-bg);border:1px solid var(--err-line);border-radius:8px;padding:10px 14px}
</style></head><body>
<header><h1><a href="/">dashlab</a> · Side by side</h1><a href="/reports">ABR lab (simulated, on trace sets)</a></header>
<main>
${o.error ? `<p class="error" id="error">${esc(o.error)}</p>` : ''}
<p>Plays one video in 2 to 6 players at once, each on a shaped link of its own that replays the same network profile from the same instant, with live metrics side by side. Real playback in this browser, in real time: for many traces at once use the <a href="/reports">ABR lab</a>.</p>
${
  o.videos.length
    ? `<form id="form">
<label for="video">Video</label><select name="video" id="video">${video}</select>
<span id="players-label">Players</span><div role="group" aria-labelledby="players-label">${players.map(box).join(' ')}</div>
<label for="net">Network</label><select name="net" id="net">${custom}<optgroup label="profiles">${profiles}</optgroup><optgroup label="traces (replayed and looped)" id="traces"></optgroup></select>
<span></span><button>Play side by side</button><span></span><span id="status"></span>
</form>`
    : '<p class="error">The library is empty: <a href="/">upload a video</a> first, or run <code>npm start</code> to package the built-in sample.</p>'
}
</main>
<script id="setup-config" type="application/json">${cfg}</script>
<script>
const cfg = JSON.parse(document.getElementById('setup-config').textContent);
const form = document.getElementById('form');
if (form) {
  // Traces come from the shaper (shipped and uploaded ones).
  fetch('/api/traces').then((r) => r.json()).then((list) => {
    const group = document.getElementById('traces');
    for (const t of list) {
      const o = document.createElement('option');
      o.value = 'trace-' + t.name;
      o.textContent = t.name + ' (mean ' + (t.meanKbps >= 1000 ? (t.meanKbps / 1000).toFixed(2) + ' Mbit/s' : t.meanKbps + ' kbit/s') + ')';
      o.selected = o.value === cfg.net;
      group.append(o);
    }
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const players = f.getAll('player');
    if (players.length < 2 || players.length > 6) { document.getElementById('status').textContent = 'choose 2 to 6 players (' + players.length + ' chosen)'; return; }
    location.href = '/compare?' + new URLSearchParams({ video: f.get('video'), players: players.join(','), net: f.get('net') });
  });
}
</script></body></html>`;
}
