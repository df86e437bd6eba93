/**
 * POST /api/videos: a multipart upload (field `file`, optional `title`), streamed to disk
 * under a name of our own (the client's file name never becomes a path), size-limited,
 * probed with ffprobe before it is queued. Answers 202 { jobId, videoId } or a JSON error:
 * 400 (not a multipart upload with a file), 408 (the body stopped arriving), 413 (too large),
 * 415 (not a video we can read), 429 (too many uploads at once), 507 (the server's disk is
 * full; nothing is kept). A client holds at most half the slots, and a body that stops
 * arriving for `idleMs` is cut off: stalled clients cannot keep everyone else out.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import { clientAddress } from '../client-address.js';
import { SERVER_DIRS } from '../config.js';
import type { JobControl } from '../jobs/job-control.js';
import { freeVideoId, idFromName, probeSource, PackagingError } from '../packager/index.js';
import { checkSubtitleFiles } from '../packager/subtitles.js';
import { normalizeLang } from '../../core/lang.js';

export interface UploadOptions {
  mediaDir: string;
  maxUploadBytes: number;
  maxConcurrentUploads: number;
  /** A body that sends nothing for this long is cut off (408) and its slot freed. */
  idleMs: number;
  /** Proxies whose X-Forwarded-For names the client, to count each client's slots. */
  trustProxies: readonly string[];
  jobs: JobControl;
}

const human = (n: number) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(n / 1024 ** 2)} MiB`);

class UploadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createUploadHandler(opts: UploadOptions) {
  const dir = path.join(opts.mediaDir, SERVER_DIRS.uploads);
  const slots = new Slots(opts.maxConcurrentUploads);

  return async function handleUpload(req: Request, res: Response): Promise<void> {
    const fail = (status: number, error: string) => {
      if (!res.headersSent) res.status(status).set('Connection', 'close').json({ error });
    };
    if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
      return fail(400, 'expected a multipart/form-data upload with the video in a field named "file"');
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > opts.maxUploadBytes + 64 * 1024) {
      return fail(413, `the upload is ${human(declared)}; the limit is ${human(opts.maxUploadBytes)} (MAX_UPLOAD_BYTES)`);
    }
    const release = slots.take(clientAddress(req.socket.remoteAddress, req.headers, opts.trustProxies));
    if (typeof release === 'string') return fail(429, release);
    const target = path.join(dir, `${randomUUID()}.upload`);
    const subtitleFiles: UploadedSubtitle[] = [];
    let settled = false;
    try {
      await mkdir(dir, { recursive: true });
      const got = await receive(req, target, opts, subtitleFiles);
      await probeUpload(target, got.originalName);
      await checkSubtitles(subtitleFiles, dir);
      const videoId = await freeVideoId(opts.mediaDir, idFromName(got.title || got.originalName), opts.jobs.pendingVideoIds());
      const job = await opts.jobs.enqueue({ upload: target, videoId, title: got.title.trim() || got.originalName.replace(/\.[^.]*$/, ''), originalName: got.originalName, ...(subtitleFiles.length ? { subtitles: subtitleFiles } : {}) });
      settled = true;
      res.status(202).location(`/api/jobs/${job.id}`).json({ jobId: job.id, videoId });
    } catch (err) {
      // Nothing of a refused upload stays on disk, even for a moment after the answer.
      await rm(target, { force: true });
      await Promise.all(subtitleFiles.map((s) => rm(s.upload, { force: true })));
      if (err instanceof UploadError) fail(err.status, err.message);
      else fail(500, `upload failed: ${(err as Error).message}`);
      // Drain what the client is still sending so the error reaches it; a stalled one is cut off once told.
      if (err instanceof UploadError && err.status === 408) res.once('finish', () => req.destroy());
      else req.resume();
    } finally {
      release();
      if (!settled) await Promise.all([target, ...subtitleFiles.map((s) => s.upload)].map((f) => rm(f, { force: true })));
    }
  };
}

/** Upload slots: `total` at once, at most half of them (at least one) for one client. */
class Slots {
  private active = 0;
  private readonly byClient = new Map<string, number>();
  constructor(private readonly total: number) {}

  /** A release function, or why not. */
  take(client: string): (() => void) | string {
    const perClient = Math.max(1, Math.floor(this.total / 2));
    const mine = this.byClient.get(client) ?? 0;
    if (this.active >= this.total) return `${this.active} uploads are already in progress; try again when one finishes`;
    if (mine >= perClient) return `you have ${mine} uploads in progress already (at most ${perClient} at once); try again when one finishes`;
    this.active++;
    this.byClient.set(client, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      const left = (this.byClient.get(client) ?? 1) - 1;
      if (left > 0) this.byClient.set(client, left);
      else this.byClient.delete(client);
    };
  }
}

/**
 * The multipart body into `target`: its file field, and the title. A body that sends nothing
 * for `idleMs` fails with 408 and its connection is closed.
 */
function receive(req: Request, target: string, opts: Pick<UploadOptions, 'maxUploadBytes' | 'idleMs'>, subtitles: UploadedSubtitle[]): Promise<{ title: string; originalName: string }> {
  return new Promise((resolve, reject) => {
    let title = '';
    let originalName = '';
    let gotFile = false;
    let tooLarge = false;
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1 + MAX_SUBTITLE_FILES, fileSize: opts.maxUploadBytes, fields: 8, fieldSize: 4096 } });
    } catch (err) {
      return reject(new UploadError(400, `malformed multipart upload: ${(err as Error).message}`));
    }
    let idle: NodeJS.Timeout | undefined;
    const stalled = () => {
      req.unpipe(bb);
      done(new UploadError(408, `the upload stalled: nothing arrived for ${Math.round(opts.idleMs / 1000)} s; send it again`));
    };
    const alive = () => {
      clearTimeout(idle);
      idle = setTimeout(stalled, opts.idleMs);
    };
    alive();
    req.on('data', alive);
    const done = (err?: Error) => {
      clearTimeout(idle);
      req.off('data', alive);
      if (err) reject(err);
      else if (tooLarge) reject(new UploadError(413, `the file is larger than the ${human(opts.maxUploadBytes)} limit (MAX_UPLOAD_BYTES)`));
      else if (!gotFile) reject(new UploadError(400, 'no file: send the video in a multipart field named "file"'));
      else resolve({ title, originalName });
    };
    const writes: Promise<void>[] = [];
    bb.on('field', (name, value) => {
      if (name === 'title') title = value.slice(0, 200);
    });
    bb.on('file', (name, stream, info) => {
      if (name === 'subtitles') return void receiveSubtitle(stream, info.filename, target, subtitles, writes, done);
      if (name !== 'file' || gotFile) return void stream.resume();
      gotFile = true;
      originalName = path.basename(info.filename || 'upload');
      const out = createWriteStream(target);
      stream.on('limit', () => (tooLarge = true));
      const written = new Promise<void>((ok, ko) => {
        out.on('finish', ok);
        out.on('error', ko);
        stream.on('error', ko);
      });
      // A write that fails (a full disk) fails the upload at once: the rest of the request is
      // read and dropped, so busboy finishes and the answer reaches the client.
      written.catch((err: NodeJS.ErrnoException) => {
        stream.unpipe(out);
        stream.resume();
        done(writeFailure(err));
      });
      writes.push(written);
      stream.pipe(out);
    });
    bb.on('error', (err) => done(new UploadError(400, `malformed multipart upload: ${(err as Error).message}`)));
    bb.on('close', () => void Promise.all(writes).then(() => done(), done));
    req.on('aborted', () => done(new UploadError(400, 'the upload was interrupted')));
    req.pipe(bb);
  });
}

/** Subtitle files sent with the video (field "subtitles", `talk.fr.srt`: the language before the extension). */
export interface UploadedSubtitle {
  lang: string;
  upload: string;
  originalName: string;
}

const MAX_SUBTITLE_FILES = 8;
const MAX_SUBTITLE_BYTES = 4 * 1024 * 1024;
const SUBTITLE_EXT = /\.(srt|vtt|ass|ssa)$/i;

/** One subtitle part, to `<upload>.sub<k>.<ext>`; its language from its name (`talk.pt-BR.srt`), else und. */
function receiveSubtitle(stream: NodeJS.ReadableStream & { resume(): void; on(e: string, f: (...a: unknown[]) => void): unknown }, filename: string | undefined, target: string, subtitles: UploadedSubtitle[], writes: Promise<void>[], done: (err?: Error) => void): void {
  const originalName = path.basename(filename || '');
  if (!originalName) return void stream.resume(); // an empty file input
  const ext = SUBTITLE_EXT.exec(originalName)?.[1]?.toLowerCase();
  if (!ext) {
    stream.resume();
    return done(new UploadError(400, `${originalName}: subtitles must be SubRip (.srt), WebVTT (.vtt) or ASS (.ass)`));
  }
  if (subtitles.length >= MAX_SUBTITLE_FILES) {
    stream.resume();
    return done(new UploadError(400, `at most ${MAX_SUBTITLE_FILES} subtitle files with one video`));
  }
  const tag = /\.([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})?)\.[a-z]+$/i.exec(originalName)?.[1];
  const sub: UploadedSubtitle = { lang: normalizeLang(tag), upload: `${target}.sub${subtitles.length}.${ext}`, originalName };
  subtitles.push(sub);
  let bytes = 0;
  const out = createWriteStream(sub.upload);
  const written = new Promise<void>((ok, ko) => {
    out.on('finish', ok);
    out.on('error', ko);
    stream.on('error', (e) => ko(e as Error));
  });
  stream.on('data', (chunk) => {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_SUBTITLE_BYTES) done(new UploadError(413, `${originalName}: a subtitle file is at most ${MAX_SUBTITLE_BYTES / 1024 / 1024} MiB`));
  });
  written.catch((err: NodeJS.ErrnoException) => done(writeFailure(err)));
  writes.push(written);
  stream.pipe(out);
}

/** Subtitle files read before queueing, as the packager will: a bad one is refused now, by its name and line. */
async function checkSubtitles(subtitles: UploadedSubtitle[], scratch: string): Promise<void> {
  for (const s of subtitles) {
    try {
      await checkSubtitleFiles([{ lang: s.lang, file: s.upload }], scratch);
    } catch (err) {
      if (err instanceof PackagingError && err.code === 'input') throw new UploadError(400, err.message.split(path.basename(s.upload)).join(s.originalName));
      throw err;
    }
  }
}

/** Probed before queueing: a file ffmpeg cannot read is refused now, with the user's file name. */
async function probeUpload(target: string, originalName: string): Promise<void> {
  try {
    await probeSource(target);
  } catch (err) {
    if (err instanceof PackagingError && err.code === 'input') throw new UploadError(415, `${originalName}: ${err.message.replace(/^[^:]*:\s*/, '')}`);
    throw err;
  }
}

/** Why the upload could not be stored, for the client: a full disk is the server's, not the file's. */
function writeFailure(err: NodeJS.ErrnoException): UploadError {
  if (err.code === 'ENOSPC' || err.code === 'EDQUOT') return new UploadError(507, "the server's disk is full: nothing was kept; free space in MEDIA_DIR and upload again");
  return new UploadError(500, `the upload could not be stored: ${err.message}`);
}
