/**
 * The live timeline of a dynamic MPD (ISO/IEC 23009-1, 5.3.9.5 and DASH-IF IOP 4.3): which
 * segment number holds a moment, when a segment can be asked for, where the live edge and the
 * time-shift window are. Times are seconds since availabilityStartTime (the player sets its
 * SourceBuffers' timestampOffset so the video's currentTime is on this scale); clocks are ms
 * since the epoch. Pure: the player, the live packager and the simulator share it.
 */
import { fillTemplate, type LiveInfo, type LiveTemplate, type SegmentRef } from '../mpd/parse.js';

/** The presentation time being produced at wall clock `nowMs`: the live edge. */
export const liveEdgeS = (live: LiveInfo, nowMs: number): number => (nowMs - live.availabilityStartMs) / 1000;

/** Segment `n` of a live template: its URLs, and its start (seconds since availabilityStartTime) and duration. */
export function liveSegment(live: LiveInfo, t: LiveTemplate, rep: { id: string; bandwidth: number }, n: number): SegmentRef {
  const k = n - t.startNumber;
  const time = Math.round((t.ptoS + k * t.segmentS) * t.timescale);
  const rel = fillTemplate(t.media, { id: rep.id, bandwidth: rep.bandwidth, number: n, time });
  return { number: n, urls: t.bases.map((b) => new URL(rel, b).toString()), startS: live.periodStartS + k * t.segmentS, durationS: t.segmentS };
}

/** When segment `n` can first be asked for (ms): its end, less the availabilityTimeOffset (chunked CMAF). */
export function availableAtMs(live: LiveInfo, t: LiveTemplate, n: number): number {
  const endS = live.periodStartS + (n - t.startNumber + 1) * t.segmentS;
  return live.availabilityStartMs + (endS - t.availabilityTimeOffsetS) * 1000;
}

/** The newest segment that can be asked for at `nowMs` (startNumber - 1 before the first). */
export function newestSegment(live: LiveInfo, t: LiveTemplate, nowMs: number): number {
  const sincePeriod = liveEdgeS(live, nowMs) - live.periodStartS;
  return t.startNumber + Math.floor((sincePeriod + t.availabilityTimeOffsetS) / t.segmentS + 1e-9) - 1;
}

/** The oldest segment still inside the time-shift window at `nowMs`. */
export function oldestSegment(live: LiveInfo, t: LiveTemplate, nowMs: number): number {
  const depth = live.timeShiftBufferDepthS ?? Infinity;
  const sincePeriod = liveEdgeS(live, nowMs) - live.periodStartS;
  return t.startNumber + Math.max(0, Math.ceil((sincePeriod - depth) / t.segmentS - 1e-9));
}

/** The segment that holds presentation time `s` (seconds since availabilityStartTime). */
export function segmentAt(live: LiveInfo, t: LiveTemplate, s: number): number {
  return t.startNumber + Math.max(0, Math.floor((s - live.periodStartS) / t.segmentS + 1e-9));
}

/** How far behind the live edge a viewer watching presentation time `s` is, at `nowMs`. */
export const latencyS = (live: LiveInfo, nowMs: number, s: number): number => liveEdgeS(live, nowMs) - s;
