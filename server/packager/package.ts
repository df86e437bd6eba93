/**
 * Package one master file into <MEDIA_DIR>/<id>/: probe, encode the ladder, write the MPD,
 * the HLS playlists and info.json, verify, take a poster, publish atomically. Each step is a
 * function of its own below; packageVideo runs them in order inside one staging folder.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { POLICY_FILE } from '../../core/package-format.js';
import { PACKAGING_DEFAULTS } from './defaults.js';
import { buildEncodeJob, buildPosterJob, buildTileJob, codecKbps, gopFor, thumbnailSize, VIDEO_CODECS, type VideoCodec } from './encode.js';
import { PackagingError } from './errors.js';
import { damagedSourceError, getTools, runFfmpeg, type EncodeProgress } from './ffmpeg.js';
import { playlistName, writeMasterPlaylist, writeMediaPlaylist, writeTextPlaylist, writeThumbnailVtt } from './hls.js';
import { measureQuality, type SegmentQuality } from './quality.js';
import { checkSubtitleFiles, makeTextTracks, parseSubtitleSpec, type SubtitleFile } from './subtitles.js';
import { chooseAudio, type AudioChoice, type AudioSpec } from './audio.js';
import { defaultLadder, ladderFromSpec, parseLadderSpec, type Rung, type RungSpec } from './ladder.js';
import { assertValidId, createStaging, diskFullError, discardStaging, etagOf, idFromName, publish } from './library.js';
import { writeMpd } from './mpd.js';
import { probeSource, type SourceInfo } from './probe.js';
import { HLS_AV1_MASTER_FILE, HLS_MASTER_FILE, INFO_FILE, INIT_NAME, MANIFEST_FILE, POSTER_FILE, SEGMENT_NAME, THUMBNAIL_NAME, THUMBNAIL_TEMPLATE, THUMBNAIL_VTT, type RenditionFacts, type ThumbnailFacts, type VideoInfo } from './types.js';
import { inspectRendition, measuredBandwidth, verifyPackage } from './verify.js';

export type PackagePhase = 'probe' | 'encode' | 'verify' | 'quality' | 'learn' | 'publish' | 'done';

export interface PackageProgress {
  phase: PackagePhase;
  /** Overall progress, 0 to 100. */
  percent: number;
  /** During 'encode': ffmpeg's speed and ETA. */
  encode?: EncodeProgress;
}

/**
 * Writes the `learned` ABR's policy for the video just packaged (from info.json's segment
 * sizes) to `file`, or nothing. The packager does not learn: its callers (the job queue,
 * npm run package) give it the lab's learner (lab/learning/policy-files.ts: learnPolicyFor).
 */
export type AbrPolicyLearner = (info: Pick<VideoInfo, 'segmentDurationS' | 'durationS' | 'renditions'>, file: string, signal?: AbortSignal) => Promise<void>;

export interface PackageOptions {
  input: string;
  mediaDir: string;
  id?: string;
  title?: string;
  /** "1080p:5000k,720p:2800k" or parsed specs; default: derived from the source. */
  ladder?: string | RungSpec[];
  /** "0:en:English,1:fr" or parsed specs: which audio streams, with what language and label; default: every one, as tagged. */
  audio?: string | AudioSpec[];
  /** Measure every video segment's SSIM and PSNR against the source (default true; info.json's segmentSsim and segmentPsnr). */
  quality?: boolean;
  /** Seek-bar thumbnails from the encode's decode (default true). */
  thumbnails?: boolean;
  /** Video codecs, a ladder each: "h264,av1" or a list; default H.264 alone. */
  codecs?: string | VideoCodec[];
  /** Subtitle files beside the source's own text streams: "en:talk.en.srt,fr:talk.fr.vtt" or parsed. */
  subtitles?: string | SubtitleFile[];
  segmentS?: number;
  /** The 'learn' phase: an ABR policy beside the manifest (abr-policy.json). None without it. */
  learnAbrPolicy?: AbrPolicyLearner;
  signal?: AbortSignal;
  onProgress?: (p: PackageProgress) => void;
  /** Called once the plan is known (before encoding). */
  onPlan?: (plan: Plan) => void;
  /**
   * Asked after verification, just before publishing: false means another run has published
   * this job already (a queue's worker that lost its lock), and nothing is published
   * (PackagingError 'conflict').
   */
  beforePublish?: () => Promise<boolean>;
}

export interface Plan {
  source: SourceInfo;
  rungs: Rung[];
  audio: AudioChoice[];
  subtitles: SubtitleFile[];
  codecs: VideoCodec[];
  skipped: string[];
  id: string;
  segmentS: number;
  gopS: number;
}

export interface PackageResult {
  info: VideoInfo;
  dir: string;
  skippedRungs: string[];
  timings: { probeS: number; encodeS: number; verifyS: number; qualityS: number; finishS: number; totalS: number };
}

const ENCODE_SHARE = 94; // percent of the overall bar that encoding takes

export async function packageVideo(opts: PackageOptions): Promise<PackageResult> {
  const t0 = performance.now();
  const progress = (p: PackageProgress) => opts.onProgress?.(p);
  progress({ phase: 'probe', percent: 0 });
  const tools = await getTools();
  const plan = await planPackage(opts);
  if (plan.codecs.includes('av1') && !tools.optionalEncoders.includes('libsvtav1')) throw new PackagingError('tools', `--codecs av1: ffmpeg at ${tools.ffmpeg} has no SVT-AV1 encoder (libsvtav1); Debian's ffmpeg (apt-get install ffmpeg) has it`);
  opts.onPlan?.(plan);
  const tProbe = performance.now();

  const staging = await createStaging(opts.mediaDir, plan.id).catch(async (err: unknown) => {
    throw (await diskFullError(opts.mediaDir, err)) ?? err;
  });
  const token = randomBytes(3).toString('hex');
  try {
    await checkSubtitleFiles(plan.subtitles, staging, opts.signal);
    const ascending = [...plan.rungs].sort((a, b) => a.kbps - b.kbps);
    const repIds = await encodeRenditions(opts, plan, ascending, staging, token, progress);
    const text = await makeTextTracks({ source: plan.source, files: plan.subtitles, staging, token, signal: opts.signal });
    const thumbnails = await thumbnailFacts(plan.source, staging, token);
    const tEncode = performance.now();
    progress({ phase: 'verify', percent: ENCODE_SHARE });
    const facts = await renditionFacts(plan, ascending, repIds, staging, token);
    const title = opts.title?.trim() || path.basename(opts.input).replace(/\.[^.]*$/, '');
    const video0 = facts[0];
    const durationS = (video0.segments.at(-1)!.startTicks + video0.segments.at(-1)!.durationTicks - video0.segments[0].startTicks) / video0.timescale;
    await writeManifests(staging, { title, durationS, segmentS: plan.segmentS, token, renditions: facts, text, thumbnails });

    const { source } = plan;
    const frameS = source.video.outputFps.den / source.video.outputFps.num;
    const [verified] = await Promise.all([
      verifyPackage(staging, { durationS: source.video.durationS, frameS }),
      runFfmpeg(buildPosterJob(source, path.join(staging, POSTER_FILE)), { signal: opts.signal }),
    ]);
    const tVerify = performance.now();
    if (opts.quality !== false) progress({ phase: 'quality', percent: 95 });
    // It decodes the source again: damage the encode's decoder let pass is said as such here too.
    const quality = opts.quality === false ? undefined : await measureQuality({ source, renditions: facts, staging, fps: source.video.outputFps, signal: opts.signal }).catch((err: unknown) => {
      throw damagedSourceError(opts.input, 0, err) ?? err;
    });
    const tQuality = performance.now();
    const info = infoOf({ opts, plan, title, facts, durationS: verified.videoDurationS, ffmpeg: tools.version, token, quality });
    if (text.length) info.text = text.map(({ id, lang, role, label, file, cues }) => ({ id, lang, role, ...(label ? { label } : {}), file, cues }));
    if (thumbnails) info.thumbnails = thumbnails;
    if (opts.learnAbrPolicy) {
      progress({ phase: 'learn', percent: 96 });
      await opts.learnAbrPolicy(info, path.join(staging, POLICY_FILE), opts.signal);
    }
    progress({ phase: 'publish', percent: 98 });
    info.files = await validatorsOf(staging);
    await writeFile(path.join(staging, INFO_FILE), JSON.stringify(info, null, 2) + '\n');
    if (opts.beforePublish && !(await opts.beforePublish())) throw new PackagingError('conflict', `${plan.id}: this job's package was published by another run of it; this copy is discarded`);
    const dir = await publish(opts.mediaDir, plan.id, staging);
    const tEnd = performance.now();
    progress({ phase: 'done', percent: 100 });
    const s = (a: number, b: number) => Number(((b - a) / 1000).toFixed(3));
    return {
      info,
      dir,
      skippedRungs: plan.skipped,
      timings: { probeS: s(t0, tProbe), encodeS: s(tProbe, tEncode), verifyS: s(tEncode, tVerify), qualityS: s(tVerify, tQuality), finishS: s(tQuality, tEnd), totalS: s(t0, tEnd) },
    };
  } catch (err) {
    // Measured before the staging folder goes: after that the disk has room again.
    const full = await diskFullError(opts.mediaDir, err);
    await discardStaging(staging);
    throw full ?? err;
  }
}

/** `--codecs h264,av1`: known codecs, each once, H.264 among them (every browser plays it). */
function parseCodecs(spec: string | VideoCodec[] | undefined): VideoCodec[] {
  const list = typeof spec === 'string' ? spec.split(',').map((c) => c.trim().toLowerCase()).filter(Boolean) : (spec ?? ['h264']);
  for (const c of list) if (!VIDEO_CODECS.includes(c as VideoCodec)) throw new PackagingError('usage', `--codecs: "${c}" is not one of ${VIDEO_CODECS.join(', ')}`);
  const unique = [...new Set(list)] as VideoCodec[];
  if (!unique.includes('h264')) throw new PackagingError('usage', '--codecs: include h264 (every browser plays it; AV1 is added beside it)');
  return ['h264', ...unique.filter((c) => c !== 'h264')];
}

/** The options checked, the source probed, the ladder chosen. */
async function planPackage(opts: PackageOptions): Promise<Plan> {
  const segmentS = opts.segmentS ?? PACKAGING_DEFAULTS.segmentS;
  if (!Number.isFinite(segmentS) || segmentS < 1 || segmentS > 30) {
    throw new PackagingError('usage', `--segment ${segmentS}: the segment duration must be between 1 and 30 seconds`);
  }
  const id = opts.id ?? idFromName(opts.input);
  assertValidId(id);
  const specs = typeof opts.ladder === 'string' ? parseLadderSpec(opts.ladder) : opts.ladder;
  const source = await probeSource(opts.input);
  const ladderSource = { width: source.video.width, height: source.video.height, fps: source.video.outputFps.num / source.video.outputFps.den };
  const { rungs, skipped } = specs ? ladderFromSpec(ladderSource, specs) : { rungs: defaultLadder(ladderSource), skipped: [] };
  return { source, rungs, skipped, id, segmentS, gopS: gopFor(segmentS), audio: chooseAudio(source.audioStreams, opts.audio), subtitles: typeof opts.subtitles === 'string' ? parseSubtitleSpec(opts.subtitles) : (opts.subtitles ?? []), codecs: parseCodecs(opts.codecs) };
}

/**
 * One ffmpeg run for every rung (and every audio stream chosen), then ffmpeg's file names
 * replaced by ours: stream i is the i-th lowest bitrate, rendition v<i>; audio k is a<k>.
 * Returns the ids.
 */
async function encodeRenditions(opts: PackageOptions, plan: Plan, ascending: Rung[], staging: string, token: string, progress: (p: PackageProgress) => void): Promise<string[]> {
  const scratchMpd = path.join(staging, 'ffmpeg.mpd');
  let encodedS = 0;
  const thumbs = opts.thumbnails === false ? undefined : { pattern: path.join(staging, 'pictures.mkv'), ...thumbnailSize(plan.source) };
  await runFfmpeg(buildEncodeJob({ source: plan.source, rungs: ascending, audio: plan.audio, codecs: plan.codecs, segmentS: plan.segmentS, gopS: plan.gopS, scratchMpd, thumbnails: thumbs }), {
    signal: opts.signal,
    onProgress: (e) => {
      encodedS = e.outTimeS;
      progress({ phase: 'encode', percent: (e.percent * ENCODE_SHARE) / 100, encode: e });
    },
  }).catch((err: unknown) => {
    throw damagedSourceError(opts.input, encodedS, err) ?? err;
  });
  await rm(scratchMpd, { force: true });
  if (thumbs) await runFfmpeg(buildTileJob(thumbs.pattern, path.join(staging, 'thumbs-%05d.jpg')), { signal: opts.signal });
  // Video: v0 .. the lowest to highest rung of the first codec, then the next codec's.
  const repIds = [...plan.codecs.flatMap((_, c) => ascending.map((_, i) => `v${c * ascending.length + i}`)), ...plan.audio.map((_, k) => `a${k}`)];
  await Promise.all(
    (await readdir(staging)).map((f) => {
      const init = /^init-(\d+)\.mp4$/.exec(f);
      const chunk = /^chunk-(\d+)-(\d+)\.m4s$/.exec(f);
      const tile = /^thumbs-(\d+)\.jpg$/.exec(f);
      if (tile) return rename(path.join(staging, f), path.join(staging, THUMBNAIL_NAME(token, Number(tile[1]))));
      if (init) return rename(path.join(staging, f), path.join(staging, INIT_NAME(repIds[Number(init[1])], token)));
      if (chunk) return rename(path.join(staging, f), path.join(staging, SEGMENT_NAME(repIds[Number(chunk[1])], token, Number(chunk[2]))));
      return rm(path.join(staging, f), { recursive: true, force: true });
    }),
  );
  return repIds;
}

/** What each rendition turned out to be, read from its files with mp4box.js. */
async function renditionFacts(plan: Plan, ascending: Rung[], repIds: string[], staging: string, token: string): Promise<RenditionFacts[]> {
  const fps = plan.source.video.outputFps;
  const fpsStr = fps.den === 1 ? String(fps.num) : `${fps.num}/${fps.den}`;
  const facts: RenditionFacts[] = [];
  for (let i = 0; i < repIds.length; i++) {
    const repId = repIds[i];
    const { init, segments } = await inspectRendition(staging, repId, token);
    const bw = measuredBandwidth(segments, init.timescale);
    const videoCount = ascending.length * plan.codecs.length;
    const rung = i < videoCount ? ascending[i % ascending.length] : undefined;
    const codec = plan.codecs[Math.floor(i / ascending.length)];
    const audio = rung ? undefined : plan.audio[i - videoCount];
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
      targetBandwidth: rung ? codecKbps(rung.kbps, codec) * 1000 : PACKAGING_DEFAULTS.audioBitrateK * 1000,
      ...(audio ? { lang: audio.lang, role: audio.role, label: audio.label } : {}),
      initFile: INIT_NAME(repId, token),
      segments,
    });
  }
  return facts;
}

/** The tiled thumbnails ffmpeg wrote (renamed already): how many, and what each tile holds. */
async function thumbnailFacts(source: SourceInfo, staging: string, token: string): Promise<ThumbnailFacts | undefined> {
  const tiles = (await readdir(staging)).filter((f) => f.startsWith(`thumbs-${token}-`) && f.endsWith('.jpg')).length;
  if (!tiles) return undefined;
  const { width, height } = thumbnailSize(source);
  const { cols, rows } = PACKAGING_DEFAULTS.thumbnailTile;
  return { tiles, count: Math.ceil(source.video.durationS / PACKAGING_DEFAULTS.thumbnailEveryS - 1e-6), everyS: PACKAGING_DEFAULTS.thumbnailEveryS, width, height, cols, rows, media: THUMBNAIL_TEMPLATE(token) };
}

/** The MPD and the HLS playlists, over the same segments and text files. */
async function writeManifests(staging: string, m: Parameters<typeof writeMpd>[0]): Promise<void> {
  await writeFile(path.join(staging, MANIFEST_FILE), writeMpd(m));
  await Promise.all([
    writeFile(path.join(staging, HLS_MASTER_FILE), writeMasterPlaylist(m.renditions, m.text)),
    ...(m.renditions.some((r) => r.codecs.startsWith('av01')) ? [writeFile(path.join(staging, HLS_AV1_MASTER_FILE), writeMasterPlaylist(m.renditions, m.text, 'av01'))] : []),
    ...m.renditions.map((r) => writeFile(path.join(staging, playlistName(r)), writeMediaPlaylist(r))),
    ...(m.text ?? []).map((t) => writeFile(path.join(staging, `${t.id}.m3u8`), writeTextPlaylist(t, m.durationS))),
    ...(m.thumbnails ? [writeFile(path.join(staging, THUMBNAIL_VTT), writeThumbnailVtt(m.thumbnails, m.durationS))] : []),
  ]);
}

/** info.json (DESIGN.md), its `files` filled in last, once every file is written. */
function infoOf(o: { opts: PackageOptions; plan: Plan; title: string; facts: RenditionFacts[]; durationS: number; ffmpeg: string; token: string; quality?: Map<string, SegmentQuality> }): VideoInfo {
  const { source } = o.plan;
  return {
    id: o.plan.id,
    title: o.title,
    durationS: Number(o.durationS.toFixed(3)),
    segmentDurationS: o.plan.segmentS,
    createdAt: new Date().toISOString(),
    source: {
      name: path.basename(o.opts.input),
      sizeBytes: source.sizeBytes,
      container: source.container,
      width: source.video.width,
      height: source.video.height,
      fps: Number(source.video.fps.toFixed(3)),
      durationS: Number(source.video.durationS.toFixed(3)),
    },
    renditions: o.facts.map((r) => ({
      id: r.id,
      kind: r.kind,
      ...(r.kind === 'video'
        ? { width: r.width, height: r.height, frameRate: Number((source.video.outputFps.num / source.video.outputFps.den).toFixed(3)) }
        : { sampleRate: r.sampleRate, channels: r.channels, lang: r.lang, role: r.role, ...(r.label ? { label: r.label } : {}) }),
      bandwidth: r.bandwidth,
      averageBandwidth: r.averageBandwidth,
      targetBandwidth: r.targetBandwidth,
      codecs: r.codecs,
      segmentBytes: r.segments.map((s) => s.bytes),
      ...(o.quality?.has(r.id) ? { segmentSsim: o.quality.get(r.id)!.ssim, segmentPsnr: o.quality.get(r.id)!.psnr } : {}),
    })),
    manifest: MANIFEST_FILE,
    hls: HLS_MASTER_FILE,
    poster: POSTER_FILE,
    files: {},
    packager: { ffmpeg: o.ffmpeg, gopS: o.plan.gopS, preset: PACKAGING_DEFAULTS.x264Preset },
    version: o.token,
  };
}

/** Every file's size and strong validator, hashed four at a time. */
async function validatorsOf(staging: string): Promise<VideoInfo['files']> {
  const names = (await readdir(staging)).sort();
  const out: VideoInfo['files'] = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(4, names.length) }, async () => {
      while (next < names.length) {
        const name = names[next++];
        const full = path.join(staging, name);
        out[name] = { bytes: (await stat(full)).size, etag: await etagOf(full) };
      }
    }),
  );
  return Object.fromEntries(names.map((n) => [n, out[n]]));
}
