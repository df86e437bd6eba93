/**
 * The watch page: a player (ours, dash.js or hls.js), its controls, live stats, a chart of
 * the throughput estimate, the chosen bitrate and the buffer, and a log of every switch
 * with its reason. Exposes window.dashlabPlayer for automation.
 */
import uPlot from 'uplot';
import type * as PlayerModule from '../index.js';
import { ENGINES, type WatchConfig } from '../../core/players.js';
import { ENGINE_STARTERS, type EngineView } from './engines.js';
import { bindPlayerKeys, showShortcuts } from './keyboard.js';
import { plainReason } from './reasons.js';
import { themeColor, themedAxis } from './theme.js';
import { esc } from '../../core/html.js';
import { langName } from '../../core/lang.js';
import type { AudioTrack, TextTrackInfo } from '../engine/tracks.js';

declare global {
  interface Window {
    dashlabPlayer?: EngineView & { ready: boolean; link?: string; setLoop(on: boolean): void; chartExtent(): [number, number] | undefined; setChartRange(range: [number, number] | undefined): void };
    /** The live chart, for automation: its scales and data. */
    dashlabChart?: uPlot;
  }
}

const api = async <T>(url: string, init?: RequestInit): Promise<T> => {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json' } });
  const body = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${url}: HTTP ${res.status}`);
  return body;
};

/** Bandwidth slider: 0..1000 on a log scale from 100 kbit/s to 50 Mbit/s. */
const sliderToKbps = (v: number) => Math.round(100 * Math.pow(500, v / 1000));
const kbpsToSlider = (k: number) => Math.round((1000 * Math.log(k / 100)) / Math.log(500));

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const fmtKbps = (bps?: number) => (bps === undefined ? '–' : bps >= 1e6 ? `${(bps / 1e6).toFixed(2)} Mbit/s` : `${Math.round(bps / 1000)} kbit/s`);
const fmtS = (s?: number) => (s === undefined ? '–' : `${s.toFixed(1)} s`);

async function main(): Promise<void> {
  const cfg = JSON.parse($('#dashlab-config').textContent ?? '{}') as WatchConfig;
  const video = $<HTMLVideoElement>('#video');
  const errorBox = $('#error');
  const showError = (msg: string) => {
    errorBox.textContent = msg;
    errorBox.hidden = false;
  };

  // A shaped link of our own when asked for (net=<profile>) or given (link=<id>).
  let linkId = cfg.link;
  try {
    if (!linkId && cfg.net) {
      const made = (await api<{ id: string }>('/api/links', { method: 'POST', body: JSON.stringify({ profile: cfg.net }) })).id;
      linkId = made;
      // The page's own link goes with the page (a reload makes another).
      addEventListener('pagehide', () => void fetch(`/api/links/${made}`, { method: 'DELETE', keepalive: true }).catch(() => undefined));
    }
  } catch (err) {
    showError(`network link: ${(err as Error).message}`);
    return;
  }
  const viaLink = (u?: string) => (u && linkId && u.startsWith('/') ? `/net/${linkId}${u}` : u);
  cfg.src = viaLink(cfg.src)!;
  cfg.hls = viaLink(cfg.hls);

  let view: EngineView;
  try {
    // The embeddable player bundle, loaded as is (a variable keeps the bundler from inlining it).
    const url = cfg.playerUrl;
    const ourPlayer = async () => ((await import(/* @vite-ignore */ url)) as typeof PlayerModule).DashlabPlayer;
    view = await ENGINE_STARTERS[cfg.engine](video, cfg, ourPlayer);
  } catch (err) {
    showError((err as Error).message);
    return;
  }
  // Loop: at the end, play again from the start (the checkbox, ?loop=1, or setLoop from the side-by-side page).
  const loopBox = $<HTMLInputElement>('#loop');
  video.addEventListener('ended', () => loopBox.checked && view.restart());
  const chart = createChart();
  window.dashlabPlayer = Object.assign(view, { ready: true, link: linkId, setLoop: (on: boolean) => void (loopBox.checked = on), chartExtent: chart.extent, setChartRange: chart.setRange });
  bindPlayerKeys(video);
  showUnmuteHint(video);
  showShortcuts($('#keys'));
  const linkRate = setupNetworkPanel(cfg, linkId);
  view.on('error', (m) => showError(String(m)));
  const controls = setupControls(view, cfg);
  const seekBar = setupSeekBar(view, video);
  const liveBar = setupLiveBar(view);
  const switchLog = createSwitchLog();
  const t0 = performance.now();
  setInterval(() => {
    const s = view.stats();
    controls.update(s);
    seekBar.update(s);
    liveBar.update(s);
    showStats(s);
    chart.push((performance.now() - t0) / 1000, s, linkRate.kbps);
    switchLog.update(s);
  }, 500);
}

type Stats = ReturnType<EngineView['stats']>;

/** Quality (auto or fixed) and the ABR algorithm (ours only); the quality list follows the representations. */
function setupControls(view: EngineView, cfg: WatchConfig): { update(s: Stats): void } {
  const quality = $<HTMLSelectElement>('#quality');
  const abrSel = $<HTMLSelectElement>('#abr');
  if (view.setAbr) {
    abrSel.innerHTML = cfg.abrNames.map((n) => `<option ${n === cfg.abr ? 'selected' : ''}>${n}</option>`).join('');
    abrSel.addEventListener('change', () => view.setAbr!(abrSel.value));
  } else {
    abrSel.innerHTML = `<option>${ENGINES[cfg.engine].label} built-in</option>`;
    abrSel.disabled = true;
  }
  quality.addEventListener('change', () => view.setQuality(quality.value === 'auto' ? 'auto' : Number(quality.value)));
  const audio = setupAudioMenu(view);
  const text = setupTextMenu(view);
  let shown = 0;
  return {
    update(s) {
      audio.update();
      text.update();
      if (s.representations.length === shown) return;
      shown = s.representations.length;
      quality.innerHTML = `<option value="auto">auto</option>${s.representations.map((r) => `<option value="${r.index}">${r.height ? `${r.height}p` : r.id} · ${fmtKbps(r.bandwidth)}</option>`).join('')}`;
      // ?quality=N: the reference engines learn their representations only now.
      if (cfg.quality !== undefined && s.manual === undefined && view.engine !== 'dashlab') view.setQuality(cfg.quality);
      quality.value = cfg.quality !== undefined ? String(cfg.quality) : s.manual === undefined ? 'auto' : String(s.manual);
    },
  };
}

/**
 * A track menu (audio languages, subtitles): its options follow the engine's list (each named
 * by its label or its language in the viewer's own), its value the track playing; a choice
 * switches while playing. `off`: a first option for none (subtitles).
 */
function setupTrackMenu<T extends { id: string; lang: string; role: string; label?: string }>(o: {
  box: string;
  select: string;
  list: () => { tracks: T[]; current?: string };
  choose: (id: string) => void;
  /** Shown from this many tracks on. */
  showFrom: number;
  /** What a role adds to an unlabelled track's name. */
  roleNote: Record<string, string>;
  off?: boolean;
}): { update(): void } {
  const box = $(o.box);
  const select = $<HTMLSelectElement>(o.select);
  select.addEventListener('change', () => o.choose(select.value));
  let listed = '';
  const name = (t: T) => `${t.label ?? langName(t.lang, navigator.language)}${o.roleNote[t.role] && !t.label ? ` (${o.roleNote[t.role]})` : ''}`;
  return {
    update() {
      const { tracks, current } = o.list();
      const key = JSON.stringify(tracks);
      if (key !== listed) {
        listed = key;
        box.hidden = tracks.length < o.showFrom;
        select.innerHTML = `${o.off ? '<option value="off">Off</option>' : ''}${tracks.map((t) => `<option value="${esc(t.id)}" lang="${esc(t.lang)}">${esc(name(t))}</option>`).join('')}`;
      }
      if (document.activeElement !== select && (current !== undefined || o.off)) select.value = current ?? 'off';
    },
  };
}

/** Audio: shown when the video has more than one track (languages, commentary). */
const setupAudioMenu = (view: EngineView) =>
  setupTrackMenu<AudioTrack>({ box: '#audio-choice', select: '#audio', list: () => view.audioTracks(), choose: (id) => view.setAudio(id), showFrom: 2, roleNote: { commentary: 'commentary' } });

/** Subtitles: Off, then each text track (subtitles, captions); shown when there is one. */
const setupTextMenu = (view: EngineView) =>
  setupTrackMenu<TextTrackInfo>({ box: '#text-choice', select: '#captions', list: () => view.textTracks(), choose: (id) => view.setText(id), showFrom: 1, roleNote: { caption: 'captions' }, off: true });

/**
 * A seek bar that previews the picture at a time (the package's thumbnail track), on hover and
 * while dragging or stepping with the keyboard; shown once the engine has a thumbnail to show.
 */
function setupSeekBar(view: EngineView, video: HTMLVideoElement): { update(s: Stats): void } {
  const bar = $('#seekbar');
  const seek = $<HTMLInputElement>('#seek');
  const preview = $('#preview');
  const pic = preview.querySelector<HTMLElement>('.pic')!;
  const label = preview.querySelector('span')!;
  let dragging = false;
  let asked = 0;
  const show = async (t: number, xPx: number) => {
    const ask = ++asked;
    const th = await view.thumbnailAt(t);
    if (ask !== asked) return; // a later position was asked for meanwhile
    if (!th) return void (preview.hidden = true);
    Object.assign(pic.style, { width: `${th.width}px`, height: `${th.height}px`, backgroundImage: `url("${th.url}")`, backgroundPosition: `-${th.x}px -${th.y}px`, backgroundSize: `${th.tileWidth}px ${th.tileHeight}px` });
    label.textContent = fmtClock(t);
    const half = th.width / 2 + 4;
    preview.style.left = `${Math.min(Math.max(xPx, half), bar.clientWidth - half)}px`;
    preview.dataset.t = String(t);
    preview.hidden = false;
  };
  const timeAt = (clientX: number) => {
    const r = seek.getBoundingClientRect();
    const min = Number(seek.min);
    return { t: min + Math.min(1, Math.max(0, (clientX - r.left) / r.width)) * (Number(seek.max) - min), x: clientX - r.left };
  };
  const atValue = () => ({ t: Number(seek.value), x: (Number(seek.value) / Math.max(1e-9, Number(seek.max))) * seek.clientWidth });
  seek.addEventListener('pointermove', (e) => void show(timeAt(e.clientX).t, timeAt(e.clientX).x));
  seek.addEventListener('pointerleave', () => !dragging && (preview.hidden = true));
  seek.addEventListener('input', () => {
    dragging = true;
    void show(atValue().t, atValue().x);
  });
  seek.addEventListener('change', () => {
    dragging = false;
    video.currentTime = Number(seek.value);
    preview.hidden = true;
  });
  seek.addEventListener('blur', () => (preview.hidden = true));
  let checked = false;
  return {
    update(s) {
      // Live: the bar spans the time-shift window, from its oldest moment to the live edge.
      if (s.live && Number.isFinite(s.live.edgeS) && Number.isFinite(s.live.windowStartS)) {
        seek.min = String(s.live.windowStartS);
        seek.max = String(s.live.edgeS);
        bar.hidden = false;
        checked = true;
      } else if (Number.isFinite(video.duration) && video.duration > 0) seek.max = String(video.duration);
      if (!dragging && document.activeElement !== seek) seek.value = String(video.currentTime);
      // Shown only for packages with thumbnails (asked once the engine knows its manifest).
      if (!checked && Number(seek.max) > 0) {
        checked = true;
        void view.thumbnailAt(0).then((th) => (bar.hidden = !th), () => undefined);
      }
    },
  };
}

/**
 * Live: how far behind the live edge the picture is, the latency the player holds to and the
 * playback rate it holds it with; "Go live" after a seek back into the window (or a stall).
 */
function setupLiveBar(view: EngineView): { update(s: Stats): void } {
  const bar = $('#livebar');
  const button = $<HTMLButtonElement>('#golive');
  const text = $('#live-text');
  button.addEventListener('click', () => view.goLive());
  return {
    update(s) {
      const l = s.live;
      if (!l) return;
      bar.hidden = false;
      const rate = Math.abs(l.playbackRate - 1) < 0.005 ? 'normal speed' : `${l.playbackRate.toFixed(2)}x speed (${l.playbackRate > 1 ? 'catching up' : 'easing off'})`;
      const target = Number.isFinite(l.targetLatencyS) ? `, holding ${l.targetLatencyS.toFixed(1)} s` : '';
      text.textContent = l.ended ? 'The stream has ended.' : l.latencyS === undefined ? 'joining the live stream…' : `${l.latencyS.toFixed(1)} s behind live${target} · ${rate}`;
      button.classList.toggle('on', l.atEdge && !l.ended);
      button.textContent = l.atEdge ? '● LIVE' : 'Go to live';
      button.disabled = l.ended;
      $('#s-latency').textContent = l.latencyS === undefined ? '–' : `${l.latencyS.toFixed(2)} s (target ${Number.isFinite(l.targetLatencyS) ? l.targetLatencyS.toFixed(1) : '?'} s) · ${l.playbackRate.toFixed(2)}x`;
    },
  };
}

const fmtClock = (t: number) => `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, '0')}`;

/** The stats panel. */
function showStats(s: Stats): void {
  const rendition = (r: Stats['representation']) => (r ? `${r.width ?? '?'}x${r.height ?? '?'} · ${fmtKbps(r.bandwidth)}` : '–');
  $('#s-rep').textContent = `${rendition(s.representation)}${s.representation?.ssim !== undefined ? ` · SSIM ${s.representation.ssim.toFixed(3)}` : ''}`;
  $('#s-fetch').textContent = s.fetching ? rendition(s.fetching) : '–';
  $('#s-est').textContent = fmtKbps(s.estimateBps);
  $('#s-abr-est').textContent = fmtKbps(s.abrEstimateBps);
  $('#s-buf').textContent = fmtS(s.bufferS);
  // A stop with media buffered is the decoder's (a busy machine), said apart from rebuffering.
  const starved = s.starved.count ? ` · ${s.starved.count} decoding (${s.starved.seconds.toFixed(1)} s)` : '';
  $('#s-stalls').textContent = `${s.stalls.count} (${s.stalls.seconds.toFixed(1)} s)${starved}`;
  $('#s-frames').textContent = `${s.frames.dropped} of ${s.frames.total}`;
  $('#s-cache').textContent = `${s.requests.fromCache} cached, ${s.requests.notModified} × 304, ${s.requests.network} network`;
  $('#s-startup').textContent = fmtS(s.startupS);
  $('#s-state').textContent = `${s.state} · ${s.abr}`;
}

/**
 * The chart: estimate and bitrate (Mbit/s, left, on a log scale: on a fast link the estimate
 * is hundreds of Mbit/s and would flatten the bitrate line), buffer (s, right), and the link's
 * true rate on a shaped link. A value not known yet is null, a gap: uPlot reads NaN as a
 * number and the scale would become NaN. The last 600 points (5 minutes).
 */
function createChart(): { push(t: number, s: Stats, linkKbps: number | undefined): void; extent(): [number, number] | undefined; setRange(range: [number, number] | undefined): void } {
  const data: (number | null)[][] = [[], [], [], [], []];
  // A range given from outside (the side-by-side page: one scale for every player), else the data's own.
  let shared: [number, number] | undefined;
  const chartEl = $('#chart');
  const stepped = uPlot.paths.stepped!({ align: 1 });
  // The panel's width less its padding: the chart never pushes the page wider (a phone's 390 px).
  const inner = () => {
    const cs = getComputedStyle(chartEl);
    return Math.max(200, chartEl.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)) || 800;
  };
  const plot = new uPlot(
    {
      width: inner(),
      height: 240,
      scales: { x: { time: false }, mbps: { distr: 3, log: 10, range: (_u, lo, hi) => shared ?? uPlot.rangeLog(lo, hi, 10, true) }, s: { auto: true } },
      axes: [
        { ...themedAxis(), label: 'seconds' },
        { ...themedAxis(), scale: 'mbps', label: 'Mbit/s' },
        { ...themedAxis(), scale: 's', label: 'buffer s', side: 1, grid: { show: false } },
      ],
      series: [
        { label: 'at', value: (_u, v) => (v == null ? '–' : `${v.toFixed(1)} s`) },
        { label: 'throughput estimate', scale: 'mbps', stroke: themeColor('orange'), width: 2, value: legendMbps },
        { label: 'chosen bitrate', scale: 'mbps', stroke: themeColor('link'), width: 2, paths: stepped, value: legendMbps },
        { label: 'buffer', scale: 's', stroke: themeColor('good'), width: 1.5, value: (_u, v) => (v == null ? '–' : `${v.toFixed(1)} s`) },
        { label: 'link rate', scale: 'mbps', stroke: themeColor('red'), width: 1.5, dash: [6, 4], paths: stepped, value: legendMbps },
      ],
    },
    data as uPlot.AlignedData,
    chartEl,
  );
  new ResizeObserver(() => plot.setSize({ width: inner(), height: 240 })).observe(chartEl);
  window.dashlabChart = plot;
  const mbps = (bps?: number) => (bps !== undefined && Number.isFinite(bps) && bps > 0 ? bps / 1e6 : null);
  return {
    push(t, s, linkKbps) {
      data[0].push(t);
      data[1].push(mbps(s.estimateBps));
      data[2].push(mbps(s.representation?.bandwidth));
      data[3].push(Number.isFinite(s.bufferS) ? s.bufferS : null);
      data[4].push(mbps(linkKbps === undefined ? undefined : linkKbps * 1000));
      if (data[0].length > 600) data.forEach((d) => d.shift());
      plot.setData(data as uPlot.AlignedData);
      // The legend shows the latest values, unless the pointer is over the chart (then: there).
      if (!((plot.cursor.left ?? -1) >= 0)) plot.setLegend({ idx: data[0].length - 1 });
    },
    extent() {
      const values = [...data[1], ...data[2], ...data[4]].filter((v): v is number => v !== null && v > 0);
      return values.length ? [Math.min(...values), Math.max(...values)] : undefined;
    },
    setRange(range) {
      const was = shared;
      shared = range && (uPlot.rangeLog(range[0], range[1], 10, true) as [number, number]);
      if (JSON.stringify(was) !== JSON.stringify(shared)) plot.setData(data as uPlot.AlignedData);
    },
  };
}

const legendMbps = (_u: uPlot, v: number | null) => (v == null ? '–' : `${v < 10 ? v.toFixed(2) : v.toFixed(1)} Mbit/s`);

/** The switch log, newest first: when, which segment, from and to, and why. */
function createSwitchLog(): { update(s: Stats): void } {
  const log = $('#log tbody');
  let logged = 0;
  const label = (s: Stats, i: number | undefined) => (i === undefined ? '–' : s.representations[i]?.height ? `${s.representations[i].height}p` : String(i));
  return {
    update(s) {
      for (; logged < s.switches.length; logged++) {
        const w = s.switches[logged];
        const tr = document.createElement('tr');
        tr.innerHTML = `<td>${w.atS.toFixed(1)}</td><td>${w.segment >= 0 ? w.segment + 1 : ''}</td><td>${label(s, w.from)} → ${label(s, w.to)}</td><td>${fmtKbps(w.bitrate)}</td><td>${fmtS(w.bufferS)}</td><td></td>`;
        // Plain words first, the algorithm's own terms below them.
        const cell = tr.lastElementChild as HTMLElement;
        const plain = plainReason(w.reason);
        const tech = document.createElement('small');
        tech.textContent = w.reason;
        if (plain) cell.append(plain, tech);
        else cell.textContent = w.reason;
        log.prepend(tr);
      }
    },
  };
}

void main();

/** A muted autoplay (what browsers allow) says so, with the way to sound; gone once unmuted. */
function showUnmuteHint(video: HTMLVideoElement): void {
  const hint = $<HTMLButtonElement>('#unmute');
  const update = () => (hint.hidden = !video.muted || video.paused);
  hint.addEventListener('click', () => {
    video.muted = false;
    update();
  });
  for (const e of ['volumechange', 'play', 'pause']) video.addEventListener(e, update);
  update();
}

/** The network panel: presets, a bandwidth slider, a trace picker and RTT, applied live to this player's link. */
function setupNetworkPanel(cfg: WatchConfig, linkId: string | undefined): { kbps?: number } {
  const state: { kbps?: number } = {};
  const preset = $<HTMLSelectElement>('#net-preset');
  const slider = $<HTMLInputElement>('#net-kbps');
  const label = $('#net-kbps-label');
  const traceSel = $<HTMLSelectElement>('#net-trace');
  const rtt = $<HTMLInputElement>('#net-rtt');
  const status = $('#net-status');
  // The slider is the rate of a constant link; a preset or a trace sets the rate instead.
  // On a page that is not shaped the slider is off until it is moved (then: the rate to apply).
  let touched = Boolean(linkId);
  const showKbps = () =>
    (label.textContent = !touched ? ' off: this page is not shaped (full speed)' : preset.value || traceSel.value ? ' set by the preset or trace' : ` ${fmtKbps(sliderToKbps(Number(slider.value)) * 1000)}`);
  for (const c of [slider, preset, traceSel, rtt]) c.addEventListener('input', () => (touched = true), { capture: true });
  slider.addEventListener('input', () => {
    traceSel.value = '';
    preset.value = '';
    showKbps();
  });
  preset.addEventListener('change', () => {
    if (preset.value) traceSel.value = '';
    showKbps();
  });
  traceSel.addEventListener('change', () => {
    if (traceSel.value) preset.value = '';
    showKbps();
  });
  showKbps();
  status.textContent = linkId ? `link ${linkId}: ${cfg.net ?? 'made by the compare page'}` : 'direct (not shaped): apply a profile to reload through a shaped link';
  // The controls show what the link is doing (a page opened with ?net=trace-x shows that trace),
  // once the lists they choose from have arrived.
  interface LinkState { profile: string; rttMs: number; rateKbps: number; traceName: string }
  const showLink = (d: LinkState) => {
    preset.value = [...preset.options].some((o) => o.value === d.profile) ? d.profile : '';
    traceSel.value = !preset.value && d.profile.startsWith('trace-') && [...traceSel.options].some((o) => o.value === d.traceName) ? d.traceName : '';
    if (!preset.value && !traceSel.value) slider.value = String(kbpsToSlider(Math.max(100, d.rateKbps)));
    rtt.value = String(d.rttMs);
    showKbps();
  };
  const lists = Promise.all([
    api<{ profiles: Record<string, string> }>('/api/links').then(({ profiles }) => {
      preset.innerHTML = `<option value="">custom</option>${Object.entries(profiles).map(([k, v]) => `<option value="${k}" title="${v}">${k}</option>`).join('')}`;
    }),
    api<Array<{ name: string; meanKbps: number }>>('/api/traces').then((list) => {
      traceSel.innerHTML += list.map((t) => `<option value="${t.name}">${t.name} (${fmtKbps(t.meanKbps * 1000)})</option>`).join('');
    }),
  ]);
  if (linkId) {
    void lists
      .then(() => api<LinkState>(`/api/links/${linkId}`))
      .then((d) => {
        showLink(d);
        status.textContent = `link ${linkId}: ${d.profile}`;
      })
      .catch((err: Error) => (status.textContent = `link ${linkId}: ${err.message}`));
  }
  const spec = () => {
    if (preset.value) return preset.value;
    const r = Math.max(0, Math.round(Number(rtt.value) || 0));
    if (traceSel.value) return `trace-${traceSel.value}-${r}ms`;
    return `${sliderToKbps(Number(slider.value))}kbps-${r}ms`;
  };
  $('#net-apply').addEventListener('click', async () => {
    const profile = spec();
    if (!linkId) {
      const u = new URL(location.href);
      u.searchParams.set('net', profile);
      location.href = u.toString();
      return;
    }
    try {
      const d = await api<LinkState>(`/api/links/${linkId}`, { method: 'PUT', body: JSON.stringify({ profile }) });
      status.textContent = `link ${linkId}: ${d.profile} (now ${fmtKbps(d.rateKbps * 1000)})`;
      showLink(d);
    } catch (err) {
      status.textContent = (err as Error).message;
    }
  });
  if (linkId) {
    setInterval(() => {
      void api<{ rateKbps: number }>(`/api/links/${linkId}`).then((d) => (state.kbps = d.rateKbps), () => undefined);
    }, 500);
  }
  return state;
}
