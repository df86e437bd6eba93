/**
 * npm run bench:serve [-- --duration S --connections N]
 *
 * Serves the same packaged folder with nginx (Debian's, started here on loopback with a
 * minimal config: sendfile, etag, one worker, no access log) and with dashlab's origin
 * (with and without its in-memory segment cache), loads each with wrk at 64 connections,
 * and prints the ratios to nginx:
 *  - ~1 MB segment GETs (MB/s),
 *  - 304 revalidations of a segment (If-None-Match; req/s),
 *  - manifest GETs (req/s),
 * with p99 latency for each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../server/config.js';
import { freePort } from '../server/free-port.js';
import { waitHttp, which, wrk, type WrkResult } from './lib/wrk.js';
import { packageVideo, runFfmpeg, type VideoInfo } from '../server/packager/index.js';


async function startNginx(root: string, port: number, work: string): Promise<ChildProcess> {
  const conf = path.join(work, 'nginx.conf');
  await writeFile(
    conf,
    `user root;
worker_processes 1;
daemon off;
pid ${work}/nginx.pid;
error_log ${work}/nginx-error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  types { application/dash+xml mpd; application/vnd.apple.mpegurl m3u8; video/iso.segment m4s; }
  access_log off;
  sendfile on;
  tcp_nopush on;
  etag on;
  keepalive_requests 1000000;
  client_body_temp_path ${work}/body; proxy_temp_path ${work}/proxy; fastcgi_temp_path ${work}/fcgi; uwsgi_temp_path ${work}/uwsgi; scgi_temp_path ${work}/scgi;
  server {
    listen 127.0.0.1:${port};
    location /media/ { alias ${root}/; }
  }
}
`,
  );
  const proc = spawn('nginx', ['-c', conf, '-p', work], { stdio: 'ignore' });
  return proc;
}

type Results = Record<string, { seg: WrkResult; r304: WrkResult; mpd: WrkResult }>;

/** Each server loaded with wrk: the segment, its 304 revalidation, the manifest. */
async function measure(targets: Array<{ name: string; base: string; id: string }>, segFile: string, connections: number, durationS: number): Promise<Results> {
  const results: Results = {};
  for (const t of targets) {
    const segUrl = `${t.base}/media/${t.id}/${segFile}`;
    const etag = (await fetch(segUrl, { method: 'HEAD' })).headers.get('etag')!;
    await wrk(segUrl, { connections, durationS: 2 }); // warm up (and fill the memory cache)
    process.stdout.write(`${t.name}: segments... `);
    const s = await wrk(segUrl, { connections, durationS });
    process.stdout.write('304s... ');
    const r = await wrk(segUrl, { connections, durationS, headers: { 'If-None-Match': etag } });
    process.stdout.write('manifests...\n');
    const m = await wrk(`${t.base}/media/${t.id}/manifest.mpd`, { connections, durationS });
    results[t.name] = { seg: s, r304: r, mpd: m };
  }
  return results;
}

/** The table, each dashlab figure with its ratio to nginx measured in the same run. */
function printTable(results: Results): void {
  const ref = results['nginx 1 worker'];
  const pad = (s: string, n: number) => s.padStart(n);
  const cols = ['segments MB/s', 'p99 ms', '304 req/s', 'p99 ms', 'manifest req/s', 'p99 ms'];
  console.log(`\n${'server'.padEnd(26)}${cols.map((c) => pad(c, 17)).join('')}`);
  for (const [name, r] of Object.entries(results)) {
    const ratio = (a: number, b: number) => (name.startsWith('nginx') ? '' : ` (${(a / b).toFixed(2)}x)`);
    const cells = [
      `${r.seg.mbPerS.toFixed(0)}${ratio(r.seg.mbPerS, ref.seg.mbPerS)}`,
      r.seg.p99Ms.toFixed(1),
      `${r.r304.reqPerS.toFixed(0)}${ratio(r.r304.reqPerS, ref.r304.reqPerS)}`,
      r.r304.p99Ms.toFixed(1),
      `${r.mpd.reqPerS.toFixed(0)}${ratio(r.mpd.reqPerS, ref.mpd.reqPerS)}`,
      r.mpd.p99Ms.toFixed(1),
    ];
    console.log(`${name.padEnd(26)}${cells.map((c) => pad(c, 17)).join('')}`);
    const bad = r.seg.non2xx + r.mpd.non2xx;
    if (bad) console.log(`  warning: ${bad} non-2xx/3xx answers`);
  }
  console.log('goal: dashlab >= 0.5x nginx on segments, >= 0.4x on 304s, >= 0.3x on manifests');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '64' } } });
  const durationS = Number(values.duration);
  const connections = Number(values.connections);
  const missing = [];
  if (!(await which('nginx'))) missing.push('nginx');
  if (!(await which('wrk'))) missing.push('wrk');
  if (missing.length) {
    console.error(`bench:serve needs ${missing.join(' and ')}: apt-get install ${missing.join(' ')}`);
    process.exit(1);
  }
  const work = await mkdtemp(path.join(os.tmpdir(), 'dashlab-bench-serve-'));
  await chmod(work, 0o755);
  const procs: ChildProcess[] = [];
  try {
    // A package whose video segments are about 1 MB: 4 s at 2 Mbit/s.
    const mediaDir = path.join(work, 'library');
    const master = path.join(work, 'master.mp4');
    process.stdout.write('bench:serve: packaging a 20 s clip with ~1 MB segments...\n');
    await runFfmpeg({
      inputs: [{ source: 'testsrc2=s=1280x720:r=30:d=20', format: 'lavfi' }, { source: 'sine=d=20', format: 'lavfi' }],
      outputs: [{ target: master, options: ['-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac'] }],
    });
    await packageVideo({ input: master, mediaDir, id: 'bench', ladder: '720p:2000k' });
    const dir = path.join(mediaDir, 'bench');
    const segs = await Promise.all(
      (await readdir(dir)).filter((f) => f.startsWith('v0-') && f.endsWith('.m4s')).map(async (f) => ({ f, size: (await stat(path.join(dir, f))).size })),
    );
    const seg = segs.sort((a, b) => Math.abs(a.size - 1e6) - Math.abs(b.size - 1e6))[0];
    process.stdout.write(`segment ${seg.f}: ${(seg.size / 1e6).toFixed(2)} MB; wrk -t2 -c${connections} -d${durationS}s; ${os.cpus().length} cores\n`);
    const realDir = await (await import('node:fs/promises')).realpath(dir);
    const nginxRoot = path.dirname(realDir);

    const targets: Array<{ name: string; base: string; id: string }> = [];
    const nginxPort = await freePort();
    procs.push(await startNginx(nginxRoot, nginxPort, work));
    targets.push({ name: 'nginx 1 worker', base: `http://127.0.0.1:${nginxPort}`, id: path.basename(realDir) });
    for (const [name, cache] of [['dashlab', String(256 * 1024 * 1024)], ['dashlab, no memory cache', '0']] as const) {
      const port = await freePort();
      const p = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/start.ts')], {
        cwd: REPO_ROOT,
        env: { ...process.env, MEDIA_DIR: mediaDir, PORT: String(port), LOG_LEVEL: 'warn', MEDIA_CACHE_BYTES: cache },
        stdio: 'ignore',
      });
      procs.push(p);
      targets.push({ name, base: `http://127.0.0.1:${port}`, id: 'bench' });
    }
    for (const t of targets) await waitHttp(`${t.base}/media/${t.id}/manifest.mpd`);

    printTable(await measure(targets, seg.f, connections, durationS));
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench:serve: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
