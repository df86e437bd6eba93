/**
 * One nginx edge: deploy/nginx/dashlab-edge.conf with its ADAPT values filled in (its origin,
 * port, cache folder and size, log), wrapped in a main configuration of its own, run by
 * Debian's nginx in the foreground as our child. Used by `npm run cdn` and by the edge tests,
 * so what runs is always the shipped file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../config.js';

export const EDGE_CONF = path.join(REPO_ROOT, 'deploy', 'nginx', 'dashlab-edge.conf');

export interface EdgeNginxOptions {
  /** Where the origin listens (loopback). */
  originPort: number;
  /** Where nginx listens (loopback). */
  port: number;
  /** The edge's own folder: cache, logs, temp files, configuration. */
  dir: string;
  /** The cache's size limit (nginx's max_size), MB (fractions allowed: 0.25 is 256 KB). */
  cacheMb: number;
  /** Another server block instead of the edge's (a benchmark's reference nginx); it must answer GET /edge-health. */
  confText?: string;
}

export class NginxError extends Error {}

/** The shipped edge configuration with each ADAPT value replaced; throws if the file no longer has one of them exactly once. */
export async function renderEdgeConf(o: EdgeNginxOptions): Promise<string> {
  let conf = await readFile(EDGE_CONF, 'utf8');
  const swap = (from: string | RegExp, to: string) => {
    const n = conf.split(from).length - 1;
    if (n !== 1) throw new NginxError(`deploy/nginx/dashlab-edge.conf: expected "${from}" once, found it ${n} times`);
    conf = conf.replace(from, to);
  };
  swap('proxy_cache_path /var/cache/nginx/dashlab ', `proxy_cache_path ${o.dir}/cache `);
  swap('max_size=20g', `max_size=${Math.max(64, Math.round(o.cacheMb * 1024))}k`);
  swap('server 127.0.0.1:8080;', `server 127.0.0.1:${o.originPort};`);
  swap('listen 80;', `listen 127.0.0.1:${o.port};`);
  swap('access_log /var/log/nginx/dashlab-edge.json ', `access_log ${o.dir}/access.json `);
  return conf;
}

/** The main configuration: foreground, its own pid, error log and temp folders, the edge inside http. */
export function mainConf(dir: string): string {
  return `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  include ${dir}/edge.conf;
}
`;
}

const NOT_INSTALLED = 'nginx is not installed: on Debian or Ubuntu, apt-get install nginx (npm run cdn runs it as a child process, not as a service)';

/** nginx's version line; a clear error when there is no nginx (checked before anything long starts). */
export function checkNginx(): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('nginx', ['-v'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let out = '';
    p.stderr!.on('data', (d) => (out += d));
    p.on('error', (err: NodeJS.ErrnoException) => reject(new NginxError(err.code === 'ENOENT' ? NOT_INSTALLED : `nginx: ${err.message}`)));
    p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new NginxError(`nginx -v failed: ${out.trim()}`))));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A running nginx edge. */
export class EdgeNginx {
  private proc?: ChildProcess;
  private output = '';

  constructor(readonly opts: EdgeNginxOptions) {}

  get accessLog(): string {
    return path.join(this.opts.dir, 'access.json');
  }

  get cacheDir(): string {
    return path.join(this.opts.dir, 'cache');
  }

  get url(): string {
    return `http://127.0.0.1:${this.opts.port}`;
  }

  get running(): boolean {
    return Boolean(this.proc && this.proc.exitCode === null && this.proc.signalCode === null);
  }

  /** Write the configuration, start nginx, and wait until it answers; a clear error if it cannot. */
  async start(): Promise<void> {
    const { dir } = this.opts;
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'edge.conf'), this.opts.confText ?? (await renderEdgeConf(this.opts)));
    await writeFile(path.join(dir, 'nginx.conf'), mainConf(dir));
    this.output = '';
    const proc = spawn('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout!.on('data', (d) => (this.output += d));
    proc.stderr!.on('data', (d) => (this.output += d));
    let spawnError: NodeJS.ErrnoException | undefined;
    proc.on('error', (err) => (spawnError = err));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (spawnError) {
        throw new NginxError(spawnError.code === 'ENOENT' ? NOT_INSTALLED : `nginx could not start: ${spawnError.message}`);
      }
      if (proc.exitCode !== null) throw new NginxError(`nginx exited at start (port ${this.opts.port}): ${(this.output + (await readFile(path.join(dir, 'error.log'), 'utf8').catch(() => ''))).trim().split('\n').slice(-3).join(' | ')}`);
      if (await this.healthy()) return;
      if (Date.now() > deadline) throw new NginxError(`nginx did not answer on port ${this.opts.port} within 10 s`);
      await sleep(50);
    }
  }

  /** Whether nginx answers its health check now. */
  async healthy(timeoutMs = 1000): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/edge-health`, { signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** Stop nginx (graceful, then forced); resolves when it has exited. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.running) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGQUIT');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  /** A crash (the /cdn page's "kill", the tests): SIGKILL to the master and to its workers, no goodbye. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.running) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    // The master's SIGKILL leaves its worker serving: the worker is told to stop at once too.
    const workers = await readFile(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').catch(() => '');
    proc.kill('SIGKILL');
    for (const pid of workers.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await exited;
  }
}
