/** Test media made on the spot with the real ffmpeg, through the project's one ffmpeg module. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runFfmpeg } from '../../server/packager/ffmpeg.js';

export const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const execFileP = promisify(execFile);

export interface ClipOptions {
  width?: number;
  height?: number;
  fps?: number;
  durationS?: number;
  audio?: boolean;
  /** Drop every 5th frame and keep the gaps: variable frame rate. */
  vfr?: boolean;
  /** Write the index (moov) first, so a truncated copy still probes. */
  faststart?: boolean;
}

export async function makeClip(file: string, o: ClipOptions = {}): Promise<string> {
  const { width = 640, height = 360, fps = 30, durationS = 3, audio = true, vfr = false, faststart = false } = o;
  const inputs = [{ source: `testsrc2=s=${width}x${height}:r=${fps}:d=${durationS}`, format: 'lavfi' }];
  if (audio) inputs.push({ source: `sine=f=440:d=${durationS}`, format: 'lavfi' });
  const options = ['-map', '0:v'];
  if (audio) options.push('-map', '1:a', '-c:a', 'aac');
  if (vfr) options.push('-vf', "select='not(eq(mod(n\\,5)\\,0))'", '-vsync', 'vfr');
  options.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p');
  if (faststart) options.push('-movflags', '+faststart');
  await runFfmpeg({ inputs, outputs: [{ target: file, options }] });
  return file;
}

export async function tempDir(prefix = 'dashlab-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Validate an MPD against the ISO schema copied into test/fixtures (xmllint, offline). */
export async function validateMpd(mpdPath: string): Promise<{ ok: boolean; output: string }> {
  const schemaDir = path.join(REPO, 'test', 'fixtures', 'mpd-schema');
  try {
    const { stderr } = await execFileP('xmllint', ['--nonet', '--noout', '--schema', path.join(schemaDir, 'DASH-MPD.xsd'), mpdPath], {
      env: { ...process.env, XML_CATALOG_FILES: path.join(schemaDir, 'catalog.xml') },
    });
    return { ok: true, output: stderr };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { ok: false, output: e.stderr ?? e.message };
  }
}

/** Run a project script the way a user does (tsx), capturing everything. */
export async function runScript(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, ['--import', 'tsx', path.join(REPO, script), ...args], {
      cwd: REPO,
      env: { ...process.env, ...env },
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
