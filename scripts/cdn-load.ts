/**
 * npm run cdn:load -- [--viewers N] [--videos M] [--zipf S] [--edges E] [--caches 5,10,25,50,100]
 *                     [--skews 0,0.6,0.8,1,1.2] [--peer-upload-kbps U] [--out DIR]
 *
 * What to keep where, measured: M videos on an origin, E real nginx edges with size-limited
 * caches, N viewers over real HTTP (lab/cdn/load.ts). For every cache size (a share of the
 * whole catalog, per edge) and popularity skew: the edges' hit ratio and what they saved the
 * origin, as tables and the classic curves (SVG). Then the lectures' distribution-time
 * arithmetic with the rates measured here: client-server, peer-to-peer, and through the edges.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { clientServerS, peerToPeerS, perViewerBps, throughEdgesS, type DistributionInputs } from '../lab/cdn/distribution-time.js';
import { runViewers } from '../lab/cdn/load.js';
import { lineChart } from '../lab/report/svg-chart.js';
import { createOrigin, createShaper } from '../server/app.js';
import { checkNginx } from '../server/cdn/nginx.js';
import { cdnExtension } from '../server/cdn/routes.js';
import { CdnTier } from '../server/cdn/tier.js';
import { freePort } from '../server/free-port.js';
import { loadConfig } from '../server/config.js';

import { parseProfile } from '../server/shaper/profiles.js';
import { makeCatalog, measureServing } from './lib/load-catalog.js';

const USAGE = 'usage: npm run cdn:load -- [--viewers 200] [--videos 40] [--zipf 0.8] [--edges 2] [--caches 5,10,25,50,100] [--skews 0,0.6,0.8,1,1.2] [--peer-upload-kbps 1000] [--out cdn-load]';

function usage(message: string): never {
  process.stderr.write(`cdn:load: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const num = (v: string | undefined, name: string, fallback: number, min: number, max: number) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) usage(`--${name} must be a number from ${min} to ${max} (got "${v}")`);
  return n;
};
const list = (v: string | undefined, name: string, fallback: number[], min: number, max: number) => (v === undefined ? fallback : v.split(',').map((x) => num(x, name, 0, min, max)));

async function main(): Promise<void> {
  let a;
  try {
    a = parseArgs({ options: { viewers: { type: 'string' }, videos: { type: 'string' }, zipf: { type: 'string' }, edges: { type: 'string' }, caches: { type: 'string' }, skews: { type: 'string' }, 'peer-upload-kbps': { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (err) {
    usage((err as Error).message);
  }
  if (a.help) return void process.stdout.write(`${USAGE}\n`);
  const viewers = num(a.viewers, 'viewers', 200, 1, 100000);
  const m = num(a.videos, 'videos', 40, 1, 999);
  const zipf = num(a.zipf, 'zipf', 0.8, 0, 5);
  const nEdges = num(a.edges, 'edges', 2, 1, 16);
  const caches = list(a.caches, 'caches', [5, 10, 25, 50, 100], 0.1, 1000);
  const skews = a.skews === undefined ? [...new Set([0, 0.6, zipf, 1, 1.2])].sort((x, y) => x - y) : list(a.skews, 'skews', [], 0, 5);
  const peerUploadBps = num(a['peer-upload-kbps'], 'peer-upload-kbps', 1000, 1, 1e7) * 1000;
  const out = path.resolve(a.out ?? 'cdn-load');
  await checkNginx();

  const work = path.join(os.tmpdir(), `dashlab-cdn-load-${process.pid}`);
  const mediaDir = path.join(work, 'library');
  await mkdir(mediaDir, { recursive: true });
  process.stderr.write(`cdn:load: packaging a 12 s video, published as ${m} videos...\n`);
  const { videos, info } = await makeCatalog(mediaDir, m);
  const videoBytes = videos[0].files.reduce((s, f) => s + info.files[f].bytes, 0);
  const catalogMb = (videoBytes * m) / 1024 / 1024;
  const profileSpec = 'near';
  const config = { ...loadConfig({}), host: '127.0.0.1', mediaDir, workers: 1 };
  const traces = createShaper(config, () => '');
  const profileOf = (spec: string) => parseProfile(spec, (n) => traces.trace(n));

  /** One point: a fresh tier with this cache size, the viewers, what the edges and the origin did. */
  const point = async (cachePct: number, skew: number) => {
    const port = await freePort();
    const edges = [];
    for (let i = 0; i < nEdges; i++) edges.push({ id: `edge-${i + 1}`, profile: profileOf(profileSpec), port: await freePort(), cacheMb: (catalogMb * cachePct) / 100 });
    const tier = new CdnTier({ originPort: port, edges, workDir: path.join(work, `tier-${port}`), steeringTtlS: 5, edgeCapacity: 0 });
    const originUrl = `http://127.0.0.1:${port}`;
    const origin = await createOrigin({ ...config, port }, { extension: cdnExtension({ tier, originUrl, host: '127.0.0.1', profileOf }) });
    await origin.listen();
    await tier.start();
    try {
      const run = await runViewers({ edges: tier.edges.map((e) => tier.urlOf(e)), videos, viewers, skew, seed: 1, concurrency: 24 });
      await tier.poll();
      const s = tier.snapshot(originUrl);
      const hits = s.edges.reduce((x, e) => x + e.hit, 0);
      const lookups = s.edges.reduce((x, e) => x + e.hit + e.miss + e.expired, 0);
      return { cachePct, skew, hitRatio: lookups ? hits / lookups : 0, originSaved: s.originSaved, originBytes: s.origin.bytes, viewerBytes: s.viewerBytes, failures: run.failures, seconds: run.seconds, edgeUrl: tier.edges[0].nginx.url, originUrl };
    } finally {
      await tier.stop();
      await origin.close();
    }
  };

  const results: Array<Awaited<ReturnType<typeof point>>> = [];
  for (const skew of skews) {
    for (const pct of caches) {
      const r = await point(pct, skew);
      results.push(r);
      process.stderr.write(`cdn:load: skew ${skew}, cache ${pct}% of the catalog per edge: hit ratio ${(r.hitRatio * 100).toFixed(1)}%, origin saved ${(r.originSaved * 100).toFixed(1)}% (${r.failures} failed requests, ${r.seconds.toFixed(1)} s)\n`);
    }
  }

  // The rates of this machine, for the lectures' arithmetic.
  const measure = await (async () => {
    const port = await freePort();
    const edges = [{ id: 'edge-1', profile: profileOf(profileSpec), port: await freePort(), cacheMb: catalogMb * 2 }];
    const tier = new CdnTier({ originPort: port, edges, workDir: path.join(work, `measure-${port}`), steeringTtlS: 5, edgeCapacity: 0 });
    const originUrl = `http://127.0.0.1:${port}`;
    const origin = await createOrigin({ ...config, port }, { extension: cdnExtension({ tier, originUrl, host: '127.0.0.1', profileOf }) });
    await origin.listen();
    await tier.start();
    try {
      const originBps = await measureServing(originUrl, videos[0]);
      await measureServing(tier.edges[0].nginx.url, videos[0]); // warm: every file a HIT
      const edgeBps = await measureServing(tier.edges[0].nginx.url, videos[0]);
      return { originBps, edgeBps };
    } finally {
      await tier.stop();
      await origin.close();
    }
  })();
  const inputs: DistributionInputs = { fileBits: videoBytes * 8, originBps: measure.originBps, minDownloadBps: profileOf(profileSpec).trace.points[0].kbps * 1000, peerUploadBps, edges: nEdges, edgeBps: measure.edgeBps };
  const videoBps = info.renditions.reduce((s, r) => s + r.bandwidth, 0);
  const ns = [10, 100, 1000, 10_000, 100_000, 1_000_000];
  const distribution = ns.map((n) => ({ n, clientServerS: clientServerS(n, inputs), peerToPeerS: peerToPeerS(n, inputs), throughEdgesS: throughEdgesS(n, inputs), perViewerBps: perViewerBps(n, inputs) }));

  await mkdir(out, { recursive: true });
  const bySkew = skews.map((s) => ({ name: `Zipf s = ${s}`, points: results.filter((r) => r.skew === s).map((r) => [r.cachePct, r.hitRatio * 100] as [number, number]) }));
  const byCache = caches.map((c) => ({ name: `cache ${c}%`, points: results.filter((r) => r.cachePct === c).map((r) => [r.skew, r.originSaved * 100] as [number, number]) }));
  await writeFile(path.join(out, 'hit-ratio.svg'), lineChart({ title: `Edge hit ratio: ${viewers} viewers, ${m} videos, ${nEdges} edges`, xLabel: 'cache per edge, % of the catalog (log scale)', yLabel: 'requests answered from the cache, %', series: bySkew, yMin: 0, yMax: 100, logX: true }));
  await writeFile(path.join(out, 'origin-saved.svg'), lineChart({ title: 'What the edges saved the origin', xLabel: 'popularity skew (Zipf s)', yLabel: 'bytes the origin did not send, %', series: byCache, yMin: 0, yMax: 100 }));
  await writeFile(path.join(out, 'results.json'), JSON.stringify({ viewers, videos: m, edges: nEdges, profile: profileSpec, videoBytes, videoBps, catalogMb, results, measured: measure, inputs, distribution }, null, 2));
  const mbit = (bps: number) => `${(bps / 1e6).toFixed(bps < 1e7 ? 2 : 0)} Mbit/s`;
  const secs = (s: number) => (s < 100 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(0)} min` : `${(s / 3600).toFixed(1)} h`);
  const md = [
    `# cdn:load, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${viewers} viewers, ${m} videos of ${(videoBytes / 1e6).toFixed(2)} MB (${mbit(videoBps)}), ${nEdges} nginx edges, viewers on "${profileSpec}" links. Catalog ${catalogMb.toFixed(1)} MB.`,
    '',
    '| Zipf s | ' + caches.map((c) => `cache ${c}%`).join(' | ') + ' |',
    '|---|' + caches.map(() => '---:').join('|') + '|',
    ...skews.map((s) => `| ${s} | ` + caches.map((c) => { const r = results.find((x) => x.skew === s && x.cachePct === c)!; return `${(r.hitRatio * 100).toFixed(0)}% hit, ${(r.originSaved * 100).toFixed(0)}% saved`; }).join(' | ') + ' |'),
    '',
    `Distribution time of one video (F = ${(inputs.fileBits / 1e6).toFixed(1)} Mbit), measured here: origin upload u_s = ${mbit(inputs.originBps)}, an edge's upload u_e = ${mbit(inputs.edgeBps)} (nginx, from its cache), slowest viewer d_min = ${mbit(inputs.minDownloadBps)}; peers' upload u_i = ${mbit(peerUploadBps)} (assumed: a home's upload), E = ${nEdges} edges.`,
    '',
    '| N viewers | client-server | peer-to-peer | through the edges | per viewer at once: client-server / P2P / edges (video: ' + mbit(videoBps) + ') |',
    '|---:|---:|---:|---:|---|',
    ...distribution.map((d) => `| ${d.n.toLocaleString('en')} | ${secs(d.clientServerS)} | ${secs(d.peerToPeerS)} | ${secs(d.throughEdgesS)} | ${mbit(d.perViewerBps.clientServer)} / ${mbit(d.perViewerBps.peerToPeer)} / ${mbit(d.perViewerBps.edges)} |`),
    '',
  ].join('\n');
  await writeFile(path.join(out, 'report.md'), md);
  process.stdout.write(`${md}\ncdn:load: wrote ${out}/report.md, hit-ratio.svg, origin-saved.svg, results.json\n`);
  traces.close();
}

main().catch((err) => {
  process.stderr.write(`cdn:load: error: ${(err as Error).message}\n`);
  process.exit(1);
});
