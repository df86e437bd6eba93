/**
 * server/packager/die-with-parent.ts: a child started through tiedCommand dies when the process that
 * started it is killed with SIGKILL; one started plainly (the control) does not. The
 * packager's ffmpeg (ffmpeg-dies-with-parent.sh) is checked end to end in uploads-jobs.test.ts.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canTie } from '../../server/packager/die-with-parent.js';
import { REPO } from '../helpers/media.js';
import { alive, waitFor } from '../helpers/server.js';

/** A Node parent that starts `sleep 60` (tied or not), prints its pid, and waits. */
async function parentWithSleeper(tied: boolean): Promise<{ parent: number; sleeper: number }> {
  const tiedModule = path.join(REPO, 'server/packager/die-with-parent.ts');
  const script = `
    import { spawn } from 'node:child_process';
    import { tiedCommand } from ${JSON.stringify(tiedModule)};
    const c = ${tied} ? await tiedCommand('sleep', ['60']) : { cmd: 'sleep', args: ['60'] };
    const child = spawn(c.cmd, c.args, { stdio: 'ignore' });
    console.log(child.pid);
    setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  const sleeper = await new Promise<number>((resolve, reject) => {
    parent.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    parent.once('exit', (code) => reject(new Error(`the parent exited (${code}) before starting its child`)));
  });
  return { parent: parent.pid!, sleeper };
}

describe('children tied to their parent (PR_SET_PDEATHSIG via setpriv)', () => {
  it('setpriv can tie children on this machine (Debian: util-linux)', async () => {
    expect(await canTie()).toBe(true);
  });

  it('a tied child dies with a parent killed by SIGKILL; an untied one lives on', async () => {
    const tied = await parentWithSleeper(true);
    const untied = await parentWithSleeper(false);
    try {
      expect(await alive(tied.sleeper)).toBe(true);
      process.kill(tied.parent, 'SIGKILL');
      process.kill(untied.parent, 'SIGKILL');
      await waitFor(async () => ((await alive(tied.sleeper)) ? undefined : true), 3000, 'the tied child to die');
      expect(await alive(untied.sleeper)).toBe(true);
    } finally {
      for (const pid of [tied.sleeper, untied.sleeper]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
});
