/**
 * `npm run cdn` as a user runs it: the URLs it prints answer, Ctrl-C stops every nginx it
 * started, a wrong option is a usage error, and without nginx it says which package to install.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packageVideo } from '../../server/packager/index.js';
import { freePort } from '../../server/free-port.js';
import { makeClip, REPO, tempDir } from '../helpers/media.js';
import { alive, childrenNamed, waitFor } from '../helpers/server.js';

let work: { dir: string; cleanup: () => Promise<void> };
let mediaDir: string;

beforeAll(async () => {
  work = await tempDir('dashlab-cdn-cli-');
  await chmod(work.dir, 0o755);
  mediaDir = path.join(work.dir, 'library');
  // A small video under the sample's id, so the command does not package the real sample first.
  const input = await makeClip(path.join(work.dir, 'clip.mp4'), { durationS: 4 });
  await packageVideo({ input, mediaDir, id: 'sample', ladder: '240p:300k' });
}, 120_000);
afterAll(async () => {
  await work?.cleanup();
});

function run(args: string[], env: Record<string, string> = {}) {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'scripts/cdn.ts'), ...args], { cwd: REPO, env: { ...process.env, MEDIA_DIR: mediaDir, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

it('starts the origin and the edges on P and P+1.., prints them, and Ctrl-C stops every nginx it started', async () => {
  const port = await freePort();
  const cdn = run(['--port', String(port), '--edges', '2', '--profiles', 'near,far']);
  await waitFor(async () => /cdn: ready/.test(cdn.output()) || undefined, 60_000, `npm run cdn ready:\n${cdn.output()}`);
  expect(cdn.output()).toContain(`cdn: edge-1  http://127.0.0.1:${port + 1}  link near`);
  expect(cdn.output()).toContain(`cdn: edge-2  http://127.0.0.1:${port + 2}  link far`);
  const state = (await (await fetch(`http://127.0.0.1:${port}/api/cdn`)).json()) as { edges: Array<{ id: string; up: boolean }> };
  expect(state.edges.map((e) => [e.id, e.up])).toEqual([['edge-1', true], ['edge-2', true]]);
  expect((await fetch(`http://127.0.0.1:${port}/cdn`)).status).toBe(200);
  const seg = await fetch(`http://127.0.0.1:${port + 2}/media/sample/manifest.mpd`);
  expect([seg.status, seg.headers.get('x-cache-status')]).toEqual([200, 'MISS']);
  const nginxes = await childrenNamed(cdn.proc.pid!, 'nginx');
  expect(nginxes.length).toBe(2);
  cdn.proc.kill('SIGINT');
  expect(await cdn.exited).toBe(0);
  for (const pid of nginxes) expect(await alive(pid)).toBe(false);
  await expect(fetch(`http://127.0.0.1:${port + 1}/edge-health`)).rejects.toThrow();
}, 120_000);

it('refuses a wrong option with the usage (exit 2)', async () => {
  const cdn = run(['--edges', '0']);
  expect(await cdn.exited).toBe(2);
  expect(cdn.output()).toMatch(/--edges must be a whole number from 1 to 16[\s\S]*usage: npm run cdn/);
}, 60_000);

it('says which package to install when there is no nginx', async () => {
  // A PATH with nothing on it (node itself is started by its full path).
  const empty = path.join(work.dir, 'empty-bin');
  await mkdir(empty, { recursive: true });
  const cdn = run([], { PATH: empty });
  expect(await cdn.exited).toBe(1);
  expect(cdn.output()).toContain('nginx is not installed: on Debian or Ubuntu, apt-get install nginx');
}, 60_000);
