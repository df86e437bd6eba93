/** The Redis queue's parts for tests: `npm run worker` as a child process, and the origins' nginx balancer. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EdgeNginx } from '../../server/cdn/nginx.js';
import { REPO } from './media.js';

export interface ChildWorker {
  proc: ChildProcess;
  /** As records and logs name it: host:pid. */
  name: string;
  output: () => string;
  /** SIGKILL: no goodbye, its lock just stops being renewed. */
  kill: () => Promise<void>;
  /** SIGTERM: its running jobs go back to the queue. */
  stop: () => Promise<void>;
}

/** `npm run worker` with these arguments and env, returned once its output matches `ready` (by default: once it says it takes jobs). */
export async function spawnWorker(args: string[], env: Record<string, string>, ready = /takes jobs from/): Promise<ChildWorker> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'scripts/worker.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!ready.test(out)) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`worker did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  return {
    proc,
    name: `${os.hostname()}:${proc.pid}`,
    output: () => out,
    kill: async () => {
      if (!gone()) proc.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (!gone()) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** deploy/nginx/dashlab-origins.conf as shipped, its ADAPT values replaced: listening on `port`, balancing `originPorts`. */
export async function startOriginBalancer(o: { port: number; originPorts: number[]; dir: string }): Promise<EdgeNginx> {
  let conf = await readFile(path.join(REPO, 'deploy', 'nginx', 'dashlab-origins.conf'), 'utf8');
  const swapUpstream = (name: string) => {
    const re = new RegExp(`(upstream ${name} \\{[^}]*?)((?:\\s*server 127\\.0\\.0\\.1:\\d+[^\\n]*\\n)+)`);
    const m = re.exec(conf);
    if (!m) throw new Error(`deploy/nginx/dashlab-origins.conf: no server lines in upstream ${name}`);
    conf = conf.replace(m[0], `${m[1]}\n${o.originPorts.map((p) => `    server 127.0.0.1:${p} max_fails=2 fail_timeout=5s;`).join('\n')}\n`);
  };
  swapUpstream('dashlab_origins');
  swapUpstream('dashlab_origins_by_viewer');
  if (conf.split('listen 8080;').length !== 2) throw new Error('deploy/nginx/dashlab-origins.conf: expected "listen 8080;" once');
  conf = conf.replace('listen 8080;', `listen 127.0.0.1:${o.port};`);
  const nginx = new EdgeNginx({ originPort: o.originPorts[0], port: o.port, dir: o.dir, cacheMb: 1, confText: conf });
  await nginx.start();
  return nginx;
}
