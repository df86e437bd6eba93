/**
 * The quality of every segment of every video rendition against the source: SSIM and PSNR
 * (ffmpeg's `ssim` and `psnr` filters), per frame, averaged per segment. Compared as a viewer
 * sees them: each rendition scaled up (bicubic) to the source's picture, capped at 1080 lines
 * for cost, against the source at that size. One ffmpeg run decodes the source once and every
 * rendition once (its init and segments concatenated: a fragmented MP4 plays as one file).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { PackagingError } from './errors.js';
import { runFfmpeg, type FfmpegJob } from './ffmpeg.js';
import type { SourceInfo } from './probe.js';
import type { RenditionFacts } from './types.js';

export interface SegmentQuality {
  ssim: number[];
  psnr: number[];
}

/** The size renditions are compared at: the source's, at most 1080 lines, even. */
export function comparisonSize(source: SourceInfo): { width: number; height: number } {
  const scale = Math.min(1, 1080 / source.video.height);
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  return { width: even(source.video.width * scale), height: even(source.video.height * scale) };
}

/** init + segments as one file (fragmented MP4 concatenates). */
async function joined(dir: string, r: RenditionFacts, out: string): Promise<void> {
  const files = [r.initFile, ...r.segments.map((s) => s.file)].map((f) => path.join(dir, f));
  async function* chunks() {
    for (const f of files) yield* createReadStream(f);
  }
  await pipeline(Readable.from(chunks()), createWriteStream(out));
}

/** Per-frame values from a stats file: SSIM's `All:` or PSNR's `psnr_avg:` (inf, for identical frames, as 100 dB). */
function perFrame(text: string, key: 'All' | 'psnr_avg'): number[] {
  const re = key === 'All' ? /All:([0-9.]+|inf)/ : /psnr_avg:([0-9.]+|inf)/;
  return text
    .split('\n')
    .map((l) => re.exec(l)?.[1])
    .filter((v): v is string => v !== undefined)
    .map((v) => (v === 'inf' ? 100 : Number(v)));
}

/** Frame values grouped by the segments they fall in, averaged (4 decimals for SSIM, 2 for PSNR). */
function bySegment(values: number[], r: RenditionFacts, fps: number, digits: number): number[] {
  const sums = r.segments.map(() => ({ sum: 0, n: 0 }));
  const starts = r.segments.map((s) => (s.startTicks - r.segments[0].startTicks) / r.timescale);
  values.forEach((v, i) => {
    const t = i / fps + 1e-6;
    let k = starts.length - 1;
    while (k > 0 && starts[k] > t) k--;
    sums[k].sum += v;
    sums[k].n++;
  });
  const out = sums.map((s) => (s.n ? Number((s.sum / s.n).toFixed(digits)) : NaN));
  // A last segment shorter than a frame (a source whose video starts a few ms late) gets no
  // frame of its own in the comparison: it shows the frame before it, so its value is the one before.
  for (let k = 1; k < out.length; k++) if (!Number.isFinite(out[k])) out[k] = out[k - 1];
  return out;
}

export async function measureQuality(o: { source: SourceInfo; renditions: RenditionFacts[]; staging: string; fps: { num: number; den: number }; signal?: AbortSignal }): Promise<Map<string, SegmentQuality>> {
  const video = o.renditions.filter((r) => r.kind === 'video');
  const { width, height } = comparisonSize(o.source);
  const scratch = video.map((r) => ({ r, file: path.join(o.staging, `quality-${r.id}.mp4`), ssim: path.join(o.staging, `quality-${r.id}.ssim`), psnr: path.join(o.staging, `quality-${r.id}.psnr`) }));
  try {
    for (const s of scratch) await joined(o.staging, s.r, s.file);
    const n = video.length;
    const fpsArg = `${o.fps.num}/${o.fps.den}`;
    // The source at the comparison size, split for each rendition's two metrics; each rendition up to that size, split likewise.
    const graph = [
      `[0:v:0]fps=${fpsArg},scale=${width}:${height}:flags=bicubic,setsar=1,format=yuv420p,split=${2 * n}${scratch.map((_, i) => `[ra${i}][rb${i}]`).join('')}`,
      ...scratch.map((s, i) => `[${i + 1}:v:0]scale=${width}:${height}:flags=bicubic,setsar=1,format=yuv420p,split=2[da${i}][db${i}]`),
      // Relative names (ffmpeg runs in the staging folder): nothing in a path to escape in a filter graph.
      ...scratch.map((s, i) => `[da${i}][ra${i}]ssim=stats_file=${path.basename(s.ssim)}[s${i}]`),
      ...scratch.map((s, i) => `[db${i}][rb${i}]psnr=stats_file=${path.basename(s.psnr)}[p${i}]`),
    ].join(';');
    const job: FfmpegJob = {
      inputs: [{ source: o.source.path }, ...scratch.map((s) => ({ source: s.file }))],
      filterComplex: graph,
      outputs: scratch.flatMap((_, i) => [
        { target: '/dev/null', options: ['-map', `[s${i}]`, '-f', 'null'] },
        { target: '/dev/null', options: ['-map', `[p${i}]`, '-f', 'null'] },
      ]),
      durationS: o.source.video.durationS,
      cwd: o.staging,
    };
    await runFfmpeg(job, { signal: o.signal });
    const fps = o.fps.num / o.fps.den;
    const out = new Map<string, SegmentQuality>();
    for (const s of scratch) {
      const ssim = bySegment(perFrame(await readFile(s.ssim, 'utf8'), 'All'), s.r, fps, 4);
      const psnr = bySegment(perFrame(await readFile(s.psnr, 'utf8'), 'psnr_avg'), s.r, fps, 2);
      if (ssim.some((v) => !Number.isFinite(v))) throw new PackagingError('verify', `representation ${s.r.id}: ffmpeg measured no frame of its first segment (SSIM)`);
      out.set(s.r.id, { ssim, psnr });
    }
    return out;
  } finally {
    await Promise.all(scratch.flatMap((s) => [s.file, s.ssim, s.psnr].map((f) => rm(f, { force: true }))));
  }
}
