/**
 * Loading a video (its info.json: segment sizes per rendition) and network traces for a
 * comparison: used by npm run compare, compare:browser, bench:sim and the web UI's reports.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLED_VIDEOS_DIR, REPO_ROOT, TRACES_DIR } from './paths.js';
import type { SimVideo } from './models/player-model.js';
import { checkPolicy, type LearnedPolicy } from '../core/abr/learned.js';
import { parseCooked, type CookedTrace } from './models/pensieve-model.js';
import { parseTrace, type Trace } from '../core/traces/index.js';

/** A mistake in the command line: exit code 2 and the usage text. */
export class UsageError extends Error {}

export interface LoadedTrace {
  name: string;
  file: string;
  trace: Trace;
  cooked?: CookedTrace;
}

export { BUNDLED_VIDEOS_DIR, TRACES_DIR };

/** An info.json path, a library id (`mediaDir`/<id>/info.json, when a library is given) or a bundled video's name. */
export async function infoPathFor(spec: string, mediaDir?: string): Promise<string> {
  if (spec.endsWith('.json')) return spec;
  const inLibrary = mediaDir && path.join(mediaDir, spec, 'info.json');
  if (inLibrary && (await stat(inLibrary).catch(() => undefined))) return inLibrary;
  // A bundled Sabre movie (media/videos/sabre-bbb.json) is named without its .json.
  const movie = path.join(BUNDLED_VIDEOS_DIR, `${spec}.json`);
  if (!spec.includes('/') && (await stat(movie).catch(() => undefined))) return movie;
  return path.join(BUNDLED_VIDEOS_DIR, `${spec}.info.json`);
}

/** A loaded video: its sizes for the simulator, and its learned ABR policy when it has one. */
export interface LoadedVideo {
  name: string;
  sim: SimVideo;
  durationS: number;
  policy?: LearnedPolicy;
  /** Why its abr-policy.json could not be used (outdated or corrupt); `policy` is then absent. */
  policyProblem?: string;
}

/**
 * The policy file beside an info.json: <dir>/abr-policy.json for <dir>/info.json,
 * <name>.abr-policy.json for <name>.info.json or any other <name>.json. Never the info file
 * itself: the policy must not be written over its input.
 */
export function policyPathFor(infoFile: string): string {
  if (/(^|[/\\.])info\.json$/.test(infoFile)) return infoFile.replace(/info\.json$/, 'abr-policy.json');
  return `${infoFile.replace(/\.json$/i, '')}.abr-policy.json`;
}

export async function loadVideo(spec: string, mediaDir?: string): Promise<LoadedVideo> {
  const file = await infoPathFor(spec, mediaDir);
  let info: { id: string; segmentDurationS: number; durationS: number; renditions: Array<{ kind: string; bandwidth: number; segmentBytes: number[]; segmentSsim?: number[] }> };
  try {
    const data = JSON.parse(await readFile(file, 'utf8'));
    info = data.segment_sizes_bits ? sabreMovie(data, path.basename(file).replace(/(\.info)?\.json$/, '')) : data;
  } catch {
    throw new UsageError(`--video ${spec}: no such video (no library video of that id, no ${path.relative(REPO_ROOT, file) || file})`);
  }
  if (!info.renditions?.some((r) => r.kind === 'video')) throw new UsageError(`--video ${spec}: ${file} lists no video renditions`);
  // A policy that cannot be used is no policy, with the reason: the other algorithms still run.
  let policy: LearnedPolicy | undefined;
  let policyProblem: string | undefined;
  const policyFile = policyPathFor(file);
  const text = await readFile(policyFile, 'utf8').catch(() => undefined);
  if (text !== undefined) {
    try {
      policy = checkPolicy(JSON.parse(text));
    } catch (err) {
      // Named inside the repo or the library (<id>/abr-policy.json), never by a server path: the web UI shows it.
      const inRepo = path.relative(REPO_ROOT, policyFile);
      const shown = inRepo.startsWith('..') || path.isAbsolute(inRepo) ? path.join(path.basename(path.dirname(policyFile)), path.basename(policyFile)) : inRepo;
      policyProblem = `${shown}: ${(err as Error).message}`;
    }
  }
  return {
    name: info.id,
    durationS: info.durationS,
    policy,
    ...(policyProblem ? { policyProblem } : {}),
    sim: simVideoOf(info),
  };
}

/**
 * Sabre's movie JSON (UMass-LIDS/sabre: segment_duration_ms, bitrates_kbps, segment_sizes_bits
 * per segment per bitrate) as the info.json fields the simulator reads: sizes in bytes, no audio.
 */
export function sabreMovie(m: { segment_duration_ms: number; bitrates_kbps: number[]; segment_sizes_bits: number[][] }, name: string) {
  if (!(m.segment_duration_ms > 0) || !m.bitrates_kbps?.length || !m.segment_sizes_bits?.every((row) => row.length === m.bitrates_kbps.length)) {
    throw new UsageError(`${name}: a Sabre movie needs segment_duration_ms, bitrates_kbps and segment_sizes_bits with one size per bitrate for each segment`);
  }
  const segmentDurationS = m.segment_duration_ms / 1000;
  return {
    id: name,
    segmentDurationS,
    durationS: m.segment_sizes_bits.length * segmentDurationS,
    renditions: m.bitrates_kbps.map((kbps, q) => ({ kind: 'video', bandwidth: kbps * 1000, segmentBytes: m.segment_sizes_bits.map((row) => row[q] / 8) })),
  };
}

/** What the simulator needs of an info.json: the video renditions' bitrates and sizes (ascending), the audio's sizes. */
export function simVideoOf(info: { segmentDurationS: number; durationS: number; renditions: Array<{ kind: string; bandwidth: number; segmentBytes: number[]; codecs?: string; segmentSsim?: number[] }> }): SimVideo {
  // One codec's ladder (the first listed: H.264 where a package has an AV1 ladder too): a player never mixes codecs.
  const all = info.renditions.filter((r) => r.kind === 'video');
  const family = (r: { codecs?: string }) => (r.codecs ?? '').split('.')[0];
  const video = all.filter((r) => family(r) === family(all[0] ?? {})).sort((a, b) => a.bandwidth - b.bandwidth);
  const audio = info.renditions.find((r) => r.kind === 'audio');
  const played = Math.round(info.durationS / info.segmentDurationS);
  const n = Math.min(played, ...video.map((r) => r.segmentBytes.length));
  // Pensieve's model reads one chunk past the last played (mpc.py's look-ahead): keep all sizes.
  // SSIM only when every rendition has it for every played segment: a QoE on SSIM must not mix in guesses.
  const ssim = video.every((r) => (r.segmentSsim?.length ?? 0) >= n) ? video.map((r) => r.segmentSsim!) : undefined;
  return { bitrates: video.map((r) => r.bandwidth), segmentS: info.segmentDurationS, sizes: video.map((r) => r.segmentBytes), segments: n, audioBytes: audio?.segmentBytes, ...(ssim ? { ssim } : {}) };
}

/**
 * A folder of traces, one file, a name under media/traces/, or a comma-separated list of
 * those. `shippedOnly` (the web UI): names under media/traces/ and nothing else.
 */
export async function loadTraces(spec: string, opts: { shippedOnly?: boolean } = {}): Promise<LoadedTrace[]> {
  const out: LoadedTrace[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (opts.shippedOnly && !/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(part)) throw new UsageError(`trace set "${part}": give the name of a trace or folder of media/traces/`);
    out.push(...(await loadOne(part, opts.shippedOnly ?? false)));
  }
  if (!out.length) throw new UsageError(`--traces ${spec}: no trace files there`);
  return out;
}

/** The trace sets shipped in media/traces/: folders and single files. */
export async function listShippedTraces(): Promise<Array<{ name: string; count: number }>> {
  const out = [];
  for (const e of await readdir(TRACES_DIR, { withFileTypes: true })) {
    if (e.name.startsWith('.') || /\.md$/i.test(e.name)) continue;
    if (e.isDirectory()) out.push({ name: e.name, count: (await readdir(path.join(TRACES_DIR, e.name))).filter((f) => !f.startsWith('.') && !/\.md$/i.test(f)).length });
    else if (e.isFile()) out.push({ name: e.name, count: 1 });
  }
  return out.sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

async function loadOne(spec: string, shippedOnly: boolean): Promise<LoadedTrace[]> {
  const candidates = shippedOnly ? [path.join(TRACES_DIR, spec)] : [spec, path.join(TRACES_DIR, spec)];
  for (const c of candidates) {
    const st = await stat(c).catch(() => undefined);
    if (!st) continue;
    const files = st.isDirectory()
      ? (await readdir(c, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.') && !/\.md$/i.test(e.name)).map((e) => path.join(c, e.name)).sort()
      : [c];
    const out: LoadedTrace[] = [];
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      const name = path.basename(f);
      let trace: Trace;
      try {
        trace = parseTrace(text, name);
      } catch (err) {
        throw new UsageError(`--traces: ${(err as Error).message}`);
      }
      out.push({ name, file: path.resolve(f), trace, cooked: trace.format === 'pensieve' ? parseCooked(text, name) : undefined });
    }
    if (!out.length) throw new UsageError(`--traces ${spec}: no trace files there`);
    return out;
  }
  throw new UsageError(`--traces ${spec}: not a folder, a file, or a name under media/traces/`);
}

/** Names of the bundled videos (media/videos/<name>.info.json). */
export async function listBundledVideos(): Promise<string[]> {
  const files = await readdir(BUNDLED_VIDEOS_DIR).catch(() => [] as string[]);
  return files.filter((f) => f.endsWith('.info.json')).map((f) => f.slice(0, -'.info.json'.length)).sort();
}
