/** The packaged video as the manifests, info.json and verification see it. */

export interface SegmentFacts {
  file: string;
  startTicks: number;
  durationTicks: number;
  bytes: number;
  startsWithSync: boolean;
}

export interface RenditionFacts {
  id: string;
  kind: 'video' | 'audio';
  codecs: string;
  timescale: number;
  width?: number;
  height?: number;
  /** Frame rate as an MPD/HLS value, e.g. "30" or "30000/1001". */
  frameRate?: string;
  sampleRate?: number;
  channels?: number;
  /** Peak of the per-segment bitrates, bits per second (DASH @bandwidth, HLS BANDWIDTH). */
  bandwidth: number;
  averageBandwidth: number;
  /** Nominal target bitrate of the rung, bits per second. */
  targetBandwidth: number;
  initFile: string;
  segments: SegmentFacts[];
}

/** One entry of info.json's renditions (DESIGN.md), plus a few extra fields. */
export interface InfoRendition {
  id: string;
  kind: 'video' | 'audio';
  width?: number;
  height?: number;
  frameRate?: number;
  sampleRate?: number;
  channels?: number;
  bandwidth: number;
  averageBandwidth: number;
  targetBandwidth: number;
  codecs: string;
  segmentBytes: number[];
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
  manifest: string;
  hls: string;
  poster: string;
  /** Every published file with its size and strong validator, computed once at packaging time. */
  files: Record<string, { bytes: number; etag: string }>;
  packager: { ffmpeg: string; gopS: number; preset: string };
  /** Version token in every segment's file name; new on every packaging. */
  version: string;
}

/**
 * Segment file names carry the package's version token (v0-3f9a1c-00001.m4s): segments are
 * served as immutable, so re-packaging an id must give them new URLs.
 */
export const SEGMENT_NAME = (repId: string, token: string, n: number) => `${repId}-${token}-${String(n).padStart(5, '0')}.m4s`;
export const INIT_NAME = (repId: string, token: string) => `${repId}-${token}-init.mp4`;
export const TEMPLATE_INIT = (token: string) => `$RepresentationID$-${token}-init.mp4`;
export const TEMPLATE_MEDIA = (token: string) => `$RepresentationID$-${token}-$Number%05d$.m4s`;
export const MANIFEST_FILE = 'manifest.mpd';
export const HLS_MASTER_FILE = 'master.m3u8';
export const POSTER_FILE = 'poster.jpg';
export const INFO_FILE = 'info.json';
