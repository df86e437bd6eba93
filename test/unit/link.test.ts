/**
 * The shaper's token bucket, ticked by hand (no timers): what one link releases per tick.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Link, Pacer } from '../../server/shaper/link.js';
import { parseProfile } from '../../server/shaper/profiles.js';

const pacers: Pacer[] = [];
afterEach(() => pacers.splice(0).forEach((p) => p.stop()));

/** A link at `spec` with one flow per sink; each sink counts the bytes written to it. */
function setup(spec: string, flows = 1) {
  const pacer = new Pacer();
  pacers.push(pacer);
  const link = new Link(parseProfile(spec, () => undefined), pacer);
  const sinks = Array.from({ length: flows }, () => {
    const out = new PassThrough({ highWaterMark: 64 * 1024 * 1024 });
    const sink = { bytes: 0, flow: link.open(out) };
    out.on('data', (c: Buffer) => (sink.bytes += c.length));
    return sink;
  });
  const fill = (bytes: number) => sinks.forEach((s) => s.flow.push(Buffer.alloc(bytes)));
  const sent = () => link.bytesSent;
  return { link, sinks, fill, sent };
}

describe('a shaped link, tick by tick', () => {
  it('releases its rate for the whole of a late tick, not one 20 ms burst', () => {
    const { link, fill, sent } = setup('3000kbps'); // 375,000 bytes/s
    fill(1_000_000);
    link.tick(0.1, performance.now()); // a timer 90 ms late, as on a CPU-starved server
    expect(sent()).toBeGreaterThanOrEqual(37_499);
    expect(sent()).toBeLessThanOrEqual(37_500);
  });

  it('delivers the same bytes in ten 10 ms ticks as in one 100 ms tick', () => {
    const { link, fill, sent } = setup('3000kbps');
    fill(1_000_000);
    for (let i = 0; i < 10; i++) link.tick(0.01, performance.now());
    expect(sent()).toBeGreaterThanOrEqual(37_490);
    expect(sent()).toBeLessThanOrEqual(37_500);
  });

  it('an idle link banks one burst at most', () => {
    const { link, fill, sent } = setup('3000kbps');
    link.tick(2, performance.now()); // two idle seconds: 750,000 bytes of capacity, not kept
    fill(1_000_000);
    link.tick(0.01, performance.now());
    // One 20 ms burst (7,500 bytes) banked plus this tick's 10 ms (3,750).
    expect(sent()).toBeLessThanOrEqual(7_500 + 3_750);
    expect(sent()).toBeGreaterThan(3_700);
  });

  it('shares its rate between the flows on it, round-robin', async () => {
    const { link, sinks, fill } = setup('4000kbps', 2); // 500,000 bytes/s
    fill(1_000_000);
    for (let i = 0; i < 20; i++) link.tick(0.01, performance.now());
    await new Promise((r) => setImmediate(r)); // the sinks count what was written, asynchronously
    const [a, b] = sinks.map((s) => s.bytes);
    expect(a + b).toBeGreaterThan(99_900);
    expect(a + b).toBeLessThanOrEqual(100_000);
    expect(Math.abs(a - b)).toBeLessThan(1_000);
  });

  it('a link whose tick throws is closed and handed back; the pacer and the other links go on', async () => {
    const broken: Array<[Link, Error]> = [];
    const pacer = new Pacer((l, e) => broken.push([l, e]));
    pacers.push(pacer);
    const good = new Link(parseProfile('4000kbps', () => undefined), pacer);
    const bad = new Link(parseProfile('4000kbps', () => undefined), pacer);
    // A profile that slipped through without a trace (what `constructor` once made): the tick throws.
    bad.profile = { spec: 'broken', rttMs: 0 } as unknown as typeof bad.profile;
    const outs = [new PassThrough({ highWaterMark: 1 << 26 }), new PassThrough({ highWaterMark: 1 << 26 })];
    const [gf, bf] = [good.open(outs[0]), bad.open(outs[1])];
    gf.push(Buffer.alloc(100_000));
    bf.push(Buffer.alloc(100_000));
    await new Promise((r) => setTimeout(r, 120));
    expect(broken.map(([l]) => l)).toEqual([bad]);
    expect(broken[0][1]).toBeInstanceOf(TypeError);
    expect(outs[1].destroyed).toBe(true);
    expect(good.bytesSent).toBeGreaterThan(20_000);
  });

  it('a client that does not read stops taking tokens after 1 MB; the other flow on the link gets them', async () => {
    const { link, sinks, fill } = setup('100mbps'); // 12.5 MB/s
    const stuck = new PassThrough(); // nobody reads it: writes pile up in it
    const idle = link.open(stuck);
    idle.push(Buffer.alloc(4_000_000));
    fill(4_000_000);
    link.tick(0.2, performance.now()); // 2.5 MB of tokens
    await new Promise((r) => setImmediate(r));
    expect(stuck.writableLength).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024);
    expect(stuck.writableLength).toBeGreaterThan(900_000);
    expect(sinks[0].bytes).toBeGreaterThan(2_500_000 - 1024 * 1024 - 64 * 1024);
  });
});
