/**
 * The CDN tier (npm run cdn) on real parts: the origin, real nginx edges from deploy/nginx,
 * each behind its shaped last mile, a package made by the real ffmpeg. What the edges cache,
 * what the origin sees, the steering server and the redirector, CMCD in and CMSD out, the
 * cache's size limit, and /api/cdn's counts against nginx's own logs.
 */
import { chmod, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmcdHeaders, encodeCmcd, type CmcdData } from '../../core/cdn/cmcd.js';
import { parseCmsdDynamic } from '../../core/cdn/cmsd.js';
import { parseSteeringManifest } from '../../core/mpd/steering.js';
import { packageVideo, type VideoInfo } from '../../server/packager/index.js';
import { startCdn, type TestCdn } from '../helpers/cdn.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { rawRequest } from '../helpers/server.js';

let work: { dir: string; cleanup: () => Promise<void> };
let cdn: TestCdn;
let info: VideoInfo;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Snapshot = ReturnType<TestCdn['tier']['snapshot']>;
const api = async (): Promise<Snapshot> => (await fetch(`${cdn.originUrl}/api/cdn`)).json() as Promise<Snapshot>;
const edgeUrl = (i: number) => cdn.tier.urlOf(cdn.tier.edges[i]);
const seg = (rep: string, n: number) => `${rep}-${info.version}-${String(n).padStart(5, '0')}.m4s`;
const segments = () => Object.keys(info.files).filter((f) => f.endsWith('.m4s'));

beforeAll(async () => {
  work = await tempDir('dashlab-cdn-');
  await chmod(work.dir, 0o755);
  const mediaDir = path.join(work.dir, 'library');
  const input = await makeClip(path.join(work.dir, 'clip.mp4'), { width: 640, height: 360, durationS: 12 });
  info = (await packageVideo({ input, mediaDir, id: 'clip', ladder: '360p:900k,240p:400k' })).info;
  // edge-1 near; edge-2 a 2 Mbit/s link without delay (to measure); edge-3 a cache of 256 KB.
  cdn = await startCdn({ mediaDir, edges: [{ profile: 'near' }, { profile: '2mbps' }, { profile: 'near', cacheMb: 0.25 }], ttlS: 2 });
}, 180_000);

afterAll(async () => {
  await cdn?.stop();
  await work?.cleanup();
});

describe('the CDN tier', () => {
  it('serves a segment from each edge: MISS (one origin request), then HIT', async () => {
    for (let i = 0; i < 3; i++) {
      const before = (await api()).origin.requests;
      const first = await rawRequest(edgeUrl(i), `/media/clip/${seg('v0', 1)}`);
      const second = await rawRequest(edgeUrl(i), `/media/clip/${seg('v0', 1)}`);
      expect([first.status, first.headers['x-cache-status'], second.headers['x-cache-status']]).toEqual([200, 'MISS', 'HIT']);
      expect(second.headers['x-dashlab-edge']).toBe(`edge-${i + 1}`);
      expect(second.body.equals(await readFile(path.join(work.dir, 'library', 'clip', seg('v0', 1))))).toBe(true);
      expect((await api()).origin.requests).toBe(before + 1);
    }
  });

  it('makes one origin request for 100 simultaneous requests of one segment', async () => {
    const before = (await api()).origin.requests;
    // 100 viewers (a CMCD session each, so a last-mile link each).
    const all = await Promise.all(Array.from({ length: 100 }, (_, i) => fetch(`${edgeUrl(0)}/media/clip/${seg('v1', 2)}?CMCD=${encodeURIComponent(`sid="viewer-${i}"`)}`).then(async (r) => [r.status, (await r.arrayBuffer()).byteLength])));
    expect(new Set(all.map(([s]) => s))).toEqual(new Set([200]));
    expect(new Set(all.map(([, n]) => n)).size).toBe(1);
    expect((await api()).origin.requests).toBe(before + 1);
  });

  it('serves the manifest in CDN mode: BaseURLs per edge with serviceLocation, ContentSteering; revalidated after its TTL with a 304 at the origin', async () => {
    const mpd = await rawRequest(edgeUrl(0), '/media/clip/manifest.mpd');
    const text = mpd.body.toString();
    for (let i = 0; i < 3; i++) expect(text).toContain(`<BaseURL serviceLocation="edge-${i + 1}">${edgeUrl(i)}/media/clip/</BaseURL>`);
    expect(text).toMatch(/<ContentSteering defaultServiceLocation="edge-1" queryBeforeStart="true"[^>]*>http:\/\/127\.0\.0\.1:\d+\/cdn\/steering\?video=clip<\/ContentSteering>/);
    const before = (await api()).origin.notModified;
    await sleep(2100); // the edge holds manifests 1 s (counted in whole seconds)
    const again = await rawRequest(edgeUrl(0), '/media/clip/manifest.mpd');
    expect([again.status, again.headers['x-cache-status']]).toEqual([200, 'REVALIDATED']);
    expect(again.body.equals(mpd.body)).toBe(true);
    expect((await api()).origin.notModified).toBe(before + 1);
    // The other modes.
    const redirect = (await (await fetch(`${cdn.originUrl}/media/clip/manifest.mpd?cdn=redirect&loc=edge-2`)).text());
    expect(redirect).toContain(`${cdn.originUrl}/cdn/route/edge-2/media/clip/`);
    expect(redirect).not.toContain('ContentSteering');
    const client = await (await fetch(`${cdn.originUrl}/media/clip/manifest.mpd?cdn=client`)).text();
    expect(client).toContain('serviceLocation="edge-3"');
    expect(client).not.toContain('ContentSteering');
    expect(await (await fetch(`${cdn.originUrl}/media/clip/manifest.mpd?cdn=origin`)).text()).toBe(await readFile(path.join(work.dir, 'library', 'clip', 'manifest.mpd'), 'utf8'));
    expect((await fetch(`${cdn.originUrl}/media/clip/manifest.mpd?cdn=nope`)).status).toBe(400);
    // The HLS playlist too (HLS Content Steering), with its own Content-Type.
    const m3u8 = await fetch(`${cdn.originUrl}/media/clip/master.m3u8`);
    expect(m3u8.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(await m3u8.text()).toMatch(/#EXT-X-CONTENT-STEERING:SERVER-URI="http:\/\/127\.0\.0\.1:\d+\/cdn\/steering\?video=clip",PATHWAY-ID="edge-1"/);
    expect(await (await fetch(`${cdn.originUrl}/media/clip/master.m3u8?cdn=origin`)).text()).toBe(await readFile(path.join(work.dir, 'library', 'clip', 'master.m3u8'), 'utf8'));
    // Through a shaped link, the manifest as packaged: its segments stay on the link.
    expect(await (await fetch(`${cdn.originUrl}/net/8mbps/media/clip/manifest.mpd`)).text()).toBe(await readFile(path.join(work.dir, 'library', 'clip', 'manifest.mpd'), 'utf8'));
  });

  it('spreads steering sessions over edges with room, without herding (each answer counts at once)', async () => {
    // First of the steering tests: no session holds an edge yet.
    const tier = cdn.tier;
    const capacity = tier.opts.edgeCapacity;
    (tier.opts as { edgeCapacity: number }).edgeCapacity = 1;
    try {
      const ask = async (session: string) => parseSteeringManifest(await (await fetch(`${cdn.originUrl}/cdn/steering?video=clip&session=${session}`)).json())!['PATHWAY-PRIORITY'][0];
      const first = [await ask('spread-a'), await ask('spread-b'), await ask('spread-c')];
      expect(new Set(first).size).toBe(3);
      // Asked again (each TTL): the same answers, no flapping.
      expect([await ask('spread-a'), await ask('spread-b'), await ask('spread-c')]).toEqual(first);
    } finally {
      (tier.opts as { edgeCapacity: number }).edgeCapacity = capacity;
    }
  });

  it('answers the steering manifest (VERSION, TTL, RELOAD-URI, PATHWAY-PRIORITY) from the edges and what the client reports', async () => {
    const answer = await (await fetch(`${cdn.originUrl}/cdn/steering?video=clip`)).json();
    const m = parseSteeringManifest(answer)!;
    expect(m.TTL).toBe(2);
    expect(m['RELOAD-URI']).toMatch(/\/cdn\/steering\?video=clip&session=\w+/);
    // near (40 Mbit/s) before the 2 Mbit/s edge; the origin last.
    expect(m['PATHWAY-PRIORITY'].indexOf('edge-1')).toBeLessThan(m['PATHWAY-PRIORITY'].indexOf('edge-2'));
    expect(m['PATHWAY-PRIORITY'].at(-1)).toBe('origin');
    // A client that measured edge-1 at 1 Mbit/s (as dash.js reports it) is sent elsewhere first.
    const slow = parseSteeringManifest(await (await fetch(`${cdn.originUrl}/cdn/steering?video=clip&_DASH_pathway=%22edge-1%22&_DASH_throughput=1000000`)).json())!;
    expect(slow['PATHWAY-PRIORITY'][0]).not.toBe('edge-1');
    // The same said with our player's CMCD (mtp, kbit/s) on the pathway it names.
    const viaCmcd = parseSteeringManifest(await (await fetch(`${cdn.originUrl}/cdn/steering?video=clip&_DASH_pathway=%22edge-1%22&_DASH_throughput=&CMCD=${encodeURIComponent('mtp=1000,sid="s"')}`)).json())!;
    expect(viaCmcd['PATHWAY-PRIORITY'][0]).not.toBe('edge-1');
    // Its location first (?loc=).
    const located = parseSteeringManifest(await (await fetch(`${cdn.originUrl}/cdn/steering?video=clip&loc=edge-2`)).json())!;
    expect(located['PATHWAY-PRIORITY'][0]).toBe('edge-2');
  });

  it('redirects each request (302) to the edge for the client’s location, with its query', async () => {
    expect(segments()).toContain(seg('v0', 3));
    const r = await rawRequest(cdn.originUrl, `/cdn/route/edge-2/media/clip/${seg('v0', 3)}?CMCD=sid%3D%22x%22`);
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe(`${edgeUrl(1)}/media/clip/${seg('v0', 3)}?CMCD=sid%3D%22x%22`);
    expect((await rawRequest(cdn.originUrl, `/cdn/route/auto/media/clip/${seg('v0', 3)}`)).headers.location).toBe(`${edgeUrl(0)}/media/clip/${seg('v0', 3)}`);
    expect((await rawRequest(cdn.originUrl, '/cdn/route/edge-2/media/clip/..%2F..%2Fetc%2Fpasswd')).status).toBe(400);
  });

  it('reads the CMCD a player sends, as the query argument or as headers, and the cache ignores it', async () => {
    const sent: CmcdData = { sid: 'test-session-1', cid: 'clip', br: 900, bl: 12300, mtp: 25400, d: 2000, ot: 'v', sf: 'd', st: 'v', nor: seg('v1', 3), su: true };
    const q = await rawRequest(edgeUrl(0), `/media/clip/${seg('v1', 3)}?CMCD=${encodeURIComponent(encodeCmcd(sent))}`);
    expect([q.status, q.headers['x-cache-status']]).toEqual([200, 'MISS']);
    const again = await rawRequest(edgeUrl(0), `/media/clip/${seg('v1', 3)}?CMCD=${encodeURIComponent(encodeCmcd({ ...sent, bl: 9000 }))}`);
    expect([again.status, again.headers['x-cache-status']]).toEqual([200, 'HIT']); // CMCD is not part of the cache key
    const viaHeaders: CmcdData = { sid: 'test-session-2', cid: 'clip', br: 400, bl: 4000, mtp: 1800, ot: 'v', sf: 'd' };
    expect((await rawRequest(edgeUrl(1), `/media/clip/${seg('v0', 3)}`, { headers: cmcdHeaders(viaHeaders) })).status).toBe(200);
    const players = (await api()).players;
    const p1 = players.find((p) => p.sid === 'test-session-1')!;
    expect([p1.cid, p1.bufferMs, p1.throughputKbps, p1.bitrateKbps, p1.edge]).toEqual(['clip', 9000, 25400, 900, 'edge-1']);
    expect(p1.segments.map((s) => s.cache)).toEqual(['MISS', 'HIT']);
    const p2 = players.find((p) => p.sid === 'test-session-2')!;
    expect([p2.bufferMs, p2.throughputKbps, p2.bitrateKbps, p2.edge]).toEqual([4000, 1800, 400, 'edge-2']);
    // /metrics says the same, for a scraper.
    const metrics = await (await fetch(`${cdn.originUrl}/metrics`)).text();
    expect(metrics).toContain('dashlab_cmcd_buffer_seconds{sid="test-session-1",cid="clip",edge="edge-1"} 9');
    expect(metrics).toContain('dashlab_cmcd_throughput_kbps{sid="test-session-2",cid="clip",edge="edge-2"} 1800');
    expect(metrics).toMatch(/dashlab_edge_requests_total\{edge="edge-1",cache="hit"\} [1-9]/);
  });

  it('says the link’s rate in CMSD-Dynamic (etp within 10% of what a download measures) and the object in CMSD-Static', async () => {
    const name = Object.keys(info.files).filter((f) => f.startsWith('v0-') && f.endsWith('.m4s')).sort((a, b) => info.files[b].bytes - info.files[a].bytes)[0];
    const t0 = performance.now();
    const res = await fetch(`${edgeUrl(1)}/media/clip/${name}?fresh=1`);
    const reader = res.body!.getReader();
    let bytes = 0;
    let tFirst: number | undefined;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      tFirst ??= performance.now();
      bytes += value.byteLength;
    }
    const measuredKbps = (bytes * 8) / (performance.now() - (tFirst ?? t0));
    const hint = parseCmsdDynamic(res.headers.get('cmsd-dynamic'))!;
    expect(hint.server).toBe('edge-2');
    expect(hint.etpKbps).toBe(2000);
    expect(hint.mbKbps).toBe(1600);
    expect(bytes).toBeGreaterThan(100_000);
    expect(Math.abs(measuredKbps - hint.etpKbps!) / hint.etpKbps!).toBeLessThan(0.1);
    expect(res.headers.get('cmsd-static')).toBe('ot=v,sf=d,st=v');
  });

  it('keeps each edge’s cache within its size limit', async () => {
    const edge = cdn.tier.edges[2];
    const all = segments();
    const total = all.reduce((s, f) => s + info.files[f].bytes, 0);
    expect(total).toBeGreaterThan(3 * 256 * 1024);
    for (const f of all) await rawRequest(edgeUrl(2), `/media/clip/${f}`);
    // nginx's cache manager removes the least recently used files soon after the limit is passed.
    let used = Infinity;
    for (let i = 0; i < 40 && used > 256 * 1024 * 1.1; i++) {
      await sleep(250);
      used = 0;
      for (const e of await readdir(edge.nginx.cacheDir, { recursive: true, withFileTypes: true })) if (e.isFile()) used += (await stat(path.join(e.parentPath, e.name))).size;
    }
    expect(used).toBeLessThanOrEqual(256 * 1024 * 1.1);
    // What was evicted is fetched again: a MISS.
    expect((await rawRequest(edgeUrl(2), `/media/clip/${all[0]}`)).headers['x-cache-status']).toBe('MISS');
  });

  it('counts what nginx logged: /api/cdn agrees with each edge’s access log', async () => {
    const s = await api();
    for (const e of s.edges) {
      const lines = (await readFile(e.accessLog, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { cache: string; bytes: number });
      const n = (status: string) => lines.filter((l) => l.cache === status).length;
      expect([e.requests, e.hit, e.miss, e.revalidated, e.stale, e.expired]).toEqual([lines.length, n('HIT'), n('MISS'), n('REVALIDATED'), n('STALE'), n('EXPIRED')]);
      expect(e.bytes).toBe(lines.reduce((sum, l) => sum + l.bytes, 0));
    }
    expect(s.offload).toBeGreaterThan(0.9);
    expect(s.originSaved).toBeGreaterThan(0.5);
  });

  it('takes a killed edge out of steering within one TTL, and redirects around it', async () => {
    const edge = cdn.tier.edges[0];
    await edge.nginx.kill();
    const killedAt = performance.now();
    let priority: string[] = ['edge-1'];
    while (priority.includes('edge-1') && performance.now() - killedAt < 2000) {
      priority = parseSteeringManifest(await (await fetch(`${cdn.originUrl}/cdn/steering?video=clip`)).json())!['PATHWAY-PRIORITY'];
      await sleep(100);
    }
    expect(priority).not.toContain('edge-1');
    expect((performance.now() - killedAt) / 1000).toBeLessThan(2); // the TTL
    const viaDead = await rawRequest(edgeUrl(0), `/media/clip/${seg('v0', 1)}`);
    expect(viaDead.status).toBe(502); // the player fails over at once, no timeout
    expect((await rawRequest(cdn.originUrl, `/cdn/route/edge-1/media/clip/${seg('v0', 1)}`)).headers.location).not.toContain(edgeUrl(0));
    expect((await api()).edges[0].up).toBe(false);
    // Started again: back in.
    const r = await fetch(`${cdn.originUrl}/api/cdn/edges/edge-1/start`, { method: 'POST' });
    expect(await r.json()).toEqual({ id: 'edge-1', up: true });
  });
});
