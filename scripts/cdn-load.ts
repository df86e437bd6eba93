/**
 * npm run cdn:load -- [--viewers N] [--videos M] [--zipf S] [--edges E] [--caches 5,10,25,50,100]
 *                     [--skews 0,0.8,1.2] [--concurrency 8] [--profile far] [--peer-upload-kbps U]
 *                     [--video-kbps 5000] [--out DIR]
 *
 * What to keep where, measured: M videos on an origin, E real nginx edges with size-limited
 * caches, N viewers over real HTTP (lab/cdn/load.ts). For every cache size (a share of the
 * whole catalog, per edge) and popularity skew: the edges' hit ratio and what they saved the
 * origin, as tables and the classic curves (SVG). Then the lectures' distribution-time
 * arithmetic with the rates measured here: client-server, peer-to-peer, and through the edges.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { clientServerS, peerToPeerS, perViewerBps, throughEdgesS, type DistributionInputs } from '../lab/cdn/distribution-time.js';
import { runViewers, type LoadVideo } from '../lab/cdn/load.js';
import { lineChart } from '../lab/report/svg-chart.js';
import { checkNginx } from '../server/cdn/nginx.js';
import { loadConfig, type Config } from '../server/config.js';
import { freePort } from '../server/free-port.js';
import { createLogger } from '../server/log.js';
import type { VideoInfo } from '../server/packager/index.js';
import type { LinkProfile } from '../server/shaper/profiles.js';
import { profileReader, startTier } from './lib/cdn-tier.js';
import { makeCatalog, measureServing } from './lib/load-catalog.js';
import { which } from './lib/wrk.js';

const USAGE = 'usage: npm run cdn:load -- [--viewers 200] [--videos 40] [--zipf 0.8] [--edges 2] [--caches 5,10,25,50,100] [--skews 0,0.8,1.2] [--concurrency 8] [--profile far] [--peer-upload-kbps 1000] [--video-kbps 5000] [--out cdn-load]';

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

interface Options {
  viewers: number;
  videos: number;
  edges: number;
  caches: number[];
  skews: number[];
  concurrency: number;
  streamBps: number;
  peerUploadBps: number;
  profile: string;
  out: string;
}

function options(): Options {
  let a;
  try {
    a = parseArgs({ options: { viewers: { type: 'string' }, videos: { type: 'string' }, zipf: { type: 'string' }, edges: { type: 'string' }, caches: { type: 'string' }, skews: { type: 'string' }, 'peer-upload-kbps': { type: 'string' }, 'video-kbps': { type: 'string' }, concurrency: { type: 'string' }, profile: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (err) {
    usage((err as Error).message);
  }
  if (a.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const zipf = num(a.zipf, 'zipf', 0.8, 0, 5);
  return {
    viewers: num(a.viewers, 'viewers', 200, 1, 100000),
    videos: num(a.videos, 'videos', 40, 1, 999),
    edges: num(a.edges, 'edges', 2, 1, 16),
    caches: list(a.caches, 'caches', [5, 10, 25, 50, 100], 0.1, 1000),
    skews: a.skews === undefined ? [...new Set([0, zipf, 1.2])].sort((x, y) => x - y) : list(a.skews, 'skews', [], 0, 5),
    // Viewers at once: few enough that a point lasts well over 10 s, the longest nginx's cache
    // manager sleeps before it enforces a cache's size limit (a shorter run never evicts).
    concurrency: num(a.concurrency, 'concurrency', 8, 1, 1000),
    streamBps: num(a['video-kbps'], 'video-kbps', 5000, 1, 1e6) * 1000,
    peerUploadBps: num(a['peer-upload-kbps'], 'peer-upload-kbps', 1000, 1, 1e7) * 1000,
    profile: a.profile ?? 'far',
    out: path.resolve(a.out ?? 'cdn-load'),
  };
}

interface Lab {
  o: Options;
  config: Config;
  work: string;
  videos: LoadVideo[];
  info: VideoInfo;
  videoBytes: number;
  catalogMb: number;
  profileOf: (spec: string) => LinkProfile;
}

/** A fresh tier on free ports with edges of `cacheMb` each, for one measurement. */
async function withTier<T>(lab: Lab, nEdges: number, cacheMb: number, fn: (t: Awaited<ReturnType<typeof startTier>>) => Promise<T>): Promise<T> {
  const config = { ...lab.config, port: await freePort() };
  const edges = [];
  for (let i = 0; i < nEdges; i++) edges.push({ id: `edge-${i + 1}`, profile: lab.profileOf(lab.o.profile), port: await freePort(), cacheMb });
  const running = await startTier({ config, edges, workDir: path.join(lab.work, `tier-${config.port}`), ttlS: 5, capacity: 0, profileOf: lab.profileOf, log: createLogger('warn') });
  try {
    return await fn(running);
  } finally {
    await running.stop();
  }
}

/** One point of the curves: the viewers against edges of this cache size, at this skew. */
function point(lab: Lab, cachePct: number, skew: number) {
  return withTier(lab, lab.o.edges, (lab.catalogMb * cachePct) / 100, async ({ tier, originUrl }) => {
    const run = await runViewers({ edges: tier.edges.map((e) => tier.urlOf(e)), videos: lab.videos, viewers: lab.o.viewers, skew, seed: 1, concurrency: lab.o.concurrency });
    await tier.poll();
    const s = tier.snapshot(originUrl);
    const hits = s.edges.reduce((x, e) => x + e.hit, 0);
    const lookups = s.edges.reduce((x, e) => x + e.hit + e.miss + e.expired, 0);
    return { cachePct, skew, hitRatio: lookups ? hits / lookups : 0, originSaved: s.originSaved, originBytes: s.origin.bytes, viewerBytes: s.viewerBytes, failures: run.failures, seconds: run.seconds };
  });
}

/** The lectures' arithmetic with this machine's rates: the origin's and an edge's (wrk), the viewers' link. */
async function distribution(lab: Lab) {
  const measured = await withTier(lab, 1, lab.catalogMb * 2, async ({ tier, originUrl }) => ({
    originBps: await measureServing(originUrl, lab.videos[0], lab.info),
    edgeBps: await measureServing(tier.edges[0].nginx.url, lab.videos[0], lab.info), // its warm-up fills the cache: then every request a HIT
  }));
  const inputs: DistributionInputs = { fileBits: lab.videoBytes * 8, originBps: measured.originBps, minDownloadBps: lab.profileOf(lab.o.profile).trace.points[0].kbps * 1000, peerUploadBps: lab.o.peerUploadBps, edges: lab.o.edges, edgeBps: measured.edgeBps };
  const grown = (n: number) => ({ ...inputs, edges: Math.max(lab.o.edges, Math.ceil(n / VIEWERS_PER_EDGE)) });
  const rows = [10, 100, 1000, 10_000, 100_000, 1_000_000].map((n) => ({ n, clientServerS: clientServerS(n, inputs), peerToPeerS: peerToPeerS(n, inputs), throughEdgesS: throughEdgesS(n, inputs), throughGrownEdgesS: throughEdgesS(n, grown(n)), perViewerBps: { ...perViewerBps(n, inputs), grownEdges: perViewerBps(n, grown(n)).edges } }));
  return { measured, inputs, rows };
}

/** A CDN adds edges as its audience grows: one per this many viewers (the arithmetic's last column). */
const VIEWERS_PER_EDGE = 500;

type Point = Awaited<ReturnType<typeof point>>;
type Distribution = Awaited<ReturnType<typeof distribution>>;

const mbit = (bps: number) => `${(bps / 1e6).toFixed(bps < 1e7 ? 2 : 0)} Mbit/s`;
const secs = (s: number) => (s < 100 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(0)} min` : `${(s / 3600).toFixed(1)} h`);

function report(lab: Lab, results: Point[], d: Distribution): string {
  const { o } = lab;
  const videoBps = lab.info.renditions.reduce((s, r) => s + r.bandwidth, 0);
  const cols = ['client-server', 'peer-to-peer', `edges (E = ${o.edges})`, `edges (E = N/${VIEWERS_PER_EDGE})`];
  return [
    `# cdn:load, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${o.viewers} viewers (${o.concurrency} at once), ${o.videos} videos of ${(lab.videoBytes / 1e6).toFixed(2)} MB (${mbit(videoBps)}), ${o.edges} nginx edges, viewers on "${o.profile}" links. Catalog ${lab.catalogMb.toFixed(1)} MB. Each cell: the edges' hit ratio (requests answered from a cache), and the bytes the origin did not send.`,
    '',
    '| Zipf s | ' + o.caches.map((c) => `cache ${c}%`).join(' | ') + ' |',
    '|---|' + o.caches.map(() => '---:').join('|') + '|',
    ...o.skews.map((s) => `| ${s} | ` + o.caches.map((c) => results.find((x) => x.skew === s && x.cachePct === c)!).map((r) => `${(r.hitRatio * 100).toFixed(0)}% hit, ${(r.originSaved * 100).toFixed(0)}% saved`).join(' | ') + ' |'),
    '',
    `Distribution time of one video (F = ${(d.inputs.fileBits / 1e6).toFixed(1)} Mbit), with the rates measured here: origin upload u_s = ${mbit(d.inputs.originBps)}, an edge's upload u_e = ${mbit(d.inputs.edgeBps)} (nginx, from its cache), slowest viewer d_min = ${mbit(d.inputs.minDownloadBps)} (the "${o.profile}" link); peers' upload u_i = ${mbit(o.peerUploadBps)} (assumed: a home's upload); E = ${o.edges} edges as run, and E = N/${VIEWERS_PER_EDGE} (a CDN adds edges as its audience grows).`,
    '',
    `| N viewers | ${cols.join(' | ')} |`,
    '|---:|---:|---:|---:|---:|',
    ...d.rows.map((r) => `| ${r.n.toLocaleString('en')} | ${secs(r.clientServerS)} | ${secs(r.peerToPeerS)} | ${secs(r.throughEdgesS)} | ${secs(r.throughGrownEdgesS)} |`),
    '',
    `For a file, peer-to-peer wins at scale: every viewer brings upload. A stream cannot wait: what counts is the rate each viewer can be sent at, all at once, against the stream's bitrate (✓: at least ${mbit(o.streamBps)}, an HD stream; this video is ${mbit(videoBps)}). Peer-to-peer tends to a home's upload, whatever N; edges give what they have, and a CDN adds them.`,
    '',
    `| N viewers | ${cols.join(' | ')} |`,
    '|---:|---:|---:|---:|---:|',
    ...d.rows.map((r) => `| ${r.n.toLocaleString('en')} | ${[r.perViewerBps.clientServer, r.perViewerBps.peerToPeer, r.perViewerBps.edges, r.perViewerBps.grownEdges].map((b) => `${mbit(b)}${b >= o.streamBps ? ' ✓' : ''}`).join(' | ')} |`),
    '',
  ].join('\n');
}

async function writeOutputs(lab: Lab, results: Point[], d: Distribution): Promise<string> {
  const { o } = lab;
  await mkdir(o.out, { recursive: true });
  const bySkew = o.skews.map((s) => ({ name: `Zipf s = ${s}`, points: results.filter((r) => r.skew === s).map((r) => [r.cachePct, r.hitRatio * 100] as [number, number]) }));
  const byCache = o.caches.map((c) => ({ name: `cache ${c}%`, points: results.filter((r) => r.cachePct === c).map((r) => [r.skew, r.originSaved * 100] as [number, number]) }));
  await writeFile(path.join(o.out, 'hit-ratio.svg'), lineChart({ title: `Edge hit ratio: ${o.viewers} viewers, ${o.videos} videos, ${o.edges} edges`, xLabel: 'cache per edge, % of the catalog (log scale)', yLabel: 'requests answered from the cache, %', series: bySkew, yMin: 0, yMax: 100, logX: true }));
  await writeFile(path.join(o.out, 'origin-saved.svg'), lineChart({ title: 'What the edges saved the origin', xLabel: 'popularity skew (Zipf s)', yLabel: 'bytes the origin did not send, %', series: byCache, yMin: 0, yMax: 100 }));
  await writeFile(path.join(o.out, 'results.json'), JSON.stringify({ options: o, videoBytes: lab.videoBytes, catalogMb: lab.catalogMb, results, distribution: d }, null, 2));
  const md = report(lab, results, d);
  await writeFile(path.join(o.out, 'report.md'), md);
  return md;
}

async function main(): Promise<void> {
  const o = options();
  await checkNginx();
  if (!(await which('wrk'))) usage('wrk measures the origin and an edge: apt-get install wrk');
  const work = path.join(os.tmpdir(), `dashlab-cdn-load-${process.pid}`);
  const mediaDir = path.join(work, 'library');
  await mkdir(mediaDir, { recursive: true });
  process.stderr.write(`cdn:load: packaging a 12 s video, published as ${o.videos} videos...\n`);
  const { videos, info } = await makeCatalog(mediaDir, o.videos);
  const videoBytes = videos[0].files.reduce((s, f) => s + info.files[f].bytes, 0);
  const config = { ...loadConfig({}), host: '127.0.0.1', mediaDir, workers: 1 };
  const traces = await profileReader(config);
  const lab: Lab = { o, config, work, videos, info, videoBytes, catalogMb: (videoBytes * o.videos) / 1024 / 1024, profileOf: traces.profileOf };
  try {
    const results: Point[] = [];
    for (const skew of o.skews) {
      for (const pct of o.caches) {
        const r = await point(lab, pct, skew);
        results.push(r);
        process.stderr.write(`cdn:load: skew ${skew}, cache ${pct}% of the catalog per edge: hit ratio ${(r.hitRatio * 100).toFixed(1)}%, origin saved ${(r.originSaved * 100).toFixed(1)}% (${r.failures} failed requests, ${r.seconds.toFixed(1)} s)\n`);
      }
    }
    const md = await writeOutputs(lab, results, await distribution(lab));
    process.stdout.write(`${md}\ncdn:load: wrote ${o.out}/report.md, hit-ratio.svg, origin-saved.svg, results.json\n`);
  } finally {
    traces.close();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`cdn:load: error: ${(err as Error).message}\n`);
  process.exit(1);
});
