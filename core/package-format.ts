/**
 * What a packaged video's folder holds (DESIGN.md, "Packaged video"): the files every part
 * names (the packager writes them, the origin serves them, the player and the lab read them)
 * and the shape of info.json.
 */

export const MANIFEST_FILE = 'manifest.mpd';
export const HLS_MASTER_FILE = 'master.m3u8';
/** The AV1 ladder's HLS master playlist, when the package has one (master.m3u8 is H.264's). */
export const HLS_AV1_MASTER_FILE = 'master-av1.m3u8';
export const POSTER_FILE = 'poster.jpg';
export const INFO_FILE = 'info.json';
/** Seek-bar thumbnails as a WebVTT sprite map (for players that read one; HLS has no standard image track). */
export const THUMBNAIL_VTT = 'thumbnails.vtt';
/** The `learned` ABR's policy for this video (core/abr/learned.ts reads it). */
export const POLICY_FILE = 'abr-policy.json';

/** One entry of info.json's renditions (DESIGN.md), plus a few extra fields. */
export interface InfoRendition {
  id: string;
  kind: 'video' | 'audio';
  width?: number;
  height?: number;
  frameRate?: number;
  sampleRate?: number;
  channels?: number;
  /** Audio: BCP 47 language (`und` when the source did not say), its role, and a label if the source or `--audio` gave one. */
  lang?: string;
  role?: 'main' | 'alternate' | 'commentary';
  label?: string;
  bandwidth: number;
  averageBandwidth: number;
  targetBandwidth: number;
  codecs: string;
  segmentBytes: number[];
  /** Video: each segment's mean SSIM (0..1) and PSNR (dB) against the source, compared at the source's size (at most 1080 lines). */
  segmentSsim?: number[];
  segmentPsnr?: number[];
}

/** Seek-bar thumbnails: `count` pictures, one every `everyS` seconds, `width`x`height` each, tiled `cols`x`rows` per JPEG (`tiles` of them, named by `media`'s $Number$). */
export interface ThumbnailFacts {
  tiles: number;
  count: number;
  everyS: number;
  width: number;
  height: number;
  cols: number;
  rows: number;
  media: string;
}

export interface VideoInfo {
  id: string;
  title: string;
  durationS: number;
  segmentDurationS: number;
  createdAt: string;
  /** When a file changed after packaging (the ABR policy renewed in place): Last-Modified is the later of the two. */
  updatedAt?: string;
  source: { name: string; sizeBytes: number; container: string; width: number; height: number; fps: number; durationS: number };
  renditions: InfoRendition[];
  thumbnails?: ThumbnailFacts;
  /** Text tracks (subtitles, captions): one WebVTT file each. */
  text?: Array<{ id: string; lang: string; role: 'subtitle' | 'caption'; label?: string; file: string; cues: number }>;
  manifest: string;
  hls: string;
  poster: string;
  /** Every published file with its size and strong validator, computed once at packaging time. */
  files: Record<string, { bytes: number; etag: string }>;
  packager: { ffmpeg: string; gopS: number; preset: string };
  /** Version token in every segment's file name; new on every packaging. */
  version: string;
}
