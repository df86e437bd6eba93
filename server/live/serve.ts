/**
 * The origin's live routes, on Node's bare http like the media fast path:
 * - manifest.mpd, master.m3u8, <rep>.m3u8: small files rewritten as the channel goes; a strong
 *   ETag of their content (304 when unchanged) and a one-second lifetime, so edges and players
 *   revalidate cheaply and often.
 * - <run>/<rep>/init.mp4 and finished <n>.m4s: immutable under their URL (a run folder per start).
 * - a segment still being written: 200 with chunked transfer encoding, each chunk sent as it
 *   lands in the file, until the segment is complete.
 * - a segment asked for early: held until its first chunk exists if that is due within
 *   LIVE_DEFAULTS.holdMs (dash.js asks at the announced availability, give or take its clock),
 *   else 404 with Retry-After (seconds until it is due); a segment that left the window: 404.
 * - LL-HLS: a playlist asked for with _HLS_msn (and _HLS_part) is held until it lists that
 *   segment (part), three target durations at most; a byte range of a segment being written
 *   (a part) is sent once those bytes are written (206, total length unknown: `/*`).
 * - /api/time: the clock UTCTiming points at (urn:mpeg:dash:utc:http-iso:2014).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { evaluate } from '../conditional-get/index.js';
import { CORS_HEADERS, IMMUTABLE } from '../media/content-type.js';
import { CHANNEL_ID, LIVE_DEFAULTS } from './defaults.js';
import { playlistProgress } from './hls.js';
import { channelDir, isRunning, readState } from './state.js';

const TEXT = /^(manifest\.mpd|master\.m3u8|[A-Za-z0-9_-]{1,32}\.m3u8)$/;
const MEDIA = /^(r[a-z0-9]{1,16})\/([A-Za-z0-9_-]{1,32})\/(init\.mp4|(\d{1,9})\.m4s)$/;
/** Live manifests and playlists: fresh for a second, then revalidated. */
export const LIVE_TEXT_CACHE = 'public, max-age=1';
/** How often a writer's progress is looked at while a segment is sent as it is written. */
const TAIL_POLL_MS = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createLiveHandler(mediaDir: string) {
  return async function handleLive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/api/time') return clock(res);
    const m = /^\/live\/([^/]+)\/(.+)$/.exec(url);
    if (req.method === 'OPTIONS') return void res.writeHead(204, { ...CORS_HEADERS, 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Headers': 'Range, If-None-Match, If-Modified-Since', 'Access-Control-Max-Age': '86400' }).end();
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed');
    if (!m || !CHANNEL_ID.test(m[1])) return plain(res, 404, 'not found');
    const dir = channelDir(mediaDir, m[1]);
    try {
      if (TEXT.test(m[2])) {
        const q = new URL(req.url ?? '/', 'http://x').searchParams;
        // LL-HLS blocking reload: hold a playlist request until it lists the segment (and part) asked for.
        if (q.has('_HLS_msn') && m[2].endsWith('.m3u8')) {
          const ready = await blockUntil(path.join(dir, m[2]), Number(q.get('_HLS_msn')), q.has('_HLS_part') ? Number(q.get('_HLS_part')) : undefined, res);
          if (ready === 'too-far') return plain(res, 400, 'bad request: _HLS_msn is more than two segments ahead of the playlist');
        }
        return await sendText(req, res, path.join(dir, m[2]));
      }
      const media = MEDIA.exec(m[2]);
      if (!media) return plain(res, 404, 'not found');
      const [, run, rep, name, num] = media;
      const file = path.join(dir, run, rep, name);
      if (num === undefined) return await sendFile(req, res, file, 'init');
      return await sendSegment(req, res, { mediaDir, id: m[1], run, file, n: Number(num) });
    } catch (err) {
      if (!res.headersSent) plain(res, 500, `cannot read the channel: ${(err as Error).message}`);
      else res.destroy();
    }
  };
}

function clock(res: ServerResponse): void {
  res.writeHead(200, { ...CORS_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(new Date().toISOString());
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...CORS_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers }).end(`${text}\n`);
}

async function sendText(req: IncomingMessage, res: ServerResponse, file: string): Promise<void> {
  const body = await readFile(file).catch(() => undefined);
  if (!body) return plain(res, 404, 'not found: the channel has not started (or has no such playlist)');
  const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 20)}"`;
  const type = file.endsWith('.mpd') ? 'application/dash+xml' : 'application/vnd.apple.mpegurl';
  const headers = { ...CORS_HEADERS, 'Content-Type': type, 'Cache-Control': LIVE_TEXT_CACHE, ETag: etag };
  if (req.headers['if-none-match'] === etag) return void res.writeHead(304, headers).end();
  res.writeHead(200, { ...headers, 'Content-Length': body.length }).end(req.method === 'HEAD' ? undefined : body);
}

/** A finished file: immutable, with validators and ranges. */
async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, what: string): Promise<void> {
  const st = await stat(file).catch(() => undefined);
  if (!st) return plain(res, 404, `not found: no such ${what}`);
  const etag = `"${path.basename(path.dirname(path.dirname(file)))}-${path.basename(path.dirname(file))}-${path.basename(file)}-${st.size}"`;
  const type = path.basename(path.dirname(file)).startsWith('a') ? 'audio/mp4' : 'video/mp4';
  const headers = { ...CORS_HEADERS, 'Content-Type': type, 'Cache-Control': IMMUTABLE, ETag: etag, 'Last-Modified': new Date(st.mtimeMs).toUTCString(), 'Accept-Ranges': 'bytes' };
  const d = evaluate(req.method ?? 'GET', req.headers, { etag, lastModifiedMs: st.mtimeMs, size: st.size });
  if (d.status === 304 || d.status === 412) return void res.writeHead(d.status, headers).end();
  if (d.status === 416) return void res.writeHead(416, { ...headers, 'Content-Range': `bytes */${st.size}` }).end();
  const [start, end] = d.status === 206 ? [d.start, d.end] : [0, st.size - 1];
  const body = (await readFile(file)).subarray(start, end + 1);
  res.writeHead(d.status, { ...headers, 'Content-Length': body.length, ...(d.status === 206 ? { 'Content-Range': `bytes ${start}-${end}/${st.size}` } : {}) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

async function sendSegment(req: IncomingMessage, res: ServerResponse, o: { mediaDir: string; id: string; run: string; file: string; n: number }): Promise<void> {
  const part = `${o.file}.part`;
  if (existsSync(o.file)) return sendFile(req, res, o.file, 'segment');
  if (!existsSync(part)) {
    const s = await readState(o.mediaDir, o.id);
    if (!s || s.run !== o.run || s.astMs === undefined) return plain(res, 404, 'not found: no such channel run');
    if (o.n < (s.oldest ?? 1)) return plain(res, 404, `not found: segment ${o.n} has left the ${s.windowS} s window`);
    if (!isRunning(s)) return plain(res, 404, `not found: the channel is ${s.status}`);
    const dueMs = s.astMs + ((o.n - 1) * s.segmentS + s.chunkS) * 1000;
    const waitMs = dueMs - Date.now();
    if (waitMs > LIVE_DEFAULTS.holdMs) return plain(res, 404, `not yet: segment ${o.n} is due in ${(waitMs / 1000).toFixed(1)} s`, { 'Retry-After': String(Math.ceil(waitMs / 1000)) });
    // Due soon: hold the request until its first chunk is written (or the bound passes).
    const until = Date.now() + Math.max(waitMs, 0) + LIVE_DEFAULTS.holdMs;
    while (!existsSync(part) && !existsSync(o.file)) {
      if (Date.now() > until || res.destroyed) return plain(res, 404, `not yet: segment ${o.n} is late`, { 'Retry-After': '1' });
      await sleep(TAIL_POLL_MS);
    }
    if (existsSync(o.file)) return sendFile(req, res, o.file, 'segment');
  }
  // A byte range of a segment being written (an LL-HLS part): sent once those bytes are written.
  if (req.headers.range) return sendWrittenRange(req, res, o.file, part);
  return tail(req, res, o.file, part);
}

/** How long a blocking playlist reload may be held: three target durations (RFC 8216bis 6.2.5.2). */
const BLOCK_MS = 3 * LIVE_DEFAULTS.segmentS * 1000;

async function blockUntil(file: string, msn: number, part: number | undefined, res: ServerResponse): Promise<'ready' | 'too-far' | 'timeout'> {
  const until = Date.now() + BLOCK_MS;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const p = playlistProgress(text);
    if (p.ended || msn <= p.lastMsn || (msn === p.lastMsn + 1 && part !== undefined && part < p.nextParts)) return 'ready';
    if (text && msn > p.lastMsn + 2) return 'too-far';
    if (Date.now() > until || res.destroyed) return 'timeout';
    await sleep(TAIL_POLL_MS * 2);
  }
}

/** `bytes=a-b` of a segment still being written: held until written (or the segment done), then 206 with an unknown total. */
async function sendWrittenRange(req: IncomingMessage, res: ServerResponse, file: string, part: string): Promise<void> {
  const m = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range));
  if (!m) return tail(req, res, file, part);
  const [start, end] = [Number(m[1]), Number(m[2])];
  const until = Date.now() + BLOCK_MS;
  for (;;) {
    if (existsSync(file)) return sendFile(req, res, file, 'segment');
    const size = (await stat(part).catch(() => undefined))?.size ?? 0;
    if (size > end) break;
    if (Date.now() > until || res.destroyed) return plain(res, 404, 'not yet: those bytes of the segment are late', { 'Retry-After': '1' });
    await sleep(TAIL_POLL_MS);
  }
  const fh = await open(part, 'r').catch(() => undefined);
  if (!fh) return sendFile(req, res, file, 'segment'); // renamed in between: finished
  try {
    const body = Buffer.alloc(end - start + 1);
    await fh.read(body, 0, body.length, start);
    const type = path.basename(path.dirname(file)).startsWith('a') ? 'audio/mp4' : 'video/mp4';
    res.writeHead(206, { ...CORS_HEADERS, 'Content-Type': type, 'Cache-Control': IMMUTABLE, 'Content-Range': `bytes ${start}-${end}/*`, 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  } finally {
    await fh.close();
  }
}

/** Until the response can take more, or the viewer has gone (a 'drain' that never comes would hold the file open until garbage collection). */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/**
 * Send a segment while it is written: read what the file holds, send it, wait for more; done
 * once the writer has renamed the part to its final name and everything is sent. The open file
 * handle keeps reading the same file across the rename.
 */
async function tail(req: IncomingMessage, res: ServerResponse, file: string, part: string): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(part, 'r');
  } catch {
    return sendFile(req, res, file, 'segment'); // renamed in between: finished
  }
  const type = path.basename(path.dirname(file)).startsWith('a') ? 'audio/mp4' : 'video/mp4';
  res.writeHead(200, { ...CORS_HEADERS, 'Content-Type': type, 'Cache-Control': IMMUTABLE });
  if (req.method === 'HEAD') return void (await fh.close(), res.end());
  const buf = Buffer.alloc(256 * 1024);
  let pos = 0;
  let idleSince = Date.now();
  try {
    for (;;) {
      if (res.destroyed) return;
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        idleSince = Date.now();
        if (!res.write(Buffer.from(buf.subarray(0, bytesRead)))) await drainedOrClosed(res);
        continue;
      }
      if (!existsSync(part)) {
        const size = (await stat(file).catch(() => undefined))?.size;
        if (size !== undefined && pos >= size) return void res.end();
        if (size === undefined) return void res.destroy(); // neither name: the channel was removed
        continue;
      }
      // A writer that stopped writing without finishing the segment: cut the answer off, so no cache keeps it.
      if (Date.now() - idleSince > 10_000) return void res.destroy();
      await sleep(TAIL_POLL_MS);
    }
  } finally {
    await fh.close();
  }
}
