/**
 * The `learned` ABR's policy for a video being packaged (player/abr/learned.ts), learned from
 * the shipped training traces by scripts/abr-policy.ts in a child process: it takes seconds
 * of CPU (about 15 s for 48 segments), and the server packaging in-process must keep
 * answering (its shaper paces throttled players to the millisecond).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../config.js';
import type { SimVideo } from '../../player/sim/dashlab-model.js';
import { PackagingError } from './errors.js';

export const POLICY_SCRIPT = path.join(REPO_ROOT, 'scripts', 'abr-policy.ts');

export async function learnPolicy(video: SimVideo, out: string, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw new PackagingError('cancelled', 'packaging cancelled');
  const child = spawn(process.execPath, ['--import', 'tsx', POLICY_SCRIPT, '--sim', '-', '--out', out, '--quiet'], { cwd: REPO_ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
  const kill = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', kill, { once: true });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  child.stdin.end(JSON.stringify(video));
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (signal?.aborted) throw new PackagingError('cancelled', 'packaging cancelled');
    if (code !== 0) throw new PackagingError('learn', `learning the ABR policy failed (exit ${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`);
  } finally {
    signal?.removeEventListener('abort', kill);
  }
}
