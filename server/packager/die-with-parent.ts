/**
 * Child processes that die with the process that started them. A packaging job's ffmpeg (or
 * its policy learner) outliving the server, killed by SIGKILL, the OOM killer or a crash,
 * would encode on for nobody into a staging folder that only the next start sweeps. On
 * Linux, util-linux's setpriv sets the child's parent-death signal (PR_SET_PDEATHSIG) and
 * then execs the program in the same process: the kernel sends it SIGKILL when the thread
 * that spawned it ends, and Node spawns from its main thread, so that is when the server
 * ends, however it ends. Without setpriv (other systems) children run untied as before.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** fluent-ffmpeg runs one executable with ffmpeg's arguments: this script execs setpriv, then $DASHLAB_FFMPEG_BIN. */
const TIED_FFMPEG = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ffmpeg-dies-with-parent.sh');

let works: Promise<boolean> | undefined;

/** Whether setpriv can tie children here (checked once, without blocking: present, and new enough for --pdeathsig). */
export function canTie(): Promise<boolean> {
  works ??=
    process.platform !== 'linux'
      ? Promise.resolve(false)
      : new Promise((resolve) => execFile('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], (err) => resolve(!err)));
  return works;
}

/** The command and arguments that run `cmd args` tied to this process (unchanged where it cannot be). */
export async function tiedCommand(cmd: string, args: string[]): Promise<{ cmd: string; args: string[] }> {
  return (await canTie()) ? { cmd: 'setpriv', args: ['--pdeathsig', 'KILL', '--', cmd, ...args] } : { cmd, args };
}

/** The executable to give fluent-ffmpeg for the ffmpeg at `bin`: the tying script, or `bin` itself. */
export async function tiedFfmpegPath(bin: string): Promise<string> {
  if (!(await canTie())) return bin;
  try {
    accessSync(TIED_FFMPEG, constants.X_OK);
  } catch {
    return bin; // a checkout that lost the script's executable bit
  }
  // The script reads it from the environment, which the spawned process inherits.
  process.env.DASHLAB_FFMPEG_BIN = bin;
  return TIED_FFMPEG;
}
