/**
 * The shaper with real downloads on a real server: rates measured end to end. Tolerances
 * are wider than the benchmark's 5% because the test suite runs other work in parallel on
 * two cores; `npm run bench:shaper` measures accuracy on a quiet machine.
 */
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Origin } from '../../server/app.js';
import { packageVideo, type VideoInfo } from '../../server/packager/index.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { startServer } from '../helpers/server.js';

let work: { dir: string; cleanup: () => Promise<void> };
let dashlab: Origin;
let url: string;
let big: { name: string; bytes: number };

beforeAll(async () => {
  work = await tempDir();
  const mediaDir = path.join(work.dir, 'library');
  const input = await makeClip(path.join(work.dir, 'clip.mp4'), { width: 640, height: 360, durationS: 8, audio: false });
  const { info } = await packageVideo({ input, mediaDir, id: 'clip', ladder: '360p:2000k' });
  big = biggest(info);
  ({ dashlab, url } = await startServer({ mediaDir }));
});
afterAll(async () => {
  await dashlab?.close();
  await work?.cleanup();
});

function biggest(info: VideoInfo): { name: string; bytes: number } {
  const [name, meta] = Object.entries(info.files).filter(([n]) => n.endsWith('.m4s')).sort((a, b) => b[1].bytes - a[1].bytes)[0];
  return { name, bytes: meta.bytes };
}

/** Download through a link; returns seconds and the (time, bytes) curve. */
async function download(link: string, file = big.name): Promise<{ seconds: number; bytes: number; curve: Array<[number, number]>; status: number }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/net/${link}/media/clip/${file}`);
  const reader = res.body!.getReader();
  let bytes = 0;
  const curve: Array<[number, number]> = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    curve.push([(performance.now() - t0) / 1000, bytes]);
  }
  return { seconds: (performance.now() - t0) / 1000, bytes, curve, status: res.status };
}

const kbps = (d: { bytes: number; seconds: number }) => (d.bytes * 8) / d.seconds / 1000;

/**
 * A measurement taken while this process had the CPU: the server's shaper and the client's
 * clock share its event loop, so a stall (the VM's stolen time, a GC) either starves the
 * shaper or bunches the reads into a burst. One during which the event loop was held up more
 * than 100 ms is taken again (up to four times), so that the tolerances can stay tight.
 */
async function quietly<T>(measure: () => Promise<T>): Promise<T> {
  let last: T;
  for (let attempt = 0; ; attempt++) {
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    last = await measure();
    h.disable();
    if (h.max / 1e6 < 100 || attempt === 3) return last;
  }
}

async function newLink(profile: string): Promise<string> {
  const res = await fetch(`${url}/api/links`, { method: 'POST', body: JSON.stringify({ profile }), headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

// Rates are measured in real time on a shared 2-core VM: one retry absorbs a stolen second
// (and a measurement is taken again when the event loop was held up during it).
describe('shaped rates, measured', { retry: 1 }, () => {
  it('a constant link delivers its rate', async () => {
    expect(big.bytes).toBeGreaterThan(500_000);
    const d = await quietly(() => download('3000kbps'));
    expect(d.status).toBe(200);
    expect(d.bytes).toBe(big.bytes);
    expect(kbps(d)).toBeGreaterThan(3000 * 0.6); // a loaded CI machine under-delivers; never over
    expect(kbps(d)).toBeLessThan(3000 * 1.08);
  });

  it('two downloads on one link share it (about half each)', async () => {
    const id = await newLink('4000kbps');
    const [a, b] = await quietly(() => Promise.all([download(id), download(id)]));
    const total = ((a.bytes + b.bytes) * 8) / Math.max(a.seconds, b.seconds) / 1000;
    expect(total).toBeGreaterThan(4000 * 0.6);
    expect(total).toBeLessThan(4000 * 1.08);
    for (const d of [a, b]) expect(kbps(d)).toBeLessThan(2000 * 1.15);
  });

  it('two links never share', async () => {
    const [a, b] = await Promise.all([newLink('3000kbps'), newLink('3000kbps')]);
    const [da, db] = await quietly(() => Promise.all([download(a), download(b)]));
    for (const d of [da, db]) expect(kbps(d)).toBeGreaterThan(3000 * 0.6);
  });

  it('a live change takes effect during a download', async () => {
    const { d, put } = await quietly(async () => {
      const id = await newLink('500kbps');
      const pending = download(id);
      await new Promise((r) => setTimeout(r, 1000));
      const put = await fetch(`${url}/api/links/${id}`, { method: 'PUT', body: JSON.stringify({ profile: '8mbps' }), headers: { 'content-type': 'application/json' } });
      return { put: (await put.json()) as { rateKbps: number }, d: await pending };
    });
    expect(put.rateKbps).toBe(8000);
    // At 500 kbit/s it would take bytes*8/500k seconds (~10 s); after the change it ends within ~2 s.
    expect(d.seconds).toBeLessThan(1 + (big.bytes * 8) / 8_000_000 + 1);
    expect(d.seconds).toBeGreaterThan(1);
  });

  it('a trace step is followed within a second', async () => {
    const trace = { points: [{ t: 0, kbps: 3000 }, { t: 1.5, kbps: 800 }] }; // 3 Mbit/s for 1.5 s, then 0.8 Mbit/s (period 3 s)
    const up = await fetch(`${url}/api/traces?name=step-test`, { method: 'POST', body: JSON.stringify(trace) });
    expect(up.status).toBe(201);
    // A link of its own each time, so that the trace starts with the download (a /net/<spec>/ link keeps its clock).
    const d = await quietly(async () => download(await newLink('trace-step-test')));
    const at = (t: number) => d.curve.filter(([s]) => s <= t).at(-1)?.[1] ?? 0;
    const early = ((at(1.4) - at(0.4)) * 8) / 1.0 / 1000;
    const late = ((at(2.9) - at(2.0)) * 8) / 0.9 / 1000;
    expect(d.seconds).toBeGreaterThan(3);
    expect(early).toBeGreaterThan(3000 * 0.6);
    expect(early).toBeLessThan(3000 * 1.15);
    expect(late).toBeLessThan(800 * 1.3);
    expect(late).toBeGreaterThan(800 * 0.6);
  });

  it('round-trip time delays the answer', async () => {
    const t0 = performance.now();
    const res = await fetch(`${url}/net/8mbps-300ms/media/clip/manifest.mpd`);
    await res.text();
    expect(performance.now() - t0).toBeGreaterThan(290);
  });
});

describe('links and traces API', () => {
  it('any route works through a link, with Range and conditional requests', async () => {
    const r = await fetch(`${url}/net/wifi/media/clip/${big.name}`, { headers: { range: 'bytes=0-99' } });
    expect(r.status).toBe(206);
    expect((await r.arrayBuffer()).byteLength).toBe(100);
    const etag = (await fetch(`${url}/media/clip/manifest.mpd`)).headers.get('etag')!;
    expect((await fetch(`${url}/net/wifi/media/clip/manifest.mpd`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${url}/net/wifi/api/videos`)).status).toBe(200);
  });
  it('lists the shipped traces', async () => {
    const list = (await (await fetch(`${url}/api/traces`)).json()) as Array<{ name: string; meanKbps: number; source: string }>;
    const tram = list.find((t) => t.name === 'norway_tram_6');
    expect(tram).toMatchObject({ source: 'shipped' });
    expect(tram!.meanKbps).toBeGreaterThan(700);
    expect(list.find((t) => t.name === 'mahimahi-12mbps')?.meanKbps).toBe(12000);
  });
  it('an unknown link or a bad trace answers with what is wrong', async () => {
    const r = await fetch(`${url}/net/warp-speed/media/clip/manifest.mpd`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: string }).error).toMatch(/unknown link "warp-speed"/);
    const bad = await fetch(`${url}/api/traces?name=bad`, { method: 'POST', body: 'not a trace at all' });
    expect(bad.status).toBe(400);
    const link = await fetch(`${url}/api/links`, { method: 'POST', body: JSON.stringify({ profile: 'nope' }) });
    expect(link.status).toBe(400);
  });
});
