/**
 * npm start where it cannot listen or keep its library: one clear line and exit 1, in cluster
 * mode (whose HTTP workers used to be restarted forever on a taken port) and in one process.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/media.js';

let work: { dir: string; cleanup: () => Promise<void> };
let taken: net.Server;
let port: number;
beforeAll(async () => {
  work = await tempDir();
  taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
  port = (taken.address() as net.AddressInfo).port;
});
afterAll(async () => {
  taken?.close();
  await work?.cleanup();
});

/** Runs scripts/start.ts; resolves with its exit code and output, or rejects if it is still running after `ms`. */
function start(env: Record<string, string>, ms = 60_000): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'scripts/start.ts')], {
    cwd: REPO,
    env: { ...process.env, MEDIA_DIR: path.join(work.dir, 'lib'), LOG_LEVEL: 'warn', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-proc.pid!, 'SIGKILL');
      reject(new Error(`still running after ${ms} ms:\n${out.slice(-2000)}`));
    }, ms);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('npm start where it cannot run', () => {
  for (const workers of ['2', '1']) {
    it(`a port already taken (WORKERS=${workers}): says so once and exits 1`, async () => {
      const { code, out } = await start({ PORT: String(port), HOST: '127.0.0.1', WORKERS: workers });
      expect(code).toBe(1);
      const lines = out.split('\n').filter((l) => l.startsWith('dashlab: error:'));
      expect(lines).toEqual([`dashlab: error: port ${port} on 127.0.0.1 is already in use (another server, or another dashlab): stop it, or choose another port with PORT=`]);
      expect(out).not.toMatch(/worker died; starting another/);
    });
  }

  it('a MEDIA_DIR that is a file: says so and exits 1', async () => {
    const file = path.join(work.dir, 'not-a-folder');
    await writeFile(file, 'x');
    const { code, out } = await start({ PORT: '0', MEDIA_DIR: file, WORKERS: '2' });
    expect(code).toBe(1);
    expect(out).toContain(`dashlab: error: MEDIA_DIR=${file} is a file, not a folder`);
  });

  it('a HOST that is not this machine: says to set HOST', async () => {
    const { code, out } = await start({ PORT: '0', HOST: '10.255.255.254', WORKERS: '2' });
    expect(code).toBe(1);
    expect(out).toMatch(/dashlab: error: 10\.255\.255\.254 is not an address of this machine: set HOST/);
  });
});
