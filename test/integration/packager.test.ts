/**
 * The packager with the real ffmpeg on clips made here: default ladders, the MPD against the
 * ISO schema, verification catching broken packages, atomic publishing, progress events.
 */
import { cp, lstat, readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../server/packager/ffmpeg.js';
import { packageVideo, probeSource, verifyPackage, type PackageProgress, type VideoInfo } from '../../server/packager/index.js';
import { inspectRendition } from '../../server/packager/verify.js';
import { writeMpd } from '../../server/packager/mpd.js';
import { makeClip, runScript, tempDir, validateMpd } from '../helpers/media.js';
import { startServer } from '../helpers/server.js';
import { createStaging, etagOf, publish } from '../../server/packager/library.js';
import { renewPolicy } from '../../lab/learning/policy-files.js';
import { PackagingError } from '../../server/packager/errors.js';
import { checkPolicy, POLICY_FILE } from '../../core/abr/index.js';
import { BUNDLED_VIDEOS_DIR, loadVideo } from '../../lab/inputs.js';
import { learnPolicyFor } from '../../lab/learning/policy-files.js';

let work: { dir: string; cleanup: () => Promise<void> };
const clip = (name: string) => path.join(work.dir, name);

beforeAll(async () => {
  work = await tempDir();
});
afterAll(async () => {
  await work.cleanup();
});

/** What a library folder holds besides the published ids: nothing half-made. */
async function leftovers(mediaDir: string): Promise<string[]> {
  const tmp = await readdir(path.join(mediaDir, '.tmp')).catch(() => []);
  return tmp;
}

describe('probe and default ladder on real clips', () => {
  const cases: Array<[string, Parameters<typeof makeClip>[1], string[], Partial<{ fps: number; vfr: boolean }>]> = [
    ['1080p', { width: 1920, height: 1080, durationS: 1.5 }, ['1920x1080', '1280x720', '854x480', '640x360', '426x240'], {}],
    ['720p', { width: 1280, height: 720, durationS: 1.5 }, ['1280x720', '854x480', '640x360', '426x240'], {}],
    ['480p', { width: 640, height: 480, durationS: 1.5 }, ['640x480', '480x360', '320x240'], {}],
    ['portrait', { width: 720, height: 1280, durationS: 1.5 }, ['720x1280', '480x854', '360x640', '240x426'], {}],
    ['853x480', { width: 853, height: 480, durationS: 1.5 }, ['852x480', '640x360', '426x240'], {}],
    ['60fps', { width: 1280, height: 720, fps: 60, durationS: 1.5 }, ['1280x720', '854x480', '640x360', '426x240'], { fps: 60 }],
    ['vfr', { width: 640, height: 360, durationS: 3, vfr: true }, ['640x360', '426x240'], { fps: 24, vfr: true }],
  ];
  for (const [name, opts, expected, extra] of cases) {
    it(`${name}`, async () => {
      const src = await probeSource(await makeClip(clip(`${name}.mp4`), opts));
      const { defaultLadder } = await import('../../server/packager/ladder.js');
      const fps = src.video.outputFps.num / src.video.outputFps.den;
      expect(defaultLadder({ width: src.video.width, height: src.video.height, fps }).map((r) => `${r.width}x${r.height}`)).toEqual(expected);
      if (extra.fps) expect(fps).toBe(extra.fps);
      expect(src.video.variableFrameRate).toBe(Boolean(extra.vfr));
    });
  }
});

describe('packaging', () => {
  let mediaDir: string;
  let info: VideoInfo;
  const events: PackageProgress[] = [];

  beforeAll(async () => {
    mediaDir = clip('lib-main');
    const input = await makeClip(clip('main.mp4'), { width: 1280, height: 720, durationS: 9, audio: true });
    const res = await packageVideo({
      input,
      mediaDir,
      id: 'main',
      title: 'Main <clip> & "friends"',
      ladder: '720p:1500k,360p:500k,240p:250k',
      learnAbrPolicy: learnPolicyFor,
      onProgress: (p) => events.push(p),
    });
    info = res.info;
  });

  it('writes the DESIGN.md layout and info.json', async () => {
    const dir = path.join(mediaDir, 'main');
    const files = await readdir(dir);
    const t = info.version;
    expect(t).toMatch(/^[0-9a-f]{6}$/);
    for (const f of ['manifest.mpd', 'master.m3u8', 'info.json', 'poster.jpg', `v0-${t}-init.mp4`, `v2-${t}-00003.m4s`, `a0-${t}-init.mp4`, `a0-${t}-00003.m4s`]) {
      expect(files).toContain(f);
    }
    const onDisk = JSON.parse(await readFile(path.join(dir, 'info.json'), 'utf8')) as VideoInfo;
    expect(onDisk).toMatchObject({ id: 'main', title: 'Main <clip> & "friends"', segmentDurationS: 4 });
    expect(onDisk.durationS).toBeCloseTo(9, 1);
    expect(onDisk.renditions.map((r) => [r.id, r.kind, r.width, r.height])).toEqual([
      ['v0', 'video', 426, 240], ['v1', 'video', 640, 360], ['v2', 'video', 1280, 720], ['a0', 'audio', undefined, undefined],
    ]);
    for (const r of onDisk.renditions) {
      expect(r.segmentBytes).toHaveLength(3);
      // segmentBytes are the real file sizes.
      for (let n = 1; n <= 3; n++) {
        const st = await lstat(path.join(dir, `${r.id}-${t}-${String(n).padStart(5, '0')}.m4s`));
        expect(r.segmentBytes[n - 1]).toBe(st.size);
      }
      expect(r.codecs).toMatch(r.kind === 'video' ? /^avc1\.64/ : /^mp4a\.40\.2$/);
    }
    // Strong validators for every file but info.json itself.
    expect(onDisk.files[`v0-${t}-00001.m4s`].etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(onDisk.files['manifest.mpd'].bytes).toBe((await lstat(path.join(dir, 'manifest.mpd'))).size);
    expect(await leftovers(mediaDir)).toEqual([]);
    expect(info.id).toBe('main');
  });

  it('learns the learned ABR\'s policy for this ladder and ships it with the package', async () => {
    const dir = path.join(mediaDir, 'main');
    const policy = checkPolicy(JSON.parse(await readFile(path.join(dir, POLICY_FILE), 'utf8')));
    const video = info.renditions.filter((r) => r.kind === 'video');
    expect(policy.bitrates).toEqual(video.map((r) => r.bandwidth));
    expect(policy.segmentS).toBe(4);
    expect(policy.depths).toBe(2); // 9 s in 4 s segments: the simulator plays round(9 / 4) = 2, so 0 or 1 left (the player reads depth 1 for more)
    expect(policy.training.name).toBe('norway-train');
    expect(policy.training.traceKeys).toHaveLength(68);
    // Listed with a strong validator like every other file, and read back by the lab.
    expect(info.files[POLICY_FILE].bytes).toBe((await lstat(path.join(dir, POLICY_FILE))).size);
    expect((await loadVideo('main', mediaDir)).policy).toEqual(policy);
  });

  it('npm run abr:policy -- --video <library id> renews the policy in place: republished atomically, every other file the same, served with new validators', async () => {
    const link = path.join(mediaDir, 'main');
    const before = await readlink(link);
    const old = JSON.parse(await readFile(path.join(link, 'info.json'), 'utf8')) as VideoInfo;
    // A server already running serves the old policy, then sees the swap.
    const { dashlab, url } = await startServer({ mediaDir });
    try {
      expect((await fetch(`${url}/media/main/${POLICY_FILE}`)).headers.get('etag')).toMatch(new RegExp(`^${old.files[POLICY_FILE].etag.slice(0, -1)}`));
      const run = await runScript('scripts/abr-policy.ts', ['--video', 'main', '--train', 'norway_tram_6,norway_metro_1'], { MEDIA_DIR: mediaDir });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^renewed main's policy in place \(.*\): \d+ bytes, learned from norway_tram_6,norway_metro_1 in [\d.]+ s; its other files are unchanged$/m);
      const after = await readlink(link);
      expect(after).not.toBe(before);
      expect(await readdir(path.join(mediaDir, '.store'))).toEqual([path.basename(after)]);
      expect(await leftovers(mediaDir)).toEqual([]);
      const now = JSON.parse(await readFile(path.join(link, 'info.json'), 'utf8')) as VideoInfo;
      expect(now.version).toBe(old.version);
      expect(Date.parse(now.updatedAt!)).toBeGreaterThanOrEqual(Date.parse(old.createdAt));
      const { [POLICY_FILE]: oldPolicy, ...oldOthers } = old.files;
      const { [POLICY_FILE]: newPolicy, ...newOthers } = now.files;
      expect(newOthers).toEqual(oldOthers);
      expect(newPolicy.etag).not.toBe(oldPolicy.etag);
      expect(newPolicy.etag).toBe(await etagOf(path.join(link, POLICY_FILE)));
      expect(checkPolicy(JSON.parse(await readFile(path.join(link, POLICY_FILE), 'utf8'))).training.name).toBe('norway_tram_6,norway_metro_1');
      expect(await verifyPackage(link, { durationS: 9, frameS: 1 / 30 })).toMatchObject({ segments: 12 });
      // The running origin picks up the swap (it watches the library) and serves the new validator
      // and a Last-Modified moved to updatedAt.
      const deadline = Date.now() + 5000;
      let res = await fetch(`${url}/media/main/${POLICY_FILE}`);
      while (!res.headers.get('etag')!.startsWith(newPolicy.etag.slice(0, -1)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        res = await fetch(`${url}/media/main/${POLICY_FILE}`);
      }
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toMatch(new RegExp(`^${newPolicy.etag.slice(0, -1)}`));
      expect(Date.parse(res.headers.get('last-modified')!)).toBe(Math.floor(Date.parse(now.updatedAt!) / 1000) * 1000);
      expect((await fetch(`${url}/media/main/${POLICY_FILE}`, { headers: { 'if-none-match': oldPolicy.etag } })).status).toBe(200);
      // Memory: the policy (large text) keeps only its gzip variant; identity requests read the disk, byte for byte.
      const held = dashlab.catalog.get('main', POLICY_FILE)!;
      expect(held.identity.body).toBeUndefined();
      expect(held.gzip?.body?.length).toBeGreaterThan(0);
      expect(dashlab.catalog.get('main', 'manifest.mpd')!.identity.body).toBeDefined();
      const plain = await fetch(`${url}/media/main/${POLICY_FILE}`, { headers: { 'accept-encoding': 'identity' } });
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(await plain.text()).toBe(await readFile(path.join(link, POLICY_FILE), 'utf8'));
    } finally {
      await dashlab.close();
    }
    // A video that is not in the library: exit 2 with the reason.
    const none = await runScript('scripts/abr-policy.ts', ['--video', 'nope'], { MEDIA_DIR: mediaDir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/nope/);
  }, 120_000);

  it('a policy renewal never reverts a video re-packaged while it learned: it is refused with a conflict', async () => {
    const renewal = renewPolicy({ mediaDir, id: 'main', train: 'norway_tram_6,norway_metro_1' });
    const caught = renewal.catch((e: unknown) => e);
    // Its staging appears at once; learning (in a child process) takes seconds.
    const deadline = Date.now() + 20_000;
    while (!(await readdir(path.join(mediaDir, '.tmp'))).some((n) => /^main\.[0-9a-f]+$/.test(n)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // Meanwhile the video is re-packaged: a new version is published.
    const staging = await createStaging(mediaDir, 'main');
    await cp(path.join(mediaDir, 'main'), staging, { recursive: true, dereference: true });
    const info = JSON.parse(await readFile(path.join(staging, 'info.json'), 'utf8')) as VideoInfo;
    await writeFile(path.join(staging, 'info.json'), JSON.stringify({ ...info, title: 're-packaged' }));
    await publish(mediaDir, 'main', staging);
    const err = await caught;
    expect(err).toBeInstanceOf(PackagingError);
    expect((err as PackagingError).code).toBe('conflict');
    expect((err as Error).message).toMatch(/main was re-packaged while this ran; nothing was replaced/);
    expect((JSON.parse(await readFile(path.join(mediaDir, 'main', 'info.json'), 'utf8')) as VideoInfo).title).toBe('re-packaged');
    expect(await readdir(path.join(mediaDir, '.store'))).toHaveLength(1);
    expect(await leftovers(mediaDir)).toEqual([]);
  }, 120_000);

  it('writes an MPD that validates against the ISO schema', async () => {
    const result = await validateMpd(path.join(mediaDir, 'main', 'manifest.mpd'));
    expect(result.output).toMatch(/validates/);
    expect(result.ok).toBe(true);
    const mpd = await readFile(path.join(mediaDir, 'main', 'manifest.mpd'), 'utf8');
    expect(mpd).toContain('<Title>Main &lt;clip&gt; &amp; &quot;friends&quot;</Title>');
    expect(mpd).toContain(`initialization="$RepresentationID$-${info.version}-init.mp4" media="$RepresentationID$-${info.version}-$Number%05d$.m4s"`);
  });

  it('writes HLS playlists over the same segments', async () => {
    const dir = path.join(mediaDir, 'main');
    const master = await readFile(path.join(dir, 'master.m3u8'), 'utf8');
    expect(master).toMatch(/#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio".*URI="a0.m3u8"/);
    expect(master.match(/#EXT-X-STREAM-INF:/g)).toHaveLength(3);
    expect(master).toMatch(/CODECS="avc1\.64[0-9a-f]{4},mp4a\.40\.2",RESOLUTION=1280x720/);
    const v2 = await readFile(path.join(dir, 'v2.m3u8'), 'utf8');
    const t = info.version;
    expect(v2).toContain(`#EXT-X-MAP:URI="v2-${t}-init.mp4"`);
    expect(v2.match(/^v2-.*\.m4s$/gm)).toEqual([`v2-${t}-00001.m4s`, `v2-${t}-00002.m4s`, `v2-${t}-00003.m4s`]);
    expect(v2).toContain('#EXT-X-ENDLIST');
    const durations = [...v2.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1]));
    expect(durations.reduce((a, b) => a + b, 0)).toBeCloseTo(9, 2);
  });

  it('reports progress through every phase with speed and ETA', () => {
    const phases = [...new Set(events.map((e) => e.phase))];
    expect(phases).toEqual(['probe', 'encode', 'verify', 'quality', 'learn', 'publish', 'done']);
    const encode = events.filter((e) => e.phase === 'encode');
    expect(encode.length).toBeGreaterThan(1);
    expect(encode.at(-1)!.encode!.speed).toBeGreaterThan(0);
    const percents = events.map((e) => e.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
  });

  it('keyframe-aligns every rendition (verification passes on the real package)', async () => {
    const res = await verifyPackage(path.join(mediaDir, 'main'), { durationS: 9, frameS: 1 / 30 });
    expect(res).toMatchObject({ representations: 4, segments: 12 });
  });

  it('re-packaging an id swaps it atomically: readers never see a gap or a mix', async () => {
    const link = path.join(mediaDir, 'main');
    const before = await readlink(link);
    let reads = 0;
    let failures = 0;
    let done = false;
    const reader = (async () => {
      while (!done) {
        try {
          const mpd = await readFile(path.join(link, 'manifest.mpd'), 'utf8');
          const infoNow = JSON.parse(await readFile(path.join(link, 'info.json'), 'utf8')) as VideoInfo;
          if (!mpd.includes('</MPD>') || !infoNow.id) failures++;
        } catch {
          failures++;
        }
        reads++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const input = await makeClip(clip('main-v2.mp4'), { width: 640, height: 360, durationS: 5, audio: false });
    await packageVideo({ input, mediaDir, id: 'main', title: 'Main v2' });
    done = true;
    await reader;
    expect(reads).toBeGreaterThan(50);
    expect(failures).toBe(0);
    const after = await readlink(link);
    expect(after).not.toBe(before);
    const store = await readdir(path.join(mediaDir, '.store'));
    expect(store).toEqual([path.basename(after)]); // the old version is gone
    const infoNow = JSON.parse(await readFile(path.join(link, 'info.json'), 'utf8')) as VideoInfo;
    expect(infoNow.title).toBe('Main v2');
    expect(infoNow.renditions.every((r) => r.kind === 'video')).toBe(true); // no audio is fine
    expect((await validateMpd(path.join(link, 'manifest.mpd'))).ok).toBe(true);
  });

  it('portrait, 853x480 and variable-frame-rate sources package and verify', async () => {
    for (const [id, opts] of [
      ['portrait', { width: 360, height: 640, durationS: 4.5 }],
      ['odd', { width: 853, height: 480, durationS: 4.5 }],
      ['vfr', { width: 640, height: 360, durationS: 5, vfr: true }],
    ] as const) {
      const input = await makeClip(clip(`pkg-${id}.mp4`), opts);
      const { info: i } = await packageVideo({ input, mediaDir, id });
      const top = i.renditions[i.renditions.length - (i.renditions.at(-1)!.kind === 'audio' ? 2 : 1)];
      if (id === 'portrait') expect([top.width, top.height]).toEqual([360, 640]);
      if (id === 'odd') expect([top.width, top.height]).toEqual([852, 480]);
      if (id === 'vfr') expect(top.frameRate).toBe(24);
      expect(i.durationS).toBeCloseTo(opts.durationS, 1);
      expect((await validateMpd(path.join(mediaDir, id, 'manifest.mpd'))).ok).toBe(true);
    }
  });

  it('a cancelled job leaves nothing behind', async () => {
    const input = await makeClip(clip('cancel.mp4'), { width: 1280, height: 720, durationS: 20 });
    const controller = new AbortController();
    const job = packageVideo({
      input,
      mediaDir,
      id: 'cancelled',
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'encode' && p.percent > 5) controller.abort();
      },
    });
    await expect(job).rejects.toMatchObject({ code: 'cancelled' });
    expect(await readdir(mediaDir)).not.toContain('cancelled');
    expect(await leftovers(mediaDir)).toEqual([]);
  });
});

describe('verification catches broken packages', () => {
  let dir: string;
  let t: string;

  beforeAll(async () => {
    const mediaDir = clip('lib-verify');
    const input = await makeClip(clip('verify.mp4'), { width: 640, height: 360, durationS: 12, audio: false });
    t = (await packageVideo({ input, mediaDir, id: 'good', ladder: '360p:600k,240p:300k' })).info.version;
    dir = await (await import('node:fs/promises')).realpath(path.join(mediaDir, 'good'));
  });

  /** Re-encode rendition v1 with keyframes every 5 s: its segments start at 0, 5, 10 (v0's at 0, 4, 8). */
  async function misalignV1(target: string): Promise<void> {
    const out = path.join(work.dir, 'misaligned');
    await (await import('node:fs/promises')).mkdir(out, { recursive: true });
    await runFfmpeg({
      inputs: [{ source: clip('verify.mp4') }],
      outputs: [{
        target: path.join(out, 'x.mpd'),
        options: ['-map', '0:v', '-vf', 'scale=640:360', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '150', '-keyint_min', '150',
          '-sc_threshold', '0', '-force_key_frames', 'expr:gte(t,n_forced*5)', '-f', 'dash', '-seg_duration', '4',
          '-init_seg_name', `v1-${t}-init.mp4`, '-media_seg_name', `v1-${t}-$Number%05d$.m4s`],
      }],
    });
    const fs = await import('node:fs/promises');
    for (const f of await readdir(target)) if (/^v1-.*\.m4s$/.test(f)) await fs.rm(path.join(target, f));
    for (const f of await readdir(out)) if (f.startsWith('v1-')) await fs.copyFile(path.join(out, f), path.join(target, f));
  }

  it('a rendition whose segments start elsewhere is named with its segment', async () => {
    const fs = await import('node:fs/promises');
    const bad = path.join(work.dir, 'bad-align');
    await fs.cp(dir, bad, { recursive: true });
    await misalignV1(bad);
    // Keep the MPD's codecs string true to the new init segment so only timing is wrong.
    const { readInit } = await import('../../server/packager/mp4.js');
    const codec = (await readInit(path.join(bad, `v1-${t}-init.mp4`))).codec;
    const mpd = await readFile(path.join(bad, 'manifest.mpd'), 'utf8');
    await writeFile(path.join(bad, 'manifest.mpd'), mpd.replace(/(<Representation id="v1" codecs=")[^"]+/, `$1${codec}`));
    // Against the original MPD: the segment is not where the manifest says.
    await expect(verifyPackage(bad, { durationS: 12, frameS: 1 / 30 })).rejects.toThrow(`representation v1, segment 1 (v1-${t}-00001.m4s): lasts 5.000 s but the MPD says 4.000 s`);
    // With an MPD that tells the truth about each rendition, the cross-rendition check fires.
    const facts = [];
    for (const id of ['v0', 'v1']) {
      const { init, segments } = await inspectRendition(bad, id, t);
      facts.push({ id, kind: 'video' as const, codecs: init.codec, timescale: init.timescale, width: 640, height: 360, bandwidth: 1, averageBandwidth: 1, targetBandwidth: 1, initFile: `${id}-${t}-init.mp4`, segments });
    }
    await writeFile(path.join(bad, 'manifest.mpd'), writeMpd({ title: 't', durationS: 12, segmentS: 4, token: t, renditions: facts }));
    await expect(verifyPackage(bad, { durationS: 12, frameS: 1 / 30 })).rejects.toThrow('representation v1, segment 2: starts at 5.000 s but at 4.000 s in v0: segments are not aligned');
  });

  it('a segment that does not start with a keyframe is named', async () => {
    const fs = await import('node:fs/promises');
    const bad = path.join(work.dir, 'bad-key');
    await fs.cp(dir, bad, { recursive: true });
    // Mark the first sample of v0's segment 2 as a non-sync sample in its trun.
    const file = path.join(bad, `v0-${t}-00002.m4s`);
    const bytes = await readFile(file);
    const trun = bytes.indexOf(Buffer.from('trun'));
    const flags = bytes.readUInt32BE(trun + 4) & 0xffffff;
    expect(flags & 0x400).toBe(0x400); // per-sample flags present
    let off = trun + 4 + 4 + 4; // version/flags, sample_count
    if (flags & 0x1) off += 4; // data_offset
    if (flags & 0x4) off += 4; // first_sample_flags
    if (flags & 0x100) off += 4; // duration
    if (flags & 0x200) off += 4; // size
    bytes.writeUInt32BE(bytes.readUInt32BE(off) | 0x00010000, off);
    await writeFile(file, bytes);
    await expect(verifyPackage(bad, { durationS: 12, frameS: 1 / 30 })).rejects.toThrow(`representation v0, segment 2 (v0-${t}-00002.m4s): does not start with a keyframe`);
  });

  it('a duration off by more than a frame, a missing segment and a wrong codecs string fail', async () => {
    await expect(verifyPackage(dir, { durationS: 12.1, frameS: 1 / 30 })).rejects.toThrow(/representation v0: lasts 12\.000 s but the source lasts 12\.100 s/);
    await expect(verifyPackage(dir, { durationS: 12.02, frameS: 1 / 30 })).resolves.toBeTruthy();
    const fs = await import('node:fs/promises');
    const bad = path.join(work.dir, 'bad-missing');
    await fs.cp(dir, bad, { recursive: true });
    await fs.rm(path.join(bad, `v1-${t}-00003.m4s`));
    await expect(verifyPackage(bad, { durationS: 12, frameS: 1 / 30 })).rejects.toThrow(`representation v1, segment 3 (v1-${t}-00003.m4s): missing`);
    const mpd = await readFile(path.join(dir, 'manifest.mpd'), 'utf8');
    await fs.copyFile(path.join(dir, `v1-${t}-00003.m4s`), path.join(bad, `v1-${t}-00003.m4s`));
    await writeFile(path.join(bad, 'manifest.mpd'), mpd.replace(/codecs="avc1\.[0-9a-f]+"/, 'codecs="avc1.42c01e"'));
    await expect(verifyPackage(bad, { durationS: 12, frameS: 1 / 30 })).rejects.toThrow(/representation v0: the MPD says codecs="avc1\.42c01e" but the init segment holds avc1\.64/);
  });

  it('reads the MPD as the player does: a manifest pointing elsewhere, or not an MPD, is refused', async () => {
    const fs = await import('node:fs/promises');
    const bad = path.join(work.dir, 'bad-mpd');
    await fs.cp(dir, bad, { recursive: true });
    const mpd = await readFile(path.join(dir, 'manifest.mpd'), 'utf8');
    await writeFile(path.join(bad, 'manifest.mpd'), mpd.replace('<Period', '<BaseURL>https://elsewhere.example/</BaseURL><Period'));
    await expect(verifyPackage(bad, { durationS: 12, frameS: 1 / 30 })).rejects.toThrow(/representation v0: the MPD points outside the package \(https:\/\/elsewhere\.example\/v0-/);
    // A relative path climbing out stays inside the folder (URL rules): ../../etc/ is the package's etc/.
    await fs.cp(dir, path.join(bad, 'etc'), { recursive: true });
    await writeFile(path.join(bad, 'manifest.mpd'), mpd.replace('<Period', '<BaseURL>../../etc/</BaseURL><Period'));
    await expect(verifyPackage(bad, { durationS: 12, frameS: 1 / 30 })).resolves.toEqual(await verifyPackage(dir, { durationS: 12, frameS: 1 / 30 }));
    await writeFile(path.join(bad, 'manifest.mpd'), '<html><body>oops</body></html>');
    await expect(verifyPackage(bad, { durationS: 12, frameS: 1 / 30 })).rejects.toThrow(/manifest\.mpd: not a DASH manifest: the root element is <html>/);
  });
});

describe('npm run abr:policy never writes over its input', () => {
  it('an info.json named otherwise (envivio.json) gets envivio.abr-policy.json beside it; --out naming the input is refused', async () => {
    const work = await tempDir();
    try {
      const info = path.join(work.dir, 'envivio.json');
      const original = await readFile(path.join(BUNDLED_VIDEOS_DIR, 'pensieve-envivio.info.json'), 'utf8');
      await writeFile(info, original);
      const run = await runScript('scripts/abr-policy.ts', ['--video', info, '--train', 'norway_tram_6']);
      expect(run.stderr).not.toMatch(/error/);
      expect(run.code).toBe(0);
      expect(await readFile(info, 'utf8')).toBe(original);
      expect(checkPolicy(JSON.parse(await readFile(path.join(work.dir, 'envivio.abr-policy.json'), 'utf8'))).training.name).toBe('norway_tram_6');
      // ...and the lab reads it back as that video's policy.
      expect((await loadVideo(info)).policy?.training.name).toBe('norway_tram_6');
      const over = await runScript('scripts/abr-policy.ts', ['--video', info, '--train', 'norway_tram_6', '--out', info]);
      expect(over.code).toBe(2);
      expect(over.stderr).toMatch(/that is the video's own file/);
      expect(await readFile(info, 'utf8')).toBe(original);
    } finally {
      await work.cleanup();
    }
  }, 120_000);
});

describe('learning the ABR policy (the packager\'s learn phase, a child process)', () => {
  it('a failure is a PackagingError of its own, with the child\'s reason, and writes nothing', async () => {
    const { learnPolicyInChild } = await import('../../lab/learning/policy-files.js');
    const { PackagingError } = await import('../../server/packager/errors.js');
    const work = await tempDir();
    try {
      const out = path.join(work.dir, POLICY_FILE);
      // A video with no representation cannot be learned for.
      const err = await learnPolicyInChild({ bitrates: [], segmentS: 4, sizes: [] }, out).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(PackagingError);
      expect(err).toMatchObject({ code: 'learn' });
      expect((err as Error).message).toMatch(/^learning the ABR policy failed \(exit 1\): /);
      expect(await readdir(work.dir)).toEqual([]);
    } finally {
      await work.cleanup();
    }
  }, 60_000);
});
