/**
 * What probing the origin found (issue: the house, "Faults found by probing the origin"), on
 * a real server: names that match inherited object properties, trace uploads, cross-site
 * writes, stalled uploads, links behind a proxy, caps, and the minor ones (absolute-form
 * request lines, a future If-Modified-Since, a segment swapped for a symlink).
 */
import net from 'node:net';
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVideo, type VideoInfo } from '../../server/packager/index.js';
import { SHAPER_LIMITS } from '../../server/shaper/shaper.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { rawRequest, startServer } from '../helpers/server.js';

const TOKEN = 'a-long-test-secret';

/** A library with one 4 s clip, and a server on it with an upload token and a short upload idle timeout. */
async function setup() {
  const work = await tempDir();
  const mediaDir = path.join(work.dir, 'library');
  const input = await makeClip(path.join(work.dir, 'clip.mp4'), { width: 320, height: 180, durationS: 4, audio: false });
  const info: VideoInfo = (await packageVideo({ input, mediaDir, id: 'clip', ladder: '180p:300k' })).info;
  const { dashlab, url } = await startServer({ mediaDir, uploadToken: TOKEN, uploadIdleMs: 800 });
  return { work, mediaDir, info, dashlab, url };
}
let fx: Awaited<ReturnType<typeof setup>>;

beforeAll(async () => {
  fx = await setup();
});
afterAll(async () => {
  await fx?.dashlab.close();
  await fx?.work.cleanup();
});

const json = (method: string, body: unknown, headers: Record<string, string> = {}) => ({ method, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
const segment = () => Object.keys(fx.info.files).find((n) => n.endsWith('.m4s'))!;

describe('names that are properties of every object (one unauthenticated GET took the server down)', () => {
  it('/net/<name>/, POST and PUT /api/links and ?net= refuse them with a clear answer, and the server goes on', async () => {
    for (const name of ['__proto__', 'constructor', 'CONSTRUCTOR', '%5f%5fproto%5f%5f', 'toString', 'hasOwnProperty']) {
      const r = await fetch(`${fx.url}/net/${name}/media/clip/manifest.mpd`);
      expect(r.status, name).toBe(404);
      expect(((await r.json()) as { error: string }).error).toMatch(/unknown link/);
    }
    expect((await fetch(`${fx.url}/api/links`, json('POST', { profile: '__proto__' }))).status).toBe(400);
    const made = (await (await fetch(`${fx.url}/api/links`, json('POST', { profile: '1500kbps' }))).json()) as { id: string };
    expect((await fetch(`${fx.url}/api/links/${made.id}`, json('PUT', { profile: 'constructor' }))).status).toBe(400);
    expect((await fetch(`${fx.url}/api/links`)).status).toBe(200);
    const page = await fetch(`${fx.url}/watch/clip?net=constructor`);
    expect(page.status).toBe(400);
    expect(await page.text()).toMatch(/net: unknown link "constructor"/);
    // Traffic still flows through links, a while later (the pacer ticked through all of this).
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetch(`${fx.url}/net/4000kbps/media/clip/manifest.mpd`)).status).toBe(200);
    expect((await fetch(`${fx.url}/media/clip/manifest.mpd`)).status).toBe(200);
  });
});

describe('trace uploads', () => {
  const upload = (name: string, body: string, headers: Record<string, string> = {}) => fetch(`${fx.url}/api/traces?name=${name}`, { method: 'POST', body, headers: { 'content-type': 'text/plain', ...headers } });
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('need the upload token when the server has one', async () => {
    const r = await upload('mine', '0 1\n1 2\n');
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: string }).error).toMatch(/UPLOAD_TOKEN/);
    expect((await upload('mine', '0 1\n1 2\n', auth)).status).toBe(201);
    const list = (await (await fetch(`${fx.url}/api/traces`)).json()) as Array<{ name: string; source: string }>;
    expect(list.find((t) => t.name === 'mine')).toMatchObject({ source: 'uploaded' });
  });

  it('never replace a shipped trace, refuse one that carries no bytes, and are bounded in size and number', async () => {
    const shipped = await upload('norway_ferry_5', '0 0.01\n', auth);
    expect(shipped.status).toBe(409);
    const list = (await (await fetch(`${fx.url}/api/traces`)).json()) as Array<{ name: string; source: string; meanKbps: number }>;
    expect(list.find((t) => t.name === 'norway_ferry_5')).toMatchObject({ source: 'shipped' });
    const zero = await upload('silent', '0 0\n1 0\n', auth);
    expect(zero.status).toBe(400);
    expect(((await zero.json()) as { error: string }).error).toMatch(/silent: the trace carries no bytes/);
    const huge = await upload('huge', '0 1\n'.repeat(SHAPER_LIMITS.traceBytes / 4 + 10), auth);
    expect(huge.status).toBe(413);
    const limit = SHAPER_LIMITS.uploadedTraces;
    SHAPER_LIMITS.uploadedTraces = 1; // 'mine' is stored already
    try {
      expect((await upload('second', '0 1\n', auth)).status).toBe(507);
      expect((await upload('mine', '0 3\n', auth)).status).toBe(201); // replacing one of its own is fine
    } finally {
      SHAPER_LIMITS.uploadedTraces = limit;
    }
  });
});

describe('cross-site writes', () => {
  it('are refused (Origin of another site, Sec-Fetch-Site cross-site), token or not; the same site passes', async () => {
    const form = () => {
      const f = new FormData();
      f.append('file', new Blob([new Uint8Array(16)]), 'x.mp4');
      return f;
    };
    const post = (headers: Record<string, string>) => fetch(`${fx.url}/api/videos`, { method: 'POST', body: form(), headers: { authorization: `Bearer ${TOKEN}`, ...headers } });
    const foreign: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'null' }];
    for (const headers of foreign) {
      const r = await post(headers);
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(((await r.json()) as { error: string }).error).toMatch(/another site/);
    }
    // The same origin (its own page) reaches the upload route: a 415 for these 16 bytes, not a 403.
    expect((await post({ origin: fx.url, 'sec-fetch-site': 'same-origin' })).status).toBe(415);
    expect((await fetch(`${fx.url}/api/links`, json('POST', { profile: '1mbps' }, { 'sec-fetch-site': 'cross-site' }))).status).toBe(403);
    expect((await fetch(`${fx.url}/api/videos/clip`, { method: 'DELETE', headers: { origin: 'https://evil.example', authorization: `Bearer ${TOKEN}` } })).status).toBe(403);
    expect((await fetch(`${fx.url}/api/videos/clip`)).status).toBe(200);
  });
});

/** A multipart upload that sends its headers and a little of its body, then nothing. */
function stalledUpload(client: string): Promise<{ status: number; text: string; socket: net.Socket }> {
  const u = new URL(fx.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname, () => {
      socket.write(`POST /api/videos HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${TOKEN}\r\nX-Forwarded-For: ${client}\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 100000\r\n\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\nabc`);
    });
    let text = '';
    socket.on('data', (d) => (text += d));
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), text, socket }));
    socket.on('error', reject);
  });
}

describe('stalled uploads', () => {
  it('hold at most half the slots per client, and are cut off (408) when their body stops arriving', async () => {
    const t0 = performance.now();
    const stalled = [stalledUpload('10.0.0.1'), stalledUpload('10.0.0.1')];
    await new Promise((r) => setTimeout(r, 200));
    // A third from the same client waits for one of its own to end; another client gets a slot.
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(16)]), 'x.mp4');
    const same = await fetch(`${fx.url}/api/videos`, { method: 'POST', body: form, headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '10.0.0.1' } });
    expect(same.status).toBe(429);
    expect(((await same.json()) as { error: string }).error).toMatch(/you have 2 uploads in progress/);
    const other = await fetch(`${fx.url}/api/videos`, { method: 'POST', body: form, headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '10.0.0.2' } });
    expect(other.status).toBe(415); // through to the probe: not a video
    for (const s of await Promise.all(stalled)) {
      expect(s.status).toBe(408);
      expect(s.text).toMatch(/the upload stalled/);
    }
    expect(performance.now() - t0).toBeLessThan(10_000);
    // Their slots are free again.
    const again = await fetch(`${fx.url}/api/videos`, { method: 'POST', body: form, headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '10.0.0.1' } });
    expect(again.status).toBe(415);
  });
});

describe('shaped links', () => {
  const linkOf = async (headers: Record<string, string>, spec = '4000kbps') => {
    const r = await fetch(`${fx.url}/net/${spec}/media/clip/manifest.mpd`, { headers });
    expect(r.status).toBe(200);
    return r.headers.get('x-dashlab-link');
  };

  it('are one per client behind a trusted proxy (its X-Forwarded-For or X-Real-IP), and a client cannot name itself another', async () => {
    const a = await linkOf({ 'x-forwarded-for': '192.0.2.1' });
    const b = await linkOf({ 'x-forwarded-for': '192.0.2.2' });
    expect(a).not.toBe(b);
    expect(await linkOf({ 'x-forwarded-for': '192.0.2.1' })).toBe(a);
    expect(await linkOf({ 'x-real-ip': '192.0.2.2' })).toBe(b);
    // A chain: the client is the last address not a trusted proxy's.
    expect(await linkOf({ 'x-forwarded-for': '192.0.2.1, 127.0.0.1' })).toBe(a);
    // The cluster's internal header from outside is not believed.
    const direct = await linkOf({});
    expect(await linkOf({ 'x-dashlab-client': '192.0.2.1' })).toBe(direct);
  });

  it('are capped per client (its least recently used idle link makes room; busy ones do not) and in round trip, with clear answers', async () => {
    const client = { 'x-forwarded-for': '198.51.100.7' };
    // A client reloading a page again and again: each new link replaces its oldest idle one.
    const made: string[] = [];
    for (let i = 0; i < SHAPER_LIMITS.linksPerClient + 4; i++) {
      const r = await fetch(`${fx.url}/api/links`, json('POST', { profile: '8mbps' }, client));
      expect(r.status).toBe(201);
      made.push(((await r.json()) as { id: string }).id);
    }
    expect((await fetch(`${fx.url}/api/links/${made[0]}`)).status).toBe(404); // the oldest went
    expect((await fetch(`${fx.url}/api/links/${made.at(-1)}`)).status).toBe(200);
    // Every link busy (a slow download on each): the next is refused.
    const busy = { 'x-forwarded-for': '198.51.100.8' };
    const slow: Array<Promise<unknown>> = [];
    const controllers: AbortController[] = [];
    for (let i = 0; i < SHAPER_LIMITS.linksPerClient; i++) {
      const c = new AbortController();
      controllers.push(c);
      const r = await fetch(`${fx.url}/net/${8 + i}kbps/media/clip/${segment()}`, { headers: busy, signal: c.signal });
      expect(r.status).toBe(200);
      slow.push(r.arrayBuffer().catch(() => undefined));
    }
    const over = await fetch(`${fx.url}/net/999kbps/media/clip/manifest.mpd`, { headers: busy });
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: string }).error).toMatch(/already has 16 shaped links carrying responses/);
    controllers.forEach((c) => c.abort());
    await Promise.all(slow);
    const rtt = await fetch(`${fx.url}/net/1500kbps-3000000000ms/media/clip/manifest.mpd`);
    expect(rtt.status).toBe(404);
    expect(((await rtt.json()) as { error: string }).error).toMatch(/the round trip must be at most 10000 ms/);
    expect((await fetch(`${fx.url}/api/links`, json('POST', { profile: '1mbps-20000ms' }))).status).toBe(400);
  });
});

describe('the minor ones', () => {
  it('an absolute-form request line is served as its path', async () => {
    const r = await rawRequest(fx.url, `${fx.url}/media/clip/manifest.mpd`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toMatch(/<MPD/);
  });

  it('an If-Modified-Since later than the server clock is ignored (RFC 9110): 200, not 304', async () => {
    const future = new Date(Date.now() + 365 * 86400_000).toUTCString();
    expect((await fetch(`${fx.url}/media/clip/manifest.mpd`, { headers: { 'if-modified-since': future } })).status).toBe(200);
    const lm = (await fetch(`${fx.url}/media/clip/manifest.mpd`)).headers.get('last-modified')!;
    expect((await fetch(`${fx.url}/media/clip/manifest.mpd`, { headers: { 'if-modified-since': lm } })).status).toBe(304);
  });

  it('a segment swapped for a same-size symlink to a file outside the library is never served', async () => {
    // The init segment: never asked for above, so not in the server's memory (which would keep serving the true bytes).
    const name = Object.keys(fx.info.files).find((n) => n.endsWith('-init.mp4'))!;
    const file = path.join(fx.mediaDir, 'clip', name);
    const bytes = await readFile(file);
    const outside = path.join(fx.work.dir, 'secret.bin');
    await writeFile(outside, Buffer.alloc(bytes.length, 0x53));
    await rm(file);
    await symlink(outside, file);
    const r = await fetch(`${fx.url}/media/clip/${name}`);
    expect(r.status).toBe(404);
    expect(Buffer.from(await r.arrayBuffer()).includes(Buffer.alloc(16, 0x53))).toBe(false);
  });
});
