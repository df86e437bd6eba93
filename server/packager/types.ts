/** The packaged video as the manifests, info.json and verification see it (info.json's shape: core/package-format.ts). */
export { HLS_AV1_MASTER_FILE, HLS_MASTER_FILE, INFO_FILE, MANIFEST_FILE, POSTER_FILE, THUMBNAIL_VTT, type InfoRendition, type ThumbnailFacts, type VideoInfo } from '../../core/package-format.js';

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
  /** Audio: BCP 47 language, role (main, alternate, commentary) and label. */
  lang?: string;
  role?: 'main' | 'alternate' | 'commentary';
  label?: string;
  /** Peak of the per-segment bitrates, bits per second (DASH @bandwidth, HLS BANDWIDTH). */
  bandwidth: number;
  averageBandwidth: number;
  /** Nominal target bitrate of the rung, bits per second. */
  targetBandwidth: number;
  initFile: string;
  segments: SegmentFacts[];
}

/**
 * Segment file names carry the package's version token (v0-3f9a1c-00001.m4s): segments are
 * served as immutable, so re-packaging an id must give them new URLs.
 */
export const SEGMENT_NAME = (repId: string, token: string, n: number) => `${repId}-${token}-${String(n).padStart(5, '0')}.m4s`;
export const INIT_NAME = (repId: string, token: string) => `${repId}-${token}-init.mp4`;
export const TEMPLATE_INIT = (token: string) => `$RepresentationID$-${token}-init.mp4`;
export const TEMPLATE_MEDIA = (token: string) => `$RepresentationID$-${token}-$Number%05d$.m4s`;

/** Thumbnail tiles: thumbs-<token>-00001.jpg, ... (immutable, like segments). */
export const THUMBNAIL_NAME = (token: string, n: number) => `thumbs-${token}-${String(n).padStart(5, '0')}.jpg`;
export const THUMBNAIL_TEMPLATE = (token: string) => `thumbs-${token}-$Number%05d$.jpg`;
