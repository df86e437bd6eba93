/**
 * `npm run package` as a user runs it: bad input gets one clear line, a non-zero exit, no
 * stack trace, and leaves nothing in the library; tools that lack a feature are named.
 */
import { chmod, readdir, readFile, truncate, writeFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../server/packager/ffmpeg.js';
import { makeClip, runScript, tempDir } from '../helpers/media.js';

let work: { dir: string; cleanup: () => Promise<void> };
const p = (name: string) => path.join(work.dir, name);

beforeAll(async () => {
  work = await tempDir();
});
afterAll(async () => {
  await work.cleanup();
});

/** The library must hold no video and no staging folder. */
async function expectEmptyLibrary(mediaDir: string): Promise<void> {
  const top = (await readdir(mediaDir).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));
  expect(top).toEqual([]);
  expect(await readdir(path.join(mediaDir, '.tmp')).catch(() => [])).toEqual([]);
}

async function expectRefused(input: string, message: RegExp, extraArgs: string[] = []): Promise<void> {
  const mediaDir = p(`lib-${path.basename(input)}`);
  const res = await runScript('scripts/package.ts', [input, '--id', 'x', ...extraArgs], { MEDIA_DIR: mediaDir });
  expect(res.code).not.toBe(0);
  // Progress lines, and the plan line of a file refused only once encoding started.
  const lines = res.stderr.trim().split('\n').filter((l) => !/^(probe|encode|verify)\s/.test(l) && !/^[^:]+: \d+x\d+ .* -> /.test(l));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^dashlab package: error: /);
  expect(lines[0]).toMatch(message);
  expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
  await expectEmptyLibrary(mediaDir);
}

describe('bad input', () => {
  it('a missing file', async () => {
    await expectRefused(p('nope.mp4'), /nope\.mp4: no such file/);
  });

  it('a zero-byte file', async () => {
    await writeFile(p('empty.mp4'), '');
    await expectRefused(p('empty.mp4'), /empty\.mp4: the file is empty \(0 bytes\)/);
  });

  it('a file that is not media', async () => {
    await writeFile(p('notes.mp4'), 'These are my notes, not a video.\n'.repeat(100));
    await expectRefused(p('notes.mp4'), /notes\.mp4: not a media file ffmpeg can read/);
  });

  it('a truncated file (index first, media cut off)', async () => {
    const f = await makeClip(p('cut-faststart.mp4'), { width: 640, height: 360, durationS: 6, faststart: true });
    await truncate(f, Math.floor((await stat(f)).size * 0.5));
    await expectRefused(f, /cut-faststart\.mp4: the file is truncated/);
  });

  it('a truncated file (index at the end, lost)', async () => {
    const f = await makeClip(p('cut-end.mp4'), { width: 640, height: 360, durationS: 4 });
    await truncate(f, Math.floor((await stat(f)).size * 0.7));
    await expectRefused(f, /cut-end\.mp4: the file is truncated or damaged/);
  });

  it('a damaged file (index and first frames intact, the rest zeros): said as damaged, with where', async () => {
    const f = await makeClip(p('damaged.mp4'), { width: 640, height: 360, durationS: 6, faststart: true, audio: false });
    const bytes = await readFile(f);
    bytes.fill(0, Math.floor(bytes.length / 4), bytes.length - 1000);
    await writeFile(f, bytes);
    await expectRefused(f, /damaged\.mp4: the video is damaged (about [0-9.]+ s in|from the start), where ffmpeg cannot decode it \((?!.*@ 0x).*Invalid data found when processing input.*\): copy or export it again$/);
  });

  it('a file with no video stream', async () => {
    const f = p('audio.m4a');
    await runFfmpeg({ inputs: [{ source: 'sine=d=3', format: 'lavfi' }], outputs: [{ target: f, options: ['-c:a', 'aac'] }] });
    await expectRefused(f, /audio\.m4a: no video stream \(audio only\)/);
  });

  it('a file shorter than 1 s', async () => {
    const f = await makeClip(p('blink.mp4'), { width: 320, height: 180, durationS: 0.5 });
    await expectRefused(f, /blink\.mp4: too short \(0\.50 s\); dashlab needs at least 1 s/);
  });

  it('a bad ladder or segment length is a usage error (exit 2)', async () => {
    const f = await makeClip(p('ok.mp4'), { width: 320, height: 180, durationS: 1.5 });
    const mediaDir = p('lib-usage');
    const ladder = await runScript('scripts/package.ts', [f, '--ladder', '720p=fast'], { MEDIA_DIR: mediaDir });
    expect(ladder.code).toBe(2);
    expect(ladder.stderr).toMatch(/--ladder: cannot read "720p=fast"/);
    const seg = await runScript('scripts/package.ts', [f, '--segment', '0.2'], { MEDIA_DIR: mediaDir });
    expect(seg.code).toBe(2);
    expect(seg.stderr).toMatch(/segment duration must be between 1 and 30 seconds/);
    const id = await runScript('scripts/package.ts', [f, '--id', '../../etc'], { MEDIA_DIR: mediaDir });
    expect(id.code).toBe(2);
    expect(id.stderr).toMatch(/invalid id "\.\.\/\.\.\/etc"/);
    await expectEmptyLibrary(mediaDir);
  });
});

describe('bad subtitles and audio choices', () => {
  it('a subtitle file with a bad timing, one that is not text, not UTF-8, of another kind, or missing: named with its line, nothing published', async () => {
    const clip = await makeClip(p('subs-clip.mp4'), { durationS: 2, width: 320, height: 180 });
    await writeFile(p('bad-timing.srt'), '1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:05,000 -> 00:00:07,500\nbad\n');
    await expectRefused(clip, /bad-timing\.srt: line 6: expected a timing such as "00:00:01,000 --> 00:00:02,500", found "00:00:05,000 -> 00:00:07,500"/, ['--subtitles', `en:${p('bad-timing.srt')}`]);
    await writeFile(p('binary.srt'), Buffer.from([0, 1, 2, 3, 255, 0]));
    await expectRefused(clip, /binary\.srt: not UTF-8 text|binary\.srt: line 1: not a text file/, ['--subtitles', `en:${p('binary.srt')}`]);
    await writeFile(p('latin1.srt'), Buffer.from('1\n00:00:01,000 --> 00:00:02,000\nd\xe9j\xe0\n', 'latin1'));
    await expectRefused(clip, /latin1\.srt: not UTF-8 text \(save the subtitles as UTF-8\)/, ['--subtitles', `fr:${p('latin1.srt')}`]);
    await writeFile(p('notes.txt'), 'hello');
    await expectRefused(clip, /notes\.txt: subtitles must be SubRip \(\.srt\), WebVTT \(\.vtt\) or ASS \(\.ass\)/, ['--subtitles', `en:${p('notes.txt')}`]);
    await expectRefused(clip, /nowhere\.srt: no such subtitle file/, ['--subtitles', `en:${p('nowhere.srt')}`]);
  }, 120_000);

  it('a bad --subtitles or --audio spec is a usage error (exit 2)', async () => {
    const clip = await makeClip(p('spec-clip.mp4'), { durationS: 2, width: 320, height: 180 });
    const subs = await runScript('scripts/package.ts', [clip, '--subtitles', 'talk.srt'], { MEDIA_DIR: p('lib-spec') });
    expect(subs.code).toBe(2);
    expect(subs.stderr).toMatch(/--subtitles "talk\.srt": expected <language>:<file>/);
    const audio = await runScript('scripts/package.ts', [clip, '--audio', '3'], { MEDIA_DIR: p('lib-spec') });
    expect(audio.code).toBe(2);
    expect(audio.stderr).toMatch(/--audio: the source has 1 audio stream \(0 to 0\); there is no 3/);
  }, 60_000);
});

describe('a MEDIA_DIR that cannot be the library', () => {
  it('a file: named, exit 1, the file untouched', async () => {
    const f = await makeClip(p('ok3.mp4'), { width: 320, height: 180, durationS: 1.5 });
    await writeFile(p('lib-is-a-file'), 'keep me');
    const res = await runScript('scripts/package.ts', [f], { MEDIA_DIR: p('lib-is-a-file') });
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(`dashlab package: error: MEDIA_DIR=${p('lib-is-a-file')} is a file, not a folder: point MEDIA_DIR at a folder (it is made if missing)`);
    expect(await readFile(p('lib-is-a-file'), 'utf8')).toBe('keep me');
  });
});

describe('ffmpeg resolution and capability check', () => {
  it('FFMPEG_PATH that is not executable is named', async () => {
    const f = await makeClip(p('ok2.mp4'), { width: 320, height: 180, durationS: 1.5 });
    const res = await runScript('scripts/package.ts', [f], { FFMPEG_PATH: p('missing-ffmpeg'), MEDIA_DIR: p('lib-tools') });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/FFMPEG_PATH=.*missing-ffmpeg is not an executable file/);
  });

  it('an ffmpeg without the dash muxer is refused with what is missing and how to fix it', async () => {
    const fake = p('fake-ffmpeg');
    // A stand-in that answers like an ffmpeg built without the dash muxer or libx264.
    await writeFile(
      fake,
      `#!/bin/sh
case "$*" in
  *-version*) echo "ffmpeg version 0.0-fake";;
  *muxer=dash*) echo "Unknown format 'dash'.";;
  *-encoders*) printf ' A..... aac                  AAC\\n V..... mjpeg    MJPEG\\n';;
  *-filters*) printf ' ... split  V->VV  Split\\n ... scale  V->V  Scale\\n ... fps  V->V  fps\\n ... format V->V f\\n ... setsar V->V s\\n';;
esac
exit 0
`,
    );
    await chmod(fake, 0o755);
    const f = p('ok2.mp4');
    const res = await runScript('scripts/package.ts', [f], { FFMPEG_PATH: fake, MEDIA_DIR: p('lib-tools') });
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(/^dashlab package: error: ffmpeg at .*fake-ffmpeg \(FFMPEG_PATH\) lacks the dash muxer, encoder libx264: install ffmpeg/);
  });

  it('prints a summary table on success', async () => {
    const f = p('ok2.mp4');
    const mediaDir = p('lib-ok');
    const res = await runScript('scripts/package.ts', [f, '--title', 'Tiny'], { MEDIA_DIR: mediaDir });
    expect(res.stderr).not.toMatch(/error/);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/packaged "Tiny" as ok2: 1\.5 s/);
    expect(res.stdout).toMatch(/v0\s+320x180/);
    const info = JSON.parse(await readFile(path.join(mediaDir, 'ok2', 'info.json'), 'utf8'));
    expect(info.renditions[0].segmentBytes.length).toBe(1);
  });
});

describe('the ffmpeg shipped in npm packages (used when none is installed)', () => {
  it('packages and verifies a clip with @ffmpeg-installer and @ffprobe-installer', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const ff = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    const fp = (require('@ffprobe-installer/ffprobe') as { path: string }).path;
    const f = await makeClip(p('npm-ff.mp4'), { width: 640, height: 360, durationS: 5 });
    const mediaDir = p('lib-npm-ff');
    const res = await runScript('scripts/package.ts', [f, '--ladder', '360p:600k,240p:300k'], { FFMPEG_PATH: ff, FFPROBE_PATH: fp, MEDIA_DIR: mediaDir });
    expect(res.stderr).not.toMatch(/error/);
    expect(res.code).toBe(0);
    const info = JSON.parse(await readFile(path.join(mediaDir, 'npm-ff', 'info.json'), 'utf8'));
    expect(info.packager.ffmpeg).not.toMatch(/^5\.1/); // really the npm build
    expect(info.renditions.filter((r: { kind: string }) => r.kind === 'video')).toHaveLength(2);
    // Its AAC encoder reaches the ladder's 128 kbit/s (its default coder gave 64-67 on simple sound).
    const audio = info.renditions.find((r: { kind: string }) => r.kind === 'audio') as { averageBandwidth: number; targetBandwidth: number };
    expect(audio.targetBandwidth).toBe(128_000);
    expect(audio.averageBandwidth).toBeGreaterThan(0.8 * 128_000);
  });
});
