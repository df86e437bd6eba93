/** The Pensieve model against values derived by hand from fixed_env.py, bb.py and mpc.py. */
import { describe, expect, it } from 'vitest';
import { QUIRKS, runPensieveSession, type CookedTrace, type PensieveVideo } from '../../lab/models/pensieve-model.js';

// Two qualities with constant chunk sizes; 8 Mbit/s = 1e6 B/s. bw[0] is never used (a quirk):
// a huge value there proves it.
const video: PensieveVideo = { bitratesKbps: [300, 750], sizes: [Array(49).fill(150_000), Array(49).fill(375_000)] };
const trace: CookedTrace = { name: 'flat', time: [0, 1000], bw: [999, 8] };

describe('Pensieve environment and BB', () => {
  const r = runPensieveSession(trace, video, 'bba');
  it('first chunk: quality 1, delay = bytes / (1e6 B/s x 0.95) + 80 ms, all of it rebuffering', () => {
    const c = r.chunks[0];
    expect(c.quality).toBe(1);
    expect(c.delayMs).toBeCloseTo((375_000 / 1e6 / 0.95) * 1000 + 80, 9); // 474.736842 ms
    expect(c.rebufS).toBeCloseTo(0.474736842, 9);
    expect(c.bufferS).toBe(4);
    expect(c.reward).toBeCloseTo(0.75 - 4.3 * 0.474736842, 8);
  });
  it('BB: below the 5 s reservoir the lowest quality; the buffer grows by 4 s minus each delay', () => {
    expect(r.chunks[1].quality).toBe(0);
    expect(r.chunks[1].delayMs).toBeCloseTo(157.894737 + 80, 5);
    expect(r.chunks[1].rebufS).toBe(0);
    expect(r.chunks[1].bufferS).toBeCloseTo(7.762105263, 8);
    expect(r.chunks[1].reward).toBeCloseTo(0.3 - 0.45, 12);
    expect(r.chunks[3].bufferS).toBeCloseTo(15.286315789, 8);
    // int((2 - 1) x (15.29 - 5) / 10) = 1: the top quality from the next chunk on.
    expect(r.chunks[3].quality).toBe(0);
    expect(r.chunks[4].quality).toBe(1);
    expect(r.chunks[4].bufferS).toBeCloseTo(18.811578947, 8);
  });
  it('over 60 s of buffer the player sleeps in whole 500 ms steps', () => {
    // After chunk 4 the buffer grows 4000 - 474.736842 ms a chunk: 61114.74 ms after chunk 16.
    expect(r.chunks[15].sleepMs).toBe(0);
    expect(r.chunks[16].sleepMs).toBe(1500);
    expect(r.chunks[16].bufferS).toBeCloseTo(59.614736842, 8);
  });
  it("scores the session without the first chunk's reward", () => {
    expect(r.chunks).toHaveLength(48);
    expect(r.qoe).toBeCloseTo(r.chunks.slice(1).reduce((a, c) => a + c.reward, 0), 12);
  });
  it('lists its quirks', () => {
    expect(QUIRKS.length).toBeGreaterThan(8);
  });
});

describe('robust MPC (mpc.py)', () => {
  it('with 4 s of buffer and no possible stall, keeps quality 1 (5 x 0.75 = 3.75 beats any plan with a 300)', () => {
    const r = runPensieveSession(trace, video, 'robust-mpc');
    expect(r.chunks[1].quality).toBe(1);
    expect(r.chunks[1].reward).toBeCloseTo(0.75, 12);
  });
  it('switches down when the link is too slow for quality 1', () => {
    // 0.4 Mbit/s = 5e4 B/s: a 375 kB chunk takes ~7.9 s (a stall of ~3.9 s each), a 150 kB one ~3.2 s:
    // all-0 scores 5 x 0.3 - 0.45 = 1.05, all-1 about 3.75 - 4.3 x 19.6 < 0.
    const slow: CookedTrace = { name: 'slow', time: [0, 1000], bw: [999, 0.4] };
    const r = runPensieveSession(slow, video, 'robust-mpc');
    expect(r.chunks[1].quality).toBe(0);
  });
});

describe('on real traces and the real video, derived by hand from fixed_env.py and bb.py', () => {
  const load = async (trace: string) => {
    const { readFile } = await import('node:fs/promises');
    const path = await import('node:path');
    const root = path.resolve(import.meta.dirname, '..', '..');
    const info = JSON.parse(await readFile(path.join(root, 'media/videos/pensieve-envivio.info.json'), 'utf8'));
    const video: PensieveVideo = { bitratesKbps: info.renditions.map((r: { bandwidth: number }) => r.bandwidth / 1000), sizes: info.renditions.map((r: { segmentBytes: number[] }) => r.segmentBytes) };
    const { parseCooked } = await import('../../lab/models/pensieve-model.js');
    return runPensieveSession(parseCooked(await readFile(path.join(root, 'media/traces', trace), 'utf8'), trace), video, 'bba');
  };
  const Bps = (mbps: number) => (mbps * 1e6) / 8;

  it('norway_tram_6: chunk 0 spans two trace intervals, chunk 1 fits in what is left of the second', async () => {
    const r = await load('norway_tram_6');
    // Chunk 0, quality 1, 450283 B. Interval (0, 3.72000002861] carries bw[1] = 0.814380687094
    // Mbit/s: 95% of it moves 359752.67 B; the rest at bw[2] = 0.831009287926 Mbit/s.
    const first = Bps(0.814380687094) * 3.72000002861 * 0.95;
    const frac0 = (450283 - first) / Bps(0.831009287926) / 0.95;
    const delay0 = (3.72000002861 + frac0) * 1000 + 80;
    expect(r.chunks[0]).toMatchObject({ quality: 1, bufferS: 4, bytes: 450283 });
    expect(r.chunks[0].delayMs).toBeCloseTo(delay0, 6); // 4717.39 ms, all of it rebuffering
    expect(r.chunks[0].rebufS).toBeCloseTo(delay0 / 1000, 9);
    // Chunk 1: 4 s of buffer < the 5 s reservoir -> quality 0 (155580 B). 0.48 s are left of the
    // second interval, carrying 47625 B: not enough, so the rest goes at bw[3] = 1.0187977598.
    const left2 = 5.12000012398 - (3.72000002861 + frac0);
    const carried = Bps(0.831009287926) * left2 * 0.95;
    const delay1 = (left2 + (155580 - carried) / Bps(1.0187977598) / 0.95) * 1000 + 80;
    expect(r.chunks[1]).toMatchObject({ quality: 0, bytes: 155580, rebufS: 0 });
    expect(r.chunks[1].delayMs).toBeCloseTo(delay1, 6); // 1454.93 ms
    expect(r.chunks[1].bufferS).toBeCloseTo((4000 - delay1 + 4000) / 1000, 9);
  });

  it('norway_bus_1: a fast link; chunk 0 crosses one interval boundary, chunk 1 another', async () => {
    const r = await load('norway-test/norway_bus_1');
    const t = [0, 0.549999952316, 0.879999876022, 1.34999990463];
    const bw = [4.03768755221, 4.79283060109, 4.49231799163, 4.33123809524];
    const moved1 = Bps(bw[1]) * (t[1] - t[0]) * 0.95;
    const frac0 = (450283 - moved1) / Bps(bw[2]) / 0.95;
    expect(r.chunks[0].delayMs).toBeCloseTo((t[1] + frac0) * 1000 + 80, 6); // 887.28 ms
    const moved2 = Bps(bw[2]) * (t[2] - (t[1] + frac0)) * 0.95;
    const frac1 = (155580 - moved2) / Bps(bw[3]) / 0.95;
    expect(r.chunks[1].quality).toBe(0);
    expect(r.chunks[1].delayMs).toBeCloseTo((t[2] - (t[1] + frac0) + frac1) * 1000 + 80, 6); // 379.78 ms
  });
});
