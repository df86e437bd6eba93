/**
 * A line chart as a self-contained SVG (for docs and terminals' reports: no script, no
 * library): one line per series, axes with ticks, a legend. Pure.
 */
import { esc } from '../../core/html.js';

export interface Series {
  name: string;
  points: Array<[number, number]>;
}

const COLOURS = ['#1a5fd0', '#137a4a', '#b86e00', '#c62f35', '#7b45c9', '#0f7f8a'];

const ticks = (lo: number, hi: number, n = 5) => Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1).replace(/\.0$/, '') : x.toFixed(2).replace(/\.?0+$/, ''));

export function lineChart(o: { title: string; xLabel: string; yLabel: string; series: Series[]; yMin?: number; yMax?: number; logX?: boolean }): string {
  const W = 640;
  const H = 380;
  const m = { l: 64, r: 150, t: 36, b: 52 };
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1]));
  const tx = (x: number) => (o.logX ? Math.log10(x) : x);
  const [x0, x1] = [Math.min(...xs.map(tx)), Math.max(...xs.map(tx))];
  const [y0, y1] = [o.yMin ?? Math.min(...ys), o.yMax ?? Math.max(...ys)];
  const px = (x: number) => m.l + ((tx(x) - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="system-ui,sans-serif" font-size="12" role="img" aria-label="${esc(o.title)}">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${m.l}" y="22" font-size="14" font-weight="600">${esc(o.title)}</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#555"/><line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#555"/>`,
  ];
  // The data's own x values when there are few (a sweep's points), else even ticks.
  const distinct = [...new Set(xs)].sort((a, b) => a - b);
  const xTicks = o.logX || distinct.length <= 8 ? distinct : ticks(x0, x1);
  for (const x of xTicks) out.push(`<line x1="${px(x)}" y1="${H - m.b}" x2="${px(x)}" y2="${H - m.b + 4}" stroke="#555"/><text x="${px(x)}" y="${H - m.b + 17}" text-anchor="middle">${fmt(x)}</text>`);
  for (const y of ticks(y0, y1)) out.push(`<line x1="${m.l - 4}" y1="${py(y)}" x2="${W - m.r}" y2="${py(y)}" stroke="#e3e5ea"/><text x="${m.l - 8}" y="${py(y) + 4}" text-anchor="end">${fmt(y)}</text>`);
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  o.series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length];
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of pts) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${c}"/>`);
    out.push(`<line x1="${W - m.r + 14}" y1="${m.t + 10 + i * 18}" x2="${W - m.r + 34}" y2="${m.t + 10 + i * 18}" stroke="${c}" stroke-width="2"/><text x="${W - m.r + 40}" y="${m.t + 14 + i * 18}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
