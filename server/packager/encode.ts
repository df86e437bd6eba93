/**
 * The one ffmpeg run that makes the ladder: decode once, split, scale and encode every rung,
 * AAC audio, into the dash muxer's fMP4 segments. Keyframes are forced at every GOP
 * boundary (a divisor of the segment duration) with scene-cut keyframes off and closed
 * GOPs, so segment k of every rendition starts with a keyframe at the same instant.
 */
import { PACKAGING_DEFAULTS } from './defaults.js';
import type { FfmpegJob } from './ffmpeg.js';
import type { AudioChoice } from './audio.js';
import type { Rung } from './ladder.js';
import type { SourceInfo } from './probe.js';

export interface EncodePlan {
  source: SourceInfo;
  /** Rungs in stream order: the lowest bitrate first (stream i becomes rendition v<i>). */
  rungs: Rung[];
  /** Audio renditions in stream order after the video (rendition a<k>). */
  audio: AudioChoice[];
  /** Video codecs, each a ladder of every rung, in stream order (default H.264 alone). */
  codecs?: VideoCodec[];
  segmentS: number;
  gopS: number;
  /** The muxer's own MPD (discarded: we write ours from the verified segments). */
  scratchMpd: string;
  /** Seek-bar thumbnails from the same decode: the pictures, MJPEG in this Matroska file; buildTileJob tiles them. */
  thumbnails?: { pattern: string; width: number; height: number };
}

/** A thumbnail's size: the configured width, the source's shape, even numbers (JPEG's 4:2:0). */
export function thumbnailSize(source: SourceInfo): { width: number; height: number } {
  const width = Math.min(PACKAGING_DEFAULTS.thumbnailWidth, source.video.width) & ~1;
  return { width, height: Math.max(2, Math.round((width * source.video.height) / source.video.width / 2) * 2) };
}

/** The GOP: the longest duration <= maxGopS that divides the segment duration evenly. */
export function gopFor(segmentS: number, maxGopS: number = PACKAGING_DEFAULTS.maxGopS): number {
  if (segmentS <= maxGopS) return segmentS;
  return segmentS / Math.ceil(segmentS / maxGopS);
}

/** ffmpeg's names before we rename them: stream index as the representation id. */
export const FFMPEG_INIT = 'init-$RepresentationID$.mp4';
export const FFMPEG_MEDIA = 'chunk-$RepresentationID$-$Number%05d$.m4s';

export type VideoCodec = 'h264' | 'av1';
export const VIDEO_CODECS: readonly VideoCodec[] = ['h264', 'av1'];

/** A rung's target for a codec: AV1 needs fewer bits for the same picture. */
export const codecKbps = (kbps: number, codec: VideoCodec) => (codec === 'av1' ? Math.round(kbps * PACKAGING_DEFAULTS.av1RateFactor) : kbps);

/**
 * One video stream's encoder options (`k`: its index among the output's video streams). Both
 * codecs put a keyframe every GOP and nowhere else (x264: forced, scene cuts off; SVT-AV1: a
 * fixed GOP, scene detection off), so segment k starts with a keyframe at the same instant in
 * every rendition of either codec.
 */
function videoOptions(k: number, codec: VideoCodec, kbps: number, keyint: number, gopS: number): string[] {
  if (codec === 'av1') {
    return [`-c:v:${k}`, 'libsvtav1', `-preset:v:${k}`, String(PACKAGING_DEFAULTS.av1Preset), `-g:v:${k}`, String(keyint), `-svtav1-params:v:${k}`, 'scd=0', `-b:v:${k}`, `${kbps}k`];
  }
  return [
    `-c:v:${k}`, 'libx264',
    `-preset:v:${k}`, PACKAGING_DEFAULTS.x264Preset,
    `-profile:v:${k}`, 'high',
    `-g:v:${k}`, String(keyint),
    `-keyint_min:v:${k}`, String(keyint),
    `-sc_threshold:v:${k}`, '0',
    `-flags:v:${k}`, '+cgop',
    `-force_key_frames:v:${k}`, `expr:gte(t,n_forced*${gopS})`,
    `-b:v:${k}`, `${kbps}k`,
    `-maxrate:v:${k}`, `${Math.round(kbps * PACKAGING_DEFAULTS.maxrateFactor)}k`,
    `-bufsize:v:${k}`, `${Math.round(kbps * PACKAGING_DEFAULTS.bufsizeS)}k`,
  ];
}

export function buildEncodeJob(plan: EncodePlan): FfmpegJob {
  const { source, rungs, segmentS, gopS } = plan;
  const fps = source.video.outputFps;
  const fpsValue = fps.num / fps.den;
  const keyint = Math.max(1, Math.round(gopS * fpsValue));
  const codecs = plan.codecs ?? ['h264'];
  const n = rungs.length;
  // Video streams: every rung of the first codec, then every rung of the next.
  const streams = codecs.flatMap((codec) => rungs.map((r, i) => ({ codec, rung: r, i })));
  const m = streams.length;

  // Thumbnails are one more branch of the same decode: the cheapest place to make them. JPEG
  // is full range: converted, not relabelled (which would darken the darks, brighten the lights).
  // `select` takes the frame at 0 s, then the first at least thumbnailEveryS after the last
  // taken: picture k is the frame of k * thumbnailEveryS (the fps filter's was one later).
  // One JPEG per picture, tiled afterwards (buildTileJob): a tile filter here would hold its
  // output back until the first tile fills (50 s of video), and ffmpeg holds every other
  // output's packets and its progress reports until all outputs have begun.
  const th = plan.thumbnails;
  const branches = rungs.map((_, i) => `[s${i}]`).join('') + (th ? '[th]' : '');
  // Each rung scaled once, split among the codecs that encode it.
  const perRung = (i: number) => codecs.map((_, c) => `[v${c * n + i}]`).join('');
  const graph = [
    `[0:v:0]fps=${fps.num}/${fps.den},split=${n + (th ? 1 : 0)}${branches}`,
    ...rungs.map((r, i) => `[s${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p${codecs.length > 1 ? `,split=${codecs.length}` : ''}${perRung(i)}`),
    ...(th ? [`[th]select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${PACKAGING_DEFAULTS.thumbnailEveryS - 0.001})',scale=${th.width}:${th.height}:out_range=full,format=yuvj420p,setsar=1[tiles]`] : []),
  ].join(';');

  const options: string[] = [];
  streams.forEach((_, k) => options.push('-map', `[v${k}]`));
  for (const a of plan.audio) options.push('-map', `0:a:${a.index}`);
  streams.forEach((st, k) => options.push(...videoOptions(k, st.codec, codecKbps(st.rung.kbps, st.codec), keyint, gopS)));
  if (plan.audio.length) {
    options.push(
      '-c:a', 'aac',
      // The two-loop coder (ffmpeg's default since 4.1) reaches the bitrate asked for; the
      // older default, kept by the ffmpeg 4.0 npm fallback, gives half of 128k on simple sound.
      '-aac_coder', 'twoloop',
      '-b:a', `${PACKAGING_DEFAULTS.audioBitrateK}k`,
    );
    plan.audio.forEach((a, k) => {
      const rate = [44100, 48000].includes(a.sampleRate) ? a.sampleRate : 48000;
      options.push(`-ac:a:${k}`, String(Math.min(PACKAGING_DEFAULTS.audioChannels, Math.max(1, a.channels))), `-ar:a:${k}`, String(rate));
    });
  }
  options.push(
    '-map_metadata', '-1',
    '-map_chapters', '-1',
    '-f', 'dash',
    '-seg_duration', String(segmentS),
    '-use_template', '1',
    '-use_timeline', '1',
    '-init_seg_name', FFMPEG_INIT,
    '-media_seg_name', FFMPEG_MEDIA,
    // One set per stream: ffmpeg 5 refuses a set whose rungs differ in aspect ratio by a
    // rounding pixel (854x480 beside 1280x720), and its MPD is discarded anyway.
    '-adaptation_sets', [...streams.map((_, k) => `id=${k},streams=${k}`), ...plan.audio.map((_, k) => `id=${m + k},streams=${m + k}`)].join(' '),
  );
  const outputs = [{ target: plan.scratchMpd, options }];
  // Matroska keeps each picture's own time (an image2 output would repeat them at the video's frame rate).
  if (th) outputs.push({ target: th.pattern, options: ['-map', '[tiles]', '-c:v', 'mjpeg', '-q:v', '3', '-f', 'matroska'] });
  return {
    inputs: [{ source: source.path }],
    filterComplex: graph,
    outputs,
    durationS: source.video.durationS,
  };
}

/** The pictures (`from`, the encode's Matroska file) tiled cols x rows into JPEGs (`to`, %05d); the last tile padded with black. */
export function buildTileJob(from: string, to: string): FfmpegJob {
  const { cols, rows } = PACKAGING_DEFAULTS.thumbnailTile;
  return {
    inputs: [{ source: from }],
    // vfr: one file per tile (image2 would repeat each tile at the input's 1 frame a second).
    outputs: [{ target: to, options: ['-vf', `tile=${cols}x${rows}:padding=0:margin=0`, '-vsync', 'vfr', '-c:v', 'mjpeg', '-q:v', '5', '-f', 'image2', '-start_number', '1'] }],
  };
}

/** One poster frame, scaled down, from a point into the video. */
export function buildPosterJob(source: SourceInfo, target: string): FfmpegJob {
  const at = Math.max(0, Math.min(source.video.durationS * PACKAGING_DEFAULTS.posterAt, source.video.durationS - 0.5));
  const w = Math.min(PACKAGING_DEFAULTS.posterMaxWidth, source.video.width);
  return {
    inputs: [{ source: source.path, options: ['-ss', at.toFixed(3)] }],
    outputs: [{ target, options: ['-map', '0:v:0', '-frames:v', '1', '-vf', `scale=${w}:-2,setsar=1`, '-q:v', '3', '-update', '1'] }],
  };
}
