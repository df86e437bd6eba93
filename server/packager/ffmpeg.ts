/**
 * The only module that talks to ffmpeg and ffprobe.
 *
 * Encoding goes through fluent-ffmpeg (progress parsing, kill); its upstream was archived
 * in 2025, so everything it does for us is behind the three functions below and swapping it
 * costs this file only. Probing and capability queries run the binaries directly: they need
 * JSON output and options fluent-ffmpeg does not model.
 */
import { execFile } from 'node:child_process';
import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import ffmpeg from 'fluent-ffmpeg';
import { PackagingError } from './errors.js';
import { tiedFfmpegPath } from './die-with-parent.js';

const execFileP = promisify(execFile);

export interface Tools {
  ffmpeg: string;
  ffprobe: string;
  /** Where each came from, for messages: env, PATH or npm package. */
  origin: { ffmpeg: string; ffprobe: string };
  version: string;
  /** Encoders beyond the required ones that this ffmpeg has (libsvtav1 for --codecs av1). */
  optionalEncoders: string[];
}

/** Encoders used only when asked for (--codecs av1). */
const OPTIONAL_ENCODERS = ['libsvtav1'];

/** Progress of one ffmpeg run: seconds of output written and how fast. */
export interface EncodeProgress {
  outTimeS: number;
  durationS: number;
  percent: number;
  /** Multiple of real time (2 = two seconds of media per second of wall time). */
  speed: number;
  etaS: number;
}

export interface FfmpegInput {
  /** A file path, or a lavfi graph when format is 'lavfi'. */
  source: string;
  format?: string;
  options?: string[];
}

export interface FfmpegOutput {
  target: string;
  options: string[];
}

export interface FfmpegJob {
  inputs: FfmpegInput[];
  filterComplex?: string;
  outputs: FfmpegOutput[];
  /** Length of the output in seconds, for percent and ETA. */
  durationS?: number;
  cwd?: string;
}

/** What the dash pipeline needs from ffmpeg; checked once at start. */
const REQUIRED = {
  dashOptions: ['seg_duration', 'use_template', 'use_timeline', 'init_seg_name', 'media_seg_name', 'adaptation_sets'],
  encoders: ['libx264', 'aac', 'mjpeg'],
  filters: ['split', 'scale', 'fps', 'format', 'setsar'],
};

/**
 * A tool that a signal stopped (SIGTERM or SIGINT to the whole process group when the server
 * stops; SIGKILL): said as 'interrupted', never as a fault of the file it was reading.
 */
function interrupted(err: unknown, tool: string): PackagingError | undefined {
  const e = err as { signal?: string | null; killed?: boolean; stderr?: string; message?: string };
  const signal = e?.signal ?? /received signal (\d+)|killed with signal (\w+)/.exec(`${e?.stderr ?? ''} ${e?.message ?? ''}`)?.slice(1).find(Boolean);
  return signal ? new PackagingError('interrupted', `${tool} was stopped by a signal (${signal})`) : undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The binary inside @ffmpeg-installer/ffmpeg or @ffprobe-installer/ffprobe, if installed. */
function fromNpm(pkg: string): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const mod = require(pkg) as { path?: string };
    if (!mod.path) return undefined;
    // npm may have skipped the package's chmod postinstall (install scripts not allowed).
    if (!isExecutable(mod.path)) {
      try {
        chmodSync(mod.path, 0o755);
      } catch {
        return undefined;
      }
    }
    return isExecutable(mod.path) ? mod.path : undefined;
  } catch {
    return undefined;
  }
}

function resolveOne(env: string, name: string, pkg: string): { bin: string; origin: string } | undefined {
  const fromEnv = process.env[env];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new PackagingError('tools', `${env}=${fromEnv} is not an executable file; fix the path or unset ${env}`);
    }
    return { bin: fromEnv, origin: env };
  }
  const p = onPath(name);
  if (p) return { bin: p, origin: 'PATH' };
  const n = fromNpm(pkg);
  if (n) return { bin: n, origin: pkg };
  return undefined;
}

let toolsPromise: Promise<Tools> | undefined;

/**
 * Find ffmpeg and ffprobe (FFMPEG_PATH/FFPROBE_PATH, then PATH, then the npm-shipped
 * binaries) and check that ffmpeg has every muxer option, encoder and filter we use.
 * Cached for the process; throws a PackagingError('tools') that says how to fix it.
 */
export function getTools(): Promise<Tools> {
  toolsPromise ??= checkTools().catch((err) => {
    toolsPromise = undefined;
    throw err;
  });
  return toolsPromise;
}

async function checkTools(): Promise<Tools> {
  const fix = 'install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg), or set FFMPEG_PATH and FFPROBE_PATH';
  const ff = resolveOne('FFMPEG_PATH', 'ffmpeg', '@ffmpeg-installer/ffmpeg');
  const fp = resolveOne('FFPROBE_PATH', 'ffprobe', '@ffprobe-installer/ffprobe');
  if (!ff) throw new PackagingError('tools', `ffmpeg not found: ${fix}`);
  if (!fp) throw new PackagingError('tools', `ffprobe not found: ${fix}`);

  const run = async (args: string[]) => {
    try {
      const { stdout } = await execFileP(ff.bin, ['-hide_banner', ...args], { maxBuffer: 16 << 20 });
      return stdout;
    } catch (err) {
      throw interrupted(err, 'ffmpeg') ?? new PackagingError('tools', `ffmpeg at ${ff.bin} (${ff.origin}) does not run: ${(err as Error).message.split('\n')[0]}`);
    }
  };
  const [versionOut, dashHelp, encoders, filters] = await Promise.all([
    run(['-version']),
    run(['-h', 'muxer=dash']),
    run(['-encoders']),
    run(['-filters']),
  ]);
  const missing: string[] = [];
  if (!/Muxer dash/i.test(dashHelp)) missing.push('the dash muxer');
  else for (const o of REQUIRED.dashOptions) if (!new RegExp(`^\\s+-${o}\\b`, 'm').test(dashHelp)) missing.push(`dash muxer option -${o}`);
  for (const e of REQUIRED.encoders) if (!new RegExp(`^\\s*\\S+\\s+${e}\\s`, 'm').test(encoders)) missing.push(`encoder ${e}`);
  for (const f of REQUIRED.filters) if (!new RegExp(`^\\s*\\S+\\s+${f}\\s`, 'm').test(filters)) missing.push(`filter ${f}`);
  if (missing.length) {
    throw new PackagingError('tools', `ffmpeg at ${ff.bin} (${ff.origin}) lacks ${missing.join(', ')}: ${fix} with a build that has them`);
  }
  try {
    await execFileP(fp.bin, ['-version']);
  } catch (err) {
    throw interrupted(err, 'ffprobe') ?? new PackagingError('tools', `ffprobe at ${fp.bin} (${fp.origin}) does not run: ${(err as Error).message.split('\n')[0]}`);
  }
  return {
    ffmpeg: ff.bin,
    ffprobe: fp.bin,
    origin: { ffmpeg: ff.origin, ffprobe: fp.origin },
    version: versionOut.split('\n')[0]?.replace(/^ffmpeg version\s+/, '').split(' ')[0] ?? 'unknown',
    optionalEncoders: OPTIONAL_ENCODERS.filter((e) => new RegExp(`^\\s*\\S+\\s+${e}\\s`, 'm').test(encoders)),
  };
}

/** Run ffprobe with JSON output. Rejects with ffprobe's own one-line complaint, or a PackagingError('interrupted') when a signal stopped it. */
export async function ffprobeJson(file: string, args: string[]): Promise<any> {
  const tools = await getTools();
  try {
    const { stdout } = await execFileP(tools.ffprobe, ['-v', 'error', '-of', 'json', ...args, file], {
      maxBuffer: 64 << 20,
    });
    return JSON.parse(stdout);
  } catch (err) {
    const stopped = interrupted(err, 'ffprobe');
    if (stopped) throw stopped;
    const e = err as { stderr?: string; message: string };
    const line = (e.stderr ?? e.message).trim().split('\n').filter(Boolean).pop() ?? 'ffprobe failed';
    throw new Error(line.replace(/^.*?:\s(?=[A-Z])/, ''));
  }
}

function timemarkToSeconds(mark: string): number {
  const parts = mark.split(':').map(Number);
  return parts.reduce((acc, v) => acc * 60 + v, 0);
}

export interface RunOptions {
  onProgress?: (p: EncodeProgress) => void;
  signal?: AbortSignal;
}

/** ffmpeg's words for input it cannot decode: a damaged file whose index still probes. */
const UNDECODABLE = /Invalid data found when processing input|Error while decoding stream|Error splitting the input into NAL units|Invalid NAL unit size|corrupt (input|decoded frame)/i;

/**
 * An encode that failed on undecodable input, said as a fault of the file (code 'input')
 * with about where it is damaged (`atS`: how far the encode got); undefined for any other error.
 */
export function damagedSourceError(input: string, atS: number, err: unknown): PackagingError | undefined {
  if (!(err instanceof PackagingError) || err.code !== 'encode' || !UNDECODABLE.test(err.message)) return undefined;
  const where = atS >= 0.5 ? `about ${atS.toFixed(1)} s in` : 'from the start';
  return new PackagingError('input', `${path.basename(input)}: the video is damaged ${where}, where ffmpeg cannot decode it (${err.message.replace(/^ffmpeg failed: /, '')}): copy or export it again`);
}

/**
 * Run one ffmpeg job (any number of inputs and outputs, one filter graph).
 * Resolves when ffmpeg exits 0; rejects with a PackagingError carrying ffmpeg's last
 * error lines, or 'cancelled' when the signal fires (ffmpeg is killed).
 */
export async function runFfmpeg(job: FfmpegJob, opts: RunOptions = {}): Promise<void> {
  const tools = await getTools();
  const bin = await tiedFfmpegPath(tools.ffmpeg);
  if (opts.signal?.aborted) throw new PackagingError('cancelled', 'cancelled');
  // stdoutLines bounds the stderr lines fluent-ffmpeg keeps for the error message.
  const cmd = ffmpeg({ cwd: job.cwd, stdoutLines: 40 } as ffmpeg.FfmpegCommandOptions).setFfmpegPath(bin);
  for (const input of job.inputs) {
    cmd.input(input.source);
    if (input.format) cmd.inputFormat(input.format);
    if (input.options?.length) cmd.inputOptions(...(input.options as [string, ...string[]]));
  }
  if (job.filterComplex) cmd.complexFilter(job.filterComplex);
  job.outputs.forEach((out, i) => {
    cmd.output(out.target);
    // Two or more arguments stop fluent-ffmpeg from splitting values that contain a space.
    const extra = i === 0 ? ['-loglevel', 'error', '-stats'] : [];
    cmd.outputOptions(...(['-y', ...extra, ...out.options] as [string, ...string[]]));
  });

  const started = Date.now();
  const durationS = job.durationS ?? 0;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      cmd.kill('SIGKILL');
      finish(new PackagingError('cancelled', 'cancelled'));
    };
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    cmd.on('progress', (p: { timemark?: string }) => {
      if (!opts.onProgress || !p.timemark) return;
      const outTimeS = Math.max(0, timemarkToSeconds(p.timemark));
      const wallS = (Date.now() - started) / 1000;
      const speed = wallS > 0 ? outTimeS / wallS : 0;
      const percent = durationS > 0 ? Math.min(100, (outTimeS / durationS) * 100) : 0;
      const etaS = speed > 0 && durationS > 0 ? Math.max(0, (durationS - outTimeS) / speed) : Infinity;
      opts.onProgress({ outTimeS, durationS, percent, speed, etaS });
    });
    cmd.on('end', () => finish());
    cmd.on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
      const lines = (stderr ?? '')
        .split('\n')
        .map((l) => l.trim())
        // Progress lines, repeat notices and decoder addresses ("[h264 @ 0x5651...]") say nothing to a person.
        .filter((l) => l && !/^(frame|size)=/.test(l) && !/^\[.*\] ?$/.test(l) && !/^Last message repeated/.test(l))
        .map((l) => l.replace(/^\[[\w.:-]+ @ 0x[0-9a-f]+\]\s*/, ''));
      const detail = lines.slice(-3).join(' | ') || err.message;
      finish(interrupted({ stderr, message: err.message }, 'ffmpeg') ?? new PackagingError('encode', `ffmpeg failed: ${detail}`));
    });
    cmd.run();
  });
}
