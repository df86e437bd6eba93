/** Packaging defaults: plain data, in one place. */
export const PACKAGING_DEFAULTS = {
  /** Media segment duration in seconds (DASH and HLS share the segments). */
  segmentS: 4,
  /** Longest GOP in seconds; always a divisor of the segment duration. */
  maxGopS: 2,
  /** x264 preset: veryfast is what most live/VOD ladders on small machines use. */
  x264Preset: 'veryfast',
  /** Peak rate allowed over the target (capped VBR keeps segment sizes predictable for ABR). */
  maxrateFactor: 1.5,
  /** VBV buffer as seconds of target bitrate. */
  bufsizeS: 2,
  audioBitrateK: 128,
  audioChannels: 2,
  /** Shortest source we accept. */
  minDurationS: 1,
  /** Highest output frame rate; faster sources are converted down. */
  maxFps: 60,
  /** Poster: width at most this, taken at this fraction of the duration. */
  posterMaxWidth: 1280,
  posterAt: 0.35,
  /** AV1 (SVT-AV1) beside H.264: each rung's bitrate times this (AV1 needs about 40% fewer bits for the same quality; bench:package measures it), and the encoder's speed preset (0 slowest .. 13 fastest). */
  av1RateFactor: 0.6,
  av1Preset: 10,
  /** Seek-bar thumbnails: one every this many seconds, this wide, tiled columns x rows per JPEG. */
  thumbnailEveryS: 2,
  thumbnailWidth: 160,
  thumbnailTile: { cols: 5, rows: 5 },
} as const;

/**
 * The reference ladder, by nominal height of a 16:9 box (portrait sources use the
 * transposed box). Bitrates are for <= 30 fps; faster sources get HIGH_FPS_FACTOR more.
 */
export const LADDER_RUNGS: ReadonlyArray<{ height: number; kbps: number }> = [
  { height: 2160, kbps: 14000 },
  { height: 1440, kbps: 8000 },
  { height: 1080, kbps: 5000 },
  { height: 720, kbps: 2800 },
  { height: 480, kbps: 1400 },
  { height: 360, kbps: 800 },
  { height: 240, kbps: 400 },
];
export const HIGH_FPS_FACTOR = 1.5;
export const MIN_RUNG_KBPS = 150;
