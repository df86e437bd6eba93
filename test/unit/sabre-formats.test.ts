/** Sabre's network and movie JSON, read as the shaper and the simulator read every trace and video. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace, TraceError } from '../../core/traces/formats.js';
import { loadTraces, loadVideo } from '../../lab/inputs.js';
import { REPO } from '../helpers/media.js';

describe("Sabre's formats", () => {
  it('reads a network JSON: periods in order, each with its rate and latency, looped after the last', async () => {
    const t = parseTrace(await readFile(path.join(REPO, 'media/traces/sabre-example.json'), 'utf8'), 'sabre-example');
    expect(t.format).toBe('sabre');
    expect(t.points).toEqual([
      { t: 0, kbps: 5000, latencyMs: 75 },
      { t: 30, kbps: 3000, latencyMs: 150 },
      { t: 60, kbps: 1500, latencyMs: 200 },
      { t: 90, kbps: 3000, latencyMs: 150 },
    ]);
    expect(t.periodS).toBe(120);
    expect(t.rttMs).toBeUndefined(); // no one latency throughout
    const g3 = await loadTraces('sabre-3g');
    expect(g3).toHaveLength(86);
    expect(g3[0].trace.rttMs).toBe(100);
    expect(() => parseTrace('[{"duration_ms": 0, "bandwidth_kbps": 100}]', 'bad')).toThrow(TraceError);
  });

  it('reads a movie JSON: sizes in bits per segment and bitrate, as bytes per rendition', async () => {
    const v = await loadVideo('sabre-bbb');
    expect(v.sim.segmentS).toBe(3);
    expect(v.sim.segments).toBe(199);
    expect(v.sim.bitrates).toEqual([230, 331, 477, 688, 991, 1427, 2056, 2962, 5027, 6000].map((k) => k * 1000));
    const movie = JSON.parse(await readFile(path.join(REPO, 'media/videos/sabre-bbb.json'), 'utf8')) as { segment_sizes_bits: number[][] };
    expect(v.sim.sizes[9][0]).toBe(movie.segment_sizes_bits[0][9] / 8);
    expect((await loadVideo('sabre-bbb4k')).sim.bitrates.at(-1)).toBe(35_000_000);
  });
});
