/**
 * The built-in sample: a 60 s 1080p30 master with stereo audio made from ffmpeg's lavfi
 * sources, in four 15 s parts of very different complexity so segment sizes vary the way
 * real content does: static colour bars (almost free), a moving test pattern (moderate),
 * a Mandelbrot zoom (fine detail in motion), and the test pattern under film-grain noise
 * (the most expensive). A tone changes pitch with each part.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { runFfmpeg, type EncodeProgress } from './ffmpeg.js';
import { packageVideo, type AbrPolicyLearner, type PackageProgress, type PackageResult } from './package.js';

export const SAMPLE_ID = 'sample';
export const SAMPLE_TITLE = 'dashlab sample: bars, pattern, Mandelbrot, grain (60 s, 1080p30)';
const PART_S = 15;
const DURATION_S = 4 * PART_S;

export async function makeSampleMaster(target: string, onProgress?: (p: EncodeProgress) => void, signal?: AbortSignal): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const partial = `${target}.partial.mp4`;
  const hd = 's=1920x1080:r=30';
  try {
    await runFfmpeg(
      {
        inputs: [
          { source: `smptehdbars=${hd}:d=${PART_S}`, format: 'lavfi' },
          { source: `testsrc2=${hd}:d=${PART_S}`, format: 'lavfi' },
          // Rendered small and scaled up: a full-size Mandelbrot is ~30x slower than real time.
          { source: `mandelbrot=s=640x360:r=30:end_pts=1000,trim=duration=${PART_S}`, format: 'lavfi' },
          { source: `testsrc2=${hd}:d=${PART_S}`, format: 'lavfi' },
          {
            source: `aevalsrc=0.2*sin(2*PI*(220+110*floor(t/${PART_S}))*t)|0.2*sin(2*PI*(330+110*floor(t/${PART_S}))*t):s=48000:d=${DURATION_S}`,
            format: 'lavfi',
          },
        ],
        filterComplex:
          '[2:v]scale=1920:1080,setsar=1[zoom];[3:v]noise=alls=6:allf=t[grain];' +
          '[0:v][1:v][zoom][grain]concat=n=4:v=1:a=0,format=yuv420p[v]',
        outputs: [
          {
            target: partial,
            options: ['-map', '[v]', '-map', '4:a', '-c:v', 'libx264', '-preset', 'superfast', '-crf', '23', '-g', '60',
              '-c:a', 'aac', '-b:a', '192k', '-movflags', '+faststart', '-f', 'mp4'],
          },
        ],
        durationS: DURATION_S,
      },
      { onProgress, signal },
    );
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
}

/** Make the master if it is not there yet, then package it into the library as "sample". */
export async function packageSample(opts: {
  mediaDir: string;
  masterPath: string;
  onMasterProgress?: (p: EncodeProgress) => void;
  onProgress?: (p: PackageProgress) => void;
  learnAbrPolicy?: AbrPolicyLearner;
  signal?: AbortSignal;
}): Promise<PackageResult> {
  const exists = await stat(opts.masterPath).then((s) => s.size > 0, () => false);
  if (!exists) await makeSampleMaster(opts.masterPath, opts.onMasterProgress, opts.signal);
  return packageVideo({
    input: opts.masterPath,
    mediaDir: opts.mediaDir,
    id: SAMPLE_ID,
    title: SAMPLE_TITLE,
    signal: opts.signal,
    onProgress: opts.onProgress,
    learnAbrPolicy: opts.learnAbrPolicy,
  });
}
