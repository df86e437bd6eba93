/**
 * npm run bench:package [-- --runs N --input FILE]
 *
 * Packages the same 60 s 1080p30 master twice per run, in the same session:
 *  - reference: the obvious single ffmpeg command (split + scale into 5 libx264 veryfast
 *    rungs 1080p 5000k / 720p 2800k / 480p 1400k / 360p 800k / 240p 400k, 2 s GOPs,
 *    AAC 128k, the dash muxer with hls_playlist);
 *  - dashlab: `npm run package` on the same input (probe, encode, verify, HLS, poster,
 *    publish), at the same settings;
 * and prints wall time, CPU seconds, peak memory of the process tree and the ratio. Then it
 * times verification alone on the package just made, and what each catalog addition costs
 * against the plain ladder, in the same run: subtitles (two SubRip files), seek-bar
 * thumbnails, the SSIM and PSNR of every segment (--no-additions skips this part).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, SAMPLE_MASTER } from '../server/config.js';
import { getTools, makeSampleMaster, verifyPackage } from '../server/packager/index.js';
import { publishedDir } from '../server/packager/library.js';
import { ProgressBar } from './lib/progress-bar.js';

interface RunStats {
  wallS: number;
  cpuS: number;
  peakRssMiB: number;
}

/** Sum of RSS over a process and all its descendants, from /proc (children lists, no full scan). */
async function treeRssKiB(root: number): Promise<number> {
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
      const kids = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '');
      for (const k of kids.trim().split(/\s+/).filter(Boolean)) stack.push(Number(k));
    }
  }
  return total;
}

/** Run a shell command; CPU from bash's `times` (user + sys of all waited-for children). */
function measure(command: string, env: NodeJS.ProcessEnv = process.env): Promise<RunStats> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('bash', ['-c', `${command} >/dev/null 2>/tmp/dashlab-bench.err; rc=$?; times; exit $rc`], {
      env,
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let peak = 0;
    const timer = setInterval(() => {
      void treeRssKiB(child.pid!).then((k) => (peak = Math.max(peak, k)));
    }, 1000);
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', async (code) => {
      clearInterval(timer);
      const wallS = (performance.now() - started) / 1000;
      if (code !== 0) {
        reject(new Error(`command failed (${code}): ${command}\n${await readFile('/tmp/dashlab-bench.err', 'utf8').catch(() => '')}`));
        return;
      }
      const lines = out.trim().split('\n');
      const secs = (t: string) => {
        const m = /(\d+)m([\d.]+)s/.exec(t);
        return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
      };
      const [u, s] = (lines[lines.length - 1] ?? '').split(/\s+/);
      resolve({ wallS, cpuS: secs(u) + secs(s), peakRssMiB: peak / 1024 });
    });
  });
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function referenceCommand(ffmpeg: string, input: string, outDir: string): string {
  const rungs = [
    [1920, 1080, 5000],
    [1280, 720, 2800],
    [854, 480, 1400],
    [640, 360, 800],
    [426, 240, 400],
  ];
  const graph = `[0:v]split=5${rungs.map((_, i) => `[s${i}]`).join('')};` + rungs.map(([w, h], i) => `[s${i}]scale=${w}:${h}[v${i}]`).join(';');
  const maps = rungs.map((_, i) => `-map '[v${i}]'`).join(' ');
  const rates = rungs.map(([, , k], i) => `-b:v:${i} ${k}k`).join(' ');
  return (
    `${q(ffmpeg)} -hide_banner -loglevel error -y -i ${q(input)} -filter_complex ${q(graph)} ${maps} -map 0:a:0 ` +
    `-c:v libx264 -preset veryfast -g 60 ${rates} -c:a aac -b:a 128k ` +
    `-f dash -seg_duration 4 -use_template 1 -use_timeline 1 -hls_playlist 1 ` +
    `-adaptation_sets 'id=0,streams=v id=1,streams=a' ${q(path.join(outDir, 'manifest.mpd'))}`
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '1' }, input: { type: 'string' }, 'no-additions': { type: 'boolean', default: false } } });
  const runs = Math.max(1, Number(values.runs));
  const tools = await getTools();
  const input = values.input ? path.resolve(values.input) : SAMPLE_MASTER;
  if (!values.input) {
    const bar = new ProgressBar();
    await readFile(input).catch(() =>
      makeSampleMaster(input, (p) => bar.update({ label: 'master', percent: p.percent, speed: p.speed, etaS: p.etaS })).finally(() => bar.done()),
    );
  }
  console.log(`bench:package  input ${path.relative(REPO_ROOT, input)}  ffmpeg ${tools.version} (${tools.origin.ffmpeg})  ${os.cpus().length} cores`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'dashlab-bench-'));
  const mediaDir = path.join(work, 'library');
  const refDir = path.join(work, 'reference');
  const results: Array<{ ref: RunStats; ours: RunStats }> = [];
  try {
    for (let r = 0; r < runs; r++) {
      await rm(refDir, { recursive: true, force: true });
      await import('node:fs/promises').then((fs) => fs.mkdir(refDir, { recursive: true }));
      process.stdout.write(`run ${r + 1}/${runs}: reference ffmpeg command... `);
      const ref = await measure(referenceCommand(tools.ffmpeg, input, refDir));
      process.stdout.write(`${ref.wallS.toFixed(1)} s\nrun ${r + 1}/${runs}: npm run package... `);
      const ours = await measure(
        // The plain ladder against the plain command: the catalog's additions are timed apart below.
        `${q(process.execPath)} --import tsx scripts/package.ts ${q(input)} --id bench --ladder 1080p:5000k,720p:2800k,480p:1400k,360p:800k,240p:400k --no-thumbnails --no-quality`,
        { ...process.env, MEDIA_DIR: mediaDir },
      );
      process.stdout.write(`${ours.wallS.toFixed(1)} s\n`);
      results.push({ ref, ours });
    }
    const dir = await publishedDir(mediaDir, 'bench');
    const verifyTimes: number[] = [];
    const sourceS = dir ? (JSON.parse(await readFile(path.join(dir, 'info.json'), 'utf8')) as { source: { durationS: number } }).source.durationS : 0;
    for (let i = 0; i < 5 && dir; i++) {
      const t = performance.now();
      await verifyPackage(dir, { durationS: sourceS, frameS: 1 / 30 });
      verifyTimes.push((performance.now() - t) / 1000);
    }
    const med = (xs: number[]) => {
      const v = [...xs].sort((a, b) => a - b);
      const m = Math.floor(v.length / 2);
      return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
    };
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const ref = { wallS: med(results.map((x) => x.ref.wallS)), cpuS: med(results.map((x) => x.ref.cpuS)), peakRssMiB: Math.max(...results.map((x) => x.ref.peakRssMiB)) };
    const ours = { wallS: med(results.map((x) => x.ours.wallS)), cpuS: med(results.map((x) => x.ours.cpuS)), peakRssMiB: Math.max(...results.map((x) => x.ours.peakRssMiB)) };
    const row = (name: string, s: RunStats) =>
      `${name.padEnd(26)}${s.wallS.toFixed(1).padStart(8)}${s.cpuS.toFixed(1).padStart(10)}${s.peakRssMiB.toFixed(0).padStart(10)}`;
    console.log(`\n${'(median of ' + runs + ')'.padEnd(15)}${''.padEnd(11)}${'wall s'.padStart(8)}${'CPU s'.padStart(10)}${'peak MiB'.padStart(10)}`);
    console.log(row('reference ffmpeg command', ref));
    console.log(row('dashlab npm run package', ours));
    console.log(`ratio (dashlab / reference): wall ${(ours.wallS / ref.wallS).toFixed(3)}x  CPU ${(ours.cpuS / ref.cpuS).toFixed(3)}x  (goal: wall <= 1.05x)`);
    console.log(`ratio of totals over all runs: wall ${(sum(results.map((x) => x.ours.wallS)) / sum(results.map((x) => x.ref.wallS))).toFixed(3)}x  CPU ${(sum(results.map((x) => x.ours.cpuS)) / sum(results.map((x) => x.ref.cpuS))).toFixed(3)}x; per run: ${results.map((x) => `${x.ref.wallS.toFixed(0)}/${x.ours.wallS.toFixed(0)} s`).join(', ')} (reference/dashlab)`);
    console.log(`CPU floor of the reference (CPU s / ${os.cpus().length} cores): ${(ref.cpuS / os.cpus().length).toFixed(1)} s`);
    if (verifyTimes.length) console.log(`verification alone (5-rung package + audio, median of ${verifyTimes.length}): ${(med(verifyTimes) * 1000).toFixed(0)} ms (goal < 1000 ms)`);
    console.log(`peak memory of the dashlab process tree: ${ours.peakRssMiB.toFixed(0)} MiB (goal < 1024 MiB)`);
    if (!values['no-additions']) await additions(input, work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Each catalog addition against the plain ladder, one run each, in this run (no ABR policy
 * learning in any: it is the same for all and would only add noise).
 */
async function additions(input: string, work: string): Promise<void> {
  const srt = (lang: string) => {
    const cues = Array.from({ length: 30 }, (_, i) => `${i + 1}\n00:00:${String(i * 2).padStart(2, '0')},000 --> 00:00:${String(i * 2 + 1).padStart(2, '0')},500\nLine ${i + 1} (${lang})\n`);
    return cues.join('\n');
  };
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path.join(work, 'en.srt'), srt('en'));
  await writeFile(path.join(work, 'fr.srt'), srt('fr'));
  const base = `${q(process.execPath)} --import tsx scripts/package.ts ${q(input)} --ladder 1080p:5000k,720p:2800k,480p:1400k,360p:800k,240p:400k --no-abr-policy`;
  const variants: Array<[string, string]> = [
    ['plain ladder', '--no-thumbnails --no-quality'],
    ['+ subtitles (2 SubRip files)', `--no-thumbnails --no-quality --subtitles en:${q(path.join(work, 'en.srt'))},fr:${q(path.join(work, 'fr.srt'))}`],
    ['+ thumbnails', '--no-quality'],
    ['+ SSIM and PSNR', '--no-thumbnails'],
    ['all of them', `--subtitles en:${q(path.join(work, 'en.srt'))},fr:${q(path.join(work, 'fr.srt'))}`],
    // With SSIM on, so the two ladders' quality can be compared: its cost is against the SSIM row.
    ['+ AV1 ladder (and SSIM)', '--no-thumbnails --codecs h264,av1'],
    // The plain ladder again, last: single runs drift by several percent; the reference is the mean of both.
    ['plain ladder, again', '--no-thumbnails --no-quality'],
  ];
  const rows: Array<[string, RunStats]> = [];
  for (const [name, flags] of variants) {
    process.stdout.write(`addition: ${name}... `);
    const r = await measure(`${base} --id add-${rows.length} ${flags}`, { ...process.env, MEDIA_DIR: path.join(work, 'additions') });
    process.stdout.write(`${r.wallS.toFixed(1)} s\n`);
    rows.push([name, r]);
  }
  const plain = { wallS: (rows[0][1].wallS + rows.at(-1)![1].wallS) / 2, cpuS: (rows[0][1].cpuS + rows.at(-1)![1].cpuS) / 2, peakRssMiB: 0 };
  console.log(`\n${'catalog additions (one run each)'.padEnd(34)}${'wall s'.padStart(8)}${'CPU s'.padStart(10)}${'vs plain (wall)'.padStart(17)}   (plain: the mean of its two runs)`);
  for (const [name, r] of rows) console.log(`${name.padEnd(34)}${r.wallS.toFixed(1).padStart(8)}${r.cpuS.toFixed(1).padStart(10)}${`${(r.wallS / plain.wallS).toFixed(3)}x`.padStart(17)}`);
  const ssimOnly = rows.find(([n]) => n.startsWith('+ SSIM'))![1];
  const av1 = rows.find(([n]) => n.startsWith('+ AV1'))![1];
  console.log(`AV1's encode cost: ${(av1.wallS - ssimOnly.wallS).toFixed(1)} s of wall time more than the same package without it (${(av1.wallS / ssimOnly.wallS).toFixed(2)}x that package's time)`);
  await av1Savings(path.join(work, 'additions'), `add-${rows.findIndex(([n]) => n.startsWith('+ AV1'))}`);
}

/**
 * What AV1 saves at equal quality, by SSIM: for each H.264 rung, the AV1 bitrate that reaches
 * the same mean SSIM, read off the AV1 ladder's rate-SSIM curve (linear in log bitrate between
 * its rungs); rungs whose SSIM lies outside the AV1 curve are left out.
 */
async function av1Savings(mediaDir: string, id: string): Promise<void> {
  const dir = await publishedDir(mediaDir, id);
  if (!dir) return;
  const info = JSON.parse(await readFile(path.join(dir, 'info.json'), 'utf8')) as { renditions: Array<{ codecs: string; height?: number; averageBandwidth: number; segmentSsim?: number[] }> };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const ladder = (family: string) =>
    info.renditions
      .filter((r) => r.codecs.startsWith(family) && r.segmentSsim)
      .map((r) => ({ height: r.height ?? 0, kbps: r.averageBandwidth / 1000, ssim: mean(r.segmentSsim!) }))
      .sort((a, b) => a.kbps - b.kbps);
  const h264 = ladder('avc1');
  const av1 = ladder('av01');
  console.log(`\n${'rung'.padEnd(8)}${'H.264 kbit/s'.padStart(14)}${'SSIM'.padStart(8)}${'AV1 kbit/s'.padStart(12)}${'SSIM'.padStart(8)}${'AV1 at H.264 SSIM'.padStart(20)}${'saving'.padStart(9)}`);
  const savings: number[] = [];
  for (const h of h264) {
    const a = av1.find((x) => x.height === h.height);
    let equal: number | undefined;
    for (let i = 0; i + 1 < av1.length; i++) {
      const [lo, hi] = [av1[i], av1[i + 1]];
      if (h.ssim >= Math.min(lo.ssim, hi.ssim) && h.ssim <= Math.max(lo.ssim, hi.ssim) && hi.ssim !== lo.ssim) {
        const f = (h.ssim - lo.ssim) / (hi.ssim - lo.ssim);
        equal = Math.exp(Math.log(lo.kbps) + f * (Math.log(hi.kbps) - Math.log(lo.kbps)));
      }
    }
    if (equal !== undefined) savings.push(1 - equal / h.kbps);
    console.log(`${`${h.height}p`.padEnd(8)}${h.kbps.toFixed(0).padStart(14)}${h.ssim.toFixed(4).padStart(8)}${(a?.kbps.toFixed(0) ?? '-').padStart(12)}${(a?.ssim.toFixed(4) ?? '-').padStart(8)}${(equal === undefined ? 'outside' : equal.toFixed(0)).padStart(20)}${(equal === undefined ? '' : `${((1 - equal / h.kbps) * 100).toFixed(0)}%`).padStart(9)}`);
  }
  if (savings.length) console.log(`AV1 needs ${((1 - mean(savings)) * 100).toFixed(0)}% of H.264's bits for the same SSIM (mean over ${savings.length} rungs inside its curve)`);
}

main().catch((err) => {
  console.error(`bench:package: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
