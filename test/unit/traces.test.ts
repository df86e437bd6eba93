import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bitsBetween, meanKbps, parseTrace, rateAt, TraceError } from '../../core/traces/index.js';
import { tailRate } from '../../player/engine/loader.js';
import { parseProfile, ProfileError } from '../../server/shaper/profiles.js';
import { REPO } from '../helpers/media.js';

describe('trace formats', () => {
  it('Pensieve cooked: seconds and Mbit/s, piecewise constant, looping', () => {
    const t = parseTrace('0.0 1.5\n1.0 0.5\n2.5 3.0\n', 'p');
    expect(t.format).toBe('pensieve');
    expect(t.periodS).toBe(4); // last point + the last step
    expect(rateAt(t, 0)).toBe(1500);
    expect(rateAt(t, 0.99)).toBe(1500);
    expect(rateAt(t, 1)).toBe(500);
    expect(rateAt(t, 3.9)).toBe(3000);
    expect(rateAt(t, 4.2)).toBe(1500); // looped
    expect(meanKbps(t)).toBeCloseTo((1500 * 1 + 500 * 1.5 + 3000 * 1.5) / 4, 6);
  });
  it('Mahimahi: one 1500-byte opportunity a line; the 12mbps trace is 12 Mbit/s', () => {
    const t = parseTrace(readFileSync(path.join(REPO, 'media/traces/mahimahi-12mbps'), 'utf8'), '12mbps');
    expect(t.format).toBe('mahimahi');
    expect(meanKbps(t)).toBeCloseTo(12000, 6);
    const burst = parseTrace(Array.from({ length: 200 }, (_, i) => String(i < 100 ? i + 1 : 1000)).join('\n'), 'b');
    expect(rateAt(burst, 0.05)).toBeCloseTo(12000, 6); // 100 opportunities in the first 100 ms
    expect(rateAt(burst, 0.5)).toBe(0);
  });
  it('JSON: points and RTT', () => {
    const t = parseTrace(JSON.stringify({ name: 'j', rttMs: 80, points: [{ t: 0, kbps: 800 }, { t: 10, kbps: 200 }] }), 'file');
    expect(t).toMatchObject({ name: 'j', rttMs: 80, format: 'json', periodS: 20 });
    expect(rateAt(t, 15)).toBe(200);
  });
  it('the shipped traces all parse', () => {
    for (const f of ['norway_tram_6', 'norway_metro_1', 'norway_ferry_5', 'norway_bus_15', 'fcc-14679-facebook', 'fcc-28919-google']) {
      const t = parseTrace(readFileSync(path.join(REPO, 'media/traces', f), 'utf8'), f);
      expect(t.format).toBe('pensieve');
      expect(meanKbps(t)).toBeGreaterThan(100);
    }
  });
  it('bad traces are refused with the line', () => {
    expect(() => parseTrace('', 'e')).toThrow(TraceError);
    expect(() => parseTrace('0 1\nx y\n', 'bad')).toThrow(/bad: line 2 is not "seconds Mbit\/s"/);
    expect(() => parseTrace('{"points": []}', 'j')).toThrow(/needs "points"/);
    expect(() => parseTrace('5\n-1\n', 'm')).toThrow(/line 2 is not a millisecond timestamp/);
  });
});

describe('link specs', () => {
  const none = () => undefined;
  it('rates, RTTs, named profiles and traces', () => {
    expect(parseProfile('1500kbps', none)).toMatchObject({ spec: '1500kbps', rttMs: 0 });
    expect(rateAt(parseProfile('1500kbps-80ms', none).trace, 5)).toBe(1500);
    expect(parseProfile('2mbps-80ms', none).rttMs).toBe(80);
    expect(rateAt(parseProfile('2mbps', none).trace, 0)).toBe(2000);
    expect(rateAt(parseProfile('step-down', none).trace, 45)).toBe(600);
    const tr = parseTrace('0 1\n1 2\n', 'x');
    expect(parseProfile('trace-x', (n) => (n === 'x' ? tr : undefined)).trace).toBe(tr);
    expect(parseProfile('trace-x-50ms', (n) => (n === 'x' ? tr : undefined)).rttMs).toBe(50);
  });
  it('unknown specs say what is allowed', () => {
    expect(() => parseProfile('fast', none)).toThrow(ProfileError);
    expect(() => parseProfile('fast', none)).toThrow(/use <rate>kbps or <rate>mbps.*3g, 4g, wifi, step-down, sawtooth/);
    expect(() => parseProfile('trace-nope', none)).toThrow(/no trace named "nope"/);
  });
});

describe('bits carried between two times', () => {
  // 1 Mbit/s for 1 s, then 3 Mbit/s for 1 s, looping.
  const t = parseTrace('0 1\n1 3\n', 'steps');
  it('within a piece, across pieces and across the loop', () => {
    expect(bitsBetween(t, 0.25, 0.75)).toBeCloseTo(0.5e6, 3);
    expect(bitsBetween(t, 0.5, 1.5)).toBeCloseTo(0.5e6 + 1.5e6, 3);
    expect(bitsBetween(t, 1.5, 2.5)).toBeCloseTo(1.5e6 + 0.5e6, 3); // 2.0 is the loop
    expect(bitsBetween(t, 10, 14)).toBeCloseTo(8e6, 3); // two whole periods, laps later
    expect(bitsBetween(t, 3, 3)).toBe(0);
  });
});

describe("a download's tail rate (the loader's progress marks)", () => {
  it('the bytes after the last mark at least half a second before the end, over that time', () => {
    // 100 kB every 0.1 s for 2 s (8 Mbit/s), the last 0.5 s at half that.
    const marks = [];
    let loaded = 0;
    for (let i = 0; i <= 15; i++) marks.push({ tS: i * 0.1, loaded: (loaded = i * 100_000) });
    for (let i = 1; i <= 5; i++) marks.push({ tS: 1.5 + i * 0.1, loaded: loaded + i * 50_000 });
    expect(tailRate(marks)).toBeCloseTo((250_000 * 8) / 0.5, 0); // 4 Mbit/s, not the 7 of the whole
  });
  it('reads that come in bursts: the window stretches back to the last mark before it', () => {
    const marks = [{ tS: 0, loaded: 0 }, { tS: 0.4, loaded: 500_000 }, { tS: 1.2, loaded: 1_000_000 }];
    expect(tailRate(marks)).toBeCloseTo((500_000 * 8) / 0.8, 0);
  });
  it('nothing for a transfer under a second (the tail would be most of it)', () => {
    expect(tailRate([{ tS: 0, loaded: 0 }, { tS: 0.9, loaded: 1_000_000 }])).toBeUndefined();
    expect(tailRate([{ tS: 5, loaded: 10 }])).toBeUndefined();
  });
});
