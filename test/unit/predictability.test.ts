/** The link-predictability yardstick behind npm run abr:ceiling: it must find what is there to find, and nothing more. */
import { describe, expect, it } from 'vitest';
import { linkPredictability } from '../../lab/yardsticks/predictability.js';
import { parseTrace, type Trace } from '../../core/traces/index.js';

/** A trace of one rate per second for `seconds` seconds. */
const trace = (name: string, seconds: number, kbpsAt: (s: number) => number): Trace =>
  parseTrace(JSON.stringify({ points: Array.from({ length: seconds }, (_, s) => ({ t: s, kbps: kbpsAt(s) })) }), name);

/** Deterministic noise in [0, 1). */
const noise = (seed: number) => {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
};

describe('linkPredictability', () => {
  it('a slowly varying link is predicted from its last half second', () => {
    // Rate levels held for 60 s: eight seconds ahead almost always look like the last half second.
    const steady = (phase: number) => trace(`steady${phase}`, 600, (s) => [400, 3000, 1200, 6000, 800][Math.floor((s + phase) / 60) % 5]);
    const p = linkPredictability({ train: [steady(0), steady(17)], test: [steady(31)] });
    expect(p.samples.test).toBe(600 - 64 - 8 + 1);
    const [last] = p.rows;
    expect(last.label).toBe('last 0.5 s');
    expect(last.r2).toBeGreaterThan(0.8);
  });

  it('a link of independent random rates, one a second, cannot be predicted from any window', () => {
    const random = (seed: number) => {
      const r = noise(seed);
      return trace(`random${seed}`, 900, () => 200 + 5000 * r());
    };
    const p = linkPredictability({ train: [random(1), random(2)], test: [random(3)] });
    expect(p.rows).toHaveLength(3);
    for (const row of p.rows) {
      expect(row.r2).toBeLessThan(0.05);
      expect(row.rmse).toBeGreaterThan(0);
    }
  });

  it('more past helps where the future depends on it: a link alternating between two rates every 16 s', () => {
    // The last half second says which rate it is now; only the longer windows say when it turns.
    const square = (phase: number) => trace(`square${phase}`, 640, (s) => (Math.floor((s + phase) / 16) % 2 ? 4000 : 500));
    const p = linkPredictability({ train: [square(0), square(5)], test: [square(11)] });
    const [last, , all] = p.rows;
    expect(all.r2).toBeGreaterThan(last.r2 + 0.1);
  });

  it('says so when the traces are too short for the history and the horizon', () => {
    const short = trace('short', 60, () => 1000);
    expect(() => linkPredictability({ train: [short], test: [short] })).toThrow(/shorter than 72 s/);
  });
});
