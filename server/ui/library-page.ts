/**
 * GET /: the library and the upload form, server-rendered with a little inline script
 * (upload progress, then packaging progress from the job's events, then a link).
 */
import type { VideoInfo } from '../packager/types.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const dur = (s: number) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`;

/** `tokenRequired`: the server has an UPLOAD_TOKEN, so the form asks for it (kept for the tab's session). */
export function libraryPage(videos: VideoInfo[], opts: { tokenRequired?: boolean } = {}): string {
  const cards = videos
    .map((v) => {
      const top = [...v.renditions].filter((r) => r.kind === 'video').sort((a, b) => b.bandwidth - a.bandwidth)[0];
      return `<li class="card" data-id="${esc(v.id)}">
  <a href="/watch/${esc(v.id)}"><img src="/media/${esc(v.id)}/poster.jpg" alt="" loading="lazy"></a>
  <div class="meta"><a class="title" href="/watch/${esc(v.id)}">${esc(v.title)}</a>
  <span>${dur(v.durationS)} · ${top ? `${top.width}x${top.height}` : ''} · ${v.renditions.filter((r) => r.kind === 'video').length} renditions</span>
  <span class="links"><a href="/media/${esc(v.id)}/manifest.mpd">MPD</a> <a href="/media/${esc(v.id)}/master.m3u8">HLS</a> <a href="/compare?video=${esc(encodeURIComponent(v.id))}" title="players side by side on the same shaped network">Side by side</a>
  <button class="delete" data-id="${esc(v.id)}">Delete</button></span></div></li>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>dashlab</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#0f1115;color:#e8e8ea}
header{padding:18px 28px;border-bottom:1px solid #262a33;display:flex;gap:16px;align-items:baseline}
header h1{margin:0;font-size:20px} header span{color:#9aa0aa}
main{padding:24px 28px;max-width:1200px}
ul{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:18px}
.card{background:#171a21;border:1px solid #262a33;border-radius:10px;overflow:hidden}
.card img{width:100%;aspect-ratio:16/9;object-fit:cover;display:block;background:#000}
.meta{padding:10px 12px;display:flex;flex-direction:column;gap:4px}.meta span{color:#9aa0aa;font-size:13px}
a{color:#8ab4ff;text-decoration:none} .title{color:#e8e8ea;font-weight:600}
.links{display:flex;gap:10px;align-items:center} button{background:#262a33;color:#e8e8ea;border:1px solid #353a45;border-radius:6px;padding:4px 10px;cursor:pointer}
form{background:#171a21;border:1px solid #262a33;border-radius:10px;padding:14px;display:flex;gap:10px;flex-wrap:wrap;align-items:center}
progress{width:260px} #status{color:#9aa0aa}
</style></head><body>
<header><h1>dashlab</h1><span>${videos.length} video${videos.length === 1 ? '' : 's'}</span><a href="/compare">Side by side: players on one network, live</a><a href="/reports">ABR lab: compare algorithms on network traces</a></header>
<main>
<form id="upload"><input type="file" name="file" accept="video/*" required><input name="title" placeholder="Title (optional)">
${opts.tokenRequired ? '<input id="token" type="password" placeholder="Upload token" autocomplete="off" required>' : ''}
<button>Upload and package</button><progress id="bar" max="100" value="0" hidden></progress><span id="status"></span></form>
<ul>${cards || '<li>The library is empty: upload a video, or run <code>npm start</code> to package the built-in sample.</li>'}</ul>
</main>
<script>
const form = document.getElementById('upload'), bar = document.getElementById('bar'), status = document.getElementById('status');
// The token (when the server asks for one) goes in an Authorization header, never in the form data.
const tokenInput = document.getElementById('token');
if (tokenInput) tokenInput.value = sessionStorage.getItem('dashlab-token') || '';
const auth = () => { if (!tokenInput || !tokenInput.value) return {}; sessionStorage.setItem('dashlab-token', tokenInput.value); return { Authorization: 'Bearer ' + tokenInput.value }; };
form.addEventListener('submit', (e) => {
  e.preventDefault();
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/api/videos');
  for (const [k, v] of Object.entries(auth())) xhr.setRequestHeader(k, v);
  bar.hidden = false; bar.value = 0; status.textContent = 'uploading...';
  xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) bar.value = 100 * ev.loaded / ev.total; };
  xhr.onload = () => {
    const body = JSON.parse(xhr.responseText || '{}');
    if (xhr.status !== 202) { if (xhr.status === 401) sessionStorage.removeItem('dashlab-token'); status.textContent = body.error || ('upload failed: ' + xhr.status); bar.hidden = true; return; }
    status.textContent = 'packaging...'; bar.value = 0;
    const es = new EventSource('/api/jobs/' + body.jobId + '/events');
    const show = (ev) => { const j = JSON.parse(ev.data); bar.value = j.progress;
      status.textContent = j.phase ? j.phase + ' ' + Math.round(j.progress) + '%' + (j.speed ? ' at ' + j.speed.toFixed(2) + 'x' : '') : j.state; };
    es.addEventListener('progress', show);
    es.addEventListener('done', (ev) => { es.close(); status.innerHTML = 'ready: <a href="/watch/' + body.videoId + '">watch</a>'; setTimeout(() => location.reload(), 1500); });
    es.addEventListener('failed', (ev) => { es.close(); bar.hidden = true; status.textContent = 'failed: ' + JSON.parse(ev.data).error; });
  };
  xhr.onerror = () => { status.textContent = 'upload failed: network error'; };
  xhr.send(new FormData(form));
});
document.querySelectorAll('button.delete').forEach((b) => b.addEventListener('click', async () => {
  if (!confirm('Delete ' + b.dataset.id + '?')) return;
  if (tokenInput && !tokenInput.value) { alert('Enter the upload token first: deleting needs it too.'); tokenInput.focus(); return; }
  const r = await fetch('/api/videos/' + encodeURIComponent(b.dataset.id), { method: 'DELETE', headers: auth() });
  if (r.ok) b.closest('li').remove(); else alert((await r.json()).error);
}));
</script></body></html>`;
}
