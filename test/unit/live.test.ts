/** The pure live code: the timeline of a dynamic MPD, the catch-up rule, CMAF boxes from a stream. */
import { describe, expect, it } from 'vitest';
import { BoxSplitter, decodeTimeOf } from '../../core/live/boxes.js';
import { catchup, catchupPolicy, CATCHUP_DEFAULTS } from '../../core/live/catchup.js';
import { availableAtMs, latencyS, liveSegment, newestSegment, oldestSegment, segmentAt } from '../../core/live/timing.js';
import type { LiveInfo, LiveTemplate } from '../../core/mpd/parse.js';

const AST = Date.UTC(2026, 11, 5, 12, 0, 0);
const live: LiveInfo = { availabilityStartMs: AST, periodStartS: 0, utcTiming: [], timeShiftBufferDepthS: 60, ended: false };
const tpl: LiveTemplate = { media: 'r1/$RepresentationID$/$Number$.m4s', bases: ['http://o/live/c/'], startNumber: 1, timescale: 1000, segmentS: 2, ptoS: 0, availabilityTimeOffsetS: 1.5, availabilityTimeComplete: false };

describe('the live timeline', () => {
  it('numbers segments from the clock, and makes each askable once its first chunk exists', () => {
    expect(segmentAt(live, tpl, 0)).toBe(1);
    expect(segmentAt(live, tpl, 9.99)).toBe(5);
    // Segment 6 covers 10-12 s; with 1.5 s of availabilityTimeOffset it may be asked for at 10.5 s.
    expect(availableAtMs(live, tpl, 6)).toBe(AST + 10_500);
    expect(newestSegment(live, tpl, AST + 10_499)).toBe(5);
    expect(newestSegment(live, tpl, AST + 10_500)).toBe(6);
    expect(liveSegment(live, tpl, { id: 'v720', bandwidth: 1 }, 6)).toEqual({ number: 6, urls: ['http://o/live/c/r1/v720/6.m4s'], startS: 10, durationS: 2 });
    expect(oldestSegment(live, tpl, AST + 100_000)).toBe(21); // 40 s .. 100 s: segment 21 starts at 40 s
    expect(latencyS(live, AST + 12_000, 10.5)).toBeCloseTo(1.5);
  });

  it('without an availabilityTimeOffset a segment is askable when complete', () => {
    const whole = { ...tpl, availabilityTimeOffsetS: 0 };
    expect(availableAtMs(live, whole, 6)).toBe(AST + 12_000);
    expect(newestSegment(live, whole, AST + 11_999)).toBe(5);
  });
});

describe('catching up by playback rate', () => {
  const p = CATCHUP_DEFAULTS;
  it('holds the rate at 1 near the target, speeds up behind it, slows down ahead of it, within the limits', () => {
    expect(catchup(p, p.targetS + 0.04, 1)).toEqual({ rate: 1 });
    expect((catchup(p, p.targetS + 0.12, 1) as { rate: number }).rate).toBeGreaterThanOrEqual(1.02); // a small offset is closed, not left
    const behind = catchup(p, p.targetS + 1, 1) as { rate: number };
    expect(behind.rate).toBeGreaterThan(1.1);
    expect(behind.rate).toBeLessThanOrEqual(p.maxRate);
    expect((catchup(p, p.targetS + 2.4, 1) as { rate: number }).rate).toBeLessThanOrEqual(p.maxRate);
    const ahead = catchup(p, p.targetS - 1, 1) as { rate: number };
    expect(ahead.rate).toBeLessThan(1);
    expect(ahead.rate).toBeGreaterThanOrEqual(p.minRate);
  });

  it('slows down when the buffer runs low, even behind the target; seeks when too far behind', () => {
    expect((catchup(p, p.targetS + 1, 0.1) as { rate: number }).rate).toBeLessThan(1);
    expect(catchup(p, p.targetS + p.seekAboveS + 0.1, 1)).toEqual({ seekToLatencyS: p.targetS });
  });

  it('takes the ServiceDescription over its defaults', () => {
    expect(catchupPolicy({ targetLatencyS: 3, minRate: 0.95, maxRate: 1.05, maxLatencyS: 6 })).toMatchObject({ targetS: 3, minRate: 0.95, maxRate: 1.05, seekAboveS: 3 });
  });
});

describe('CMAF boxes from a stream', () => {
  const box = (type: string, payload: number[]) => new Uint8Array([0, 0, 0, 8 + payload.length, ...[...type].map((c) => c.charCodeAt(0)), ...payload]);
  const tfdt = box('tfdt', [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x75, 0x30]); // version 1, 30000
  const moof = (() => {
    const traf = box('traf', [...tfdt]);
    return box('moof', [...traf]);
  })();
  const mdat = box('mdat', [1, 2, 3, 4]);

  it('hands on each box once complete, whatever the pieces', () => {
    const stream = new Uint8Array([...moof, ...mdat]);
    const s = new BoxSplitter();
    const seen: string[] = [];
    for (let i = 0; i < stream.length; i += 3) for (const b of s.push(stream.subarray(i, i + 3))) seen.push(b.type);
    expect(seen).toEqual(['moof', 'mdat']);
    expect(s.buffered).toBe(0);
    expect(decodeTimeOf(moof)).toBe(30000);
  });

  it('refuses what is not an MP4 stream', () => {
    expect(() => new BoxSplitter().push(new Uint8Array([0, 0, 0, 2, 0x61, 0x62, 0x63, 0x64]))).toThrow(/not an MP4/);
  });
});
