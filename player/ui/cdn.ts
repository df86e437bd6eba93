/**
 * The /cdn page's script (server/pages/cdn-page.ts): reads GET /api/cdn every second and shows
 * the edges, the origin, what the tier saved, and the players watching; starts players (watch
 * pages in frames, in the mode chosen) and stops or starts an edge.
 */
interface EdgeRow {
  id: string;
  url: string;
  link: string;
  rateKbps: number;
  rttMs: number;
  up: boolean;
  hit: number;
  miss: number;
  revalidated: number;
  stale: number;
  expired: number;
  requests: number;
  bytes: number;
  cacheBytes: number;
  cacheMaxBytes: number;
  viewers: number;
}

interface CdnState {
  origin: { url: string; requests: number; notModified: number; bytes: number; bytesToViewers: number };
  edges: EdgeRow[];
  offload: number;
  originSaved: number;
  viewerBytes: number;
  steering: { ttlS: number; requests: number; priority: string[] };
  players: Array<{ sid: string; cid?: string; edge?: string; bufferMs?: number; throughputKbps?: number; bitrateKbps?: number; segments: Array<{ edge: string; ot: string; cache: string }> }>;
}

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, text = '', attrs: Record<string, string> = {}) => {
  const e = document.createElement(tag);
  e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
};
const bytes = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1e3)} kB`);
const pct = (x: number) => `${Math.round(x * 100)}%`;
const mbit = (kbps?: number) => (kbps === undefined ? '–' : `${(kbps / 1000).toFixed(1)} Mbit/s`);
/** One colour per edge, the origin grey: distinct in both themes. */
const PALETTE = ['#4c8dff', '#4cc38a', '#f5a524', '#e5484d', '#b07cf7', '#2bb3c0', '#d6699b', '#9aa05a'];
const colour = (edges: EdgeRow[], id: string) => (id === 'origin' ? '#8a8f98' : PALETTE[Math.max(0, edges.findIndex((e) => e.id === id)) % PALETTE.length]);

function row(cells: Array<string | Node>, cls = ''): HTMLTableRowElement {
  const tr = el('tr', '', cls ? { class: cls } : {});
  for (const c of cells) {
    const td = el('td');
    td.append(c);
    tr.append(td);
  }
  return tr;
}

function card(value: string, label: string, title: string): HTMLElement {
  const c = el('div', '', { class: 'card', title });
  c.append(el('b', value), el('span', label));
  return c;
}

async function control(id: string, action: 'stop' | 'start'): Promise<void> {
  const r = await fetch(`/api/cdn/edges/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
  if (!r.ok) showError(((await r.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${r.status}`);
}

function showError(message: string | undefined): void {
  const box = $('#error');
  box.hidden = !message;
  box.textContent = message ?? '';
}

function render(s: CdnState): void {
  $('#cards').replaceChildren(
    card(pct(s.offload), 'of the bytes viewers got came from edges', 'offload: bytes served by edges / all bytes viewers got'),
    card(pct(s.originSaved), 'of those bytes the origin did not send', '1 - the origin’s bytes (to edges and viewers) / all bytes viewers got'),
    card(bytes(s.viewerBytes), 'to viewers in all', 'edges and the origin, to viewers'),
    card(bytes(s.origin.bytes), 'sent by the origin', 'to edges (their misses) and to viewers directly'),
    card(s.steering.priority.join(' › '), `steering now (TTL ${s.steering.ttlS} s, ${s.steering.requests} requests)`, 'the order the steering server gives a client that says nothing of itself'),
  );
  $('#edges tbody').replaceChildren(
    ...s.edges.map((e) => {
      const cache = el('span', `${bytes(e.cacheBytes)} of ${bytes(e.cacheMaxBytes)}`);
      const bar = el('span', '', { class: 'bar', role: 'img', 'aria-label': `${pct(e.cacheBytes / e.cacheMaxBytes)} of the cache used` });
      bar.append(el('i', '', { style: `width:${Math.min(100, (100 * e.cacheBytes) / e.cacheMaxBytes).toFixed(1)}%` }));
      cache.append(bar);
      const btn = el('button', e.up ? 'Stop' : 'Start', { type: 'button', 'aria-label': `${e.up ? 'Stop' : 'Start'} ${e.id}` });
      btn.onclick = () => void control(e.id, e.up ? 'stop' : 'start');
      const name = el('span');
      name.append(el('i', '', { style: `display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;background:${colour(s.edges, e.id)}` }), e.id);
      const state = el('span', e.up ? 'up' : 'DOWN', { class: e.up ? 'up' : '' });
      return row([name, `${e.link}: ${mbit(e.rateKbps)}, ${e.rttMs} ms`, state, String(e.hit), String(e.miss), String(e.revalidated), String(e.stale), String(e.expired), String(e.requests), bytes(e.bytes), cache, String(e.viewers), btn], e.up ? '' : 'down');
    }),
  );
  $('#origin tbody').replaceChildren(row([s.origin.url, String(s.origin.requests), String(s.origin.notModified), bytes(s.origin.bytes), bytes(s.origin.bytesToViewers)]));
  $('#legend').replaceChildren(
    ...[...s.edges.map((e) => e.id), 'origin'].flatMap((id) => {
      const sw = el('i', '', { style: `background:${colour(s.edges, id)}` });
      return [sw, document.createTextNode(id)];
    }),
  );
  $('#players tbody').replaceChildren(
    ...s.players.map((p) => {
      const strip = el('span', '', { class: 'strip', role: 'img', 'aria-label': `segments by edge: ${summary(p.segments)}` });
      for (const seg of p.segments.filter((x) => x.ot === 'v')) strip.append(el('i', '', { style: `background:${colour(s.edges, seg.edge)}`, title: `${seg.edge} ${seg.cache}` }));
      return row([p.sid.slice(0, 8), p.cid ?? '–', p.edge ?? '–', mbit(p.bitrateKbps), p.bufferMs === undefined ? '–' : `${(p.bufferMs / 1000).toFixed(1)} s`, mbit(p.throughputKbps), strip]);
    }),
  );
}

const summary = (segs: Array<{ edge: string; ot: string }>) => {
  const n = new Map<string, number>();
  for (const s of segs) if (s.ot === 'v') n.set(s.edge, (n.get(s.edge) ?? 0) + 1);
  return [...n].map(([k, v]) => `${k} ${v}`).join(', ') || 'none yet';
};

function startPlayers(): void {
  const n = Math.max(1, Math.min(8, Number($<HTMLInputElement>('#count').value) || 1));
  const q = new URLSearchParams({ cdn: $<HTMLSelectElement>('#mode').value, engine: $<HTMLSelectElement>('#engine').value, embed: '1', loop: '1' });
  const video = $<HTMLSelectElement>('#video').value;
  for (let i = 0; i < n; i++) {
    const f = el('iframe', '', { src: `/watch/${encodeURIComponent(video)}?${q}`, title: `player ${$('#grid').children.length + 1} (${q.get('engine')}, ${q.get('cdn')})` });
    $('#grid').append(f);
  }
}

async function main(): Promise<void> {
  const videos = (await (await fetch('/api/videos')).json()) as Array<{ id: string; title?: string }>;
  $('#video').replaceChildren(...videos.map((v) => el('option', v.title ? `${v.title} (${v.id})` : v.id, { value: v.id })));
  const select = $<HTMLSelectElement>('#video');
  const compareLink = () => ($<HTMLAnchorElement>('#compare-modes').href = `/compare?${new URLSearchParams({ video: select.value, players: 'dashlab,dashlab,dashlab', cdn: 'steering,redirect,client' })}`);
  select.onchange = compareLink;
  compareLink();
  $('#start').onclick = startPlayers;
  $('#stop-players').onclick = () => $('#grid').replaceChildren();
  const tick = async () => {
    try {
      const r = await fetch('/api/cdn', { cache: 'no-store' });
      render((await r.json()) as CdnState);
      if ($('#error').textContent?.startsWith('cannot reach')) showError(undefined);
    } catch (err) {
      showError(`cannot reach the origin: ${(err as Error).message}`);
    }
  };
  await tick();
  setInterval(() => void tick(), 1000);
}

void main();
