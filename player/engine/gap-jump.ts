/**
 * Where to move a playhead that stands just before its media. A seek (the live start, a seek
 * back into the window) can land a few tens of milliseconds before the first buffered frame
 * (audio and video segments do not start on the same instant); Chromium then stays `seeking`
 * for good, since nothing will ever fill that sliver. hls.js and dash.js jump such gaps too.
 */

/** The widest gap jumped (s): more than audio's and video's start differ, less than a chunk of media. */
export const MAX_GAP_S = 0.5;
/** Past the range's first frame, so the jump lands inside it. */
const INTO_RANGE_S = 0.01;

export interface TimeRangesLike {
  readonly length: number;
  start(i: number): number;
  end(i: number): number;
}

/** The time to jump to when `t` is in no buffered range and one begins within MAX_GAP_S after it; else undefined. */
export function gapJumpTarget(buffered: TimeRangesLike, t: number): number | undefined {
  let next: number | undefined;
  for (let i = 0; i < buffered.length; i++) {
    const start = buffered.start(i);
    if (start <= t && buffered.end(i) > t) return undefined; // media where it stands: it will play
    if (start > t && (next === undefined || start < next)) next = start;
  }
  return next !== undefined && next - t <= MAX_GAP_S ? next + INTO_RANGE_S : undefined;
}
