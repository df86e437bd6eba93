/**
 * npm run bench:cdn -- [--viewers 200] [--seconds 60] [--edges 2] [--videos 20]
 *
 * The CDN tier measured, each figure beside a reference measured in the same run:
 *  1. origin egress: `viewers` simulated viewers (real HTTP, Zipf 0.8 over the videos) for
 *     `seconds` straight at the origin, then the same through the edges: the origin's bytes
 *     per byte viewers got, and the offload;
 *  2. an edge's throughput (its nginx answering from its cache) against nginx serving the
 *     same files from disk (wrk, 64 connections);
 *  3. steering answers per second against the origin's manifest answers per second (the
 *     same process: what deciding per client costs).
 */
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runViewers } from '../lab/cdn/load.js';
import { checkNginx, EdgeNginx } from '../server/cdn/nginx.js';
import { loadConfig } from '../server/config.js';
import { freePort } from '../server/free-port.js';
import { createLogger } from '../server/log.js';
import { profileReader, startTier } from './lib/cdn-tier.js';
import { makeCatalog } from './lib/load-catalog.js';
import { which, wrk } from './lib/wrk.js';

const USAGE = 'usage: npm run bench:cdn -- [--viewers 200] [--seconds 60] [--edges 2] [--videos 20]';

async function main(): Promise<void> {
  const a = parseArgs({ options: { viewers: { type: 'string' }, seconds: { type: 'string' }, edges: { type: 'string' }, videos: { type: 'string' } } }).values;
  const int = (v: string | undefined, d: number) => {
    const n = v === undefined ? d : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${USAGE}\n(a whole number above 0, got "${v}")`);
    return n;
  };
  const viewers = int(a.viewers, 200);
  const seconds = int(a.seconds, 60);
  const nEdges = int(a.edges, 2);
  const m = int(a.videos, 20);
  await checkNginx();
  if (!(await which('wrk'))) throw new Error('wrk is not installed: apt-get install wrk');

  const work = path.join(os.tmpdir(), `dashlab-bench-cdn-${process.pid}`);
  const mediaDir = path.join(work, 'library');
  await mkdir(mediaDir, { recursive: true });
  const { videos, info } = await makeCatalog(mediaDir, m);
  const catalogMb = (videos[0].files.reduce((s, f) => s + info.files[f].bytes, 0) * m) / 1024 / 1024;
  const config = { ...loadConfig({}), host: '127.0.0.1', mediaDir, workers: 1, port: await freePort() };
  const traces = await profileReader(config);
  const edges = [];
  for (let i = 0; i < nEdges; i++) edges.push({ id: `edge-${i + 1}`, profile: traces.profileOf('near'), port: await freePort(), cacheMb: catalogMb * 2 });
  // Quiet: a log line per steering answer would be what the benchmark measures.
  const { tier, originUrl, stop } = await startTier({ config, edges, workDir: path.join(work, 'tier'), ttlS: 5, capacity: 0, profileOf: traces.profileOf, log: createLogger('warn') });
  // The reference: the same nginx, serving the library's files from disk.
  const refPort = await freePort();
  const reference = new EdgeNginx({
    originPort: config.port,
    port: refPort,
    dir: path.join(work, 'reference'),
    cacheMb: 1,
    confText: `server { listen 127.0.0.1:${refPort}; access_log off; sendfile on; location = /edge-health { return 200; } location /media/ { alias ${mediaDir}/; } }`,
  });
  await reference.start();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    say(`bench:cdn ${new Date().toISOString().slice(0, 10)}: ${viewers} viewers x ${seconds} s, ${m} videos (Zipf 0.8), ${nEdges} edges (${os.cpus().length} cores)`);
    // 1. Origin egress, without and with the edges.
    const egress = async (through: string[]) => {
      await tier.poll();
      const before = { origin: tier.origin.bytes, viewers: tier.snapshot(originUrl).viewerBytes };
      const run = await runViewers({ edges: through, videos, viewers, skew: 0.8, seed: 7, concurrency: viewers, durationS: seconds });
      await tier.poll();
      const after = { origin: tier.origin.bytes, viewers: tier.snapshot(originUrl).viewerBytes };
      return { originBytes: after.origin - before.origin, viewerBytes: after.viewers - before.viewers, requests: run.requests, failures: run.failures };
    };
    const direct = await egress([originUrl]);
    const viaEdges = await egress(tier.edges.map((e) => tier.urlOf(e)));
    const perByte = (x: { originBytes: number; viewerBytes: number }) => x.originBytes / Math.max(1, x.viewerBytes);
    say(`origin egress without edges: ${(direct.originBytes / 1e6).toFixed(0)} MB for ${(direct.viewerBytes / 1e6).toFixed(0)} MB to viewers (${perByte(direct).toFixed(2)} per byte; ${direct.requests} requests, ${direct.failures} failed)`);
    say(`origin egress through ${nEdges} edges: ${(viaEdges.originBytes / 1e6).toFixed(1)} MB for ${(viaEdges.viewerBytes / 1e6).toFixed(0)} MB to viewers (${perByte(viaEdges).toFixed(4)} per byte; ${viaEdges.requests} requests, ${viaEdges.failures} failed)`);
    say(`offload: ${((1 - perByte(viaEdges) / perByte(direct)) * 100).toFixed(2)}% of the origin's egress per byte watched (${(perByte(viaEdges) / perByte(direct)).toFixed(4)}x)`);
    // 2. An edge's nginx from its cache against nginx from disk.
    const seg = videos[0].files.filter((f) => f.endsWith('.m4s')).sort((x, y) => info.files[y].bytes - info.files[x].bytes)[0];
    const edgeSeg = `${tier.edges[0].nginx.url}/media/${videos[0].id}/${seg}`;
    await wrk(edgeSeg, { connections: 64, durationS: 2 });
    const fromCache = await wrk(edgeSeg, { connections: 64, durationS: 10 });
    const fromDisk = await wrk(`${reference.url}/media/${videos[0].id}/${seg}`, { connections: 64, durationS: 10 });
    say(`edge (nginx, from its cache): ${fromCache.mbPerS.toFixed(0)} MB/s, p99 ${fromCache.p99Ms.toFixed(1)} ms; nginx from disk: ${fromDisk.mbPerS.toFixed(0)} MB/s, p99 ${fromDisk.p99Ms.toFixed(1)} ms: ${(fromCache.mbPerS / fromDisk.mbPerS).toFixed(2)}x`);
    // 3. Steering answers against manifest answers, same process.
    const steering = await wrk(`${originUrl}/cdn/steering?video=${videos[0].id}&_DASH_pathway=%22edge-1%22&_DASH_throughput=20000000`, { connections: 32, durationS: 10 });
    const manifests = await wrk(`${originUrl}/media/${videos[0].id}/manifest.mpd?cdn=origin`, { connections: 32, durationS: 10 });
    say(`steering answers: ${steering.reqPerS.toFixed(0)}/s, p99 ${steering.p99Ms.toFixed(1)} ms; the origin's manifests: ${manifests.reqPerS.toFixed(0)}/s: ${(steering.reqPerS / manifests.reqPerS).toFixed(2)}x`);
  } finally {
    await reference.stop();
    await stop();
    traces.close();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench:cdn: error: ${(err as Error).message}\n`);
  process.exit(1);
});
