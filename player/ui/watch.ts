/**
 * The watch page: a player (ours, dash.js or hls.js), its controls, live stats, a chart of
 * the throughput estimate, the chosen bitrate and the buffer, and a log of every switch
 * with its reason. Exposes window.dashlabPlayer for automation.
 */
import uPlot from 'uplot';
import type * as PlayerModule from '../index.js';
import { startDashjs, startDashlab, startHlsjs, type EngineName, type EngineView } from './engines.js';

interface WatchConfig {
  src: string;
  hls?: string;
  title: string;
  abr: string;
  engine: EngineName;
  abrNames: string[];
  playerUrl: string;
}

declare global {
  interface Window {
    dashlabPlayer?: EngineView & { ready: boolean };
  }
}

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

  let view: EngineView;
  try {
    if (cfg.engine === 'dashjs') view = await startDashjs(video, cfg.src);
    else if (cfg.engine === 'hlsjs') {
      if (!cfg.hls) throw new Error('hls.js needs an HLS playlist: this source has none');
      view = await startHlsjs(video, cfg.hls);
    } else {
      // The embeddable player bundle, loaded as is (a variable keeps the bundler from inlining it).
      const url = cfg.playerUrl;
      const mod = (await import(/* @vite-ignore */ url)) as typeof PlayerModule;
      view = await startDashlab(video, cfg.src, cfg.abr, mod.DashlabPlayer);
    }
  } catch (err) {
    showError((err as Error).message);
    return;
  }
  window.dashlabPlayer = Object.assign(view, { ready: true });
  view.on('error', (m) => showError(String(m)));

  // Controls: quality (auto or fixed), ABR algorithm (ours only), engine links.
  const quality = $<HTMLSelectElement>('#quality');
  const abrSel = $<HTMLSelectElement>('#abr');
  if (view.setAbr) {
    abrSel.innerHTML = cfg.abrNames.map((n) => `<option ${n === cfg.abr ? 'selected' : ''}>${n}</option>`).join('');
    abrSel.addEventListener('change', () => view.setAbr!(abrSel.value));
  } else {
    abrSel.innerHTML = `<option>${cfg.engine === 'dashjs' ? 'dash.js built-in' : 'hls.js built-in'}</option>`;
    abrSel.disabled = true;
  }
  quality.addEventListener('change', () => view.setQuality(quality.value === 'auto' ? 'auto' : Number(quality.value)));
  let repsShown = 0;

  // Chart: estimate and bitrate (Mbit/s, left), buffer (s, right).
  const data: number[][] = [[], [], [], []];
  const chartEl = $('#chart');
  const plot = new uPlot(
    {
      width: chartEl.clientWidth || 800,
      height: 240,
      scales: { x: { time: false }, mbps: { auto: true }, s: { auto: true } },
      axes: [
        { label: 'seconds', stroke: '#9aa0aa', grid: { stroke: '#262a33' } },
        { scale: 'mbps', label: 'Mbit/s', stroke: '#9aa0aa', grid: { stroke: '#262a33' } },
        { scale: 's', label: 'buffer s', side: 1, stroke: '#9aa0aa', grid: { show: false } },
      ],
      series: [
        {},
        { label: 'throughput estimate', scale: 'mbps', stroke: '#f5a524', width: 2 },
        { label: 'chosen bitrate', scale: 'mbps', stroke: '#8ab4ff', width: 2, paths: uPlot.paths.stepped!({ align: 1 }) },
        { label: 'buffer', scale: 's', stroke: '#4cc38a', width: 1.5 },
      ],
    },
    data as uPlot.AlignedData,
    chartEl,
  );
  new ResizeObserver(() => plot.setSize({ width: chartEl.clientWidth, height: 240 })).observe(chartEl);

  const log = $('#log tbody');
  let logged = 0;
  const t0 = performance.now();
  setInterval(() => {
    const s = view.stats();
    if (s.representations.length !== repsShown) {
      repsShown = s.representations.length;
      quality.innerHTML = `<option value="auto">auto</option>${s.representations
        .map((r) => `<option value="${r.index}">${r.height ? `${r.height}p` : r.id} · ${fmtKbps(r.bandwidth)}</option>`)
        .join('')}`;
    }
    const r = s.representation;
    $('#s-rep').textContent = r ? `${r.width ?? '?'}x${r.height ?? '?'} · ${fmtKbps(r.bandwidth)}` : '–';
    $('#s-est').textContent = fmtKbps(s.estimateBps);
    $('#s-buf').textContent = fmtS(s.bufferS);
    $('#s-stalls').textContent = `${s.stalls.count} (${s.stalls.seconds.toFixed(1)} s)`;
    $('#s-frames').textContent = `${s.frames.dropped} of ${s.frames.total}`;
    $('#s-cache').textContent = `${s.requests.fromCache} cached, ${s.requests.notModified} × 304, ${s.requests.network} network`;
    $('#s-startup').textContent = fmtS(s.startupS);
    $('#s-state').textContent = `${s.state} · ${s.abr}`;
    const t = (performance.now() - t0) / 1000;
    data[0].push(t);
    data[1].push((s.estimateBps ?? NaN) / 1e6);
    data[2].push((r?.bandwidth ?? NaN) / 1e6);
    data[3].push(s.bufferS);
    if (data[0].length > 600) data.forEach((d) => d.shift());
    plot.setData(data as uPlot.AlignedData);
    for (; logged < s.switches.length; logged++) {
      const w = s.switches[logged];
      const tr = document.createElement('tr');
      const from = w.from === undefined ? '–' : s.representations[w.from]?.height ? `${s.representations[w.from].height}p` : String(w.from);
      const to = s.representations[w.to]?.height ? `${s.representations[w.to].height}p` : String(w.to);
      tr.innerHTML = `<td>${w.atS.toFixed(1)}</td><td>${w.segment >= 0 ? w.segment + 1 : ''}</td><td>${from} → ${to}</td><td>${fmtKbps(w.bitrate)}</td><td>${fmtS(w.bufferS)}</td><td></td>`;
      (tr.lastElementChild as HTMLElement).textContent = w.reason;
      log.prepend(tr);
    }
  }, 500);
}

void main();
