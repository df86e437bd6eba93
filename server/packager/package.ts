/**
 * Package one master file into <MEDIA_DIR>/<id>/: probe, encode the ladder, write the MPD,
 * the HLS playlists and info.json, verify, take a poster, publish atomically.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGING_DEFAULTS } from './defaults.js';
import { buildEncodeJob, buildPosterJob, gopFor } from './encode.js';
import { PackagingError } from './errors.js';
import { damagedSourceError, getTools, runFfmpeg, type EncodeProgress } from './ffmpeg.js';
import { playlistName, writeMasterPlaylist, writeMediaPlaylist } from './hls.js';
import { defaultLadder, ladderFromSpec, parseLadderSpec, type Rung, type RungSpec } from './ladder.js';
import { assertValidId, createStaging, diskFullError, discardStaging, etagOf, idFromName, publish } from './library.js';
import { writeMpd } from './mpd.js';
import { probeSource, type SourceInfo } from './probe.js';
import {
  HLS_MASTER_FILE,
  INFO_FILE,
  INIT_NAME,
  MANIFEST_FILE,
  POSTER_FILE,
  SEGMENT_NAME,
  type RenditionFacts,
  type VideoInfo,
} from './types.js';
import { inspectRendition, measuredBandwidth, verifyPackage } from './verify.js';
import { learnPolicy } from './abr-policy.js';
import { POLICY_FILE } from '../../player/abr/learned.js';
import { simVideoOf } from '../reports/inputs.js';
import { simSegments } from '../../player/sim/dashlab-model.js';

export type PackagePhase = 'probe' | 'encode' | 'verify' | 'learn' | 'publish' | 'done';

export interface PackageProgress {
  phase: PackagePhase;
  /** Overall progress, 0 to 100. */
  percent: number;
  /** During 'encode': ffmpeg's speed and ETA. */
  encode?: EncodeProgress;
}

export interface PackageOptions {
  input: string;
  mediaDir: string;
  id?: string;
  title?: string;
  /** "1080p:5000k,720p:2800k" or parsed specs; default: derived from the source. */
  ladder?: string | RungSpec[];
  segmentS?: number;
  /** Learn the `learned` ABR's policy (abr-policy.json; ~15 s of CPU for 48 segments). Default true. */
  abrPolicy?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: PackageProgress) => void;
  /** Called once the plan is known (before encoding). */
  onPlan?: (plan: { source: SourceInfo; rungs: Rung[]; skipped: string[]; id: string; segmentS: number; gopS: number }) => void;
}

export interface PackageResult {
  info: VideoInfo;
  dir: string;
  skippedRungs: string[];
  timings: { probeS: number; encodeS: number; verifyS: number; finishS: number; totalS: number };
}

const ENCODE_SHARE = 94; // percent of the overall bar that encoding takes

/** Run tasks with at most `limit` at once. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

function validateSegment(segmentS: number): void {
  if (!Number.isFinite(segmentS) || segmentS < 1 || segmentS > 30) {
    throw new PackagingError('usage', `--segment ${segmentS}: the segment duration must be between 1 and 30 seconds`);
  }
}

export async function packageVideo(opts: PackageOptions): Promise<PackageResult> {
  const t0 = performance.now();
  const segmentS = opts.segmentS ?? PACKAGING_DEFAULTS.segmentS;
  validateSegment(segmentS);
  const id = opts.id ?? idFromName(opts.input);
  assertValidId(id);
  const specs = typeof opts.ladder === 'string' ? parseLadderSpec(opts.ladder) : opts.ladder;
  const progress = (p: PackageProgress) => opts.onProgress?.(p);

  progress({ phase: 'probe', percent: 0 });
  const tools = await getTools();
  const source = await probeSource(opts.input);
  const ladderSource = { width: source.video.width, height: source.video.height, fps: source.video.outputFps.num / source.video.outputFps.den };
  const { rungs, skipped } = specs ? ladderFromSpec(ladderSource, specs) : { rungs: defaultLadder(ladderSource), skipped: [] };
  const gopS = gopFor(segmentS);
  opts.onPlan?.({ source, rungs, skipped, id, segmentS, gopS });
  const tProbe = performance.now();

  const staging = await createStaging(opts.mediaDir, id).catch(async (err: unknown) => {
    throw (await diskFullError(opts.mediaDir, err)) ?? err;
  });
  const token = randomBytes(3).toString('hex');
  try {
    // Stream i is the i-th lowest bitrate: rendition v<i>.
    const ascending = [...rungs].sort((a, b) => a.kbps - b.kbps);
    const scratchMpd = path.join(staging, 'ffmpeg.mpd');
    let encodedS = 0;
    await runFfmpeg(buildEncodeJob({ source, rungs: ascending, segmentS, gopS, scratchMpd }), {
      signal: opts.signal,
      onProgress: (e) => {
        encodedS = e.outTimeS;
        progress({ phase: 'encode', percent: (e.percent * ENCODE_SHARE) / 100, encode: e });
      },
    }).catch((err: unknown) => {
      throw damagedSourceError(opts.input, encodedS, err) ?? err;
    });
    const tEncode = performance.now();
    progress({ phase: 'verify', percent: ENCODE_SHARE });

    // Our names: stream i -> v<i> (video), a0 (audio).
    await rm(scratchMpd, { force: true });
    const repIds = ascending.map((_, i) => `v${i}`);
    if (source.audio) repIds.push('a0');
    const files = await readdir(staging);
    await Promise.all(
      files.map((f) => {
        const init = /^init-(\d+)\.mp4$/.exec(f);
        const chunk = /^chunk-(\d+)-(\d+)\.m4s$/.exec(f);
        if (init) return rename(path.join(staging, f), path.join(staging, INIT_NAME(repIds[Number(init[1])], token)));
        if (chunk) return rename(path.join(staging, f), path.join(staging, SEGMENT_NAME(repIds[Number(chunk[1])], token, Number(chunk[2]))));
        return rm(path.join(staging, f), { recursive: true, force: true });
      }),
    );

    const fpsStr = source.video.outputFps.den === 1 ? String(source.video.outputFps.num) : `${source.video.outputFps.num}/${source.video.outputFps.den}`;
    const facts: RenditionFacts[] = [];
    for (let i = 0; i < repIds.length; i++) {
      const repId = repIds[i];
      const { init, segments } = await inspectRendition(staging, repId, token);
      const bw = measuredBandwidth(segments, init.timescale);
      const rung = ascending[i];
      facts.push({
        id: repId,
        kind: init.kind,
        codecs: init.codec,
        timescale: init.timescale,
        width: rung ? rung.width : undefined,
        height: rung ? rung.height : undefined,
        frameRate: rung ? fpsStr : undefined,
        sampleRate: init.sampleRate,
        channels: init.channels,
        bandwidth: bw.peak,
        averageBandwidth: bw.average,
        targetBandwidth: rung ? rung.kbps * 1000 : PACKAGING_DEFAULTS.audioBitrateK * 1000,
        initFile: INIT_NAME(repId, token),
        segments,
      });
    }
    const title = opts.title?.trim() || path.basename(opts.input).replace(/\.[^.]*$/, '');
    const video0 = facts[0];
    const durationS = (video0.segments.at(-1)!.startTicks + video0.segments.at(-1)!.durationTicks - video0.segments[0].startTicks) / video0.timescale;

    await writeFile(path.join(staging, MANIFEST_FILE), writeMpd({ title, durationS, segmentS, token, renditions: facts }));
    await Promise.all([
      writeFile(path.join(staging, HLS_MASTER_FILE), writeMasterPlaylist(facts)),
      ...facts.map((r) => writeFile(path.join(staging, playlistName(r)), writeMediaPlaylist(r))),
    ]);

    const frameS = source.video.outputFps.den / source.video.outputFps.num;
    const [verified] = await Promise.all([
      verifyPackage(staging, { durationS: source.video.durationS, frameS }),
      runFfmpeg(buildPosterJob(source, path.join(staging, POSTER_FILE)), { signal: opts.signal }),
    ]);
    const tVerify = performance.now();
    const sim = simVideoOf({ segmentDurationS: segmentS, durationS: verified.videoDurationS, renditions: facts.map((r) => ({ kind: r.kind, bandwidth: r.bandwidth, segmentBytes: r.segments.map((x) => x.bytes) })) });
    // With one segment there is nothing to learn: its only choice is the start rule's.
    if (opts.abrPolicy !== false && simSegments(sim) > 1) {
      progress({ phase: 'learn', percent: 96 });
      await learnPolicy(sim, path.join(staging, POLICY_FILE), opts.signal);
    }
    progress({ phase: 'publish', percent: 98 });

    const names = (await readdir(staging)).sort();
    const hashed = await pool(names, 4, async (name) => {
      const full = path.join(staging, name);
      return [name, { bytes: (await stat(full)).size, etag: await etagOf(full) }] as const;
    });
    const info: VideoInfo = {
      id,
      title,
      durationS: Number(verified.videoDurationS.toFixed(3)),
      segmentDurationS: segmentS,
      createdAt: new Date().toISOString(),
      source: {
        name: path.basename(opts.input),
        sizeBytes: source.sizeBytes,
        container: source.container,
        width: source.video.width,
        height: source.video.height,
        fps: Number(source.video.fps.toFixed(3)),
        durationS: Number(source.video.durationS.toFixed(3)),
      },
      renditions: facts.map((r) => ({
        id: r.id,
        kind: r.kind,
        ...(r.kind === 'video'
          ? { width: r.width, height: r.height, frameRate: Number((source.video.outputFps.num / source.video.outputFps.den).toFixed(3)) }
          : { sampleRate: r.sampleRate, channels: r.channels }),
        bandwidth: r.bandwidth,
        averageBandwidth: r.averageBandwidth,
        targetBandwidth: r.targetBandwidth,
        codecs: r.codecs,
        segmentBytes: r.segments.map((s) => s.bytes),
      })),
      manifest: MANIFEST_FILE,
      hls: HLS_MASTER_FILE,
      poster: POSTER_FILE,
      files: Object.fromEntries(hashed),
      packager: { ffmpeg: tools.version, gopS, preset: PACKAGING_DEFAULTS.x264Preset },
      version: token,
    };
    await writeFile(path.join(staging, INFO_FILE), JSON.stringify(info, null, 2) + '\n');
    const dir = await publish(opts.mediaDir, id, staging);
    const tEnd = performance.now();
    progress({ phase: 'done', percent: 100 });
    const s = (a: number, b: number) => Number(((b - a) / 1000).toFixed(3));
    return {
      info,
      dir,
      skippedRungs: skipped,
      timings: { probeS: s(t0, tProbe), encodeS: s(tProbe, tEncode), verifyS: s(tEncode, tVerify), finishS: s(tVerify, tEnd), totalS: s(t0, tEnd) },
    };
  } catch (err) {
    // Measured before the staging folder goes: after that the disk has room again.
    const full = await diskFullError(opts.mediaDir, err);
    await discardStaging(staging);
    throw full ?? err;
  }
}
