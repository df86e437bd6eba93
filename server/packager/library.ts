/**
 * The library on disk: <MEDIA_DIR>/<id>/ per published video.
 *
 * Publishing is atomic. Each video's files live in <MEDIA_DIR>/.store/<id>.<version>/ and
 * <MEDIA_DIR>/<id> is a relative symlink to the current version; a new version is swapped in
 * by renaming a new symlink over the old one (rename(2) is atomic), so a reader resolves
 * <id>/manifest.mpd to the complete old package or the complete new one, never to a mix
 * and never to nothing. Work in progress lives in <MEDIA_DIR>/.tmp/ and is never listed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, readlink, realpath, rename, rm, stat, statfs, symlink, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PackagingError } from './errors.js';
import { INFO_FILE } from './types.js';

export const TMP_DIR = '.tmp';
export const STORE_DIR = '.store';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

export function assertValidId(id: string): void {
  if (!isValidId(id)) {
    throw new PackagingError('usage', `invalid id "${id}": use 1 to 64 letters, digits, "-" or "_", starting with a letter or digit`);
  }
}

/** A library id from a file name: "My Movie (2019).mov" -> "my-movie-2019". */
export function idFromName(name: string): string {
  const base = path.basename(name).replace(/\.[^.]*$/, '');
  const slug = base
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug || 'video';
}

const rand = () => randomBytes(4).toString('hex');

/** A fresh staging folder for packaging `id`, owned by this process. */
export async function createStaging(mediaDir: string, id: string): Promise<string> {
  const tmp = path.join(mediaDir, TMP_DIR);
  await mkdir(tmp, { recursive: true });
  const dir = path.join(tmp, `${id}.${rand()}`);
  await mkdir(dir);
  // The owner beside the folder lets a later sweep tell abandoned work from live work: its
  // host too, for a MEDIA_DIR shared with workers on other machines (their pids mean nothing here).
  await writeFile(`${dir}.owner`, `${os.hostname()} ${process.pid}`);
  return dir;
}

/** Remove a staging folder and its owner mark. */
export async function discardStaging(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await rm(`${dir}.owner`, { force: true });
}

/**
 * Atomically make `staging` the published content of `id`, replacing any earlier version.
 * `replacing`: the folder (publishedDir) the staging was made from; if `id` is published from
 * another one by now (re-packaged meanwhile), nothing is replaced and a 'conflict' is thrown,
 * so work derived from an old version never reverts a newer one.
 */
export async function publish(mediaDir: string, id: string, staging: string, opts: { replacing?: string } = {}): Promise<string> {
  assertValidId(id);
  const target = path.join(mediaDir, id);
  if (opts.replacing !== undefined) {
    const now = await realpath(target).catch(() => undefined);
    if (now !== opts.replacing) {
      await discardStaging(staging);
      throw new PackagingError('conflict', `${id} was ${now ? 're-packaged' : 'deleted'} while this ran; nothing was replaced (run it again on the current version)`);
    }
  }
  const store = path.join(mediaDir, STORE_DIR);
  await mkdir(store, { recursive: true });
  const version = `${id}.${Date.now().toString(36)}${rand()}`;
  await rename(staging, path.join(store, version));
  await rm(`${staging}.owner`, { force: true });

  let previous: string | undefined;
  const current = await lstat(target).catch(() => undefined);
  if (current?.isSymbolicLink()) {
    previous = path.resolve(mediaDir, await readlink(target));
  } else if (current?.isDirectory()) {
    // A plain folder (copied in by hand): move it aside first; only this case has a gap.
    previous = path.join(store, `${id}.legacy-${rand()}`);
    await rename(target, previous);
  } else if (current) {
    throw new PackagingError('usage', `${target} exists and is not a video folder; move it away first`);
  }
  const link = path.join(mediaDir, TMP_DIR, `${version}.link`);
  await symlink(path.join(STORE_DIR, version), link);
  await rename(link, target);
  if (previous && previous.startsWith(store + path.sep)) await rm(previous, { recursive: true, force: true });
  return target;
}

/** Unpublish a video (the symlink goes first, atomically) and delete its files. */
export async function removeVideo(mediaDir: string, id: string): Promise<boolean> {
  if (!isValidId(id)) return false;
  const target = path.join(mediaDir, id);
  const st = await lstat(target).catch(() => undefined);
  if (!st) return false;
  if (st.isSymbolicLink()) {
    const real = path.resolve(mediaDir, await readlink(target));
    await rm(target, { force: true });
    if (real.startsWith(path.join(mediaDir, STORE_DIR) + path.sep)) await rm(real, { recursive: true, force: true });
  } else {
    await rm(target, { recursive: true, force: true });
  }
  return true;
}

/**
 * The real folder of a published video, or undefined: the entry must be a valid id, resolve
 * inside MEDIA_DIR (a symlink pointing elsewhere is ignored) and hold an info.json.
 */
export async function publishedDir(mediaDir: string, id: string): Promise<string | undefined> {
  if (!isValidId(id)) return undefined;
  try {
    const root = await realpath(mediaDir);
    const real = await realpath(path.join(mediaDir, id));
    if (!real.startsWith(root + path.sep)) return undefined;
    const rel = path.relative(root, real);
    if (rel.split(path.sep).some((part, i) => part.startsWith('.') && !(i === 0 && part === STORE_DIR))) return undefined;
    if (!(await stat(real)).isDirectory()) return undefined;
    await stat(path.join(real, INFO_FILE));
    return real;
  } catch {
    return undefined;
  }
}

/**
 * `base`, or `base-2`, `base-3`...: the first id neither published nor in `taken` (the ids of
 * jobs still packaging), so a new upload or a retry never overwrites another video.
 */
export async function freeVideoId(mediaDir: string, base: string, taken: Set<string>): Promise<string> {
  for (let n = 1; ; n++) {
    const id = n === 1 ? base : `${base.slice(0, 60)}-${n}`;
    if (!taken.has(id) && !(await publishedDir(mediaDir, id))) return id;
  }
}

/** Ids of the published videos, sorted. */
export async function listPublished(mediaDir: string): Promise<string[]> {
  const names = await readdir(mediaDir).catch(() => [] as string[]);
  const ids: string[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.') || !isValidId(name)) continue;
    if (await publishedDir(mediaDir, name)) ids.push(name);
  }
  return ids;
}

export async function readInfo<T = unknown>(mediaDir: string, id: string): Promise<T | undefined> {
  const dir = await publishedDir(mediaDir, id);
  if (!dir) return undefined;
  return JSON.parse(await readFile(path.join(dir, INFO_FILE), 'utf8')) as T;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Work by a process of this host that is gone; another host's only after a day (it cannot be asked). */
function ownerGone(owner: string, ageMs: number): boolean {
  const [host, pid] = owner.includes(' ') ? owner.split(' ') : [os.hostname(), owner];
  return host === os.hostname() ? !pidAlive(Number(pid)) : ageMs > 24 * 3600_000;
}

/**
 * Remove what interrupted work left behind: staging folders whose owner process is gone,
 * and stored versions no symlink points to. Safe to run while other packagers work.
 */
export async function sweep(mediaDir: string): Promise<string[]> {
  const removed: string[] = [];
  const tmp = path.join(mediaDir, TMP_DIR);
  const now = Date.now();
  for (const name of await readdir(tmp).catch(() => [] as string[])) {
    if (name.endsWith('.owner')) continue;
    const full = path.join(tmp, name);
    const owner = await readFile(`${full}.owner`, 'utf8').catch(() => undefined);
    const age = now - ((await lstat(full).catch(() => undefined))?.mtimeMs ?? now);
    const abandoned = owner ? ownerGone(owner, age) : age > 60_000;
    if (abandoned) {
      await discardStaging(full);
      removed.push(path.join(TMP_DIR, name));
    }
  }
  for (const name of await readdir(tmp).catch(() => [] as string[])) {
    if (name.endsWith('.owner')) {
      const dir = path.join(tmp, name.slice(0, -'.owner'.length));
      if (!(await lstat(dir).catch(() => undefined))) await rm(path.join(tmp, name), { force: true });
    }
  }
  const store = path.join(mediaDir, STORE_DIR);
  const referenced = new Set<string>();
  for (const name of await readdir(mediaDir).catch(() => [] as string[])) {
    const full = path.join(mediaDir, name);
    if ((await lstat(full).catch(() => undefined))?.isSymbolicLink()) referenced.add(path.resolve(mediaDir, await readlink(full)));
  }
  for (const name of await readdir(store).catch(() => [] as string[])) {
    const full = path.join(store, name);
    const age = now - ((await lstat(full).catch(() => undefined))?.mtimeMs ?? now);
    // A version younger than a minute may be mid-publish by another process.
    if (!referenced.has(full) && age > 60_000) {
      await rm(full, { recursive: true, force: true });
      removed.push(path.join(STORE_DIR, name));
    }
  }
  return removed;
}

/** A file's strong validator: a hash of its bytes. */
export async function etagOf(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return `"${hash.digest('base64url').slice(0, 27)}"`;
}

/** Below this much free space a failure is put down to the disk (ffmpeg's dash muxer can exit 0 on a full disk, leaving truncated segments that verification then rejects). */
const DISK_FULL_BYTES = 32 * 1024 * 1024;

/** A PackagingError('disk-full') naming the disk when it is (nearly) full, else undefined. */
export async function diskFullError(mediaDir: string, err: unknown): Promise<PackagingError | undefined> {
  if (err instanceof PackagingError && err.code === 'cancelled') return undefined;
  const message = err instanceof Error ? err.message : String(err);
  const noSpace = /ENOSPC|EDQUOT|No space left on device|Disk quota exceeded/i.test(message);
  const fs = await statfs(mediaDir).catch(() => undefined);
  const freeBytes = fs ? fs.bavail * fs.bsize : undefined;
  if (!noSpace && !(freeBytes !== undefined && freeBytes < DISK_FULL_BYTES)) return undefined;
  const left = freeBytes === undefined ? '' : ` (${(freeBytes / 1024 / 1024).toFixed(1)} MiB left)`;
  return new PackagingError('disk-full', `the disk holding ${mediaDir} is full${left}: nothing was published; free space and package again (what failed: ${message})`);
}
