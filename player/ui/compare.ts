/**
 * The side-by-side page's script (server/pages/compare-page.ts): a shaped link per player, all
 * (re)started with the profile at the same instant; each player's watch page in a frame; and a
 * scoreboard: QoE so far with the lab's QoE_lin (core/qoe.ts) over the segments each player has
 * played, by the media time on screen, with average bitrate, stalls, switches and startup, the
 * best marked. The frames' charts share one bitrate scale, and the sessions can be saved as JSON
 * or CSV at any time (the table says when every player has reached the end).
 */
import { playerLabel as label, type PlayerSpec } from '../../core/players.js';
import { sessionMetrics, ssimQoe, type SessionMetrics } from '../../core/qoe.js';
import type { PlayerStats } from '../engine/types.js';

interface CompareConfig {
  video: string;
  net: string;
  loop?: boolean;
  /** The video's segment duration: QoE_lin counts segments. */
  segmentS: number;
  players: Array<Pick<PlayerSpec, 'engine' | 'abr'> & { credentials?: RequestCredentials }>;
  /** Through a CDN tier: each player's mode (steering, redirect, client); no shaped links then (the edges' are). */
  cdn?: string[];
  /** Each video rendition's SSIM per segment, by its bandwidth (info.json), when all were measured. */
  ssim?: Record<string, number[]>;
}

/** A player's name on the page: its spec, and its CDN mode when it has one. */
const nameOf = (cfg: CompareConfig, i: number) => label(cfg.players[i]) + (cfg.cdn ? ` via ${cfg.cdn[i]}` : '');

interface FramePlayer {
  stats(): PlayerStats;
  restart(): void;
  setLoop(on: boolean): void;
  /** The chart's bitrate scale: the extent of its data, and a range to show instead (shared). */
  chartExtent(): [number, number] | undefined;
  setChartRange(range: [number, number] | undefined): void;
}

/** What a player has played: the bitrate on screen for each segment of media, kbit/s (and its SSIM, where known). */
class Played {
  readonly kbps = new Map<number, number>();
  readonly ssim = new Map<number, number>();
  last?: PlayerStats;
  note(s: PlayerStats, cfg: CompareConfig): void {
    this.last = s;
    if (!s.representation || s.currentTimeS <= 0) return;
    const k = Math.floor(s.currentTimeS / cfg.segmentS);
    this.kbps.set(k, s.representation.bandwidth / 1000);
    const ssim = cfg.ssim?.[String(s.representation.bandwidth)]?.[k];
    if (ssim === undefined) this.ssim.delete(k);
    else this.ssim.set(k, ssim);
  }
  clear(): void {
    this.kbps.clear();
    this.ssim.clear();
  }
  /** QoE_lin (and QoE on SSIM) so far over the segments played in order (a seek or a loop starts the count over at the segment on screen). */
  metrics(segmentS: number): SessionMetrics | undefined {
    const s = this.last;
    if (!s || !this.kbps.size) return undefined;
    const upTo = Math.floor(s.currentTimeS / segmentS);
    const keys = [...this.kbps.keys()].filter((k) => k <= upTo).sort((a, b) => a - b);
    const m = sessionMetrics(keys.map((k) => this.kbps.get(k)!), s.stalls.seconds, s.startupS ?? 0, keys.length * segmentS);
    return keys.every((k) => this.ssim.has(k)) && keys.length ? { ...m, ...ssimQoe(keys.map((k) => this.ssim.get(k)!), s.stalls.seconds) } : m;
  }
}

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const mbit = (kbps?: number) => (kbps === undefined ? '–' : `${(kbps / 1000).toFixed(2)} Mbit/s`);

async function post(url: string, body: unknown, method = 'POST'): Promise<{ id: string }> {
  const r = await fetch(url, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const j = (await r.json()) as { id: string; error?: string };
  if (!r.ok) throw new Error(j.error);
  return j;
}

async function main(): Promise<void> {
  const cfg = JSON.parse($('#compare-config').textContent ?? '{}') as CompareConfig;
  const links: string[] = [];
  const restartLinks = () => Promise.all(links.map((id) => post(`/api/links/${id}`, { profile: cfg.net }, 'PUT')));
  try {
    if (!cfg.cdn) for (let i = 0; i < cfg.players.length; i++) links.push((await post('/api/links', { profile: cfg.net })).id);
    await restartLinks();
  } catch (err) {
    // A profile the shaper refuses (an unknown trace) is said on the page, with the way back.
    const box = $('#error');
    box.hidden = false;
    box.textContent = `network profile "${cfg.net}": ${(err as Error).message} `;
    const back = document.createElement('a');
    back.href = `/compare?${new URLSearchParams({ video: cfg.video, players: cfg.players.map(label).join(',') })}`;
    back.textContent = 'choose another';
    box.append(back);
    return;
  }
  const frames = cfg.players.map((p, i) => frame(cfg, i, links[i]));
  const players = () => frames.map((f) => (f.contentWindow as unknown as { dashlabPlayer?: FramePlayer } | null)?.dashlabPlayer);
  const played = frames.map(() => new Played());
  $('#restart').onclick = async () => {
    await restartLinks();
    for (const p of players()) p?.restart();
    played.forEach((x) => x.clear());
  };
  const loopBox = $<HTMLInputElement>('#loop');
  loopBox.onchange = () => players().forEach((p) => p?.setLoop(loopBox.checked));
  (window as unknown as { dashlabCompare: unknown }).dashlabCompare = { links, frames, stats: () => players().map((p) => p?.stats()), scores: () => played.map((x) => x.metrics(cfg.segmentS)) };
  setupDownloads(cfg, played);
  setInterval(() => {
    const ps = players();
    ps.forEach((p, i) => {
      const s = p?.stats();
      if (s) played[i].note(s, cfg);
    });
    scoreboard(cfg, played);
    shareChartScale(ps);
  }, 500);
}

/** A player's watch page, compact, under its name with a link to its full page (the same link: the same network). */
function frame(cfg: CompareConfig, i: number, link: string | undefined): HTMLIFrameElement {
  const p = cfg.players[i];
  const f = document.createElement('iframe');
  const q = new URLSearchParams({ engine: p.engine, embed: '1' });
  if (link) q.set('link', link);
  if (cfg.cdn) q.set('cdn', cfg.cdn[i]);
  if (cfg.loop) q.set('loop', '1');
  if (p.abr) q.set('abr', p.abr);
  if (p.credentials) q.set('credentials', p.credentials);
  f.src = `/watch/${encodeURIComponent(cfg.video)}?${q}`;
  f.title = nameOf(cfg, i);
  const fig = document.createElement('figure');
  const cap = document.createElement('figcaption');
  const open = document.createElement('a');
  open.href = f.src.replace('&embed=1', '');
  open.target = '_blank';
  open.textContent = 'full page';
  cap.append(`${f.title} `, open);
  fig.append(cap, f);
  $('#grid').append(fig);
  return f;
}

/** The table: one row per player, the best QoE so far marked. */
function scoreboard(cfg: CompareConfig, played: Played[]): void {
  const scores = played.map((x) => x.metrics(cfg.segmentS));
  const best = scores.reduce((b, m, i) => (m && (b < 0 || m.qoe > scores[b]!.qoe) ? i : b), -1);
  const tbody = $('#metrics tbody');
  tbody.textContent = '';
  played.forEach((x, i) => {
    const s = x.last;
    const m = scores[i];
    const tr = document.createElement('tr');
    if (i === best && scores.filter(Boolean).length > 1) tr.className = 'best';
    const cells = [
      nameOf(cfg, i) + (tr.className ? ' ★' : ''),
      m ? m.qoe.toFixed(1) : '–',
      ...(cfg.ssim ? [m?.qoeSsim === undefined ? '–' : `${m.qoeSsim.toFixed(0)} (${m.ssimDb!.toFixed(1)} dB)`] : []),
      m ? mbit(m.bitrateKbps) : '–',
      s ? `${s.stalls.count} (${s.stalls.seconds.toFixed(1)} s)${s.starved?.count ? ` · ${s.starved.count} decoding` : ''}` : '–',
      m ? String(m.switches) : '–',
      s?.startupS !== undefined ? `${s.startupS.toFixed(1)} s` : '–',
      s?.representation?.height ? `${s.representation.height}p` : '–',
      s ? mbit(s.estimateBps === undefined ? undefined : s.estimateBps / 1000) : '–',
      s ? `${s.bufferS.toFixed(1)} s` : '–',
      s ? `${s.currentTimeS.toFixed(0)} of ${s.durationS.toFixed(0)} s` : '–',
    ];
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.append(td);
    }
    tbody.append(tr);
  });
  // At the end: ended, or within half a second of a known duration (before the metadata, 0 of 0 is not an end).
  const atEnd = (s: PlayerStats) => s.state === 'ended' || (s.durationS > 0 && s.currentTimeS > 0 && s.currentTimeS >= s.durationS - 0.5);
  const done = played.length > 0 && played.every((x) => x.last && atEnd(x.last));
  $('#run-state').textContent = done ? 'Every player has reached the end: the table is the run\'s summary.' : 'Live: QoE so far over the segments each player has played.';
}

/** The frames' bitrate charts on one scale: the union of their extents (dash.js's once ran 1-100 Mbit/s beside others' 0.5-10). */
function shareChartScale(ps: Array<FramePlayer | undefined>): void {
  const extents = ps.map((p) => p?.chartExtent?.()).filter((e): e is [number, number] => Boolean(e));
  if (!extents.length) return;
  const range: [number, number] = [Math.min(...extents.map((e) => e[0])), Math.max(...extents.map((e) => e[1]))];
  for (const p of ps) p?.setChartRange?.(range);
}

/** The sessions so far as JSON (npm run compare's result shape) or CSV. */
function setupDownloads(cfg: CompareConfig, played: Played[]): void {
  const rows = () =>
    played.map((x, i) => {
      const m = x.metrics(cfg.segmentS);
      return { algo: nameOf(cfg, i), trace: cfg.cdn ? 'cdn' : cfg.net, qoe: m?.qoe ?? null, ...(cfg.ssim ? { qoeSsim: m?.qoeSsim ?? null, ssimDb: m?.ssimDb ?? null } : {}), bitrateKbps: m?.bitrateKbps ?? null, rebufferS: m?.rebufferS ?? null, rebufferRatio: m?.rebufferRatio ?? null, switches: m?.switches ?? null, startupS: m?.startupS ?? null, playedS: x.last?.currentTimeS ?? 0 };
    });
  const save = (text: string, type: string, file: string) => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type }));
    a.download = file;
    a.click();
  };
  const name = `compare-${cfg.video}-${cfg.net}`.replace(/[^A-Za-z0-9._-]+/g, '-');
  $('#download-json').onclick = () => save(JSON.stringify({ model: 'browser', video: cfg.video, traces: [cfg.net], results: rows() }, null, 2), 'application/json', `${name}.json`);
  $('#download-csv').onclick = () => {
    const r = rows();
    const cols = Object.keys(r[0] ?? {}) as Array<keyof (typeof r)[number]>;
    save([cols.join(','), ...r.map((x) => cols.map((c) => String(x[c] ?? '')).join(','))].join('\n') + '\n', 'text/csv', `${name}.csv`);
  };
}

void main();
