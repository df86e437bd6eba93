/**
 * npm run bench:live [-- --seconds S]
 *
 * Live channels, measured in one run on this machine (all parts real):
 *  1. the encoder: the default live ladder (four x264 rungs and AAC from the test source with
 *     its clock) as fast as it goes for S s of media: speed (x real time; above 1 it keeps up)
 *     and CPU seconds per second of media; the reference, in the same run, is raw ffmpeg
 *     encoding the 720p rung alone with the same settings;
 *  2. latency: our player and dash.js (its low-latency mode, on our MPD) on a test-source
 *     channel, 30 s each after settling, on loopback and on two network traces: median and p95,
 *     and ours over dash.js's;
 *  3. viewers: N simulated viewers (chunked fetches of each new 720p segment as it is
 *     written, 2.5 Mbit/s each) straight from one origin process, and through one nginx edge
 *     in front of it (the reference): the most viewers for which 99% of the segments arrive
 *     complete within 1 s of their end.
 * The origin and its channel run in a child process (`npm run live`), the clients here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium } from '../lab/browser/chromium.js';
import { availableAtMs, newestSegment } from '../core/live/timing.js';
import { parseMpd, type DomParserLike, type LiveInfo, type LiveTemplate } from '../core/mpd/parse.js';
import { DOMParser } from '@xmldom/xmldom';
import { EdgeNginx } from '../server/cdn/nginx.js';
import { freePort } from '../server/free-port.js';
import { REPO_ROOT } from '../server/config.js';
import { LIVE_DEFAULTS } from '../server/live/defaults.js';
import { encoderPlan } from '../server/live/encoder.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

/** Wall and CPU seconds of an ffmpeg run (bash's time). */
function timed(args: string[]): Promise<{ wallS: number; cpuS: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', ['-c', 'TIMEFORMAT="%R %U %S"; time ffmpeg "$@" >/dev/null 2>/dev/null', 'bash', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      const [r, u, s] = err.trim().split('\n').pop()!.split(' ').map(Number);
      code === 0 ? resolve({ wallS: r, cpuS: u + s }) : reject(new Error(`ffmpeg failed: ${err}`));
    });
  });
}

async function encoderSpeed(seconds: number): Promise<void> {
  const plan = encoderPlan({ kind: 'testsrc' }, { segmentS: LIVE_DEFAULTS.segmentS, chunkS: LIVE_DEFAULTS.chunkS, ladder: LIVE_DEFAULTS.ladder, audio: true });
  // As fast as it goes (no -re), S seconds of media, every output thrown away.
  const ladderArgs = ['-y', ...plan.args.filter((a) => a !== '-re').map((a) => (a.startsWith('testsrc2=') || a.startsWith('sine=') ? `${a}:duration=${seconds}` : a.startsWith('pipe:') ? '/dev/null' : a))];
  const top = LIVE_DEFAULTS.ladder.at(-1)!;
  const refArgs = ['-y', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${LIVE_DEFAULTS.fps}:duration=${seconds}`, '-c:v', 'libx264', '-preset', LIVE_DEFAULTS.preset, '-tune', 'zerolatency', '-b:v', `${top.kbps}k`, '-g', String(LIVE_DEFAULTS.segmentS * LIVE_DEFAULTS.fps), '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov', '/dev/null'];
  const ref = await timed(refArgs);
  const ladder = await timed(ladderArgs);
  const rungs = LIVE_DEFAULTS.ladder.map((r) => `${r.height}p ${r.kbps}k`).join(', ');
  console.log(`\n1. encoder, ${seconds} s of media, as fast as it goes (the live ladder: ${rungs}, ${LIVE_DEFAULTS.preset}, zerolatency, AAC)`);
  console.log(`   reference: raw ffmpeg, the 720p rung alone: ${(seconds / ref.wallS).toFixed(1)}x real time, ${(ref.cpuS / seconds).toFixed(2)} CPU s per media s`);
  console.log(`   live ladder with the clock drawn: ${(seconds / ladder.wallS).toFixed(1)}x real time, ${(ladder.cpuS / seconds).toFixed(2)} CPU s per media s (${(ladder.cpuS / ref.cpuS).toFixed(2)}x the reference's CPU); in real time it takes ${((ladder.cpuS / seconds / os.availableParallelism()) * 100).toFixed(0)}% of this machine's ${os.availableParallelism()} cores`);
}

/** The origin with one test-source channel, in a child process. */
async function startChannel(media: string, port: number): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn('npx', ['tsx', 'scripts/live.ts', '--id', 'bench', '--testsrc'], { cwd: REPO_ROOT, env: { ...process.env, MEDIA_DIR: media, PORT: String(port), LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let out = '';
  proc.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120; i++) {
    if (out.includes('on the air:')) return { proc, url };
    if (proc.exitCode !== null) throw new Error(`npm run live failed: ${out}`);
    await sleep(250);
  }
  throw new Error(`the channel did not start: ${out}`);
}

async function latency(url: string): Promise<void> {
  console.log('\n2. live latency (s behind the live edge, sampled every 0.5 s for 30 s after 10 s of settling)');
  const browser = await launchChromium();
  try {
    for (const net of ['', 'trace-norway_bus_15', 'trace-fcc-14679-facebook']) {
      const row: string[] = [];
      const medians: number[] = [];
      for (const engine of ['dashlab', 'dashjs']) {
        const page = await browser.newPage();
        await page.goto(`${url}/watch/bench?${new URLSearchParams({ engine, ...(net ? { net } : {}) })}`);
        await sleep(10_000);
        const xs: number[] = [];
        let stalls = 0;
        for (let i = 0; i < 60; i++) {
          await sleep(500);
          const s = (await page.evaluate(() => (window as unknown as { dashlabPlayer?: { stats(): unknown } }).dashlabPlayer?.stats())) as { live?: { latencyS?: number }; stalls: { count: number } } | undefined;
          if (s?.live?.latencyS !== undefined) xs.push(s.live.latencyS);
          stalls = s?.stalls.count ?? stalls;
        }
        await page.close();
        medians.push(median(xs));
        row.push(`${engine === 'dashlab' ? 'ours' : 'dash.js'} median ${median(xs).toFixed(2)}, p95 ${p95(xs).toFixed(2)}, ${stalls} stalls`);
      }
      console.log(`   ${(net || 'loopback').padEnd(26)} ${row.join('; ')}; ours/dash.js ${(medians[0] / medians[1]).toFixed(2)}x`);
    }
  } finally {
    await browser.close();
  }
}

/** One simulated viewer: each new segment of a rung, fetched when due, read to its end; lateness after the segment's end (s). */
async function viewer(base: string, live: LiveInfo, t: LiveTemplate, rep: string, untilMs: number, late: number[]): Promise<void> {
  let n = newestSegment(live, t, Date.now()) + 1;
  while (Date.now() < untilMs) {
    await sleep(Math.max(0, availableAtMs(live, t, n) - Date.now()));
    try {
      const res = await fetch(`${base}/live/bench/${t.media.replace('$RepresentationID$', rep).replace('$Number$', String(n))}`);
      await res.arrayBuffer();
      late.push(res.ok ? (Date.now() - (live.availabilityStartMs + n * t.segmentS * 1000)) / 1000 : Infinity);
    } catch {
      late.push(Infinity);
    }
    n++;
  }
}

async function viewers(origin: string, edge: string): Promise<void> {
  console.log('\n3. live viewers of the 720p rung (2.5 Mbit/s each), 16 s each; on time: complete within 1 s of the segment\'s end');
  const m = parseMpd(await (await fetch(`${origin}/live/bench/manifest.mpd`)).text(), `${origin}/live/bench/manifest.mpd`, new DOMParser() as unknown as DomParserLike);
  const t = m.adaptationSets[0].representations.at(-1)!.live!;
  for (const [label, base] of [['origin', origin], ['nginx edge (reference)', edge]] as const) {
    let best = 0;
    const cells: string[] = [];
    for (const n of [25, 50, 100, 200, 400]) {
      const late: number[] = [];
      const until = Date.now() + 16_000;
      await Promise.all(Array.from({ length: n }, () => viewer(base, m.live!, t, 'v720', until, late)));
      const onTime = late.filter((x) => x <= 1).length / late.length;
      cells.push(`${n}: ${(onTime * 100).toFixed(1)}%`);
      if (onTime >= 0.99) best = n;
      else break;
      await sleep(2000);
    }
    console.log(`   ${label.padEnd(24)} ${cells.join(', ')} -> ${best} viewers (${((best * 2.5) / 1000).toFixed(2)} Gbit/s)`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' } } });
  const seconds = Number(values.seconds);
  console.log(`bench:live on ${os.availableParallelism()} cores`);
  await encoderSpeed(seconds);
  const work = await mkdtemp(path.join(os.tmpdir(), 'dashlab-bench-live-'));
  const ch = await startChannel(path.join(work, 'library'), await freePort());
  const nginx = new EdgeNginx({ originPort: Number(new URL(ch.url).port), port: await freePort(), dir: path.join(work, 'nginx'), cacheMb: 512 });
  try {
    await latency(ch.url);
    await nginx.start();
    await viewers(ch.url, nginx.url);
  } finally {
    await nginx.stop().catch(() => undefined);
    if (ch.proc.pid) process.kill(-ch.proc.pid, 'SIGINT');
    await sleep(2000);
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench:live: ${(err as Error).message}`);
  process.exit(1);
});
