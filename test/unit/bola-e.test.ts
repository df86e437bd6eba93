/** BOLA-E and the throughput rule's abandonment (core/abr/bola-e.ts) as dashlab-model algorithms. */
import { describe, expect, it } from 'vitest';
import { createAbr, type DownloadProgress } from '../../core/abr/index.js';
import { throughputAbandon } from '../../core/abr/bola-e.js';
import { parseTrace } from '../../core/traces/index.js';
import { simulatePlayer, type SimVideo } from '../../lab/models/player-model.js';

const BITRATES = [300e3, 750e3, 1200e3, 1850e3, 2850e3, 4300e3];
const VIDEO: SimVideo = { bitrates: BITRATES, segmentS: 4, sizes: BITRATES.map((b) => Array(40).fill((b * 4) / 8)) };
const progress = (p: Partial<DownloadProgress>): DownloadProgress => ({ quality: 5, bytesTotal: VIDEO.sizes[5][0], bytesLoaded: 0, elapsedS: 0, ttfbS: 0.05, bufferS: 10, sizes: VIDEO.sizes.map((s) => s[0]), bitrates: BITRATES, segmentDurationS: 4, ...p });

describe("the throughput rule's abandonment (Sabre's)", () => {
  it('gives a download up only past 1.8 segment durations, for what 0.9 of its own rate carries', () => {
    // 1 Mbit/s on a 4300 kbit/s segment: 17 s to finish, past 7.2 s; 0.9 Mbit/s carries 750 kbit/s.
    expect(throughputAbandon(progress({ elapsedS: 2.05, bytesLoaded: (1e6 * 2) / 8 }))).toBe(1);
    // Fast enough: it finishes within 1.8 x 4 s.
    expect(throughputAbandon(progress({ elapsedS: 2.05, bytesLoaded: (3.5e6 * 2) / 8 }))).toBeUndefined();
    // Too early to tell.
    expect(throughputAbandon(progress({ elapsedS: 0.3, bytesLoaded: 1000 }))).toBeUndefined();
  });

  it('in the dashlab model: throughput-abandon refetches a segment caught by a drop at the rung the link carries, not the lowest', () => {
    const drop = parseTrace('0 6\n30 1\n200 1\n', 'drop');
    const ab = simulatePlayer({ trace: drop, video: VIDEO, algo: 'throughput-abandon' });
    const abandoned = ab.segments.filter((s) => s.abandoned);
    expect(abandoned.length).toBeGreaterThan(0);
    expect(abandoned.some((s) => s.quality > 0)).toBe(true);
    for (const s of abandoned) expect(s.quality).toBeLessThan(s.abandoned!.quality);
    // The player's own rule, for the plain throughput rule, refetches at the lowest.
    for (const s of simulatePlayer({ trace: drop, video: VIDEO, algo: 'throughput' }).segments.filter((x) => x.abandoned)) expect(s.quality).toBe(0);
  });
});

describe('BOLA-E', () => {
  it('starts at what the throughput carries (its placeholder buffer), without a stall', () => {
    const fast = parseTrace('0 8\n', 'fast');
    const e = simulatePlayer({ trace: fast, video: VIDEO, algo: 'bola-e' });
    expect(e.segments[1].quality).toBe(5);
    expect(e.rebufferS).toBe(0);
    expect(createAbr('bola-e').abandon).toBeTypeOf('function');
  });

  it('abandons a top-quality download caught by a collapse just after it began, for a lower one', () => {
    // 8 Mbit/s for a minute (the buffer full, the placeholder spent), then 200 kbit/s.
    const collapse = parseTrace('0 8\n62 0.2\n400 0.2\n', 'collapse');
    const r = simulatePlayer({ trace: collapse, video: VIDEO, algo: 'bola-e' });
    const abandoned = r.segments.filter((s) => s.abandoned);
    expect(abandoned.length).toBeGreaterThan(0);
    for (const s of abandoned) expect(s.quality).toBeLessThan(s.abandoned!.quality);
  });
});
