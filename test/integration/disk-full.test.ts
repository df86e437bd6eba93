/**
 * A full disk under MEDIA_DIR (a real tmpfs of a few MiB): an upload that does not fit is
 * refused with 507 and the server keeps answering; a package that does not fit fails as
 * 'disk-full', naming the disk, with nothing published and no staging left. Mounting needs
 * root (CI runs as root); where the kernel refuses the mount, those two are skipped and say so.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPublished, packageVideo, PackagingError } from '../../server/packager/index.js';
import { diskFullError } from '../../server/packager/library.js';
import { makeClip, tempDir } from '../helpers/media.js';
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
beforeAll(async () => {
  work = await tempDir();
  uploadDisk = await smallDisk('upload-disk', 1);
  packageDisk = await smallDisk('package-disk', 1);
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
    const err = await packageVideo({ input: clip, mediaDir: packageDisk!, id: 'clip', abrPolicy: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackagingError);
    expect((err as PackagingError).code).toBe('disk-full');
    expect((err as Error).message).toMatch(new RegExp(`^the disk holding ${packageDisk} is full \\(\\d+\\.\\d MiB left\\): nothing was published`));
    expect(await listPublished(packageDisk!)).toEqual([]);
    expect(await readdir(path.join(packageDisk!, '.tmp'))).toEqual([]);
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
