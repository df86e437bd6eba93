/**
 * Live channels end to end on the origin side (real ffmpeg, real server): POST /api/channels,
 * the dynamic MPD (against the ISO schema), the live playlists, a segment read chunk by chunk
 * while it is written, early and late requests, the DVR window leaving the disk, stops and
 * ends said in the MPD, refusals.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMParser } from '@xmldom/xmldom';
import { parseMpd, type DomParserLike } from '../../core/mpd/parse.js';
import { newestSegment } from '../../core/live/timing.js';
import { BoxSplitter } from '../../core/live/boxes.js';
import type { Origin } from '../../server/app.js';
import { makeClip, tempDir, validateMpd } from '../helpers/media.js';
import { startServer, waitFor } from '../helpers/server.js';

let media: { dir: string; cleanup: () => Promise<void> };
let server: { dashlab: Origin; url: string };
const post = (body: unknown, headers: Record<string, string> = {}) => fetch(`${server.url}/api/channels`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
const mpdOf = async (id: string) => {
  const res = await fetch(`${server.url}/live/${id}/manifest.mpd`);
  const text = await res.text();
  return { res, text, m: parseMpd(text, `${server.url}/live/${id}/manifest.mpd`, new DOMParser() as unknown as DomParserLike) };
};

beforeAll(async () => {
  media = await tempDir();
  server = await startServer({ mediaDir: media.dir, liveWindowS: 8 });
});

afterAll(async () => {
  await server?.dashlab.close();
  await media?.cleanup();
});

describe('a test-source channel', () => {
  let ast = 0;
  it('starts: 201 once the first segment exists, with where to watch it', async () => {
    const res = await post({ id: 'clock', source: 'testsrc' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; status: string; manifest: string; hls: string; watch: string };
    expect(body).toMatchObject({ id: 'clock', status: 'live', manifest: '/live/clock/manifest.mpd', hls: '/live/clock/master.m3u8', watch: '/watch/clock' });
    const list = (await (await fetch(`${server.url}/api/channels`)).json()) as { channels: Array<{ id: string; status: string }> };
    expect(list.channels.map((c) => [c.id, c.status])).toEqual([['clock', 'live']]);
    expect((await post({ id: 'clock', source: 'testsrc' })).status).toBe(409);
  });

  it('has a dynamic low-latency MPD, valid against the ISO schema, revalidated cheaply', async () => {
    const { res, text, m } = await mpdOf('clock');
    expect(res.headers.get('content-type')).toBe('application/dash+xml');
    expect(res.headers.get('cache-control')).toBe('public, max-age=1');
    const file = path.join(media.dir, 'live.mpd');
    await writeFile(file, text);
    const v = await validateMpd(file);
    expect(v.ok, v.output).toBe(true);
    expect(m.type).toBe('dynamic');
    expect(m.live!.utcTiming[0]).toEqual({ scheme: 'urn:mpeg:dash:utc:http-iso:2014', value: `${server.url}/api/time` });
    expect(m.live!.service).toMatchObject({ targetLatencyS: 1.5, minRate: 0.9, maxRate: 1.15 });
    expect(m.live).toMatchObject({ timeShiftBufferDepthS: 8, minimumUpdatePeriodS: 2, ended: false });
    const video = m.adaptationSets.find((s) => s.contentType === 'video')!;
    expect(video.representations.map((r) => r.height)).toEqual([240, 360, 480, 720]);
    expect(video.representations[0].live).toMatchObject({ segmentS: 2, availabilityTimeOffsetS: 1.5, availabilityTimeComplete: false });
    expect(video.representations[0].codecs).toMatch(/^avc1\.4d/);
    ast = m.live!.availabilityStartMs;
    expect(Math.abs(ast - Date.now())).toBeLessThan(20_000);
    const again = await fetch(`${server.url}/live/clock/manifest.mpd`, { headers: { 'If-None-Match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const time = await (await fetch(`${server.url}/api/time`)).text();
    expect(Math.abs(Date.parse(time) - Date.now())).toBeLessThan(1000);
  });

  it('sends the live-edge segment chunk by chunk while it is written', async () => {
    const { m } = await mpdOf('clock');
    const rep = m.adaptationSets[0].representations[3];
    // Wait for a segment's first chunk, then ask for it at once.
    const n = newestSegment(m.live!, rep.live!, Date.now()) + 1;
    const dueMs = ast + ((n - 1) * 2 + 0.5) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, dueMs - Date.now()) + 100));
    const url = `${server.url}/live/clock/${m.adaptationSets[0].representations[3].live!.media.split('/')[0]}/v720/${n}.m4s`;
    const t0 = performance.now();
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull(); // chunked: its length is not known yet
    const reader = res.body!.getReader();
    const splitter = new BoxSplitter();
    const chunkTimes: number[] = [];
    const types: string[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const b of splitter.push(value)) {
        types.push(b.type);
        if (b.type === 'mdat') chunkTimes.push(performance.now() - t0);
      }
    }
    // Each chunk: the wall clock it was made at (prft), then moof and mdat.
    expect(types.slice(0, 3)).toEqual(['prft', 'moof', 'mdat']);
    // Four chunks of 0.5 s: the first arrives well before the last is encoded.
    expect(chunkTimes.length).toBe(4);
    expect(chunkTimes[3] - chunkTimes[0]).toBeGreaterThan(900);
    expect(chunkTimes[0]).toBeLessThan(600);
    // Finished, it is an immutable file with validators.
    const done = await fetch(url);
    expect(done.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(url, { headers: { 'If-None-Match': done.headers.get('etag')! } })).status).toBe(304);
  });

  it('answers early requests with Retry-After, and holds one that is due', async () => {
    const { m } = await mpdOf('clock');
    const t = m.adaptationSets[0].representations[0].live!;
    const run = t.media.split('/')[0];
    const newest = newestSegment(m.live!, t, Date.now());
    const far = await fetch(`${server.url}/live/clock/${run}/v240/${newest + 5}.m4s`);
    expect(far.status).toBe(404);
    expect(Number(far.headers.get('retry-after'))).toBeGreaterThanOrEqual(6);
    const t0 = performance.now();
    const next = await fetch(`${server.url}/live/clock/${run}/v240/${newest + 1}.m4s`);
    expect(next.status).toBe(200);
    expect((await next.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    expect(performance.now() - t0).toBeLessThan(6000); // up to a segment until its first chunk, and one to send it
  });

  it('lists the segments in HLS playlists, with their wall-clock time', async () => {
    const master = await (await fetch(`${server.url}/live/clock/master.m3u8`)).text();
    expect(master).toContain('#EXT-X-STREAM-INF:');
    expect(master).toContain('v720.m3u8');
    const media = await (await fetch(`${server.url}/live/clock/v720.m3u8`)).text();
    expect(media).toMatch(/#EXT-X-PROGRAM-DATE-TIME:\d{4}-/);
    expect(media).toMatch(/#EXT-X-MAP:URI="r[a-z0-9]+\/v720\/init.mp4"/);
    expect(media).not.toContain('#EXT-X-ENDLIST');
  });

  it('offers the chunks as LL-HLS parts, holds blocking reloads, and sends a part being written', async () => {
    const text = await (await fetch(`${server.url}/live/clock/v720.m3u8`)).text();
    expect(text).toContain('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500');
    expect(text).toContain('#EXT-X-PART-INF:PART-TARGET=0.500');
    expect(text).toMatch(/#EXT-X-PART:DURATION=0\.500,URI="r[a-z0-9]+\/v720\/\d+\.m4s",BYTERANGE="\d+@0",INDEPENDENT=YES/);
    const seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)![1]);
    const lastMsn = seq + text.split('\n').filter((l) => l && !l.startsWith('#')).length - 1;
    // Ask for the third part of the segment after the next: held until it is listed (within about 3.5 s).
    const t0 = performance.now();
    const blocked = await (await fetch(`${server.url}/live/clock/v720.m3u8?_HLS_msn=${lastMsn + 2}&_HLS_part=2`)).text();
    const heldMs = performance.now() - t0;
    expect(heldMs).toBeGreaterThan(300);
    expect(heldMs).toBeLessThan(6000);
    const tailParts = blocked.slice(blocked.lastIndexOf('.m4s\n') + 5).match(/#EXT-X-PART:.*BYTERANGE="(\d+)@(\d+)"/g) ?? [];
    expect(tailParts.length).toBeGreaterThanOrEqual(3);
    expect((await fetch(`${server.url}/live/clock/v720.m3u8?_HLS_msn=${lastMsn + 9}`)).status).toBe(400);
    // The newest part, as a byte range of the segment still being written.
    const [, len, off] = /BYTERANGE="(\d+)@(\d+)"/.exec(tailParts.at(-1)!)!;
    const uri = /URI="([^"]+)"/.exec(tailParts.at(-1)!)![1];
    const ranged = await fetch(`${server.url}/live/clock/${uri}`, { headers: { Range: `bytes=${off}-${Number(off) + Number(len) - 1}` } });
    expect(ranged.status).toBe(206);
    const body = new Uint8Array(await ranged.arrayBuffer());
    expect(body.length).toBe(Number(len));
    expect(new BoxSplitter().push(body).map((b) => b.type)).toEqual(['prft', 'moof', 'mdat']);
  });

  it('drops segments that left the window from the disk', async () => {
    const { m } = await mpdOf('clock');
    const run = m.adaptationSets[0].representations[0].live!.media.split('/')[0];
    const dir = path.join(media.dir, '.live', 'clock', run, 'v240');
    // An 8 s window: segment 1 leaves it once segment 6 is done (kept: the window and one more).
    await waitFor(async () => (existsSync(path.join(dir, '7.m4s')) ? true : undefined), 30_000, 'segment 7');
    expect(existsSync(path.join(dir, '1.m4s'))).toBe(false);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.m4s'));
    expect(files.length).toBeLessThanOrEqual(6);
    const gone = await fetch(`${server.url}/live/clock/${run}/v240/1.m4s`);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain('left the 8 s window');
  });

  it('stops on DELETE, and the MPD says the stream is over', async () => {
    const res = await fetch(`${server.url}/api/channels/clock`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('stopped');
    const { text, m } = await mpdOf('clock');
    expect(m.live!.ended).toBe(true);
    expect(text).not.toContain('minimumUpdatePeriod');
    expect(m.durationS).toBeGreaterThan(10);
    expect(await (await fetch(`${server.url}/live/clock/v720.m3u8`)).text()).toContain('#EXT-X-ENDLIST');
  });
});

describe('channels that end or are refused', () => {
  it('a file played once ends, and its MPD says so', async () => {
    await makeClip(path.join(media.dir, 'short.mp4'), { durationS: 5 });
    const res = await post({ id: 'once', source: 'file:short.mp4', loop: false });
    expect(res.status).toBe(201);
    const over = await waitFor(async () => {
      const s = (await (await fetch(`${server.url}/api/channels/once`)).json()) as { status: string };
      return s.status === 'ended' ? s : undefined;
    }, 30_000, 'the channel to end');
    expect(over.status).toBe('ended');
    const { m } = await mpdOf('once');
    expect(m.live!.ended).toBe(true);
    expect(m.durationS).toBeGreaterThan(4);
  });

  it('refuses bad requests with a reason', async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      [{ id: '../x', source: 'testsrc' }, 400, /channel id/],
      [{ id: 'a', source: 'webcam' }, 400, /expected testsrc/],
      [{ id: 'a', source: 'file:../../etc/passwd' }, 400, /library video/],
      [{ id: 'a', source: 'file:nothing-here' }, 400, /no such/],
    ];
    for (const [body, status, error] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(((await res.json()) as { error: string }).error).toMatch(error);
    }
    expect((await fetch(`${server.url}/live/nope/manifest.mpd`)).status).toBe(404);
    expect((await fetch(`${server.url}/live/clock/..%2f..%2fetc/passwd`)).status).toBe(404);
  });

  it('needs the upload token when one is set', async () => {
    const guarded = await startServer({ mediaDir: media.dir, uploadToken: 'sekrit' });
    try {
      const res = await fetch(`${guarded.url}/api/channels`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: 'x', source: 'testsrc' }) });
      expect(res.status).toBe(401);
      expect((await fetch(`${guarded.url}/api/channels/once`, { method: 'DELETE' })).status).toBe(401);
    } finally {
      await guarded.dashlab.close();
    }
  });
});

describe('an encoder sending to a channel (RTMP, SRT)', () => {
  /** ffmpeg as a sender (OBS's part): a test picture and tone, in real time. */
  const send = (url: string, format: 'flv' | 'mpegts', seconds: number) =>
    new Promise<number | null>((resolve) => {
      const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-re', '-f', 'lavfi', '-i', 'sine', '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-c:a', 'aac', '-f', format, url], { stdio: 'ignore' });
      p.on('close', (code) => resolve(code));
    });
  const state = async (id: string) => (await (await fetch(`${server.url}/api/channels/${id}`)).json()) as { status: string; ingest: string; error?: string };

  it('RTMP: a stream key of its own; a sender with another key is refused, the right one goes live', async () => {
    const res = await post({ id: 'obs', source: 'rtmp' });
    expect(res.status).toBe(202);
    const { ingest, status } = (await res.json()) as { ingest: string; status: string };
    expect(status).toBe('waiting');
    expect(ingest).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\/[0-9a-f]{24}$/);
    await new Promise((r) => setTimeout(r, 500)); // the listener binds
    await send(ingest.replace(/[0-9a-f]{24}$/, 'wrongkey'), 'flv', 3);
    const refused = await waitFor(async () => {
      const s = await state('obs');
      return s.error?.includes('wrong stream key') ? s : undefined;
    }, 15_000, 'the wrong key refused');
    expect(refused.status).toBe('waiting');
    expect(existsSync(path.join(media.dir, '.live', 'obs', 'manifest.mpd'))).toBe(false);
    await new Promise((r) => setTimeout(r, 500)); // it listens again
    const sending = send(ingest, 'flv', 8);
    await waitFor(async () => ((await state('obs')).status === 'live' ? true : undefined), 20_000, 'the channel on the air');
    const { m } = await mpdOf('obs');
    expect(m.type).toBe('dynamic');
    await sending;
    // The sender stopped: the channel ends, and says so.
    await waitFor(async () => ((await state('obs')).status === 'ended' ? true : undefined), 20_000, 'the channel to end with its sender');
    expect((await mpdOf('obs')).m.live!.ended).toBe(true);
  });

  it('SRT: the stream key is the passphrase', async () => {
    const res = await post({ id: 'srt', source: 'srt' });
    expect(res.status).toBe(202);
    const { ingest } = (await res.json()) as { ingest: string };
    expect(ingest).toMatch(/^srt:\/\/127\.0\.0\.1:\d+\?passphrase=[0-9a-f]{24}&pbkeylen=16$/);
    await new Promise((r) => setTimeout(r, 500));
    expect(await send(ingest.replace(/passphrase=[0-9a-f]+/, 'passphrase=notthekey1234'), 'mpegts', 2)).not.toBe(0);
    const sending = send(ingest, 'mpegts', 6);
    await waitFor(async () => ((await state('srt')).status === 'live' ? true : undefined), 20_000, 'the channel on the air');
    await sending;
    await fetch(`${server.url}/api/channels/srt`, { method: 'DELETE' });
  });
});
