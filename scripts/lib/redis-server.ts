/**
 * A redis-server of our own, for the tests and benchmarks: Debian's binary on a loopback port,
 * its data (append-only file) in a folder given, never a system service. Stopped with
 * SHUTDOWN semantics (SIGTERM: it writes its data first) or killed (SIGKILL) to test faults.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import { freePort } from '../../server/free-port.js';

export interface RedisServer {
  url: string;
  port: number;
  /** SIGTERM: Redis saves and exits; resolves when it has. */
  stop(): Promise<void>;
  /** Start again on the same port and data (after stop). */
  restart(): Promise<void>;
}

/** Whether Debian's redis-server is installed, with what to do if not. */
export async function checkRedisServer(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const p = spawn('redis-server', ['--version'], { stdio: 'ignore' });
    p.on('error', () => resolve('redis-server is not installed: on Debian or Ubuntu, apt-get install redis-server'));
    p.on('exit', () => resolve(undefined));
  });
}

export async function startRedisServer(dir: string, port?: number): Promise<RedisServer> {
  const missing = await checkRedisServer();
  if (missing) throw new Error(missing);
  await mkdir(dir, { recursive: true });
  const p = port ?? (await freePort());
  let child: ChildProcess | undefined;
  const launch = async () => {
    // Persistence as docs/deploying.md sets it: the append-only file, fsync every second.
    child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--logfile', ''], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${stderr.trim().slice(-300)}`))));
    await Promise.race([waitForPort(p, 10_000), exited]);
  };
  await launch();
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  return { url: `redis://127.0.0.1:${p}`, port: p, stop, restart: launch };
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on 127.0.0.1:${port} within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
