/**
 * npm run compare:browser end to end: real Chromium plays a packaged clip with two players,
 * each on its own link replaying a trace file (uploaded to the shaper on the way), and the
 * command writes the comparison JSON (with the simulated QoE of our algorithm beside the
 * measured one) and the report.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packageVideo } from '../../server/packager/index.js';
import { launchBrowser } from '../helpers/browser.js';
import { makeClip, runScript, tempDir } from '../helpers/media.js';
import { learnPolicyFor } from '../../lab/learning/policy-files.js';

let work: Awaited<ReturnType<typeof tempDir>>;
let mediaDir: string;

beforeAll(async () => {
  work = await tempDir();
  mediaDir = path.join(work.dir, 'library');
  const input = await makeClip(path.join(work.dir, 'clip.mp4'), { width: 640, height: 360, durationS: 16, audio: true });
  await packageVideo({ input, mediaDir, id: 'clip', ladder: '360p:1200k,240p:500k,144p:200k', learnAbrPolicy: learnPolicyFor });
}, 300_000);
afterAll(async () => {
  await work?.cleanup();
});

it('plays each player on its own shaped link and reports measured (and, for ours, simulated) QoE', async () => {
  // 3 Mbit/s for 6 s, then 800 kbit/s: room for the top rung, then a squeeze that still
  // carries the lowest rungs with audio (third-party players are not ours to debug here).
  const trace = path.join(work.dir, 'squeeze.json');
  await writeFile(trace, JSON.stringify({ name: 'squeeze', points: [{ t: 0, kbps: 3000 }, { t: 6, kbps: 800 }, { t: 60, kbps: 800 }] }));
  const json = path.join(work.dir, 'b.json');
  const html = path.join(work.dir, 'b.html');
  const r = await runScript('scripts/compare-browser.ts', ['--video', 'clip', '--traces', trace, '--players', 'dashlab:bola,dashjs', '--parallel', '2', '--json', json, '--html', html, '--timeout', '120'], { MEDIA_DIR: mediaDir });
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/measured in Chromium, video clip, 1 trace/);
  // Our player's row: where it started on the trace, the simulated QoE, its range, the measured QoE.
  expect(r.stdout).toMatch(/dashlab:bola\s+squeeze\.json\s+\d+\.\d\d\s+-?\d+\.\d\d\s+-?\d+\.\d\.\.-?\d+\.\d\s+-?\d+\.\d\d/);
  expect(r.stdout).toMatch(/measured within the simulated range: [01] of 1/);

  const out = JSON.parse(await readFile(json, 'utf8'));
  expect(out).toMatchObject({ model: 'browser', video: 'clip', traces: ['squeeze.json'], incomplete: [] });
  expect(out.results.map((x: { algo: string }) => x.algo)).toEqual(['dashlab:bola', 'dashjs']);
  const info = JSON.parse(await readFile(path.join(mediaDir, 'clip', 'info.json'), 'utf8'));
  const rungs = info.renditions.filter((x: { kind: string }) => x.kind === 'video').map((x: { bandwidth: number }) => x.bandwidth / 1000);
  for (const s of out.results) {
    // Every segment played once, each at a rung of the ladder, and the QoE is the formula's.
    expect(s.played).toHaveLength(info.renditions[0].segmentBytes.length);
    for (const k of s.played) expect(rungs).toContain(k);
    let smooth = 0;
    for (let i = 1; i < s.played.length; i++) smooth += Math.abs(s.played[i] - s.played[i - 1]) / 1000;
    const sum = s.played.reduce((a: number, b: number) => a + b, 0) / 1000;
    expect(s.qoe).toBeCloseTo(sum - 4.3 * s.rebufferS - smooth, 6);
    expect(s.startupS).toBeGreaterThan(0);
  }
  expect(out.summary).toHaveLength(2);
  expect(out.simulated).toHaveLength(1);
  expect(out.simulated[0]).toMatchObject({ algo: 'dashlab:bola', trace: 'squeeze.json' });
  expect(Number.isFinite(out.simulated[0].simulatedQoe)).toBe(true);
  // Simulated from where the session began on the trace: after the page loaded, before the 6 s step.
  const sim = out.simulated[0];
  expect(sim.startS).toBeGreaterThan(0);
  expect(sim.startS).toBeLessThan(6);
  // With the start hint the page measured on its first downloads (the model's first choice uses it, as the player's does).
  expect(sim.startHintBps).toBeGreaterThan(0);
  expect(sim.simulatedQoeRange[0]).toBeLessThanOrEqual(sim.simulatedQoe + 1e-9);
  expect(sim.simulatedQoeRange[1]).toBeGreaterThanOrEqual(sim.simulatedQoe - 1e-9);

  // The report renders, with the simulated-against-measured table.
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${html}`);
    await page.waitForFunction(() => (window as unknown as { dashlabReport?: { ready: boolean } }).dashlabReport?.ready, null, { timeout: 20_000 });
    expect(errors).toEqual([]);
    expect(await page.$$eval('#simulated tbody tr', (trs) => trs.length)).toBe(1);
    expect(await page.$$eval('#simulated thead th', (ths) => ths.map((t) => t.textContent))).toEqual(['algorithm', 'trace', 'starts at, s', 'simulated QoE', 'range', 'measured QoE', 'difference']);
    expect(await page.textContent('#subtitle')).toContain('measured in headless Chromium');
  } finally {
    await browser.close();
  }
}, 240_000);

it('refuses unknown players and a video that is not in the library, with a usage error', async () => {
  const bad = await runScript('scripts/compare-browser.ts', ['--video', 'clip', '--players', 'dashlab:nope'], { MEDIA_DIR: mediaDir });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/player "dashlab:nope": unknown abr "nope"; give one of our algorithms/);
  const missing = await runScript('scripts/compare-browser.ts', ['--video', 'nope', '--players', 'dashjs'], { MEDIA_DIR: mediaDir });
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/--video nope: not in the library/);
  // As npm run compare: learned is never scored on a trace its policy learned from.
  const seen = await runScript('scripts/compare-browser.ts', ['--video', 'clip', '--traces', 'media/traces/norway-train/bus.ljansbakken-oslo-report.2010-09-28_1407CEST.log', '--players', 'dashlab:learned'], { MEDIA_DIR: mediaDir });
  expect(seen.code).toBe(2);
  expect(seen.stderr).toMatch(/dashlab:learned: .* is among the traces its policy learned from \(norway-train\)/);
});

it('--live: each player watches a live channel on its own link, scored with the live QoE (dash.js\'s own L2A beside our rule)', async () => {
  // 3 Mbit/s, then 700 kbit/s from 15 s: the channel's ladder (300-2500 kbit/s) fits, then must step down.
  const trace = path.join(work.dir, 'live-step.json');
  await writeFile(trace, JSON.stringify({ name: 'live-step', points: [{ t: 0, kbps: 3000 }, { t: 15, kbps: 700 }, { t: 60, kbps: 700 }] }));
  const json = path.join(work.dir, 'live.json');
  const r = await runScript('scripts/compare-browser.ts', ['--live', '--seconds', '25', '--traces', trace, '--players', 'dashlab:dashlab-live,dashjs:l2a', '--parallel', '2', '--json', json], { MEDIA_DIR: mediaDir });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/live in Chromium, a channel from testsrc, 1 trace, 25 s a session/);
  const out = JSON.parse(await readFile(json, 'utf8'));
  expect(out).toMatchObject({ model: 'browser-live', video: 'testsrc', incomplete: [] });
  expect(out.results.map((x: { algo: string }) => x.algo)).toEqual(['dashlab:dashlab-live', 'dashjs:l2a']);
  for (const s of out.results) {
    // Near the 1.5 s target, some quality played, and a QoE that counts it.
    expect(s.latencyS).toBeGreaterThan(0.8);
    expect(s.latencyS).toBeLessThan(3.5);
    expect(s.bitrateKbps).toBeGreaterThanOrEqual(300);
    expect(s.qoe).toBeGreaterThan(0);
  }
  expect(out.summary[0].meanLatencyS).toBeGreaterThan(0);
}, 240_000);
