/** The benchmarks' load generator: wrk (Debian's), run and read. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export function which(cmd: string): Promise<string | undefined> {
  return execFileP('sh', ['-c', `command -v ${cmd}`]).then((r) => r.stdout.trim() || undefined, () => undefined);
}

export async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

export interface WrkResult {
  reqPerS: number;
  mbPerS: number;
  p99Ms: number;
  non2xx: number;
}

export function parseWrk(out: string): WrkResult {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  const unit = (v: number, u: string) => v * ({ us: 0.001, ms: 1, s: 1000, m: 60000 } as Record<string, number>)[u];
  const p99 = /99%\s+([\d.]+)(us|ms|s|m)/.exec(out);
  const tr = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(out);
  const mb = tr ? Number(tr[1]) * ({ B: 1 / 1048576, KB: 1 / 1024, MB: 1, GB: 1024 } as Record<string, number>)[tr[2]] : NaN;
  return {
    reqPerS: num(/Requests\/sec:\s+([\d.]+)/),
    mbPerS: mb,
    p99Ms: p99 ? unit(Number(p99[1]), p99[2]) : NaN,
    non2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/) || 0,
  };
}

export async function wrk(url: string, opts: { connections: number; durationS: number; headers?: Record<string, string> }): Promise<WrkResult> {
  const args = ['-t2', `-c${opts.connections}`, `-d${opts.durationS}s`, '--latency'];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}: ${v}`);
  const { stdout } = await execFileP('wrk', [...args, url], { maxBuffer: 1 << 20 });
  return parseWrk(stdout);
}
