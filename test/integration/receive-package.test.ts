/**
 * A package sent by a worker on another machine is published only if it is exactly what it
 * says: real packages made by ffmpeg here, then tampered with (a flipped byte, a file more, a
 * path out of the folder, a link, a stream cut off), each refused with a clear error, the
 * library unchanged.
 */
import { mkdir, readdir, readFile, realpath, symlink, writeFile, cp } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { c as tarCreate } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVideo } from '../../server/packager/index.js';
import { receivePackage } from '../../server/packager/receive.js';
import { makeClip, tempDir } from '../helpers/media.js';

let work: { dir: string; cleanup: () => Promise<void> };
let made: string; // a package made here, as a worker's folder holds it
let names: string[];

beforeAll(async () => {
  work = await tempDir();
  const clip = await makeClip(path.join(work.dir, 'clip.mp4'), { width: 320, height: 180, durationS: 4 });
  const result = await packageVideo({ input: clip, mediaDir: path.join(work.dir, 'worker-lib'), id: 'clip', ladder: '180p:300k' });
  made = await realpath(result.dir);
  names = (await readdir(made)).sort();
});
afterAll(async () => {
  await work?.cleanup();
});

/** A copy of the package to tamper with. */
async function copy(name: string): Promise<string> {
  const dir = path.join(work.dir, name);
  await cp(made, dir, { recursive: true });
  return dir;
}

const tarOf = (dir: string, files: string[]) => Readable.from(tarCreate({ cwd: dir, portable: true }, files) as unknown as AsyncIterable<Buffer>);

/** Claims as Redis keeps them: the first claim of a job wins, per library. */
const claims = new Map<string, number>();
async function receive(body: Readable, mediaDir: string, maxBytes = 1 << 30) {
  const claim = async () => {
    claims.set(mediaDir, (claims.get(mediaDir) ?? 0) + 1);
    return claims.get(mediaDir) === 1;
  };
  return receivePackage({ mediaDir, videoId: 'clip', body, maxBytes, claim, release: async () => void claims.delete(mediaDir) });
}

const published = async (mediaDir: string) => (await readdir(mediaDir).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));

describe('receiving a package from a worker', () => {
  it('a whole package is published; the same package sent again is not published twice', async () => {
    const lib = path.join(work.dir, 'lib-ok');
    expect((await receive(tarOf(made, names), lib)).published).toBe(true);
    expect(await published(lib)).toEqual(['clip']);
    const manifest = await readFile(path.join(lib, 'clip', 'manifest.mpd'), 'utf8');
    expect(manifest).toMatch(/<MPD/);
    const version = await realpath(path.join(lib, 'clip'));
    // A worker whose answer was lost sends again: checked, then discarded.
    expect((await receive(tarOf(made, names), lib)).published).toBe(false);
    expect(await realpath(path.join(lib, 'clip'))).toBe(version);
    expect((await readdir(path.join(lib, '.store')))).toHaveLength(1);
  });

  it('refuses, names the fault and publishes nothing: a flipped byte, a file more or less, a path out, a link, a cut-off stream, too many bytes', async () => {
    const lib = path.join(work.dir, 'lib-bad');
    await mkdir(lib, { recursive: true });
    const segment = names.find((n) => n.endsWith('.m4s'))!;

    const flipped = await copy('flipped');
    const bytes = await readFile(path.join(flipped, segment));
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(path.join(flipped, segment), bytes);
    await expect(receive(tarOf(flipped, names), lib)).rejects.toThrow(new RegExp(`${segment}: its bytes do not match the hash`));

    const extra = await copy('extra');
    await writeFile(path.join(extra, 'notes.txt'), 'hello');
    await expect(receive(tarOf(extra, [...names, 'notes.txt']), lib)).rejects.toThrow(/does not list: notes.txt/);

    await expect(receive(tarOf(made, names.filter((n) => n !== segment)), lib)).rejects.toThrow(new RegExp(`lacks files info.json lists: ${segment}`));

    const out = path.join(work.dir, 'out', 'inner');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(work.dir, 'out', 'evil.txt'), 'x');
    await expect(receive(tarOf(out, ['../evil.txt']), lib)).rejects.toThrow(/not plain files of a video: \.\.\/evil\.txt/);

    const linked = await copy('linked');
    await symlink('/etc/passwd', path.join(linked, 'passwd'));
    await expect(receive(tarOf(linked, [...names, 'passwd']), lib)).rejects.toThrow(/not plain files of a video: passwd/);

    const whole = Buffer.concat(await collect(tarOf(made, names)));
    const cut = await receive(Readable.from([whole.subarray(0, Math.floor(whole.length / 2))]), lib).catch((err: Error) => err);
    expect((cut as Error).message).toMatch(/not a readable tar stream: .*Truncated input/);

    await expect(receive(tarOf(made, names), lib, 10_000)).rejects.toThrow(/larger than 10000 bytes/);

    expect(await published(lib)).toEqual([]);
    expect((await readdir(path.join(lib, '.tmp')).catch(() => [] as string[])).filter((n) => !n.endsWith('.link'))).toEqual([]);
  });
});

async function collect(stream: Readable): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of stream) out.push(Buffer.from(c as Buffer));
  return out;
}
