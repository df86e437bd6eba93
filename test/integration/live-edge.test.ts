/**
 * A live channel through deploy/nginx/dashlab-edge.conf in the real nginx: the viewer whose
 * request fills the cache gets the segment chunk by chunk; 20 viewers asking for the same
 * segment cause one origin fetch; the live manifest is kept a second and revalidated.
 */
import { chmod } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DOMParser } from '@xmldom/xmldom';
import { BoxSplitter } from '../../core/live/boxes.js';
import { newestSegment } from '../../core/live/timing.js';
import { parseMpd, type DomParserLike, type Manifest } from '../../core/mpd/parse.js';
import type { Origin } from '../../server/app.js';
import { EdgeNginx } from '../../server/cdn/nginx.js';
import { freePort } from '../../server/free-port.js';
import { tempDir } from '../helpers/media.js';
import { startServer } from '../helpers/server.js';

let work: { dir: string; cleanup: () => Promise<void> };
let dashlab: Origin;
let origin: string;
let nginx: EdgeNginx;
/** Every path the origin was asked for. */
const originHits: string[] = [];

beforeAll(async () => {
  work = await tempDir('dashlab-live-edge-');
  await chmod(work.dir, 0o755);
  ({ dashlab, url: origin } = await startServer({ mediaDir: path.join(work.dir, 'library') }));
  dashlab.server.on('request', (req: IncomingMessage) => originHits.push(req.url ?? ''));
  nginx = new EdgeNginx({ originPort: Number(new URL(origin).port), port: await freePort(), dir: path.join(work.dir, 'nginx'), cacheMb: 256 });
  await nginx.start();
  const res = await fetch(`${origin}/api/channels`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: 'clock', source: 'testsrc' }) });
  expect(res.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await nginx?.stop();
  await dashlab?.close().catch(() => undefined);
  await work?.cleanup();
});

const mpd = async (): Promise<Manifest> => parseMpd(await (await fetch(`${nginx.url}/live/clock/manifest.mpd`)).text(), `${nginx.url}/live/clock/manifest.mpd`, new DOMParser() as unknown as DomParserLike);

/** The next segment of a rung, its path, and when its first chunk is due (ms). */
async function nextSegment(rung: number): Promise<{ path: string; dueMs: number }> {
  const m = await mpd();
  const rep = m.adaptationSets[0].representations[rung];
  const n = newestSegment(m.live!, rep.live!, Date.now()) + 1;
  return { path: new URL(rep.live!.media.replace('$RepresentationID$', rep.id).replace('$Number$', String(n)), `${nginx.url}/live/clock/`).pathname, dueMs: m.live!.availabilityStartMs + ((n - 1) * 2 + 0.5) * 1000 };
}

const waitUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now()) + 50));

it('passes a segment being written on chunk by chunk', async () => {
  const seg = await nextSegment(3);
  await waitUntil(seg.dueMs);
  const t0 = performance.now();
  const res = await fetch(`${nginx.url}${seg.path}`);
  expect(res.status).toBe(200);
  const splitter = new BoxSplitter();
  const at: number[] = [];
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const b of splitter.push(value)) if (b.type === 'mdat') at.push(Math.round(performance.now() - t0));
  }
  console.log(`through the edge, the chunks of one segment arrived at ${at.join(', ')} ms`);
  expect(at.length).toBe(4);
  expect(at[3] - at[0]).toBeGreaterThan(900); // as they were encoded, not all at the end
  const again = await fetch(`${nginx.url}${seg.path}`);
  expect(again.headers.get('x-cache-status')).toBe('HIT');
});

it('20 viewers asking for the same segment at once cause one origin fetch', async () => {
  for (const rung of [0, 2]) {
    const seg = await nextSegment(rung);
    await waitUntil(seg.dueMs);
    const bodies = await Promise.all(Array.from({ length: 20 }, async () => Buffer.from(await (await fetch(`${nginx.url}${seg.path}`)).arrayBuffer())));
    expect(new Set(bodies.map((b) => b.toString('base64'))).size).toBe(1);
    expect(bodies[0].length).toBeGreaterThan(10_000);
    expect(originHits.filter((p) => p === seg.path)).toHaveLength(1);
  }
});

it('keeps the live manifest a second, then revalidates it', async () => {
  const mpdPath = '/live/clock/manifest.mpd';
  const before = originHits.filter((p) => p === mpdPath).length;
  const first = await fetch(`${nginx.url}${mpdPath}`);
  const second = await fetch(`${nginx.url}${mpdPath}`);
  expect(second.headers.get('x-cache-status')).toBe('HIT');
  expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
  await new Promise((r) => setTimeout(r, 2100));
  const third = await fetch(`${nginx.url}${mpdPath}`);
  expect(third.headers.get('x-cache-status')).toMatch(/REVALIDATED|EXPIRED|MISS/);
  expect(originHits.filter((p) => p === mpdPath).length - before).toBeLessThanOrEqual(2);
  // The clock the MPD points at passes through to the origin.
  expect(Math.abs(Date.parse(await (await fetch(`${nginx.url}/api/time`)).text()) - Date.now())).toBeLessThan(1000);
});
