/**
 * deploy/nginx/dashlab-edge.conf in the real nginx (run as npm run cdn runs it: server/cdn/nginx.ts), in front of the real origin with a
 * package made by the real ffmpeg: what the edge caches, how it revalidates (conditional GET,
 * the origin answering 304), what passes through, and what it does when the origin is down.
 * The origin's own counters (/metrics) say which requests reached it.
 */
import { chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Origin } from '../../server/app.js';
import { EdgeNginx } from '../../server/cdn/nginx.js';
import { freePort } from '../../server/free-port.js';
import { packageVideo, type VideoInfo } from '../../server/packager/index.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { rawRequest, startServer } from '../helpers/server.js';

let work: { dir: string; cleanup: () => Promise<void> };
let dashlab: Origin;
let origin: string;
let edge: string;
let nginx: EdgeNginx;
let mediaDir: string;
let info: VideoInfo;

/** The origin's count of answers to /media with this status. */
async function originCount(status: number): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const m = new RegExp(`dashlab_http_requests_total\\{route="media",status="${status}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

const viaEdge = (p: string, headers: Record<string, string> = {}, method = 'GET') => rawRequest(edge, p, { method, headers });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// The edge holds manifests 1 s, counted in whole seconds of its clock: expired within 2 s.
const manifestExpiry = () => sleep(2100);

beforeAll(async () => {
  work = await tempDir('dashlab-edge-');
  await chmod(work.dir, 0o755);
  mediaDir = path.join(work.dir, 'library');
  const input = await makeClip(path.join(work.dir, 'clip.mp4'), { width: 640, height: 360, durationS: 4 });
  info = (await packageVideo({ input, mediaDir, id: 'clip', ladder: '360p:600k,240p:300k' })).info;
  let originUrl: string;
  ({ dashlab, url: originUrl } = await startServer({ mediaDir }));
  origin = originUrl;
  nginx = new EdgeNginx({ originPort: Number(new URL(origin).port), port: await freePort(), dir: path.join(work.dir, 'nginx'), cacheMb: 1024 });
  await nginx.start();
  edge = nginx.url;
}, 120_000);

afterAll(async () => {
  await nginx?.stop();
  await dashlab?.close().catch(() => undefined);
  await work?.cleanup();
});

describe('the nginx edge in front of the origin', () => {
  it('serves a segment from the origin once, then from its cache', async () => {
    const seg = `v0-${info.version}-00001.m4s`;
    const before = await originCount(200);
    const first = await viaEdge(`/media/clip/${seg}`);
    const second = await viaEdge(`/media/clip/${seg}`);
    const onDisk = await readFile(path.join(mediaDir, 'clip', seg));
    expect([first.status, first.headers['x-cache-status']]).toEqual([200, 'MISS']);
    expect([second.status, second.headers['x-cache-status']]).toEqual([200, 'HIT']);
    expect(second.body.equals(onDisk)).toBe(true);
    // The origin's headers reach the player unchanged.
    expect(second.headers.etag).toBe(info.files[seg].etag);
    expect(second.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(await originCount(200)).toBe(before + 1);
  });

  it('makes one origin request when many players miss the same segment at once', async () => {
    const seg = `a0-${info.version}-00002.m4s`;
    const before = await originCount(200);
    const all = await Promise.all(Array.from({ length: 8 }, () => viaEdge(`/media/clip/${seg}`)));
    expect(all.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(await originCount(200)).toBe(before + 1);
  });

  it("answers players' conditional GETs and ranges from its copy", async () => {
    const seg = `v1-${info.version}-00001.m4s`;
    await viaEdge(`/media/clip/${seg}`);
    const before = [await originCount(200), await originCount(304), await originCount(206)];
    const notModified = await viaEdge(`/media/clip/${seg}`, { 'if-none-match': info.files[seg].etag });
    expect([notModified.status, notModified.headers['x-cache-status'], notModified.body.length]).toEqual([304, 'HIT', 0]);
    const range = await viaEdge(`/media/clip/${seg}`, { range: 'bytes=100-199' });
    const onDisk = await readFile(path.join(mediaDir, 'clip', seg));
    expect(range.status).toBe(206);
    expect(range.headers['content-range']).toBe(`bytes 100-199/${onDisk.length}`);
    expect(range.body.equals(onDisk.subarray(100, 200))).toBe(true);
    expect([await originCount(200), await originCount(304), await originCount(206)]).toEqual(before);
  });

  it('revalidates a manifest after a second or two with a conditional GET, which the origin answers 304', async () => {
    const first = await viaEdge('/media/clip/manifest.mpd');
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-cache'); // players still revalidate
    expect((await viaEdge('/media/clip/manifest.mpd')).headers['x-cache-status']).toBe('HIT');
    const before304 = await originCount(304);
    await manifestExpiry();
    const again = await viaEdge('/media/clip/manifest.mpd');
    expect([again.status, again.headers['x-cache-status']]).toEqual([200, 'REVALIDATED']);
    expect(again.body.equals(first.body)).toBe(true);
    expect(await originCount(304)).toBe(before304 + 1);
  });

  it('a re-packaged video reaches players through the edge within two seconds', async () => {
    await viaEdge('/media/clip/manifest.mpd');
    const input = await makeClip(path.join(work.dir, 'clip2.mp4'), { width: 640, height: 360, durationS: 4, audio: false });
    const next = (await packageVideo({ input, mediaDir, id: 'clip', ladder: '240p:300k' })).info;
    expect(next.version).not.toBe(info.version);
    await manifestExpiry();
    const fresh = await viaEdge('/media/clip/manifest.mpd');
    expect(fresh.status).toBe(200);
    expect(fresh.headers['x-cache-status']).toBe('EXPIRED'); // revalidated, and the origin sent the new one
    expect(fresh.body.equals(await readFile(path.join(mediaDir, 'clip', 'manifest.mpd')))).toBe(true);
    expect(fresh.body.toString()).toContain(next.version);
    const seg = await viaEdge(`/media/clip/v0-${next.version}-00001.m4s`);
    expect([seg.status, seg.headers['x-cache-status']]).toEqual([200, 'MISS']);
    info = next;
  });

  it('passes shaped links and the API through uncached; writes through it need UPLOAD_TOKEN', async () => {
    const shaped = await viaEdge('/net/8mbps/media/clip/manifest.mpd');
    expect(shaped.status).toBe(200);
    expect(shaped.headers['x-cache-status']).toBeUndefined();
    const list = await viaEdge('/api/videos');
    expect([list.status, list.headers['x-cache-status']]).toEqual([200, undefined]);
    const page = await viaEdge('/watch/clip');
    expect([page.status, page.headers['x-cache-status']]).toEqual([200, undefined]);
    expect(page.body.toString()).toContain('/media/clip/manifest.mpd');
    // Direct to the loopback origin a delete passes the token check (404: no such video);
    // through the edge the origin sees X-Forwarded-For and refuses.
    expect((await fetch(`${origin}/api/videos/nope`, { method: 'DELETE' })).status).toBe(404);
    const del = await viaEdge('/api/videos/nope', {}, 'DELETE');
    expect(del.status).toBe(403);
    expect(JSON.parse(del.body.toString()).error).toMatch(/through a proxy without UPLOAD_TOKEN/);
  });

  it('gives two viewers behind it a shaped link each, as direct viewers have (the origin reads X-Forwarded-For from the edge it trusts)', async () => {
    const through = (client: string) => rawRequest(edge, '/net/4000kbps/media/clip/manifest.mpd', { localAddress: client });
    const [a, b] = [await through('127.0.0.2'), await through('127.0.0.3')];
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.headers['x-dashlab-link']).toBeDefined();
    expect(a.headers['x-dashlab-link']).not.toBe(b.headers['x-dashlab-link']);
    expect((await through('127.0.0.2')).headers['x-dashlab-link']).toBe(a.headers['x-dashlab-link']);
    // Directly, the same two addresses have their own links too (the origin's socket address).
    const direct = (client: string) => rawRequest(origin, '/net/4000kbps/media/clip/manifest.mpd', { localAddress: client });
    expect((await direct('127.0.0.2')).headers['x-dashlab-link']).toBe(a.headers['x-dashlab-link']);
  });

  it('keeps serving what it has when the origin is down', async () => {
    const seg = `v0-${info.version}-00001.m4s`;
    await viaEdge(`/media/clip/${seg}`);
    await viaEdge('/media/clip/manifest.mpd');
    await dashlab.close();
    expect((await fetch(`${origin}/api/videos`).catch(() => undefined))?.status).toBeUndefined();
    const cached = await viaEdge(`/media/clip/${seg}`);
    expect([cached.status, cached.headers['x-cache-status']]).toEqual([200, 'HIT']);
    await manifestExpiry();
    const stale = await viaEdge('/media/clip/manifest.mpd');
    expect([stale.status, stale.headers['x-cache-status']]).toEqual([200, 'STALE']);
    expect((await viaEdge('/api/videos')).status).toBe(502);
  });
});
