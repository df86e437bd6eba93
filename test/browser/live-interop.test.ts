/**
 * Our player on live DASH it did not make: ffmpeg's own low-latency output (-streaming 1
 * -ldash 1), with $Number$ templates and with a $Time$ SegmentTimeline (as livesim serves),
 * from a plain file server that offers only finished segments (as a CDN without chunked
 * support would), the clock from our origin's UTCTiming.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { browserFixture, playerStats, waitForStats } from '../helpers/browser.js';
import { waitFor } from '../helpers/server.js';

let fx: Awaited<ReturnType<typeof browserFixture>>;
let files: http.Server;
let filesUrl: string;
const encoders: ChildProcess[] = [];

beforeAll(async () => {
  fx = await browserFixture(async () => undefined);
  // Finished files only (ffmpeg writes <name>.tmp and renames it), with CORS for the player's page.
  files = http.createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/+/, '');
    const file = path.join(fx.workDir, name);
    if (name.includes('..') || !existsSync(file)) return void res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end();
    const type = file.endsWith('.mpd') ? 'application/dash+xml' : 'video/mp4';
    res.writeHead(200, { 'Content-Type': type, 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-cache' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
  filesUrl = `http://127.0.0.1:${(files.address() as { port: number }).port}`;
}, 60_000);

afterAll(async () => {
  for (const e of encoders) e.kill('SIGKILL');
  files?.close();
  await fx?.close();
});

/** ffmpeg's DASH muxer live, low latency, into a folder of its own. */
async function ffmpegLive(name: string, timeline: boolean): Promise<string> {
  const dir = path.join(fx.workDir, name);
  mkdirSync(dir, { recursive: true });
  const args = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-re', '-f', 'lavfi', '-i', 'sine', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-b:v', '800k', '-c:a', 'aac'];
  args.push('-f', 'dash', '-streaming', '1', '-ldash', '1', '-seg_duration', '2', '-frag_duration', '0.5', '-frag_type', 'duration', '-window_size', '20', '-use_template', '1', '-use_timeline', timeline ? '1' : '0', '-utc_timing_url', `${fx.url}/api/time`, '-target_latency', '3', path.join(dir, 'live.mpd'));
  encoders.push(spawn('ffmpeg', args, { stdio: 'ignore' }));
  await waitFor(async () => (existsSync(path.join(dir, 'chunk-stream0-00003.m4s')) ? true : undefined), 30_000, `${name}: ffmpeg's first segments`);
  return `${filesUrl}/${name}/live.mpd`;
}

for (const [label, timeline] of [['$Number$ templates', false], ['a $Time$ SegmentTimeline', true]] as const) {
  it(`plays ffmpeg's live DASH with ${label}`, async () => {
    const mpd = await ffmpegLive(timeline ? 'timeline' : 'number', timeline);
    const page = await fx.browser.newPage();
    await page.goto(`${fx.url}/watch?src=${encodeURIComponent(mpd)}`);
    const start = await waitForStats(page, (s) => s.state === 'playing' && s.live?.latencyS !== undefined, 30_000, 'playing');
    await page.waitForTimeout(12_000);
    const later = (await playerStats(page))!;
    console.log(`ffmpeg's live DASH (${label}): latency ${later.live!.latencyS!.toFixed(2)} s (target ${later.live!.targetLatencyS} s), played ${(later.currentTimeS - start.currentTimeS).toFixed(1)} s in 12 s, stalls ${later.stalls.count}`);
    expect(later.currentTimeS - start.currentTimeS).toBeGreaterThan(8);
    expect(later.live!.latencyS!).toBeLessThan(10);
    expect(later.state).toBe('playing');
    await page.close();
  }, 120_000);
}
