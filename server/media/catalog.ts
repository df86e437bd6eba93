/**
 * The published library in memory: for every file of every video, its path, size and
 * precomputed validators and headers. Requests never stat or hash anything; a request for a
 * name not in this catalog is a 404, whatever it looks like, so nothing outside the
 * published packages can be served. Validators come from info.json (computed once when the
 * video was packaged), so every replica of the origin answers with the same ETag and
 * Last-Modified.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { listPublished, publishedDir } from '../packager/library.js';
import type { VideoInfo } from '../packager/types.js';
import { CORS_HEADERS, policyFor } from './content-type.js';

export interface Variant {
  etag: string;
  size: number;
  /** Precomputed response headers for 200 (Content-Length and Range headers are added per response). */
  headers: Record<string, string>;
  /** Precomputed raw header lists, the hot path's answers: 200 (with length) and 304. */
  raw200: string[];
  raw304: string[];
  /** Held in memory: gzip variants always, the identity of text files up to HOLD_IDENTITY_BYTES. */
  body?: Buffer;
}

export interface MediaFile {
  id: string;
  name: string;
  path: string;
  lastModifiedMs: number;
  identity: Variant;
  gzip?: Variant;
}

/**
 * A larger text file (an ABR policy: ~1 MB, 40 KB gzipped) keeps only its gzip variant in
 * memory: browsers ask for that; the rare identity request reads the disk like a segment.
 */
export const HOLD_IDENTITY_BYTES = 16 * 1024;

const etagOfBuffer = (b: Buffer) => `"${createHash('sha256').update(b).digest('base64url').slice(0, 27)}"`;

export class MediaCatalog {
  private files = new Map<string, MediaFile>();
  private videos = new Map<string, VideoInfo>();
  private watcher?: FSWatcher;
  private reloadTimer?: NodeJS.Timeout;
  private readonly listeners = new Set<() => void>();

  constructor(readonly mediaDir: string) {}

  /** Read every published video. */
  async load(): Promise<void> {
    const ids = await listPublished(this.mediaDir);
    const files = new Map<string, MediaFile>();
    const videos = new Map<string, VideoInfo>();
    for (const id of ids) {
      const entry = await this.loadVideo(id).catch(() => undefined);
      if (!entry) continue;
      videos.set(id, entry.info);
      for (const f of entry.files) files.set(`${id}/${f.name}`, f);
    }
    this.files = files;
    this.videos = videos;
    for (const l of this.listeners) l();
  }

  /** Reload one video (after a job published or deleted it). */
  async reload(id: string): Promise<void> {
    const entry = await this.loadVideo(id).catch(() => undefined);
    const files = new Map([...this.files].filter(([k]) => !k.startsWith(`${id}/`)));
    const videos = new Map(this.videos);
    videos.delete(id);
    if (entry) {
      videos.set(id, entry.info);
      for (const f of entry.files) files.set(`${id}/${f.name}`, f);
    }
    this.files = files;
    this.videos = videos;
    for (const l of this.listeners) l();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async loadVideo(id: string): Promise<{ info: VideoInfo; files: MediaFile[] } | undefined> {
    const dir = await publishedDir(this.mediaDir, id);
    if (!dir) return undefined;
    const infoBytes = await readFile(path.join(dir, 'info.json'));
    const info = JSON.parse(infoBytes.toString('utf8')) as VideoInfo;
    const lastModifiedMs = Math.floor(Date.parse(info.updatedAt ?? info.createdAt) / 1000) * 1000 || 0;
    const out: MediaFile[] = [];
    const listed: Array<[string, { bytes: number; etag: string } | undefined]> = [
      ...Object.entries(info.files ?? {}),
      ['info.json', undefined],
    ];
    for (const [name, meta] of listed) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) continue;
      const full = path.join(dir, name);
      const st = await lstat(full).catch(() => undefined);
      // Only regular files: a symlink inside a package (pointing anywhere) is never served.
      if (!st?.isFile()) continue;
      const policy = policyFor(name);
      // Manifests, playlists and info.json are small and hot: held in memory, with a gzip variant.
      const body = policy.compressible ? (name === 'info.json' ? infoBytes : await readFile(full)) : undefined;
      const etag = meta?.etag ?? etagOfBuffer(body ?? (await readFile(full)));
      if (meta && meta.bytes !== st.size) continue; // changed after packaging: not ours to serve
      const lastModified = new Date(lastModifiedMs).toUTCString();
      const base = (v: { etag: string; encoding?: string }) => {
        const h: Record<string, string> = {
          ...CORS_HEADERS,
          'Content-Type': policy.contentType,
          ETag: v.etag,
          'Last-Modified': lastModified,
          'Cache-Control': policy.cacheControl,
          'Accept-Ranges': 'bytes',
        };
        if (policy.compressible) h.Vary = 'Accept-Encoding';
        if (v.encoding) h['Content-Encoding'] = v.encoding;
        return h;
      };
      const variant = (v: { etag: string; encoding?: string; size: number; body?: Buffer }): Variant => {
        const headers = base(v);
        const raw304 = [...Object.entries(CORS_HEADERS).flat(), 'ETag', headers.ETag, 'Last-Modified', headers['Last-Modified'], 'Cache-Control', headers['Cache-Control']];
        if (headers.Vary) raw304.push('Vary', headers.Vary);
        const raw200 = [...Object.entries(headers).flat(), 'Content-Length', String(v.size)];
        return { etag: v.etag, size: v.size, headers, raw200, raw304, body: v.body };
      };
      const file: MediaFile = { id, name, path: full, lastModifiedMs, identity: variant({ etag, size: st.size, body: body && body.length <= HOLD_IDENTITY_BYTES ? body : undefined }) };
      if (policy.compressible && body) {
        const gz = gzipSync(body, { level: 9 });
        if (gz.length < body.length) file.gzip = variant({ etag: `${etag.slice(0, -1)}-gz"`, encoding: 'gzip', size: gz.length, body: gz });
      }
      out.push(file);
    }
    return { info, files: out };
  }

  get(id: string, name: string): MediaFile | undefined {
    return this.files.get(`${id}/${name}`);
  }

  video(id: string): VideoInfo | undefined {
    return this.videos.get(id);
  }

  list(): VideoInfo[] {
    return [...this.videos.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Follow changes made by other processes (npm run package publishing into the same library). */
  watch(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.mediaDir, { persistent: false }, (_event, name) => {
        if (name && String(name).startsWith('.')) return;
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => void this.load().catch(() => undefined), 200);
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // No watching (the folder may not exist yet): publishes by this server still reload.
    }
  }

  close(): void {
    this.watcher?.close();
    clearTimeout(this.reloadTimer);
  }
}
