/**
 * A package made on another machine (`npm run worker`), received as a tar stream and published
 * only if it is exactly what a package made here would be: every file a plain name listed in
 * info.json with its size and hash, the MPD and every segment verified as packageVideo verifies
 * its own (server/packager/verify.ts). It is extracted into a staging folder and published
 * atomically; on any failure the staging folder goes and nothing is published.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { x as untar } from 'tar';
import { PackagingError } from './errors.js';
import { assertValidId, createStaging, discardStaging, etagOf, publish } from './library.js';
import { INFO_FILE, type VideoInfo } from './types.js';
import { verifyPackage } from './verify.js';

/** A file name a package may hold: no folders, no dot files. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface ReceiveOptions {
  mediaDir: string;
  videoId: string;
  body: Readable;
  /** More than this many bytes of tar: refused. */
  maxBytes: number;
  /**
   * Called once the package has passed every check, just before it is published: false means
   * the package is already published (by an earlier send of the same job) and this copy goes.
   */
  claim: () => Promise<boolean>;
  /** The claim given back when the publish itself fails. */
  release: () => Promise<void>;
}

/** Receive, check and publish. Throws PackagingError ('verify', 'usage', or 'disk-full' from publish). */
export async function receivePackage(o: ReceiveOptions): Promise<{ published: boolean; info: VideoInfo }> {
  assertValidId(o.videoId);
  const staging = await createStaging(o.mediaDir, o.videoId);
  try {
    await extract(o.body, staging, o.maxBytes);
    const info = await checkFiles(staging, o.videoId);
    const video = info.renditions.find((r) => r.kind === 'video');
    const frameS = video?.frameRate ? 1 / video.frameRate : 1 / 25;
    await verifyPackage(staging, { durationS: info.source.durationS, frameS });
    if (!(await o.claim())) {
      await discardStaging(staging);
      return { published: false, info };
    }
    try {
      await publish(o.mediaDir, o.videoId, staging);
    } catch (err) {
      await o.release();
      throw err;
    }
    return { published: true, info };
  } catch (err) {
    await discardStaging(staging);
    throw err;
  }
}

/** The tar's plain files into `dir`; anything else (a folder, a link, `../x`, too many bytes) fails it. */
async function extract(body: Readable, dir: string, maxBytes: number): Promise<void> {
  let bytes = 0;
  const refused: string[] = [];
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(new PackagingError('usage', `the package is larger than ${maxBytes} bytes: refused`));
      done(null, chunk);
    },
  });
  const unpack = untar({
    cwd: dir,
    strict: true,
    filter: (name, entry) => {
      const ok = 'type' in entry && entry.type === 'File' && FILE_NAME.test(name);
      if (!ok) refused.push(name);
      return ok;
    },
  });
  try {
    await pipeline(body, limit, unpack);
  } catch (err) {
    if (err instanceof PackagingError) throw err;
    throw new PackagingError('verify', `the package is not a readable tar stream: ${(err as Error).message}`);
  }
  if (refused.length) throw new PackagingError('verify', `the package holds entries that are not plain files of a video: ${refused.slice(0, 5).join(', ')}`);
}

/** info.json read, and every file against it: the same names, sizes and hashes, nothing more or less. */
async function checkFiles(dir: string, videoId: string): Promise<VideoInfo> {
  let info: VideoInfo;
  try {
    info = JSON.parse(await readFile(path.join(dir, INFO_FILE), 'utf8')) as VideoInfo;
  } catch (err) {
    throw new PackagingError('verify', `the package's ${INFO_FILE} is missing or not JSON: ${(err as Error).message}`);
  }
  if (info.id !== videoId) throw new PackagingError('verify', `the package is of "${info.id}", not of "${videoId}"`);
  const listed = Object.keys(info.files ?? {});
  const present = (await readdir(dir)).filter((f) => f !== INFO_FILE);
  const missing = listed.filter((f) => !present.includes(f));
  const extra = present.filter((f) => !listed.includes(f));
  if (missing.length) throw new PackagingError('verify', `the package lacks files ${INFO_FILE} lists: ${missing.slice(0, 5).join(', ')}`);
  if (extra.length) throw new PackagingError('verify', `the package holds files ${INFO_FILE} does not list: ${extra.slice(0, 5).join(', ')}`);
  for (const name of listed) {
    const want = info.files[name];
    const full = path.join(dir, name);
    const size = (await stat(full)).size;
    if (size !== want.bytes) throw new PackagingError('verify', `${name}: ${size} bytes arrived, ${INFO_FILE} says ${want.bytes} (cut off in transit?)`);
    if ((await etagOf(full)) !== want.etag) throw new PackagingError('verify', `${name}: its bytes do not match the hash in ${INFO_FILE} (damaged in transit?)`);
  }
  return info;
}
