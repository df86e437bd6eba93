/**
 * POST /api/videos: a multipart upload (field `file`, optional `title`), streamed to disk
 * under a name of our own (the client's file name never becomes a path), size-limited,
 * probed with ffprobe before it is queued. Answers 202 { jobId, videoId } or a JSON error:
 * 400 (not a multipart upload with a file), 413 (too large), 415 (not a video we can read),
 * 429 (too many uploads at once), 507 (the server's disk is full; nothing is kept).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import { freeVideoId, idFromName, probeSource, PackagingError } from '../packager/index.js';
import type { JobsPort } from '../jobs/port.js';

export interface UploadOptions {
  mediaDir: string;
  maxUploadBytes: number;
  maxConcurrentUploads: number;
  jobs: JobsPort;
}

export const UPLOAD_DIR = '.uploads';

const human = (n: number) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(n / 1024 ** 2)} MiB`);

export function createUploadHandler(opts: UploadOptions) {
  let active = 0;
  const dir = path.join(opts.mediaDir, UPLOAD_DIR);

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
    if (active >= opts.maxConcurrentUploads) return fail(429, `${active} uploads are already in progress; try again when one finishes`);
    active++;
    const target = path.join(dir, `${randomUUID()}.upload`);
    let title = '';
    let originalName = '';
    let gotFile = false;
    let tooLarge = false;
    let settled = false;
    try {
      await mkdir(dir, { recursive: true });
      await new Promise<void>((resolve, reject) => {
        let bb: busboy.Busboy;
        try {
          bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: opts.maxUploadBytes, fields: 8, fieldSize: 4096 } });
        } catch (err) {
          reject(new UploadError(400, `malformed multipart upload: ${(err as Error).message}`));
          return;
        }
        const writes: Promise<void>[] = [];
        bb.on('field', (name, value) => {
          if (name === 'title') title = value.slice(0, 200);
        });
        bb.on('file', (name, stream, info) => {
          if (name !== 'file' || gotFile) {
            stream.resume();
            return;
          }
          gotFile = true;
          originalName = path.basename(info.filename || 'upload');
          const out = createWriteStream(target);
          stream.on('limit', () => {
            tooLarge = true;
          });
          const written = new Promise<void>((res2, rej2) => {
            out.on('finish', res2);
            out.on('error', rej2);
            stream.on('error', rej2);
          });
          // A write that fails (a full disk) fails the upload at once: the rest of the
          // request is read and dropped, so busboy finishes and the answer reaches the client.
          written.catch((err: NodeJS.ErrnoException) => {
            stream.unpipe(out);
            stream.resume();
            reject(writeFailure(err));
          });
          writes.push(written);
          stream.pipe(out);
        });
        bb.on('error', (err) => reject(new UploadError(400, `malformed multipart upload: ${(err as Error).message}`)));
        bb.on('close', () => {
          Promise.all(writes).then(() => resolve(), reject);
        });
        req.on('aborted', () => reject(new UploadError(400, 'the upload was interrupted')));
        req.pipe(bb);
      });
      if (tooLarge) throw new UploadError(413, `the file is larger than the ${human(opts.maxUploadBytes)} limit (MAX_UPLOAD_BYTES)`);
      if (!gotFile) throw new UploadError(400, 'no file: send the video in a multipart field named "file"');
      try {
        await probeSource(target);
      } catch (err) {
        if (err instanceof PackagingError && err.code === 'input') {
          // The message names our temporary file; say it with the user's file name.
          const msg = err.message.replace(/^[^:]*:\s*/, '');
          throw new UploadError(415, `${originalName}: ${msg}`);
        }
        throw err;
      }
      const videoId = await freeVideoId(opts.mediaDir, idFromName(title || originalName), opts.jobs.pendingVideoIds());
      const job = await opts.jobs.enqueue({ upload: target, videoId, title: title.trim() || originalName.replace(/\.[^.]*$/, ''), originalName });
      settled = true;
      res.status(202).location(`/api/jobs/${job.id}`).json({ jobId: job.id, videoId });
    } catch (err) {
      // Nothing of a refused upload stays on disk, even for a moment after the answer.
      await rm(target, { force: true });
      if (err instanceof UploadError) fail(err.status, err.message);
      else fail(500, `upload failed: ${(err as Error).message}`);
      // Drain what the client is still sending so the error reaches it.
      req.resume();
    } finally {
      active--;
      if (!settled) await rm(target, { force: true });
    }
  };
}

/** Why the upload could not be stored, for the client: a full disk is the server's, not the file's. */
function writeFailure(err: NodeJS.ErrnoException): UploadError {
  if (err.code === 'ENOSPC' || err.code === 'EDQUOT') return new UploadError(507, "the server's disk is full: nothing was kept; free space in MEDIA_DIR and upload again");
  return new UploadError(500, `the upload could not be stored: ${err.message}`);
}

class UploadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
