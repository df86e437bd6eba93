/**
 * GET /: the library and the upload form, server-rendered with a little inline script
 * (upload progress, then packaging progress from the jobs' events, then a link and the new
 * video's card, fetched from this same page: one template for cards). Jobs still
 * to finish and the last day's failures are listed too, so a reload or another tab still
 * shows how packaging goes, or why it failed.
 */
import { PAGE_HEAD, esc, scriptJson } from '../../core/html.js';
import type { PublicJob } from '../jobs/public-job.js';
import { FINISHED_KEPT_MS } from '../jobs/store.js';
import type { VideoInfo } from '../packager/types.js';

export type PageJob = PublicJob;

/** The jobs the page lists: queued and running, then failures of the last day; newest first, at most 20. */
export function jobsToShow(jobs: PageJob[], now = Date.now()): PageJob[] {
  const recentFailure = (j: PageJob) => j.state === 'failed' && now - Date.parse(j.finishedAt ?? j.createdAt) < FINISHED_KEPT_MS;
  const newest = (a: PageJob, b: PageJob) => Date.parse(b.createdAt) - Date.parse(a.createdAt);
  const pending = jobs.filter((j) => j.state === 'queued' || j.state === 'running').sort(newest);
  return [...pending, ...jobs.filter(recentFailure).sort(newest)].slice(0, 20);
}

/** JSON inside a <script> element: no "</script>" or "<!--" can close it early (titles are the users'). */

const dur = (s: number) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`;

/** One video of the library: its poster, title, facts and links. */
function videoCard(v: VideoInfo): string {
  const top = [...v.renditions].filter((r) => r.kind === 'video').sort((a, b) => b.bandwidth - a.bandwidth)[0];
  return `<li class="card" data-id="${esc(v.id)}">
  <a href="/watch/${esc(v.id)}" tabindex="-1" aria-hidden="true"><img src="/media/${esc(v.id)}/poster.jpg" alt="" loading="lazy"></a>
  <div class="meta"><a class="title" href="/watch/${esc(v.id)}">${esc(v.title)}</a>
  <span>${dur(v.durationS)} · ${top ? `${top.width}x${top.height}` : ''} · ${v.renditions.filter((r) => r.kind === 'video').length} renditions</span>
  <span class="links"><a href="/media/${esc(v.id)}/manifest.mpd">MPD</a> <a href="/media/${esc(v.id)}/master.m3u8">HLS</a> <a href="/compare?video=${esc(encodeURIComponent(v.id))}" title="players side by side on the same shaped network">Side by side</a>
  <button class="delete" data-id="${esc(v.id)}">Delete</button></span></div></li>`;
}

/** `tokenRequired`: the server has an UPLOAD_TOKEN, so the form asks for it (kept for the tab's session). */
/** A live channel as the library lists it. */
export interface PageChannel {
  id: string;
  status: string;
  source: string;
  ingest?: string;
  error?: string;
}

const channelRow = (c: PageChannel) =>
  `<li class="chan" data-id="${esc(c.id)}" data-state="${esc(c.status)}"><a class="title" href="/watch/${esc(c.id)}">${esc(c.id)}</a> <span class="what">${esc(c.status)} · ${esc(c.source)}${c.ingest ? ` · send to <code>${esc(c.ingest)}</code>` : ''}${c.error ? ` · ${esc(c.error)}` : ''}</span>${['live', 'waiting', 'starting'].includes(c.status) ? ` <button class="stop-live" data-id="${esc(c.id)}">Stop</button>` : ''}</li>`;

/** The "Go live" form and the channels: a test source with the clock burned in, a library video looping, or a stream key for OBS. */
function liveSection(videos: VideoInfo[], channels: PageChannel[]): string {
  const options = [
    '<option value="testsrc">Test source (the clock burned in)</option>',
    ...videos.map((v) => `<option value="file:${esc(v.id)}">Loop ${esc(v.title)}</option>`),
    '<option value="rtmp">RTMP from OBS (a stream key)</option>',
    '<option value="srt">SRT (a stream key as passphrase)</option>',
  ];
  return `<section aria-labelledby="live-h"><h2 id="live-h">Live</h2>
<form id="golive-form"><input name="id" placeholder="Channel name" aria-label="Channel name" pattern="[A-Za-z0-9][A-Za-z0-9_-]{0,63}" required><select name="source" aria-label="Source">${options.join('')}</select><button>Go live</button><span id="live-status" aria-live="polite"></span></form>
<ul id="channels" class="rows" aria-label="live channels">${channels.map(channelRow).join('')}</ul></section>`;
}

export function libraryPage(videos: VideoInfo[], opts: { tokenRequired?: boolean; jobs?: PageJob[]; channels?: PageChannel[] } = {}): string {
  return `<!doctype html>
${PAGE_HEAD}
<title>dashlab</title>
<style>${LIBRARY_STYLE}</style></head><body>
<header><h1>dashlab</h1><span id="count">${videos.length} video${videos.length === 1 ? '' : 's'}</span><a href="/compare">Side by side: players on one network, live</a><a href="/reports">ABR lab: compare algorithms on network traces</a></header>
<main>
<form id="upload"><input type="file" name="file" accept="video/*" required aria-label="Video file"><input name="title" placeholder="Title (optional)" aria-label="Title (optional)">
<label class="subs">Subtitles (optional: .srt, .vtt or .ass, named like <code>talk.fr.srt</code> for their language) <input type="file" name="subtitles" accept=".srt,.vtt,.ass,.ssa" multiple></label>
${opts.tokenRequired ? '<input id="token" type="password" placeholder="Upload token" autocomplete="off" required>' : ''}
<button>Upload and package</button><progress id="bar" max="100" value="0" hidden></progress><span id="status"></span></form>
<ul id="jobs" aria-label="packaging jobs" hidden></ul>
<ul id="videos">${videos.map(videoCard).join('\n') || '<li>The library is empty: upload a video, or run <code>npm start</code> to package the built-in sample.</li>'}</ul>
${liveSection(videos, opts.channels ?? [])}
</main>
<script id="jobs-data" type="application/json">${scriptJson(opts.jobs ?? [])}</script>
<script>${LIBRARY_SCRIPT}</script></body></html>`;
}

const LIBRARY_STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:var(--bg);color:var(--fg)}
header{padding:18px 28px;border-bottom:1px solid var(--line);display:flex;gap:16px;align-items:baseline}
header h1{margin:0;font-size:20px} header span{color:var(--muted)}
main{padding:24px 28px;max-width:1200px}
ul{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:18px}
.card{background:var(--panel);border:1px solid var(--line);border-radius:10px;overflow:hidden}
.card img{width:100%;aspect-ratio:16/9;object-fit:cover;display:block;background:#000}
.meta{padding:10px 12px;display:flex;flex-direction:column;gap:4px}.meta span{color:var(--muted);font-size:13px}
a{color:var(--link);text-decoration:none} .title{color:var(--fg);font-weight:600}
.links{display:flex;gap:10px;align-items:center} button{background:var(--button);color:var(--fg);border:1px solid var(--edge);border-radius:6px;padding:4px 10px;cursor:pointer}
form{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:14px;display:flex;gap:10px;flex-wrap:wrap;align-items:center}
progress{width:260px} #status{color:var(--muted)} .subs{color:var(--muted);font-size:13px;display:flex;gap:6px;align-items:center;flex-wrap:wrap;max-width:100%} .subs input{max-width:100%}
#jobs{display:flex;flex-direction:column;gap:8px;margin:14px 0 0}#jobs[hidden]{display:none}
.job{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:10px 14px;display:flex;gap:14px;align-items:center;flex-wrap:wrap}
h2{font-size:16px;margin:28px 0 10px} ul.rows{display:flex;flex-direction:column;gap:8px} .chan{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:10px 14px;display:flex;gap:12px;align-items:center;flex-wrap:wrap} .chan .what{color:var(--muted)} .chan[data-state=live] .title::before{content:"● ";color:var(--red)}
.job .what{color:var(--muted)}.job[data-state=failed]{border-color:var(--err-line)}.job[data-state=failed] .what{color:var(--err)}
`;

/**
 * The page's script: upload progress, then each job followed to its end on one stream of
 * every job's changes, its card fetched into place when done; retry, cancel and delete.
 */
const LIBRARY_SCRIPT = `
const form = document.getElementById('upload'), bar = document.getElementById('bar'), status = document.getElementById('status');
const jobsList = document.getElementById('jobs');
const clock = (s) => s >= 60 ? Math.floor(s / 60) + ' min ' + (s % 60) + ' s' : s + ' s';
const jobText = (j) => j.state === 'queued' ? 'waiting for the packager'
  : j.state === 'failed' ? 'failed: ' + j.error
  : (j.phase || 'starting') + ' ' + Math.round(j.progress) + '%' + (j.speed ? ' at ' + j.speed.toFixed(2) + 'x' : '') + (j.etaS != null ? ', about ' + clock(j.etaS) + ' left' : '') + (j.worker ? ' on ' + j.worker : '');
// One row per job, made or updated from the job's public record (the API's and the events').
function showJob(j, atTop) {
  let li = [...jobsList.children].find((e) => e.dataset.job === j.id);
  if (!li) {
    li = document.createElement('li'); li.className = 'job'; li.dataset.job = j.id;
    li.innerHTML = '<span class="title"></span><progress max="100"></progress><span class="what"></span>';
    if (atTop) jobsList.prepend(li); else jobsList.append(li);
  }
  li.dataset.state = j.state;
  li.querySelector('.title').textContent = j.title;
  const p = li.querySelector('progress'); p.value = j.progress; p.hidden = j.state === 'done' || j.state === 'failed';
  const what = li.querySelector('.what');
  if (j.state === 'done') { what.textContent = 'ready: '; const a = document.createElement('a'); a.href = '/watch/' + encodeURIComponent(j.videoId); a.textContent = 'watch'; what.append(a); }
  else what.textContent = jobText(j);
  // A failure that was not the file's kept its upload: one click runs it again.
  let retry = li.querySelector('button.retry');
  if (j.state === 'failed' && j.retryable) {
    if (!retry) { retry = document.createElement('button'); retry.className = 'retry'; retry.textContent = 'Retry'; retry.addEventListener('click', () => retryJob(j.id)); li.append(retry); }
  } else if (retry) retry.remove();
  let cancel = li.querySelector('button.cancel');
  if (j.state === 'queued' || j.state === 'running') {
    if (!cancel) { cancel = document.createElement('button'); cancel.className = 'cancel'; cancel.textContent = 'Cancel'; cancel.addEventListener('click', () => cancelJob(j.id, li)); li.append(cancel); }
  } else if (cancel) cancel.remove();
  jobsList.hidden = false;
}
// Follow jobs to their end on one stream of every job's changes (a stream per job would take
// all six connections a browser opens to a host); when one is done its card is added.
// Never a reload: it would cut off an upload under way and empty the form.
async function refreshLibrary() {
  const fresh = new DOMParser().parseFromString(await (await fetch('/')).text(), 'text/html');
  document.getElementById('videos').replaceWith(fresh.getElementById('videos'));
  document.getElementById('count').textContent = fresh.getElementById('count').textContent;
}
let stream, lastUpload;
const rowOf = (id) => [...jobsList.children].find((e) => e.dataset.job === id);
const pending = () => [...jobsList.children].some((li) => li.dataset.state === 'queued' || li.dataset.state === 'running');
function apply(j) {
  const li = rowOf(j.id);
  if (!li) return; // not a job on this page
  const was = li.dataset.state;
  showJob(j, false);
  if (j.state === 'done' && was !== 'done') refreshLibrary().catch(() => undefined);
  // The "uploaded" note is about this job: it goes when the job ends (the row says how).
  if (j.id === lastUpload && (j.state === 'done' || j.state === 'failed')) status.textContent = '';
  if (!pending() && stream) { stream.close(); stream = undefined; }
}
function follow(j, atTop) {
  showJob(j, atTop);
  if (stream || !pending()) return;
  stream = new EventSource('/api/jobs/events');
  stream.addEventListener('job', (ev) => apply(JSON.parse(ev.data)));
  // On (re)connecting, catch up on what changed before the stream was listening.
  stream.onopen = async () => { for (const job of await (await fetch('/api/jobs')).json()) apply(job); };
  // EventSource retries a dropped connection by itself; it gives up only on an answer that is not a stream.
  stream.onerror = () => {
    if (stream?.readyState !== EventSource.CLOSED) return;
    stream = undefined;
    for (const li of jobsList.children) if (li.dataset.state === 'queued' || li.dataset.state === 'running') li.querySelector('.what').textContent = 'lost track of this job (the server restarted?): reload the page';
  };
}
// Retry and cancel need the upload token when uploads do.
const tokenMissing = (what) => { if (!tokenInput || tokenInput.value) return false; alert('Enter the upload token first: ' + what + ' needs it too.'); tokenInput.focus(); return true; };
async function retryJob(id) {
  if (tokenMissing('retrying')) return;
  const r = await fetch('/api/jobs/' + encodeURIComponent(id) + '/retry', { method: 'POST', headers: auth() });
  const body = await r.json();
  if (r.ok) follow(body, false); else alert(body.error);
}
async function cancelJob(id, li) {
  if (!confirm('Stop packaging ' + li.querySelector('.title').textContent + ' and delete its upload?') || tokenMissing('cancelling')) return;
  li.querySelector('button.cancel').disabled = true;
  const r = await fetch('/api/jobs/' + encodeURIComponent(id), { method: 'DELETE', headers: auth() });
  const body = await r.json();
  if (r.ok) apply(body); else { alert(body.error); li.querySelector('button.cancel').disabled = false; }
}
// Jobs the server had when the page was made: still to finish, or failed in the last day.
JSON.parse(document.getElementById('jobs-data').textContent).forEach((j) => follow(j, false));
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
    bar.hidden = true; status.textContent = 'uploaded: packaging below';
    lastUpload = body.jobId;
    follow({ id: body.jobId, videoId: body.videoId, title: form.querySelector('input[name=title]').value || 'your video', state: 'queued', progress: 0 }, true);
    // Ready for the next upload (the token stays).
    form.querySelector('input[name=file]').value = ''; form.querySelector('input[name=title]').value = ''; form.querySelector('input[name=subtitles]').value = '';
  };
  xhr.onerror = () => { status.textContent = 'upload failed: network error'; };
  xhr.send(new FormData(form));
});
// Live: start a channel (the answer says where to watch it, or where to send the stream), stop one.
const liveForm = document.getElementById('golive-form'), liveStatus = document.getElementById('live-status');
liveForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (tokenMissing('going live')) return;
  liveStatus.textContent = 'starting the encoder...';
  const body = { id: liveForm.querySelector('[name=id]').value, source: liveForm.querySelector('[name=source]').value };
  const r = await fetch('/api/channels', { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth() }, body: JSON.stringify(body) });
  const c = await r.json();
  if (!r.ok) { liveStatus.textContent = c.error || ('could not go live: ' + r.status); return; }
  if (r.status === 201) { location.href = c.watch; return; }
  liveStatus.textContent = c.ingest ? 'waiting for your stream at ' + c.ingest : 'starting: it plays at ' + c.watch + ' in a moment';
  setTimeout(() => location.reload(), 1500);
});
document.addEventListener('click', async (e) => {
  const b = e.target.closest('button.stop-live');
  if (!b || !confirm('Stop the channel ' + b.dataset.id + '? Its viewers are told it ended.') || tokenMissing('stopping a channel')) return;
  const r = await fetch('/api/channels/' + encodeURIComponent(b.dataset.id), { method: 'DELETE', headers: auth() });
  if (r.ok) location.reload(); else alert((await r.json()).error);
});
// On the document: the cards are replaced when a new video arrives.
document.addEventListener('click', async (e) => {
  const b = e.target.closest('button.delete');
  if (!b || !confirm('Delete ' + b.dataset.id + '?') || tokenMissing('deleting')) return;
  const r = await fetch('/api/videos/' + encodeURIComponent(b.dataset.id), { method: 'DELETE', headers: auth() });
  if (r.ok) refreshLibrary(); else alert((await r.json()).error);
});
`;
