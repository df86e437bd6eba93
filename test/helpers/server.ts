/** Real servers on real ports for tests: in-process, or as a child process (for kill -9). */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { createOrigin, type Origin } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import { REPO } from './media.js';

export async function startServer(overrides: Partial<Config>): Promise<{ dashlab: Origin; url: string }> {
  const config = { ...loadConfig({}), port: 0, host: '127.0.0.1', ...overrides };
  const dashlab = await createOrigin(config);
  const url = await dashlab.listen();
  return { dashlab, url };
}

/** A raw GET/HEAD with the path sent exactly as given (fetch would normalise "..", "%2e" and "\\"). */
export function rawRequest(
  url: string,
  rawPath: string,
  opts: { method?: string; headers?: Record<string, string>; /** The client's own address (127.0.0.2: another machine on loopback). */ localAddress?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: opts.method ?? 'GET', path: rawPath, headers: opts.headers, agent: false, localAddress: opts.localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface ChildServer {
  proc: ChildProcess;
  url: string;
  output: () => string;
  /** Kill the server and everything it started (ffmpeg), like a crash. */
  crash: () => Promise<void>;
  /** SIGTERM to the server; `group`: to its whole process group, as a terminal's Ctrl-C or systemd sends it. */
  stop: (opts?: { group?: boolean }) => Promise<number | null>;
}

/** `npm start` as a child process in its own process group, on a free port. */
export async function spawnServer(env: Record<string, string>): Promise<ChildServer> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'scripts/start.ts')], {
    cwd: REPO,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!/dashlab: serving/.test(out)) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    url,
    output: () => out,
    crash: async () => {
      process.kill(-proc.pid!, 'SIGKILL');
      await exited;
    },
    stop: async (opts = {}) => {
      if (opts.group) process.kill(-proc.pid!, 'SIGTERM');
      else proc.kill('SIGTERM');
      return exited;
    },
  };
}

export async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Processes named `comm` whose parent is `ppid` (Linux /proc). */
export async function childrenNamed(ppid: number, comm: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const close = stat.lastIndexOf(')');
    if (close < 0 || stat.slice(stat.indexOf('(') + 1, close) !== comm) continue;
    if (Number(stat.slice(close + 2).split(' ')[1]) === ppid) pids.push(Number(name));
  }
  return pids;
}

/** Running: not gone, and not a zombie waiting to be reaped. */
export async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}
