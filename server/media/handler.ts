/**
 * GET/HEAD /media/<id>/<file>: the hot path, on Node's bare http (express adds ~10x
 * overhead per request here). Everything per file is precomputed by the catalog; per
 * request we parse the URL, evaluate preconditions and ranges, and write.
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { evaluate } from '../conditional-get/index.js';
import type { MediaCatalog, MediaFile, Variant } from './catalog.js';
import { CORS_HEADERS } from './content-type.js';
import { MemoryCache } from './memory-cache.js';

export interface MediaHandlerOptions {
  catalog: MediaCatalog;
  /** Bytes of segments kept in memory (0 disables the cache). */
  memoryCacheBytes: number;
  /** Called once per response, for metrics and logs (and the CDN tier's origin counts, which ask who asked). */
  onResponse?: (info: ResponseInfo, req: IncomingMessage) => void;
}

export interface ResponseInfo {
  status: number;
  bytes: number;
  range: boolean;
  notModified: boolean;
}

type Done = (info: ResponseInfo) => void;

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const CORS = CORS_HEADERS;

/** Split /media/<id>/<file> into its two parts, decoded once; 400 for what no file name can be. */
export function parseMediaPath(rawUrl: string): { id: string; name: string } | { error: 400 | 404 } {
  const q = rawUrl.indexOf('?');
  const p = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const parts = p.split('/');
  // ['', 'media', id, file]
  if (parts.length !== 4 || parts[1] !== 'media') return { error: 404 };
  let id: string;
  let name: string;
  try {
    id = decodeURIComponent(parts[2]);
    name = decodeURIComponent(parts[3]);
  } catch {
    return { error: 400 };
  }
  // Control characters, NUL, slashes or backslashes that were encoded: a traversal attempt.
  if (/[\u0000-\u001f\\/]/.test(id + name)) return { error: 400 };
  if (!ID.test(id) || !FILE.test(name) || name.includes('..')) return { error: 404 };
  return { id, name };
}

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.map((x) => x.trim()).find((x) => x.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  }
  return false;
}

/** What the handler's helpers share: the memory cache, the catalog, and the per-response callback. */
interface Served {
  cache?: MemoryCache;
  catalog: MediaCatalog;
}

function plain(done: Done, res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  const body = `${message}\n`;
  res.writeHead(status, { ...CORS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
  res.end(body);
  done({ status, bytes: body.length, range: false, notModified: false });
}

/**
 * The body from memory, or from disk through a file opened without following a symlink (as
 * nginx's disable_symlinks): a published file swapped for a link to something else is never
 * served, whatever its size. A file that cannot be opened as the catalog knows it answers 404
 * and the video is read again.
 */
function openFile(d: Served, file: MediaFile, variant: Variant, then: (fd?: number) => void, notFound: () => void): void {
  if (variant.body ?? d.cache?.get(file.path)) return then();
  const gone = () => {
    void d.catalog.reload(file.id).catch(() => undefined);
    notFound();
  };
  fs.open(file.path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW, (err, fd) => {
    if (err) return gone();
    fs.fstat(fd, (err2, st) => {
      if (!err2 && st.isFile() && st.size === variant.size) return then(fd);
      fs.close(fd, () => undefined);
      gone();
    });
  });
}

function sendBody(d: Served, res: ServerResponse, file: MediaFile, variant: Variant, start: number, end: number, head: boolean, fd?: number): void {
  const length = end - start + 1;
  const inMemory = variant.body ?? d.cache?.get(file.path);
  if (head || length === 0 || inMemory) {
    if (fd !== undefined) fs.close(fd, () => undefined);
    if (head || length === 0 || !inMemory) return void res.end();
    res.end(start === 0 && end === inMemory.length - 1 ? inMemory : inMemory.subarray(start, end + 1));
    return;
  }
  const cache = d.cache;
  if (cache && start === 0 && end === variant.size - 1) {
    // Read whole files once into the cache; later requests are served from memory.
    const chunks: Buffer[] = [];
    const stream = fs.createReadStream('', { fd, highWaterMark: 1 << 20 });
    stream.on('data', (c) => chunks.push(c as Buffer));
    stream.on('error', () => res.destroy());
    stream.on('end', () => {
      const buf = Buffer.concat(chunks);
      if (buf.length === variant.size) cache.set(file.path, buf);
      res.end(buf);
    });
    return;
  }
  const stream = fs.createReadStream('', { fd, start, end, highWaterMark: 1 << 20 });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

export function createMediaHandler(opts: MediaHandlerOptions) {
  const cache = opts.memoryCacheBytes > 0 ? new MemoryCache(opts.memoryCacheBytes) : undefined;
  opts.catalog.onChange(() => cache && cache.deletePrefix(''));
  const d: Served = { cache, catalog: opts.catalog };
  const onResponse = opts.onResponse ?? (() => undefined);

  return function handleMedia(req: IncomingMessage, res: ServerResponse): void {
    const done: Done = (info) => onResponse(info, req);
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        ...CORS,
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': 'Range, If-None-Match, If-Modified-Since, If-Range, If-Match, If-Unmodified-Since, CMCD-Object, CMCD-Request, CMCD-Session, CMCD-Status',
        'Access-Control-Max-Age': '86400',
      });
      res.end();
      done({ status: 204, bytes: 0, range: false, notModified: false });
      return;
    }
    const parsed = parseMediaPath(req.url ?? '/');
    if ('error' in parsed) return plain(done, res, parsed.error, parsed.error === 400 ? 'bad request: malformed media path' : 'not found');
    if (method !== 'GET' && method !== 'HEAD') return plain(done, res, 405, 'method not allowed', { Allow: 'GET, HEAD, OPTIONS' });
    const file = opts.catalog.get(parsed.id, parsed.name);
    if (!file) return plain(done, res, 404, 'not found');

    const variant = file.gzip && acceptsGzip(req.headers['accept-encoding'] as string | undefined) ? file.gzip : file.identity;
    // The common revalidation, exactly our tag and nothing else to weigh: answer at once.
    const inm = req.headers['if-none-match'];
    const decision = inm === variant.etag && req.headers['if-match'] === undefined && req.headers['if-unmodified-since'] === undefined
      ? ({ status: 304 } as const)
      : evaluate(method, req.headers, { etag: variant.etag, lastModifiedMs: file.lastModifiedMs, size: variant.size });
    const head = method === 'HEAD';
    switch (decision.status) {
      case 304: {
        res.writeHead(304, variant.raw304);
        res.end();
        done({ status: 304, bytes: 0, range: false, notModified: true });
        return;
      }
      case 412:
        return plain(done, res, 412, 'precondition failed', { ETag: variant.etag });
      case 416:
        res.writeHead(416, { ...CORS, 'Content-Range': `bytes */${variant.size}`, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 0 });
        res.end();
        done({ status: 416, bytes: 0, range: true, notModified: false });
        return;
      case 206: {
        const { start, end } = decision;
        return openFile(d, file, variant, (fd) => {
          res.writeHead(206, { ...variant.headers, 'Content-Range': `bytes ${start}-${end}/${variant.size}`, 'Content-Length': end - start + 1 });
          sendBody(d, res, file, variant, start, end, head, fd);
          done({ status: 206, bytes: head ? 0 : end - start + 1, range: true, notModified: false });
        }, () => plain(done, res, 404, 'not found'));
      }
      default:
        return openFile(d, file, variant, (fd) => {
          res.writeHead(200, variant.raw200);
          sendBody(d, res, file, variant, 0, variant.size - 1, head, fd);
          done({ status: 200, bytes: head ? 0 : variant.size, range: false, notModified: false });
        }, () => plain(done, res, 404, 'not found'));
    }
  };
}
