/**
 * Catalogs in real Chromium: a source with three audio tracks (English main, French, an
 * English commentary) packaged; the MPD valid against the ISO schema with a set per track;
 * ffprobe sees each; our player starts with the browser's language and switches tracks while
 * playing without a stall; dash.js and hls.js list the same tracks from the same package.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVideo } from '../../server/packager/index.js';
import { browserFixture, waitForStats } from '../helpers/browser.js';
import { makeMultiLanguageSource, SOURCE_CUES } from '../helpers/catalog.js';
import { makeClip, validateMpd } from '../helpers/media.js';

const execFileP = promisify(execFile);
let fx: Awaited<ReturnType<typeof browserFixture>>;
let mediaDir: string;
let source: string;

beforeAll(async () => {
  fx = await browserFixture(async (dir, work) => {
    mediaDir = dir;
    const extra = path.join(work, 'talk.es.vtt');
    await writeFile(extra, 'WEBVTT\n\n00:02.000 --> 00:04.000\nHola\n\n00:05.500 --> 00:07.000\nSegundo\n');
    source = await makeMultiLanguageSource(path.join(work, 'talk.mkv'), 40);
    await packageVideo({ input: source, mediaDir: dir, id: 'talk', ladder: '360p:700k,240p:300k', subtitles: [{ lang: 'es', file: extra }] });
    await packageVideo({ input: await makeClip(path.join(work, 'av.mp4'), { width: 640, height: 360, durationS: 12 }), mediaDir: dir, id: 'av', ladder: '360p:700k,240p:300k', codecs: 'h264,av1', quality: false, thumbnails: false });
  });
});
afterAll(async () => {
  await fx?.close();
});

type Tracks = { tracks: Array<{ id: string; lang: string; role: string; label?: string }>; current?: string };
const tracksOf = (page: Page) => page.evaluate(() => (window as unknown as { dashlabPlayer: { audioTracks(): Tracks } }).dashlabPlayer.audioTracks());
const textOf = (page: Page) => page.evaluate(() => (window as unknown as { dashlabPlayer: { textTracks(): Tracks } }).dashlabPlayer.textTracks());

/** Pause at `t` and read the showing text track's active cues from the video element. */
async function cuesAt(page: Page, t: number): Promise<string[]> {
  await page.evaluate(async (at) => {
    const v = document.querySelector('video')!;
    v.pause();
    v.currentTime = at;
    await new Promise((r) => v.addEventListener('seeked', r, { once: true }));
  }, t);
  // The browser updates a track's active cues on its next time-marches-on step.
  await page.waitForTimeout(300);
  return page.evaluate(() => {
    const v = document.querySelector('video')!;
    const showing = [...v.textTracks].find((x) => x.mode === 'showing');
    return showing?.activeCues ? [...showing.activeCues].map((c) => (c as VTTCue).text) : [];
  });
}

describe('audio languages', () => {
  it('packages a set per track with lang, Role and Label, valid against the schema, each track its own stream', async () => {
    const dir = await realpath(path.join(mediaDir, 'talk'));
    const schema = await validateMpd(path.join(dir, 'manifest.mpd'));
    expect(schema.ok, schema.output).toBe(true);
    // Every video segment's SSIM and PSNR against the source: one value a segment, the higher rung better.
    const info = JSON.parse(await readFile(path.join(dir, 'info.json'), 'utf8')) as { renditions: Array<{ kind: string; segmentBytes: number[]; segmentSsim?: number[]; segmentPsnr?: number[] }> };
    const video = info.renditions.filter((r) => r.kind === 'video');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const r of video) {
      expect(r.segmentSsim).toHaveLength(r.segmentBytes.length);
      expect(r.segmentPsnr).toHaveLength(r.segmentBytes.length);
      expect(r.segmentSsim!.every((v) => v > 0.5 && v <= 1)).toBe(true);
      expect(r.segmentPsnr!.every((v) => v > 15 && v <= 100)).toBe(true);
    }
    expect(mean(video[1].segmentSsim!)).toBeGreaterThan(mean(video[0].segmentSsim!));
    expect(mean(video[1].segmentPsnr!)).toBeGreaterThan(mean(video[0].segmentPsnr!));
    expect(info.renditions.filter((r) => r.kind === 'audio').every((r) => r.segmentSsim === undefined)).toBe(true);
    const inits = (await readdir(dir)).filter((f) => /^a\d-.*-init\.mp4$/.test(f)).sort();
    expect(inits).toHaveLength(3);
    for (const f of inits) {
      const { stdout } = await execFileP('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name', '-of', 'csv=p=0', path.join(dir, f)]);
      expect(stdout.trim()).toBe('aac,audio');
    }
  });

  it('our player starts with the browser\'s language, lists every track, and switches while playing without a stall', async () => {
    const ctx = await fx.browser.newContext({ locale: 'fr-FR' });
    const page = await ctx.newPage();
    const audioRequests: Array<{ file: string; at: number }> = [];
    page.on('request', (r: Request) => {
      const m = /\/media\/talk\/(a\d)-[^/]+-\d+\.m4s/.exec(r.url());
      if (m) audioRequests.push({ file: m[1], at: Date.now() });
    });
    await page.goto(`${fx.url}/watch/talk`);
    await waitForStats(page, (s) => s.state === 'playing' && s.currentTimeS > 1, 60_000, 'playing');
    const before = await tracksOf(page);
    expect(before.tracks.map((t) => [t.lang, t.role, t.label])).toEqual([
      ['en', 'main', 'English'],
      ['fr', 'alternate', undefined],
      ['en', 'commentary', "Director's commentary"],
    ]);
    const fr = before.tracks.find((t) => t.lang === 'fr')!;
    expect(before.current).toBe(fr.id); // fr-FR: the French track, not the main one
    expect(audioRequests.every((r) => r.file === 'a1')).toBe(true);
    // The menu lists them in the viewer's language and switches from the keyboard.
    await page.waitForFunction(() => document.querySelectorAll('#audio option').length === 3, null, { timeout: 5000 });
    expect(await page.locator('#audio-choice').isVisible()).toBe(true);
    expect(await page.locator('#audio option').allTextContents()).toEqual(['English', 'français', "Director's commentary"]);
    const en = before.tracks.find((t) => t.lang === 'en' && t.role === 'main')!;
    const switchedAt = Date.now();
    await page.selectOption('#audio', en.id);
    const after = await waitForStats(page, (s) => (s as unknown as { audio?: { id: string } }).audio?.id === en.id, 10_000, 'the English track');
    // The English segments are fetched at once (the buffer ahead beyond 0.3 s replaced), and nothing stalls.
    await waitForStats(page, () => audioRequests.some((r) => r.file === 'a0' && r.at >= switchedAt), 10_000, 'English segments');
    const end = await waitForStats(page, (s) => s.currentTimeS > after.currentTimeS + 4, 30_000, 'four more seconds');
    expect(end.stalls.count).toBe(0);
    expect((await tracksOf(page)).current).toBe(en.id);
    // The quality on screen beside the bitrate: the playing segment's SSIM from info.json.
    expect(await page.textContent('#s-rep')).toMatch(/^\d+x\d+ · \d+ kbit\/s · SSIM 0\.9\d\d$/);
    await ctx.close();
  }, 120_000);

  it('subtitles: the source\'s text streams and a file given at packaging, as WebVTT; our player shows the cue of the time, from the menu', async () => {
    const page = await fx.browser.newPage();
    await page.goto(`${fx.url}/watch/talk`);
    await waitForStats(page, (s) => s.state === 'playing', 60_000, 'playing');
    const text = await textOf(page);
    expect(text.tracks.map((t) => [t.lang, t.role, t.label])).toEqual([
      ['en', 'subtitle', undefined],
      ['fr', 'subtitle', 'Français'],
      ['es', 'subtitle', undefined],
    ]);
    expect(text.current).toBeUndefined(); // off until chosen
    await page.waitForFunction(() => document.querySelectorAll('#captions option').length === 4, null, { timeout: 5000 });
    expect(await page.locator('#captions option').allTextContents()).toEqual(['Off', 'English', 'Français', 'Spanish']);
    await page.selectOption('#captions', text.tracks[1].id);
    expect(await cuesAt(page, 5.6)).toEqual([SOURCE_CUES[1][3]]);
    expect(await cuesAt(page, 13)).toEqual([SOURCE_CUES[2][3]]);
    await page.selectOption('#captions', text.tracks[2].id);
    expect(await cuesAt(page, 2.5)).toEqual(['Hola']);
    await page.selectOption('#captions', 'off');
    expect(await cuesAt(page, 2.5)).toEqual([]);
    await page.close();
  }, 120_000);

  for (const engine of ['dashjs', 'hlsjs'] as const) {
    it(`${engine} lists the same audio and text tracks from the same package, switches audio, and shows a cue at its time`, async () => {
      const page = await fx.browser.newPage();
      await page.goto(`${fx.url}/watch/talk?engine=${engine}`);
      await waitForStats(page, (s) => s.state === 'playing', 60_000, 'playing');
      const seen = await waitForStats(page, () => true, 1000, 'stats').then(() => tracksOf(page));
      expect(seen.tracks.map((t) => t.lang).sort()).toEqual(['en', 'en', 'fr']);
      expect(seen.tracks.filter((t) => t.label).map((t) => t.label).sort()).toEqual(engine === 'hlsjs' ? ["Director's commentary", 'English', 'French'] : ["Director's commentary", 'English']);
      const fr = seen.tracks.find((t) => t.lang === 'fr')!;
      await page.selectOption('#audio', fr.id);
      await page.waitForFunction((id) => (window as unknown as { dashlabPlayer: { audioTracks(): Tracks } }).dashlabPlayer.audioTracks().current === id, fr.id, { timeout: 15_000 });
      const text = await textOf(page);
      expect(text.tracks.map((t) => t.lang)).toEqual(['en', 'fr', 'es']);
      await page.selectOption('#captions', text.tracks[0].id);
      await page.waitForFunction(() => [...document.querySelector('video')!.textTracks].some((t) => t.mode === 'showing' && (t.cues?.length ?? 0) > 0), null, { timeout: 15_000 });
      expect(await cuesAt(page, 5.6)).toEqual([SOURCE_CUES[1][2]]);
      await page.close();
    }, 120_000);
  }
});

type Thumb = { url: string; x: number; y: number; width: number; height: number };
const thumbOf = (page: Page, t: number) => page.evaluate((at) => (window as unknown as { dashlabPlayer: { thumbnailAt(t: number): Promise<Thumb | undefined> } }).dashlabPlayer.thumbnailAt(at), t);

/** Gray pixels of an ffmpeg input (a file, or a time of one), cropped or scaled as asked. */
async function gray(args: string[]): Promise<Buffer> {
  const { stdout } = await execFileP('ffmpeg', ['-v', 'error', ...args, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { encoding: 'buffer', maxBuffer: 1 << 24 });
  return stdout as unknown as Buffer;
}
const mad = (a: Buffer, b: Buffer) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
};

describe('thumbnails on the seek bar', () => {
  it('the picture for 30 s is the frame of 30 s (against frame grabs of the source); dash.js\'s thumbnail API reads the same; the seek bar previews it on hover', async () => {
    const page = await fx.browser.newPage();
    await page.goto(`${fx.url}/watch/talk`);
    await waitForStats(page, (s) => s.state === 'playing', 60_000, 'playing');
    const th = (await thumbOf(page, 30))!;
    expect(th.url).toMatch(/\/media\/talk\/thumbs-[0-9a-f]{6}-00001\.jpg$/);
    const tile = path.join(fx.workDir, 'tile.jpg');
    await writeFile(tile, Buffer.from(await (await fetch(th.url)).arrayBuffer()));
    const pic = await gray(['-i', tile, '-vf', `crop=${th.width}:${th.height}:${th.x}:${th.y}`]);
    const frameAt = (t: number) => gray(['-ss', String(t), '-i', source, '-vf', `scale=${th.width}:${th.height}`]);
    const times = [24, 26, 28, 30, 32, 34, 36];
    const diffs = await Promise.all(times.map(async (t) => mad(pic, await frameAt(t))));
    console.log(`thumbnail at 30 s, mean difference from the source's frames: ${times.map((t, i) => `${t} s ${diffs[i].toFixed(1)}`).join(', ')}`);
    expect(times[diffs.indexOf(Math.min(...diffs))]).toBe(30);

    // The seek bar: hovering three quarters along previews that time's picture.
    await page.waitForSelector('#seekbar:not([hidden])', { timeout: 10_000 });
    const box = (await page.locator('#seek').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2);
    await page.waitForSelector('#preview:not([hidden])', { timeout: 5000 });
    expect(await page.locator('#preview .pic').evaluate((e) => (e as HTMLElement).style.backgroundImage)).toMatch(/thumbs-[0-9a-f]{6}-0000\d\.jpg/);
    expect(Number(await page.locator('#preview').getAttribute('data-t'))).toBeGreaterThan(25);
    await page.close();

    const dash = await fx.browser.newPage();
    await dash.goto(`${fx.url}/watch/talk?engine=dashjs`);
    await waitForStats(dash, (s) => s.state === 'playing', 60_000, 'dash.js playing');
    const theirs = (await thumbOf(dash, 30))!;
    expect(theirs).toBeDefined();
    expect(new URL(theirs.url, fx.url).pathname).toBe(new URL(th.url).pathname);
    expect([theirs.x, theirs.y, theirs.width, theirs.height]).toEqual([th.x, th.y, th.width, th.height]);
    await dash.close();
  }, 120_000);
});

describe('AV1 beside H.264', () => {
  it('packages a keyframe-aligned AV1 ladder as its own set, and AV1 plays in Chromium (never mixed with H.264)', async () => {
    const dir = await realpath(path.join(mediaDir, 'av'));
    const schema = await validateMpd(path.join(dir, 'manifest.mpd'));
    expect(schema.ok, schema.output).toBe(true);
    const info = JSON.parse(await readFile(path.join(dir, 'info.json'), 'utf8')) as { renditions: Array<{ id: string; kind: string; codecs: string; height?: number; averageBandwidth: number }> };
    const av1 = info.renditions.filter((r) => r.codecs.startsWith('av01'));
    const h264 = info.renditions.filter((r) => r.codecs.startsWith('avc1'));
    expect(av1.map((r) => r.height)).toEqual(h264.map((r) => r.height));
    const page = await fx.browser.newPage();
    const fetched = new Set<string>();
    page.on('request', (r: Request) => {
      const m = /\/media\/av\/(v\d)-[^/]+-\d+\.m4s/.exec(r.url());
      if (m) fetched.add(m[1]);
    });
    await page.goto(`${fx.url}/watch/av?codec=av1`);
    const s = await waitForStats(page, (x) => x.state === 'playing' && x.currentTimeS > 3, 60_000, 'AV1 playing');
    expect((s as unknown as { codec: string }).codec).toBe('av01');
    expect(s.error).toBeUndefined();
    expect(s.frames.total).toBeGreaterThan(30);
    const av1Ids = new Set(av1.map((r) => r.id));
    expect([...fetched].length).toBeGreaterThan(0);
    expect([...fetched].every((id) => av1Ids.has(id))).toBe(true);
    await page.close();
    // Unasked, the player takes what MediaCapabilities rates best; either way one codec only.
    const auto = await fx.browser.newPage();
    const ids = new Set<string>();
    auto.on('request', (r: Request) => {
      const m = /\/media\/av\/(v\d)-[^/]+-\d+\.m4s/.exec(r.url());
      if (m) ids.add(m[1]);
    });
    await auto.goto(`${fx.url}/watch/av`);
    const a = await waitForStats(auto, (x) => x.state === 'playing' && x.currentTimeS > 2, 60_000, 'playing');
    const codec = (a as unknown as { codec: string }).codec;
    console.log(`with both ladders, Chromium here played ${codec}`);
    const family = new Set([...ids].map((id) => info.renditions.find((r) => r.id === id)!.codecs.split('.')[0]));
    expect([...family]).toEqual([codec]);
    await auto.close();
  }, 180_000);
});
