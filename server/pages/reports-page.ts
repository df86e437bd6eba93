/**
 * GET /reports: the ABR lab's form. Pick a video (the library's or a bundled one), a trace
 * set, algorithms and a model; GET /reports/view runs the simulator and shows the report.
 */
import { FORM_STYLE, PAGE_HEAD, esc } from '../../core/html.js';

export function reportsPage(opts: { videos: Array<{ id: string; title: string }>; traces: Array<{ name: string; count: number }>; algos: string[]; defaultAlgo: string; yardstick: string; byName?: Record<string, string> }): string {
  const video = opts.videos.map((v) => `<option value="${esc(v.id)}">${esc(v.title)}${v.title === v.id ? '' : ` (${esc(v.id)})`}</option>`).join('');
  const traces = opts.traces.map((t) => `<option value="${esc(t.name)}">${esc(t.name)}${t.count > 1 ? ` (${t.count} traces)` : ''}</option>`).join('');
  const algos =
    opts.algos.map((a) => {
      // Algorithms for one case (live, SSIM) start unchecked, with what they are for.
      const note = opts.byName?.[a];
      return `<label><input type="checkbox" name="algo" value="${esc(a)}"${note ? '' : ' checked'}> ${esc(a)}${a === opts.defaultAlgo ? ' (ours)' : note ? ` (${esc(note)})` : ''}</label>`;
    }).join(' ') +
    ` <label title="the best any player could do knowing the trace in advance (dashlab model)"><input type="checkbox" name="algo" value="${esc(opts.yardstick)}"> ${esc(opts.yardstick)}</label>`;
  return `<!doctype html>
${PAGE_HEAD}
<title>ABR lab · dashlab</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:var(--bg);color:var(--fg)}
header{padding:18px 28px;border-bottom:1px solid var(--line);display:flex;gap:16px;align-items:baseline}
header h1{margin:0;font-size:20px} a{color:var(--link);text-decoration:none} main{padding:24px 28px;max-width:900px}
${FORM_STYLE}
</style></head><body>
<header><h1><a href="/">dashlab</a> · ABR lab</h1><a href="/compare">Side by side (real players, live)</a></header>
<main>
<p>Runs every chosen algorithm on every trace of the set in the simulator (the player's own ABR code in virtual time) and shows a report: table, QoE distribution, one session's timeline, bitrate against rebuffering. The same report comes from <code>npm run compare -- --html report.html</code>.</p>
<form action="/reports/view" method="get" id="form">
<label for="video">Video</label><select name="video" id="video">${video}</select>
<label for="traces">Traces</label><select name="traces" id="traces">${traces}</select>
<span id="algos-label">Algorithms</span><div role="group" aria-labelledby="algos-label">${algos}</div>
<label for="model">Model</label><select name="model" id="model"><option value="dashlab">dashlab (our player's buffer rules)</option><option value="pensieve">pensieve (Pensieve's test environment; Pensieve-format traces)</option><option value="live">live (a low-latency channel of the video: the live QoE, latency)</option></select>
<span></span><button>Run the comparison</button>
</form>
</main>
<script>
// Checkboxes become one comma-separated "algos" parameter, as the command line takes it.
document.getElementById('form').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const q = new URLSearchParams({ video: f.get('video'), traces: f.get('traces'), model: f.get('model'), algos: f.getAll('algo').join(',') });
  location.href = '/reports/view?' + q;
});
</script></body></html>`;
}
