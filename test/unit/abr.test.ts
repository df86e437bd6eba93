/** The ABR library against values computed by hand. */
import { describe, expect, it } from 'vitest';
import {
  ABR_NAMES,
  bolaIndexForBuffer,
  bolaParams,
  createAbr,
  dualEwma,
  ewma,
  harmonicMean,
  planMpc,
  type AbrContext,
  type ThroughputSample,
} from '../../core/abr/index.js';

const PENSIEVE = [300, 750, 1200, 1850, 2850, 4300].map((k) => k * 1000);
// 8 Mbit/s over 1 s, then 2 Mbit/s over 2 s.
const A: ThroughputSample = { bytes: 1_000_000, ttfbS: 0, transferS: 1, endS: 1 };
const B: ThroughputSample = { bytes: 500_000, ttfbS: 0.5, transferS: 1.5, endS: 3 };

const ctx = (over: Partial<AbrContext>): AbrContext => ({
  bitrates: PENSIEVE,
  segmentDurationS: 4,
  bufferS: 0,
  bufferTargetS: 30,
  history: [],
  lastIndex: undefined,
  segmentIndex: 0,
  totalSegments: 48,
  nowS: 0,
  rebuffering: false,
  ...over,
});

describe('estimators', () => {
  it('an EWMA of one sample is that sample (zero-factor correction)', () => {
    expect(ewma([A], 3)).toBeCloseTo(8e6, 3);
  });
  it('EWMA weights by duration: [8e6(1-a)a^2 + 2e6(1-a^2)] / (1-a^3), a = 0.5^(1/3)', () => {
    // a^3 = 0.5 exactly; (1-a)a^2 = a^2 - 0.5 = 0.1299605249; 1 - a^2 = 0.3700394751.
    const hand = (8e6 * 0.1299605249 + 2e6 * 0.3700394751) / 0.5;
    expect(hand).toBeCloseTo(3_559_526.3, 0);
    expect(ewma([A, B], 3)).toBeCloseTo(hand, 0);
  });
  it('the dual EWMA is the smaller of fast (3 s) and slow (9 s)', () => {
    // Slow: b = 0.5^(1/9): [8e6(b^2-b^3) + 2e6(1-b^2)] / (1-b^3) = 3,848,097 > fast.
    expect(ewma([A, B], 9)).toBeCloseTo(3_848_097, -1);
    expect(dualEwma([A, B])).toBeCloseTo(3_559_526.3, 0);
    expect(dualEwma([])).toBeUndefined();
  });
  it('the harmonic mean of 8 and 2 Mbit/s is 3.2 Mbit/s; the window keeps the last N', () => {
    expect(harmonicMean([A, B])).toBeCloseTo(3.2e6, 3);
    expect(harmonicMean([A, B], 1)).toBeCloseTo(2e6, 3);
  });
  it('latency counts: bytes over (TTFB + transfer)', () => {
    expect(harmonicMean([{ bytes: 1e6, ttfbS: 1, transferS: 1, endS: 0 }])).toBeCloseTo(4e6, 3);
  });
});

describe('throughput rule', () => {
  it('0.9 x estimate: 2 Mbit/s -> 1.8 -> 1200k', () => {
    const d = createAbr('throughput').choose(ctx({ history: [{ bytes: 1e6, ttfbS: 0, transferS: 4, endS: 4 }] }));
    expect(d.index).toBe(2);
    expect(d.estimateBps).toBeCloseTo(2e6, 3);
  });
  it('starts at the highest bitrate under 1 Mbit/s', () => {
    expect(createAbr('throughput').choose(ctx({})).index).toBe(1);
  });
});

describe('BBA (reservoir 5 s, cushion 10 s)', () => {
  const bba = createAbr('bba');
  it.each([
    [0, 0],
    [4.99, 0],
    [5, 0],
    [10, 2], // floor(5 * 5 / 10)
    [12.5, 3], // floor(5 * 7.5 / 10)
    [14.99, 4],
    [15, 5],
    [60, 5],
  ])('buffer %f s -> index %i', (b, want) => {
    expect(bba.choose(ctx({ bufferS: b })).index).toBe(want);
  });
});

describe('BOLA', () => {
  const p = bolaParams(PENSIEVE, 10, 30);
  it('V and gamma follow from the minimum buffer (10 s) and the target (30 s)', () => {
    const u0 = Math.log(300e3);
    const u5 = Math.log(4300e3);
    expect(p.gp).toBeCloseTo(1 - u0 + (u5 - u0) / 2, 12);
    expect(p.Vp).toBeCloseTo(10 / (u0 + p.gp - 1), 12);
    expect(p.gp).toBeCloseTo(-10.2802, 3);
    expect(p.Vp).toBeCloseTo(7.5114, 3);
  });
  it('picks argmax (Vp (u_i + gp) - buffer) / bitrate_i: 10 s -> lowest, 20 s -> 1200k, 30 s -> highest', () => {
    // At 20 s the scores (x1e-6) are -8.30, 5.86, 6.60, 6.04, 5.06, 4.07.
    expect(bolaIndexForBuffer(p, PENSIEVE, 10)).toBe(0);
    expect(bolaIndexForBuffer(p, PENSIEVE, 20)).toBe(2);
    expect(bolaIndexForBuffer(p, PENSIEVE, 30)).toBe(5);
    for (let b = 0; b <= 40; b += 0.5) {
      const scores = PENSIEVE.map((r, i) => (p.Vp * (p.utilities[i] + p.gp) - b) / r);
      const best = scores.lastIndexOf(Math.max(...scores));
      expect(bolaIndexForBuffer(p, PENSIEVE, b)).toBe(best);
    }
  });
  it('in steady state the algorithm picks what the formula says for its buffer', () => {
    const bola = createAbr('bola');
    const slow = { bytes: 100_000, ttfbS: 0, transferS: 4, endS: 4 }; // 200 kbit/s: startup picks 0
    bola.choose(ctx({ history: [slow], bufferS: 9, nowS: 4, segmentIndex: 1, lastIndex: 0 })); // -> steady, no placeholder
    const fast = Array.from({ length: 3 }, (_, i) => ({ bytes: 50_000_000, ttfbS: 0, transferS: 1, endS: 5 + i }));
    // Target is max(30, 10 + 2 x 6 levels = 22) = 30: the same parameters as above.
    const d = bola.choose(ctx({ history: [slow, ...fast], bufferS: 20, nowS: 7, segmentIndex: 4, lastIndex: 0 }));
    expect(d.index).toBe(bolaIndexForBuffer(p, PENSIEVE, 20));
    expect(d.index).toBe(2);
  });
});

describe('MPC', () => {
  const tiny = (bufferS: number) =>
    planMpc({
      horizon: 2,
      bufferS,
      segmentS: 2,
      lastIndex: 0,
      bitratesKbps: [1000, 2000],
      // 2 Mbit/s predicted: 2 s segments take 1 s at 1000k and 2 s at 2000k.
      downloadTimeS: (_k, q) => (q === 0 ? 1 : 2),
      rebufferPenalty: 4.3,
      smoothPenalty: 1,
    });
  it('with 2 s of buffer: plans 00=2.0, 01=2.0, 10=1.0, 11=3.0 -> 11', () => {
    const r = tiny(2);
    expect(r.plan).toEqual([1, 1]);
    expect(r.reward).toBeCloseTo(3.0, 12);
    expect(r.index).toBe(1);
  });
  it('with 1 s of buffer: 00=2.0, 01=2.0, 10=-3.3, 11=-1.3 -> the tie goes to the later plan, 01', () => {
    const r = tiny(1);
    expect(r.reward).toBeCloseTo(2.0, 12);
    expect(r.plan).toEqual([0, 1]);
    expect(r.index).toBe(0);
  });
  it('branch and bound returns exactly what the plain enumeration returns, ties included', () => {
    // Plain enumeration (Pensieve's loop): every plan in lexicographic order, `>=` keeps the later.
    const plain = (pr: Parameters<typeof planMpc>[0]) => {
      const n = pr.bitratesKbps.length;
      let best = { reward: -Infinity, plan: [] as number[] };
      for (let code = 0; code < n ** pr.horizon; code++) {
        const plan = Array.from({ length: pr.horizon }, (_, k) => Math.floor(code / n ** (pr.horizon - 1 - k)) % n);
        let b = pr.bufferS, r = 0, sum = 0, sm = 0, last = pr.lastIndex;
        plan.forEach((q, k) => {
          const d = pr.downloadTimeS(k, q);
          if (b < d) { r += d - b; b = 0; } else b -= d;
          b += pr.segmentS;
          sum += pr.bitratesKbps[q];
          sm += Math.abs(pr.bitratesKbps[q] - pr.bitratesKbps[last]);
          last = q;
        });
        const reward = sum / 1000 - pr.rebufferPenalty * r - (pr.smoothPenalty * sm) / 1000;
        if (reward >= best.reward) best = { reward, plan };
      }
      return best;
    };
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const kbps = [300, 750, 1200, 1850, 2850, 4300];
    for (let i = 0; i < 300; i++) {
      const mbps = 0.2 + rand() * 5;
      const sizes = Array.from({ length: 5 }, () => kbps.map((b) => (b * 4 * (0.7 + 0.6 * rand())) / 8));
      // Every 10th problem has identical segments, so many plans tie.
      const pr = {
        horizon: 1 + (i % 5),
        bufferS: rand() * 30,
        segmentS: 4,
        lastIndex: i % 6,
        bitratesKbps: i % 10 === 0 ? [1000, 1000, 2000, 2000, 3000, 3000] : kbps,
        downloadTimeS: (k: number, q: number) => sizes[k][q] / 1000 / mbps / 1000 * 8,
        rebufferPenalty: i % 2 ? 4.3 : 8,
        smoothPenalty: 1,
      };
      const got = planMpc(pr);
      const want = plain(pr);
      expect(got.plan).toEqual(want.plan);
      expect(got.reward).toBe(want.reward);
    }
  });
  it('robust MPC divides the harmonic mean by 1 + the largest recent error', () => {
    const mpc = createAbr('robust-mpc');
    mpc.choose(ctx({ history: [A], bufferS: 4, segmentIndex: 1, lastIndex: 1 })); // predicts 8 Mbit/s
    const d = mpc.choose(ctx({ history: [A, B], bufferS: 4, segmentIndex: 2, lastIndex: 1 }));
    // error = |8 - 2| / 2 = 3; harmonic 3.2 Mbit/s; 3.2 / 4 = 0.8 Mbit/s.
    expect(d.estimateBps).toBeCloseTo(800_000, 3);
    const plain = createAbr('mpc');
    plain.choose(ctx({ history: [A], bufferS: 4, segmentIndex: 1, lastIndex: 1 }));
    expect(plain.choose(ctx({ history: [A, B], bufferS: 4, segmentIndex: 2, lastIndex: 1 })).estimateBps).toBeCloseTo(3.2e6, 3);
  });
});

describe('dashlab (ours)', () => {
  it('predicts min(harmonic mean, last download) over 1 + the largest recent error', () => {
    const ours = createAbr('dashlab');
    // A: 8 Mbit/s; the prediction is 8 Mbit/s, no error yet.
    expect(ours.choose(ctx({ history: [A], bufferS: 4, segmentIndex: 1, lastIndex: 1 })).estimateBps).toBeCloseTo(8e6, 0);
    // B: 2 Mbit/s. Harmonic mean 3.2, last 2 -> 2; error |8 - 2| / 2 = 3 -> 2 / 4 = 0.5 Mbit/s.
    const d = ours.choose(ctx({ history: [A, B], bufferS: 4, segmentIndex: 2, lastIndex: 1 }));
    expect(d.estimateBps).toBeCloseTo(0.5e6, 3);
  });
  it('counts no more of the error than its cap (errorCap, chosen per family by the held-out table)', () => {
    const capped = createAbr('dashlab', { dashlab: { errorCap: 0.25 } });
    capped.choose(ctx({ history: [A], bufferS: 4, segmentIndex: 1, lastIndex: 1 }));
    // The same error of 3 as above, counted as 0.25: 2 / 1.25 = 1.6 Mbit/s.
    expect(capped.choose(ctx({ history: [A, B], bufferS: 4, segmentIndex: 2, lastIndex: 1 })).estimateBps).toBeCloseTo(1.6e6, 3);
  });
  it("takes the link's rate at the end of the last download (its tail) over the whole download's", () => {
    // Three steady 8 Mbit/s downloads, then one that averaged 8 Mbit/s but ended at 2 (a drop mid-download).
    const steady = [1, 2, 3].map((i) => ({ bytes: 2_000_000, ttfbS: 0, transferS: 2, endS: 2 * i, tailBps: 8e6 }));
    const dropping = { bytes: 2_000_000, ttfbS: 0, transferS: 2, endS: 8, tailBps: 2e6 };
    const h = [...steady, dropping];
    const withTail = createAbr('dashlab');
    const without = createAbr('dashlab');
    const strip = (xs: typeof h) => xs.map(({ tailBps: _t, ...rest }) => rest);
    for (let k = 1; k <= 3; k++) {
      withTail.choose(ctx({ history: h.slice(0, k), bufferS: 8, segmentIndex: k, lastIndex: 3 }));
      without.choose(ctx({ history: strip(h.slice(0, k)), bufferS: 8, segmentIndex: k, lastIndex: 3 }));
    }
    // Harmonic mean 8, tail 2 -> base 2; the error of the previous prediction (8 against 8) is 0.
    expect(withTail.choose(ctx({ history: h, bufferS: 8, segmentIndex: 4, lastIndex: 3 })).estimateBps).toBeCloseTo(2e6, 0);
    expect(without.choose(ctx({ history: strip(h), bufferS: 8, segmentIndex: 4, lastIndex: 3 })).estimateBps).toBeCloseTo(8e6, 0);
  });
  it('does not take downloads under 32 KB as throughput samples; before a larger one, takes them together', () => {
    const tiny = { bytes: 10_000, ttfbS: 0, transferS: 0.05, endS: 1.1 }; // 1.6 Mbit/s of timer noise
    const ours = createAbr('dashlab');
    ours.choose(ctx({ history: [A], bufferS: 4, segmentIndex: 1, lastIndex: 1 }));
    expect(ours.choose(ctx({ history: [A, tiny], bufferS: 4, segmentIndex: 2, lastIndex: 1 })).estimateBps).toBeCloseTo(8e6, 0);
    expect(createAbr('dashlab').choose(ctx({ history: [tiny], bufferS: 4, segmentIndex: 1, lastIndex: 0 })).estimateBps).toBeCloseTo(1.6e6, 0);
    // Two small ones: 30 kB in 0.05 s + 0.25 s = 0.8 Mbit/s together (their harmonic mean would be 1.2).
    const slow = { bytes: 20_000, ttfbS: 0.05, transferS: 0.2, endS: 1.5 };
    expect(createAbr('dashlab').choose(ctx({ history: [tiny, slow], bufferS: 4, segmentIndex: 2, lastIndex: 0 })).estimateBps).toBeCloseTo(0.8e6, 0);
  });
  it('plans with a heavier rebuffer penalty (8): with a short buffer it does not risk a stall for bitrate', () => {
    const steady = Array.from({ length: 5 }, (_, i) => ({ bytes: 1_000_000, ttfbS: 0, transferS: 2, endS: 2 * (i + 1) })); // 4 Mbit/s
    const ours = createAbr('dashlab').choose(ctx({ history: steady, bufferS: 4, segmentIndex: 5, lastIndex: 3, nowS: 10 }));
    // 4300k segments take 4.3 s at 4 Mbit/s: with 4 s buffered the first step would stall.
    expect(ours.index).toBeLessThan(5);
    // Robust-MPC weighs a stall at 4.3 when planning, so it is never more careful than ours.
    const robust = createAbr('robust-mpc').choose(ctx({ history: steady, bufferS: 4, segmentIndex: 5, lastIndex: 3, nowS: 10 }));
    expect(ours.index).toBeLessThanOrEqual(robust.index);
  });
});

describe('dynamic (dash.js)', () => {
  it('uses the throughput rule below 12 s, BOLA above, and stays on BOLA down to 6 s', () => {
    const dyn = createAbr('dynamic');
    const h = [A, B];
    expect(dyn.choose(ctx({ history: h, bufferS: 8, nowS: 3 })).reason).toMatch(/^throughput/);
    expect(dyn.choose(ctx({ history: h, bufferS: 13, nowS: 3 })).reason).toMatch(/^BOLA/);
    expect(dyn.choose(ctx({ history: h, bufferS: 7, nowS: 3 })).reason).toMatch(/^BOLA/);
    expect(dyn.choose(ctx({ history: h, bufferS: 5, nowS: 3 })).reason).toMatch(/^throughput/);
  });
});

describe('registry', () => {
  it('has every algorithm the design names, and ours', () => {
    for (const name of ['throughput', 'bba', 'bola', 'mpc', 'robust-mpc', 'dynamic', 'dashlab']) expect(ABR_NAMES).toContain(name);
    expect(() => createAbr('nope')).toThrow(/unknown ABR algorithm "nope"/);
  });
  it('is deterministic: two instances fed the same contexts decide the same', () => {
    for (const name of ABR_NAMES) {
      const a = createAbr(name);
      const b = createAbr(name);
      let history: ThroughputSample[] = [];
      for (let i = 0; i < 30; i++) {
        const c = ctx({ history, bufferS: (i * 7) % 25, segmentIndex: i, lastIndex: i ? i % 6 : undefined, nowS: i * 4 });
        expect(a.choose(c)).toEqual(b.choose(c));
        history = [...history, { bytes: 200_000 + ((i * 7919) % 900_000), ttfbS: 0.05, transferS: 1 + (i % 3), endS: i * 4 + 3 }];
      }
    }
  });
});

describe('long sessions: the player keeps only its last 100 downloads', () => {
  it('robust-MPC and ours still see every new download after the history stops growing', () => {
    for (const name of ['robust-mpc', 'dashlab']) {
      const abr = createAbr(name);
      const history: ThroughputSample[] = [];
      let estimate = 0;
      for (let i = 0; i < 130; i++) {
        // 4 Mbit/s for 120 downloads, then 1 Mbit/s: the drop comes after the cap.
        const mbps = i < 120 ? 4 : 1;
        history.push({ bytes: 500_000, ttfbS: 0, transferS: 4 / mbps, endS: i + 1 });
        if (history.length > 100) history.shift(); // as player/engine/player.ts does
        estimate = abr.choose(ctx({ history, bufferS: 20, segmentIndex: i + 1, totalSegments: 200, lastIndex: 2 })).estimateBps ?? 0;
        if (i === 119) expect(estimate, name).toBeGreaterThan(3.5e6);
      }
      // Ten downloads at 1 Mbit/s: the harmonic means are down to it (a stale 4 Mbit/s if unseen).
      expect(estimate, name).toBeLessThan(1.01e6);
    }
  });
});
