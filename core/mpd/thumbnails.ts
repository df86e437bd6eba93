/**
 * The picture for a time from a manifest's DASH-IF thumbnail track (an image AdaptationSet
 * with `http://dashif.org/thumbnail_tile`): which tile image, and where in it. A tile covers
 * its segment's duration with cols x rows pictures, evenly spaced, left to right, top down.
 */
import type { Manifest } from './parse.js';

export interface Thumbnail {
  url: string;
  /** The picture's box in the tile image, pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** The whole tile image's size (for CSS background-size). */
  tileWidth: number;
  tileHeight: number;
}

export function thumbnailAt(manifest: Manifest, t: number): Thumbnail | undefined {
  const rep = manifest.adaptationSets.find((s) => s.contentType === 'image')?.representations.find((r) => r.tiles && r.width && r.height);
  if (!rep?.tiles) return undefined;
  const seg = rep.segments.find((s) => t >= s.startS && t < s.startS + s.durationS) ?? (t >= 0 ? rep.segments.at(-1) : undefined);
  if (!seg) return undefined;
  const { cols, rows } = rep.tiles;
  const per = cols * rows;
  // Pictures are spaced by the tile's nominal duration: the last tile is cut short, not stretched.
  const tileS = rep.nominalSegmentS ?? seg.durationS;
  const k = Math.min(per - 1, Math.max(0, Math.floor(((t - seg.startS) / tileS) * per)));
  const width = rep.width! / cols;
  const height = rep.height! / rows;
  return { url: seg.urls[0], x: (k % cols) * width, y: Math.floor(k / cols) * height, width, height, tileWidth: rep.width!, tileHeight: rep.height! };
}
