/** Content types and cache policy by file name (our packages' naming, DESIGN.md). */
export interface FilePolicy {
  contentType: string;
  cacheControl: string;
  /** Text worth gzipping (manifests, playlists, JSON). */
  compressible: boolean;
}

/** Segments never change under their URL (their names carry the package version). */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Manifests are revalidated on every use: conditional GET keeps them fresh. */
export const REVALIDATE = 'no-cache';

export function policyFor(name: string): FilePolicy {
  const audio = name.startsWith('a');
  if (name.endsWith('.mpd')) return { contentType: 'application/dash+xml', cacheControl: REVALIDATE, compressible: true };
  if (name.endsWith('.m3u8')) return { contentType: 'application/vnd.apple.mpegurl', cacheControl: REVALIDATE, compressible: true };
  if (name.endsWith('.json')) return { contentType: 'application/json; charset=utf-8', cacheControl: REVALIDATE, compressible: true };
  if (name.endsWith('.mp4')) return { contentType: audio ? 'audio/mp4' : 'video/mp4', cacheControl: IMMUTABLE, compressible: false };
  if (name.endsWith('.m4s')) return { contentType: audio ? 'audio/mp4' : 'video/iso.segment', cacheControl: IMMUTABLE, compressible: false };
  // A text track's name carries the package version (t0-3f9a1c.vtt): immutable; thumbnails.vtt does not.
  if (name.endsWith('.vtt')) return { contentType: 'text/vtt; charset=utf-8', cacheControl: /-[0-9a-f]{6}\.vtt$/.test(name) ? IMMUTABLE : REVALIDATE, compressible: true };
  if (name.endsWith('.jpg')) return { contentType: 'image/jpeg', cacheControl: REVALIDATE, compressible: false };
  return { contentType: 'application/octet-stream', cacheControl: REVALIDATE, compressible: false };
}

/** On every media response: players on other origins may read and time what they fetch. */
export const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag, Content-Length, Content-Range, Last-Modified, Accept-Ranges, Date',
  'Timing-Allow-Origin': '*',
};
