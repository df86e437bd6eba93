/** The CDN lab's pure parts: popularity, the distribution-time arithmetic, the modes' networks. */
import { describe, expect, it } from 'vitest';
import type { Trace } from '../../core/traces/index.js';
import { clientServerS, peerToPeerS, perViewerBps, throughEdgesS } from '../../lab/cdn/distribution-time.js';
import { edgeTimeline, modeTrace } from '../../lab/cdn/modes.js';
import { seededRandom } from '../../core/random.js';
import { zipfSampler } from '../../lab/cdn/zipf.js';

describe('Zipf popularity', () => {
  it('is uniform at s = 0 and skewed at s = 1, the same for the same seed', () => {
    const count = (s: number, seed: number) => {
      const pick = zipfSampler(10, s, seededRandom(seed));
      const n = Array(10).fill(0);
      for (let i = 0; i < 20000; i++) n[pick()]++;
      return n;
    };
    const uniform = count(0, 1);
    for (const n of uniform) expect(n / 20000).toBeGreaterThan(0.08);
    const skewed = count(1, 1);
    // 1/H(10) = 0.341 of the views go to the most popular.
    expect(skewed[0] / 20000).toBeCloseTo(0.341, 1);
    expect(skewed[0]).toBeGreaterThan(skewed[9] * 8);
    expect(count(1, 1)).toEqual(skewed);
  });
});

describe("the lectures' distribution time", () => {
  const i = { fileBits: 8e9, originBps: 1e9, minDownloadBps: 20e6, peerUploadBps: 1e6, edges: 10, edgeBps: 1e9 };
  it('client-server grows with N; peer-to-peer levels off; edges divide it by E', () => {
    expect(clientServerS(1, i)).toBe(400); // F / d_min
    expect(clientServerS(1000, i)).toBe(8000); // N F / u_s
    expect(peerToPeerS(1000, i)).toBeCloseTo((1000 * 8e9) / (1e9 + 1000 * 1e6), 6);
    expect(peerToPeerS(1e6, i)).toBeLessThan(8100);
    expect(throughEdgesS(1000, i)).toBe(800);
  });
  it('per viewer at once: peer-to-peer tends to the peers’ upload, edges to what they have', () => {
    const r = perViewerBps(1e6, i);
    expect(r.peerToPeer).toBeCloseTo(1e6 + 1000, -2);
    expect(r.edges).toBe(10_000);
    expect(perViewerBps(10, i).clientServer).toBe(20e6); // capped at d_min
  });
});

describe('which node serves whom, in the model', () => {
  const steps = (name: string, pts: Array<[number, number]>): Trace => ({ name, points: pts.map(([t, kbps]) => ({ t, kbps })), periodS: 100, format: 'json' });
  // edge-1 fast then slow at 20 s; edge-2 the other way round.
  const edges = [
    { id: 'edge-1', trace: steps('a', [[0, 5000], [20, 500]]), rttMs: 20 },
    { id: 'edge-2', trace: steps('b', [[0, 1000], [20, 4000]]), rttMs: 20 },
  ];
  const o = { durationS: 40, ttlS: 5, segmentS: 4, home: 0 };
  it('redirect stays at home; steering moves at the first TTL after the change', () => {
    expect(new Set(edgeTimeline('redirect', edges, o))).toEqual(new Set([0]));
    const s = edgeTimeline('steering', edges, o);
    expect(s.slice(0, 20)).toEqual(Array(20).fill(0));
    expect(s.slice(20, 40)).toEqual(Array(20).fill(1));
    expect(modeTrace('steering', edges, o).points[25].kbps).toBe(4000);
  });
  it('the client moves when it measures its edge slow, and measures the other once a minute', () => {
    const c = edgeTimeline('client', edges, { ...o, durationS: 100 });
    expect(c[0]).toBe(0);
    expect(c[19]).toBe(0);
    // At 20 s it measures edge-1 at 500 and goes to edge-2 (last measured at 1000 at 0 s).
    expect(c[24]).toBe(1);
    // A minute after edge-1's last measure, a segment measures it again.
    expect(c.slice(60, 90)).toContain(0);
  });
});
