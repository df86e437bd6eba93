/**
 * A full disk under MEDIA_DIR (a real tmpfs of a few MiB): an upload that does not fit is
 * refused with 507 and the server keeps answering; a package that does not fit fails as
 * 'disk-full', naming the disk, with nothing published and no staging left; the job records
 * are kept in memory and saved when there is room again. Mounting needs
 * root (CI runs as root); where the kernel refuses the mount, those three are skipped and say so.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPublished, packageVideo, PackagingError } from '../../server/packager/index.js';
import { diskFullError } from '../../server/packager/library.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { JobStore, type JobRecord } from '../../server/jobs/store.js';
import { startServer } from '../helpers/server.js';

let work: { dir: string; cleanup: () => Promise<void> };
const mounts: string[] = [];
let mountRefused = '';

/** A tmpfs of `mib` MiB at a new folder, or undefined (and why in mountRefused) when not allowed. */
async function smallDisk(name: string, mib: number): Promise<string | undefined> {
  const dir = path.join(work.dir, name);
  await mkdir(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    mountRefused = (r.stderr || r.error?.message || `exit ${r.status}`).trim();
    return undefined;
  }
  mounts.push(dir);
  return dir;
}

let uploadDisk: string | undefined;
let packageDisk: string | undefined;
let storeDisk: string | undefined;
beforeAll(async () => {
  work = await tempDir();
  uploadDisk = await smallDisk('upload-disk', 1);
  packageDisk = await smallDisk('package-disk', 1);
  storeDisk = await smallDisk('store-disk', 1);
  if (mountRefused) console.warn(`disk-full tests skipped: cannot mount a tmpfs here (${mountRefused})`);
});
afterAll(async () => {
  for (const m of mounts) spawnSync('umount', [m]);
  await work?.cleanup();
});

describe('a full disk', () => {
  it.skipIf(!!mountRefused)('an upload larger than the free space: 507 saying so, nothing kept, the server still up', async () => {
    const { dashlab, url } = await startServer({ mediaDir: uploadDisk! });
    try {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(3 * 1024 * 1024)]), 'big.mp4');
      const res = await fetch(`${url}/api/videos`, { method: 'POST', body: form });
      expect(res.status).toBe(507);
      expect(((await res.json()) as { error: string }).error).toMatch(/disk is full: nothing was kept/);
      expect(await readdir(path.join(uploadDisk!, '.uploads'))).toEqual([]);
      expect((await fetch(`${url}/api/videos`)).status).toBe(200);
    } finally {
      await dashlab.close();
    }
  });

  it.skipIf(!!mountRefused)('packaging onto a disk that fills up fails as disk-full, publishes nothing, leaves no staging', async () => {
    const clip = await makeClip(path.join(work.dir, 'clip.mp4'), { width: 1280, height: 720, durationS: 2 });
    expect((await readFile(clip)).length).toBeGreaterThan(1024 * 1024); // its ladder cannot fit
    const err = await packageVideo({ input: clip, mediaDir: packageDisk!, id: 'clip' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackagingError);
    expect((err as PackagingError).code).toBe('disk-full');
    expect((err as Error).message).toMatch(new RegExp(`^the disk holding ${packageDisk} is full \\(\\d+\\.\\d MiB left\\): nothing was published`));
    expect(await listPublished(packageDisk!)).toEqual([]);
    expect(await readdir(path.join(packageDisk!, '.tmp'))).toEqual([]);
  });

  it.skipIf(!!mountRefused)('the job records on a full disk: nothing throws, the records stay in memory, and they are saved once there is room', async () => {
    const dir = path.join(storeDisk!, '.jobs');
    const errors: string[] = [];
    const store = new JobStore(dir, (err) => errors.push((err as NodeJS.ErrnoException).code ?? err.message));
    const record = (id: string, state: JobRecord['state']): JobRecord => ({ id, videoId: id, title: id, state, progress: 0, createdAt: new Date().toISOString(), upload: `/u/${id}`, originalName: `${id}.mp4`, attempts: 0 });
    store.put(record('a', 'queued'));
    // Something else fills the disk.
    await writeFile(path.join(storeDisk!, 'filler'), Buffer.alloc(1024 * 1024)).catch(() => undefined);
    expect(() => store.put(record('a', 'running'))).not.toThrow();
    expect(() => store.put(record('b', 'queued'))).not.toThrow();
    expect(errors).toEqual(['ENOSPC']); // told once, not per write
    expect(store.get('a')?.state).toBe('running');
    // The file still holds its last complete version, and no temporary file is left.
    expect((JSON.parse(await readFile(path.join(dir, 'jobs.json'), 'utf8')) as JobRecord[]).map((j) => `${j.id}:${j.state}`)).toEqual(['a:queued']);
    expect(await readdir(dir)).toEqual(['jobs.json']);
    await rm(path.join(storeDisk!, 'filler'));
    store.flush();
    expect((JSON.parse(await readFile(path.join(dir, 'jobs.json'), 'utf8')) as JobRecord[]).map((j) => `${j.id}:${j.state}`)).toEqual(['a:running', 'b:queued']);
    // A fresh start reads what was saved.
    expect(new JobStore(dir).get('b')?.state).toBe('queued');
  });

  it("ffmpeg's own no-space error is put down to the disk even with room left after cleanup; other errors are not", async () => {
    const roomy = work.dir; // the machine's temp disk: far more than 32 MiB free
    const full = await diskFullError(roomy, new PackagingError('encode', 'ffmpeg failed: av_interleaved_write_frame(): No space left on device'));
    expect(full?.code).toBe('disk-full');
    expect(full?.message).toMatch(/is full \(\d+\.\d MiB left\): nothing was published; .*No space left on device\)$/);
    expect(await diskFullError(roomy, new PackagingError('input', 'clip.mp4: not a video'))).toBeUndefined();
    expect(await diskFullError(roomy, new PackagingError('cancelled', 'cancelled'))).toBeUndefined();
  });
});
