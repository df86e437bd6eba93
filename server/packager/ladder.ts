/**
 * The bitrate ladder: which sizes and bitrates to encode.
 *
 * A rung named "720p" is a 16:9 box of 1280x720 (720x1280 for portrait sources); the
 * source is scaled to fit inside the box, keeping its aspect ratio, with even dimensions.
 * We never upscale: a rung whose box would enlarge the source is left out.
 */
import { HIGH_FPS_FACTOR, LADDER_RUNGS, MIN_RUNG_KBPS } from './defaults.js';
import { PackagingError } from './errors.js';

export interface Rung {
  /** Nominal name, e.g. "720p". */
  name: string;
  width: number;
  height: number;
  kbps: number;
}

export interface LadderSource {
  width: number;
  height: number;
  fps: number;
}

export interface RungSpec {
  /** Nominal height of the 16:9 box. */
  height: number;
  kbps: number;
}

const even = (x: number) => Math.max(2, Math.round(x / 2) * 2);

/** The size of the source fitted into a rung's box, or undefined when that would upscale. */
function fit(src: LadderSource, boxHeight: number): { width: number; height: number } | undefined {
  const portrait = src.height > src.width;
  const boxLong = (boxHeight * 16) / 9;
  const boxW = portrait ? boxHeight : boxLong;
  const boxH = portrait ? boxLong : boxHeight;
  const scale = Math.min(boxW / src.width, boxH / src.height);
  if (scale > 1.0001) return undefined;
  // Round to even, but never past the source (853 wide becomes 852, not 854).
  const cap = (x: number, max: number) => Math.min(even(x), Math.max(2, Math.floor(max / 2) * 2));
  return { width: cap(src.width * scale, src.width), height: cap(src.height * scale, src.height) };
}

/** Bitrate for a size, scaled from the reference rung by pixel count and frame rate. */
function kbpsFor(refKbps: number, refPixels: number, pixels: number, fps: number): number {
  const k = refKbps * (pixels / refPixels) * (fps > 31 ? HIGH_FPS_FACTOR : 1);
  return Math.max(MIN_RUNG_KBPS, Math.round(k / 50) * 50);
}

/** The default ladder for a source, highest rung first. */
export function defaultLadder(src: LadderSource): Rung[] {
  const rungs: Rung[] = [];
  for (const r of LADDER_RUNGS) {
    const size = fit(src, r.height);
    if (!size) continue;
    const boxPixels = ((r.height * 16) / 9) * r.height;
    rungs.push({ name: `${r.height}p`, ...size, kbps: kbpsFor(r.kbps, boxPixels, size.width * size.height, src.fps) });
  }
  const srcW = Math.max(2, Math.floor(src.width / 2) * 2);
  const srcH = Math.max(2, Math.floor(src.height / 2) * 2);
  const srcPixels = srcW * srcH;
  const top = rungs[0];
  // A source well between two rungs (1600x900) or below the smallest keeps its own size on top.
  if (!top || srcPixels >= 1.5 * top.width * top.height) {
    const ref = LADDER_RUNGS.find((r) => ((r.height * 16) / 9) * r.height <= srcPixels) ?? LADDER_RUNGS[LADDER_RUNGS.length - 1];
    const refPixels = ((ref.height * 16) / 9) * ref.height;
    rungs.unshift({
      name: `${Math.min(srcW, srcH)}p`,
      width: srcW,
      height: srcH,
      kbps: kbpsFor(ref.kbps, refPixels, srcPixels, src.fps),
    });
  }
  return dedupe(rungs);
}

function dedupe(rungs: Rung[]): Rung[] {
  const seen = new Set<string>();
  return rungs.filter((r) => {
    const key = `${r.width}x${r.height}@${r.kbps}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Parse "1080p:5000k,720p:2800k,480p:1.4M" into rung specs. */
export function parseLadderSpec(spec: string): RungSpec[] {
  const parts = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.length) throw new PackagingError('usage', `--ladder is empty; expected e.g. 1080p:5000k,720p:2800k`);
  return parts.map((part) => {
    const m = /^(\d{2,4})p:(\d+(?:\.\d+)?)([kKmM]?)$/.exec(part);
    if (!m) {
      throw new PackagingError('usage', `--ladder: cannot read "${part}"; expected <height>p:<bitrate>k, e.g. 720p:2800k`);
    }
    const value = Number(m[2]);
    const kbps = m[3].toLowerCase() === 'm' ? value * 1000 : m[3] ? value : value / 1000;
    if (kbps < 50 || kbps > 200000) throw new PackagingError('usage', `--ladder: ${part}: bitrate out of range (50k to 200M)`);
    return { height: Number(m[1]), kbps: Math.round(kbps) };
  });
}

/**
 * Apply an explicit ladder to a source: rungs that would upscale are dropped (and named in
 * `skipped`); none left is an error.
 */
export function ladderFromSpec(src: LadderSource, specs: RungSpec[]): { rungs: Rung[]; skipped: string[] } {
  const rungs: Rung[] = [];
  const skipped: string[] = [];
  for (const s of specs) {
    const size = fit(src, s.height);
    if (!size) {
      skipped.push(`${s.height}p`);
      continue;
    }
    rungs.push({ name: `${s.height}p`, ...size, kbps: s.kbps });
  }
  if (!rungs.length) {
    throw new PackagingError(
      'usage',
      `--ladder: every rung is larger than the ${src.width}x${src.height} source and dashlab never upscales`,
    );
  }
  rungs.sort((a, b) => b.kbps - a.kbps);
  return { rungs: dedupe(rungs), skipped };
}
