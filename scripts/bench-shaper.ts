/**
 * npm run bench:shaper
 *  - accuracy: shaped throughput of transfers of 2 s and more, 200 kbit/s to 50 Mbit/s;
 *  - trace steps: how long after a step the delivered rate follows it;
 *  - a starved server: the server's processes stopped 100 ms of every 200 ms (SIGSTOP/SIGCONT,
 *    like a VM whose CPU is stolen), a 3 Mbit/s link measured all the same;
 *  - scale: 500 links streaming at once (1 Mbit/s each): CPU of the server and accuracy.
 * Runs `npm start` (default cluster) on a packaged clip with ~1 MB segments.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Agent, setGlobalDispatcher } from 'undici';
import { REPO_ROOT } from '../server/config.js';
import { packageVideo, runFfmpeg } from '../server/packager/index.js';

setGlobalDispatcher(new Agent({ connections: 2000, pipelining: 0 }));

/** A process and all its descendants (the cluster's primary and workers). */
async function treePids(root: number): Promise<number[]> {
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
      const kids = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '');
      for (const k of kids.trim().split(/\s+/).filter(Boolean)) stack.push(Number(k));
    }
  }
  return out;
}

async function treeCpuS(root: number): Promise<number> {
  let total = 0;
  const tck = 100;
  for (const pid of await treePids(root)) {
    const st = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    total += (Number(f[11] ?? 0) + Number(f[12] ?? 0)) / tck;
  }
  return total;
}

/** The server under measure: its URL, its root process, the segment pulled, and two helpers. */
interface Bench {
  base: string;
  pid: number;
  seg: string;
  /** A link made by POST /api/links; `client` names the viewer (behind the loopback proxy the origin trusts). */
  newLink(profile: string, client?: string): Promise<string>;
  /** Pull the segment through a link back to back for `untilS` seconds: kbit/s delivered. */
  pull(link: string, untilS: number): Promise<number>;
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'dashlab-bench-shaper-'));
  const mediaDir = path.join(work, 'library');
  const master = path.join(work, 'm.mp4');
  process.stdout.write('bench:shaper: packaging a clip with ~1 MB segments...\n');
  await runFfmpeg({ inputs: [{ source: 'testsrc2=s=1280x720:r=30:d=16', format: 'lavfi' }], outputs: [{ target: master, options: ['-c:v', 'libx264', '-preset', 'ultrafast'] }] });
  const { info } = await packageVideo({ input: master, mediaDir, id: 'b', ladder: '720p:2000k' });
  const seg = Object.entries(info.files).filter(([n]) => n.endsWith('.m4s')).sort((a, b) => b[1].bytes - a[1].bytes)[0][0];
  const port = 20000 + Math.floor(Math.random() * 20000);
  process.stdout.write(`server: npm start with WORKERS=${process.env.WORKERS ?? 'default (one per core)'}\n`);
  const server = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/start.ts')], {
    cwd: REPO_ROOT, env: { ...process.env, MEDIA_DIR: mediaDir, PORT: String(port), LOG_LEVEL: 'warn' }, stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  const b: Bench = {
    base,
    pid: server.pid!,
    seg,
    newLink: async (profile, client = '127.0.0.1') =>
      ((await (await fetch(`${base}/api/links`, { method: 'POST', body: JSON.stringify({ profile }), headers: { 'x-forwarded-for': client } })).json()) as { id: string }).id,
    pull: async (link, untilS) => {
      const t0 = performance.now();
      let bytes = 0;
      while ((performance.now() - t0) / 1000 < untilS) {
        const res = await fetch(`${base}/net/${link}/media/b/${seg}`);
        bytes += (await res.arrayBuffer()).byteLength;
      }
      return (bytes * 8) / ((performance.now() - t0) / 1000) / 1000;
    },
  };
  try {
    for (let i = 0; i < 300 && !(await fetch(`${base}/api/videos`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
    await accuracy(b);
    await traceStep(b);
    await starvedServer(b);
    await scale(b);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await rm(work, { recursive: true, force: true });
  }
}

/** Enough downloads in flight to keep the link busy: each lasts >= ~1 s at its share. */
async function accuracy(b: Bench): Promise<void> {
  console.log('\naccuracy (one link kept busy for >= 2 s, each transfer >= ~1 s)');
  console.log(`${'target kbit/s'.padStart(14)}${'measured'.padStart(12)}${'error'.padStart(9)}`);
  for (const kbps of [200, 1000, 5000, 20000, 50000]) {
    const link = await b.newLink(`${kbps}kbps`);
    const parallel = Math.max(1, Math.ceil(kbps / 8000));
    const got = (await Promise.all(Array.from({ length: parallel }, () => b.pull(link, kbps < 1000 ? 3 : 2)))).reduce((x, y) => x + y, 0);
    console.log(`${String(kbps).padStart(14)}${got.toFixed(0).padStart(12)}${(((got / kbps) - 1) * 100).toFixed(1).padStart(8)}%`);
  }
}

/** A trace step: 4 Mbit/s for 3 s, then 1 Mbit/s; when the delivered rate follows. */
async function traceStep(b: Bench): Promise<void> {
  await fetch(`${b.base}/api/traces?name=bench-step`, { method: 'POST', body: JSON.stringify({ points: [{ t: 0, kbps: 4000 }, { t: 3, kbps: 1000 }, { t: 10, kbps: 1000 }] }) });
  const link = await b.newLink('trace-bench-step');
  const t0 = performance.now();
  const marks: Array<[number, number]> = [];
  let bytes = 0;
  while ((performance.now() - t0) / 1000 < 6) {
    const res = await fetch(`${b.base}/net/${link}/media/b/${b.seg}`);
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      marks.push([(performance.now() - t0) / 1000, bytes]);
    }
  }
  const rateAround = (t: number) => {
    const x = marks.filter(([s]) => s <= t - 0.25).at(-1);
    const y = marks.filter(([s]) => s <= t + 0.25).at(-1);
    return x && y ? ((y[1] - x[1]) * 8) / (y[0] - x[0]) / 1000 : NaN;
  };
  let lag = NaN;
  for (let t = 3; t < 6; t += 0.05) {
    if (rateAround(t) < 1500) {
      lag = t - 3;
      break;
    }
  }
  console.log(`\ntrace step 4 -> 1 Mbit/s at t = 3 s: the delivered rate (500 ms window) follows after ${lag.toFixed(2)} s (goal: within 1 s)`);
}

/** A starved server: stopped 100 ms of every 200 ms while one 3 Mbit/s link is pulled for 4 s. */
async function starvedServer(b: Bench): Promise<void> {
  const pids = await treePids(b.pid);
  const signal = (sig: NodeJS.Signals) => pids.forEach((p) => { try { process.kill(p, sig); } catch { /* gone */ } });
  let stopped = false;
  const toggler = setInterval(() => signal((stopped = !stopped) ? 'SIGSTOP' : 'SIGCONT'), 100);
  const link = await b.newLink('3000kbps');
  let starved: number;
  try {
    starved = await b.pull(link, 4);
  } finally {
    clearInterval(toggler);
    signal('SIGCONT');
  }
  console.log(`\nstarved server (its processes stopped 100 ms of every 200 ms): a 3000 kbit/s link measured ${starved.toFixed(0)} kbit/s (${(((starved / 3000) - 1) * 100).toFixed(1)}%)`);
}

/** Scale: 500 viewers (a link each, as many addresses behind the trusted proxy) at 1 Mbit/s, streaming for 10 s. */
async function scale(b: Bench): Promise<void> {
  const n = 500;
  const links = await Promise.all(Array.from({ length: n }, (_, i) => b.newLink('1mbps', `10.0.${i >> 8}.${i & 255}`)));
  const cpu0 = await treeCpuS(b.pid);
  const wall0 = performance.now();
  const rates = await Promise.all(links.map((l) => b.pull(l, 10)));
  const wallS = (performance.now() - wall0) / 1000;
  const cpuS = (await treeCpuS(b.pid)) - cpu0;
  rates.sort((x, y) => x - y);
  const q = (p: number) => rates[Math.floor(p * (rates.length - 1))];
  console.log(`\n${n} links at 1 Mbit/s, each streaming for ${wallS.toFixed(1)} s: server CPU ${cpuS.toFixed(1)} s = ${((cpuS / wallS) * 100).toFixed(0)}% of one core (${os.cpus().length} cores)`);
  console.log(`per-link rate kbit/s: median ${q(0.5).toFixed(0)}, 5th percentile ${q(0.05).toFixed(0)}, 95th ${q(0.95).toFixed(0)}; total ${(rates.reduce((x, y) => x + y, 0) / 1000).toFixed(0)} Mbit/s`);
}

main().catch((err) => {
  console.error(`bench:shaper: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
