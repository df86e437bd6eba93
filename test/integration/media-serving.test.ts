/**
 * /media/<id>/<file> on a real server on a real port, with a package made by the real
 * ffmpeg: the conditional-GET and Range matrix case by case, and traversal attempts.
 */
import { mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Origin } from '../../server/app.js';
import { packageVideo, type VideoInfo } from '../../server/packager/index.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { rawRequest, startServer } from '../helpers/server.js';

let work: { dir: string; cleanup: () => Promise<void> };
let dashlab: Origin;
let url: string;
let info: VideoInfo;
let seg: string; // a video media segment's name
let mediaDir: string;

beforeAll(async () => {
  work = await tempDir();
  mediaDir = path.join(work.dir, 'library');
  const input = await makeClip(path.join(work.dir, 'clip.mp4'), { width: 640, height: 360, durationS: 5 });
  info = (await packageVideo({ input, mediaDir, id: 'clip', ladder: '360p:600k,240p:300k' })).info;
  seg = `v1-${info.version}-00001.m4s`;
  ({ dashlab, url } = await startServer({ mediaDir }));
});
afterAll(async () => {
  await dashlab?.close();
  await work?.cleanup();
});

const get = (p: string, headers: Record<string, string> = {}, method = 'GET') => rawRequest(url, p, { method, headers });

describe('200 responses carry the whole contract', () => {
  it('a segment', async () => {
    const r = await get(`/media/clip/${seg}`);
    const onDisk = await readFile(path.join(mediaDir, 'clip', seg));
    expect(r.status).toBe(200);
    expect(r.body.equals(onDisk)).toBe(true);
    expect(r.headers['content-length']).toBe(String(onDisk.length));
    expect(r.headers['content-type']).toBe('video/iso.segment');
    expect(r.headers.etag).toBe(info.files[seg].etag);
    expect(r.headers.etag).toMatch(/^"[^"]+"$/); // strong
    expect(r.headers['last-modified']).toBe(new Date(Math.floor(Date.parse(info.createdAt) / 1000) * 1000).toUTCString());
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['access-control-expose-headers']).toMatch(/ETag.*Content-Length.*Content-Range/);
    expect(r.headers['timing-allow-origin']).toBe('*');
  });

  it('content types and cache policy per kind of file', async () => {
    const t = info.version;
    const cases: Array<[string, string, string]> = [
      ['manifest.mpd', 'application/dash+xml', 'no-cache'],
      ['master.m3u8', 'application/vnd.apple.mpegurl', 'no-cache'],
      [`v0-${t}-init.mp4`, 'video/mp4', 'public, max-age=31536000, immutable'],
      [`a0-${t}-init.mp4`, 'audio/mp4', 'public, max-age=31536000, immutable'],
      [`a0-${t}-00001.m4s`, 'audio/mp4', 'public, max-age=31536000, immutable'],
      ['info.json', 'application/json; charset=utf-8', 'no-cache'],
      ['poster.jpg', 'image/jpeg', 'no-cache'],
    ];
    for (const [file, type, cc] of cases) {
      const r = await get(`/media/clip/${file}`, {}, 'HEAD');
      expect([file, r.status, r.headers['content-type'], r.headers['cache-control']]).toEqual([file, 200, type, cc]);
      expect(r.body.length).toBe(0);
      expect(Number(r.headers['content-length'])).toBeGreaterThan(0);
    }
  });

  it('manifests are gzipped for clients that accept it, with their own ETag and Vary', async () => {
    const plain = await get('/media/clip/manifest.mpd');
    const gz = await get('/media/clip/manifest.mpd', { 'accept-encoding': 'gzip, br' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(plain.headers.vary).toBe('Accept-Encoding');
    expect(gz.headers.etag).not.toBe(plain.headers.etag);
    const { gunzipSync } = await import('node:zlib');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect((await get('/media/clip/manifest.mpd', { 'accept-encoding': 'gzip;q=0' })).headers['content-encoding']).toBeUndefined();
    // A segment is never compressed.
    expect((await get(`/media/clip/${seg}`, { 'accept-encoding': 'gzip' })).headers['content-encoding']).toBeUndefined();
  });
});

describe('conditional GET', () => {
  it('If-None-Match with the ETag answers 304 with validators, cache policy, Vary and no body', async () => {
    const first = await get('/media/clip/manifest.mpd');
    const r = await get('/media/clip/manifest.mpd', { 'if-none-match': first.headers.etag! });
    expect(r.status).toBe(304);
    expect(r.body.length).toBe(0);
    expect(r.headers.etag).toBe(first.headers.etag);
    expect(r.headers['last-modified']).toBe(first.headers['last-modified']);
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers.vary).toBe('Accept-Encoding');
    expect(r.headers['content-length']).toBeUndefined();
  });
  it('weak and listed tags match; other tags do not', async () => {
    const etag = info.files[seg].etag;
    expect((await get(`/media/clip/${seg}`, { 'if-none-match': `W/${etag}` })).status).toBe(304);
    expect((await get(`/media/clip/${seg}`, { 'if-none-match': `"nope", ${etag}` })).status).toBe(304);
    expect((await get(`/media/clip/${seg}`, { 'if-none-match': '*' })).status).toBe(304);
    expect((await get(`/media/clip/${seg}`, { 'if-none-match': '"nope"' })).status).toBe(200);
  });
  it('If-Modified-Since: 304 when not modified, 200 when modified', async () => {
    const lm = (await get(`/media/clip/${seg}`, {}, 'HEAD')).headers['last-modified']!;
    expect((await get(`/media/clip/${seg}`, { 'if-modified-since': lm })).status).toBe(304);
    expect((await get(`/media/clip/${seg}`, { 'if-modified-since': 'Thu, 01 Jan 2015 00:00:00 GMT' })).status).toBe(200);
  });
  it('If-None-Match wins over an older If-Modified-Since', async () => {
    const r = await get(`/media/clip/${seg}`, { 'if-none-match': info.files[seg].etag, 'if-modified-since': 'Thu, 01 Jan 2015 00:00:00 GMT' });
    expect(r.status).toBe(304);
    const miss = await get(`/media/clip/${seg}`, { 'if-none-match': '"other"', 'if-modified-since': 'Fri, 01 Jan 2100 00:00:00 GMT' });
    expect(miss.status).toBe(200);
  });
  it('HEAD answers 304 the same way', async () => {
    expect((await get(`/media/clip/${seg}`, { 'if-none-match': info.files[seg].etag }, 'HEAD')).status).toBe(304);
  });
  it('If-Match that fails answers 412', async () => {
    expect((await get(`/media/clip/${seg}`, { 'if-match': '"other"' })).status).toBe(412);
  });
});

describe('Range', () => {
  let whole: Buffer;
  beforeAll(async () => {
    whole = await readFile(path.join(mediaDir, 'clip', seg));
  });
  it('a single range answers 206 with Content-Range and exactly those bytes', async () => {
    const r = await get(`/media/clip/${seg}`, { range: 'bytes=100-199' });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes 100-199/${whole.length}`);
    expect(r.headers['content-length']).toBe('100');
    expect(r.body.equals(whole.subarray(100, 200))).toBe(true);
  });
  it('a suffix range', async () => {
    const r = await get(`/media/clip/${seg}`, { range: 'bytes=-50' });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes ${whole.length - 50}-${whole.length - 1}/${whole.length}`);
    expect(r.body.equals(whole.subarray(whole.length - 50))).toBe(true);
  });
  it('an open-ended range', async () => {
    const r = await get(`/media/clip/${seg}`, { range: `bytes=${whole.length - 10}-` });
    expect(r.status).toBe(206);
    expect(r.body.equals(whole.subarray(whole.length - 10))).toBe(true);
  });
  it('an unsatisfiable range answers 416 with bytes */length', async () => {
    const r = await get(`/media/clip/${seg}`, { range: `bytes=${whole.length}-` });
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe(`bytes */${whole.length}`);
  });
  it('If-Range with the current ETag keeps the range; a stale one gets the whole file', async () => {
    const etag = info.files[seg].etag;
    expect((await get(`/media/clip/${seg}`, { range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
    const stale = await get(`/media/clip/${seg}`, { range: 'bytes=0-9', 'if-range': '"stale"' });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(whole.length);
  });
  it('HEAD with a range answers 206 headers and no body', async () => {
    const r = await get(`/media/clip/${seg}`, { range: 'bytes=0-9' }, 'HEAD');
    expect(r.status).toBe(206);
    expect(r.headers['content-length']).toBe('10');
    expect(r.body.length).toBe(0);
  });
  it('ranges are served from the memory cache and from disk alike', async () => {
    // The first full GET above put the segment in memory; a range of a file not yet read comes from disk.
    const other = `v0-${info.version}-00002.m4s`;
    const onDisk = await readFile(path.join(mediaDir, 'clip', other));
    const r = await get(`/media/clip/${other}`, { range: 'bytes=10-19' });
    expect(r.body.equals(onDisk.subarray(10, 20))).toBe(true);
  });
});

describe('path safety', () => {
  beforeAll(async () => {
    // A symlink in the library pointing out, and a staging folder that must never be served.
    await symlink('/etc', path.join(mediaDir, 'evil'));
    await mkdir(path.join(mediaDir, '.tmp', 'wip'), { recursive: true });
    await writeFile(path.join(mediaDir, '.tmp', 'wip', 'manifest.mpd'), '<MPD/>');
    const real = await realpath(path.join(mediaDir, 'clip'));
    await symlink('/etc/passwd', path.join(real, 'passwd.m4s'));
    await dashlab.catalog.load();
  });

  const attempts = [
    '/media/../../etc/passwd',
    '/media/clip/../../../etc/passwd',
    '/media/clip/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/media/%2e%2e/%2e%2e%2fetc%2fpasswd',
    '/media/clip/%252e%252e%252fetc%252fpasswd',
    '/media/clip/..%2f..%2fetc%2fpasswd',
    '/media/clip/..%5c..%5cetc%5cpasswd',
    '/media/clip/..\\..\\etc\\passwd',
    '/media/clip/manifest.mpd%00.m4s',
    '/media/clip/%00',
    '/media/clip/%E0%A4%A',
    '/media/evil/passwd',
    '/media/evil/hosts',
    '/media/clip/passwd.m4s',
    '/media/.tmp/wip',
    '/media/.tmp/manifest.mpd',
    '/media/%2etmp/manifest.mpd',
    '/media/clip/.%2e/.%2e/etc/passwd',
    '/media/clip//etc/passwd',
    '/media/clip/info.json/..',
    '/media//etc/passwd',
  ];
  for (const p of attempts) {
    it(`${p} -> 400 or 404`, async () => {
      const r = await get(p);
      expect([400, 404]).toContain(r.status);
      expect(r.body.toString()).not.toMatch(/root:|MPD/);
    });
  }
  it('the server still answers normally afterwards', async () => {
    expect((await get('/media/clip/manifest.mpd')).status).toBe(200);
  });
});

describe('page errors', () => {
  const browserAccept = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
  it('a browser gets a page with the reason and the ways on; curl gets the reason as text', async () => {
    const page = await get('/watch/nope', browserAccept);
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body.toString()).toContain('<p class="error" id="error">no video &#34;nope&#34;</p>');
    for (const href of ['/', '/compare', '/reports']) expect(page.body.toString()).toContain(`href="${href}"`);
    const text = await get('/watch/nope');
    expect(text.status).toBe(404);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.body.toString()).toBe('no video "nope"\n');
  });
  it('the message is escaped, bad requests keep their status, and unknown paths are 404 pages', async () => {
    const bad = await get('/watch/clip?abr=%3Cscript%3E', browserAccept);
    expect(bad.status).toBe(400);
    expect(bad.body.toString()).toContain('unknown abr &#34;&#60;script&#62;&#34;');
    expect(bad.body.toString()).not.toContain('<script>');
    const lost = await get('/no/such/page', browserAccept);
    expect(lost.status).toBe(404);
    expect(lost.body.toString()).toContain('id="error">not found</p>');
    expect((await get('/no/such/page')).body.toString()).toBe('not found\n');
  });
  it('/cdn on an origin without a CDN tier says how to start one', async () => {
    const page = await get('/cdn');
    expect(page.status).toBe(404);
    expect(page.body.toString()).toMatch(/start one with npm run cdn/);
  });
});
