/**
 * Inspect and verify a packaged folder before it is published.
 *
 * Checks, reading the MPD back as our player reads it and every segment's moof with mp4box.js:
 *  - the codecs string of every Representation equals its init segment's;
 *  - every segment the MPD lists exists and has the start time and duration the MPD says;
 *  - every video segment starts with a sync sample (keyframe);
 *  - segment k starts at the same time in every video representation;
 *  - the video lasts as long as the source, within one frame.
 * A failure names the representation and the segment.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { MpdError, parseMpd } from '../../core/mpd/parse.js';
import { parseSubtitles, SubtitleError } from '../../core/subtitles.js';
import { PackagingError } from './errors.js';
import { readInit, readSegment, type InitInfo } from './mp4.js';
import { INIT_NAME, MANIFEST_FILE, SEGMENT_NAME, type RenditionFacts, type SegmentFacts } from './types.js';

/** Read a rendition's init and media segments from a folder laid out with our file names. */
export async function inspectRendition(dir: string, id: string, token: string): Promise<{ init: InitInfo; segments: SegmentFacts[] }> {
  const initBytes = await readFile(path.join(dir, INIT_NAME(id, token)));
  const init = await readInit(path.join(dir, INIT_NAME(id, token)));
  const names = (await readdir(dir)).filter((f) => f.startsWith(`${id}-${token}-`) && f.endsWith('.m4s')).sort();
  const segments: SegmentFacts[] = [];
  for (let n = 1; n <= names.length; n++) {
    const file = SEGMENT_NAME(id, token, n);
    if (names[n - 1] !== file) throw new PackagingError('verify', `representation ${id}: segment ${n} (${file}) is missing`);
    const s = await readSegment(path.join(dir, file), initBytes).catch((err: Error) => {
      throw new PackagingError('verify', `representation ${id}: segment ${n} (${file}) cannot be parsed: ${err.message}`);
    });
    segments.push({ file, startTicks: s.startTicks, durationTicks: s.durationTicks, bytes: s.bytes, startsWithSync: s.startsWithSync });
  }
  if (!segments.length) throw new PackagingError('verify', `representation ${id}: no media segments`);
  return { init, segments };
}

/** Bandwidth figures from real segment sizes: the peak and the mean, bits per second. */
export function measuredBandwidth(segments: SegmentFacts[], timescale: number): { peak: number; average: number } {
  let peak = 0;
  let bytes = 0;
  let ticks = 0;
  // The last segment is often a fraction of the others: its rate is not a useful peak.
  const full = segments.length > 1 ? segments.slice(0, -1) : segments;
  for (const s of full) peak = Math.max(peak, (s.bytes * 8 * timescale) / Math.max(1, s.durationTicks));
  for (const s of segments) {
    bytes += s.bytes;
    ticks += s.durationTicks;
  }
  return { peak: Math.ceil(peak), average: Math.ceil((bytes * 8 * timescale) / Math.max(1, ticks)) };
}

interface MpdRep {
  id: string;
  kind: 'video' | 'audio';
  codecs: string;
  /** File names in the package folder. */
  init: string;
  segments: Array<{ file: string; startS: number; durationS: number }>;
}

/** Stands for the package folder while its manifest is resolved; anything outside it is refused. */
const PACKAGE_BASE = 'http://package.invalid/';

/**
 * The Representations of the package's MPD as our player reads them (core/mpd/parse.ts):
 * the verifier checks what players will be given, with one MPD reader in the project.
 */
function readMpd(xml: string): MpdRep[] {
  const errors: string[] = [];
  const dom = new DOMParser({ onError: (level: string, msg: string) => { if (level !== 'warning') errors.push(msg); } });
  let manifest;
  try {
    manifest = parseMpd(xml, `${PACKAGE_BASE}${MANIFEST_FILE}`, { parseFromString: (text, type) => dom.parseFromString(text, type as 'text/xml') as unknown as Document });
  } catch (err) {
    if (errors.length) throw new PackagingError('verify', `manifest.mpd is not a well-formed MPD: ${errors[0]}`);
    if (err instanceof MpdError) throw new PackagingError('verify', `manifest.mpd: ${err.message}`);
    throw err;
  }
  if (errors.length) throw new PackagingError('verify', `manifest.mpd is not a well-formed MPD: ${errors[0]}`);
  const file = (url: string, where: string) => {
    if (!url.startsWith(PACKAGE_BASE)) throw new PackagingError('verify', `${where}: the MPD points outside the package (${url})`);
    return decodeURIComponent(url.slice(PACKAGE_BASE.length));
  };
  const reps: MpdRep[] = [];
  for (const set of manifest.adaptationSets) {
    if (set.contentType !== 'video' && set.contentType !== 'audio') continue; // text: textFilesOf; image: verifyThumbnails
    for (const rep of set.representations) {
      const where = `representation ${rep.id}`;
      if (!rep.init || rep.segmentBase) throw new PackagingError('verify', `${where}: no SegmentTemplate with an initialization segment in the MPD`);
      reps.push({
        id: rep.id,
        kind: set.contentType === 'audio' ? 'audio' : 'video',
        codecs: rep.codecs,
        init: file(rep.init.urls[0], where),
        segments: rep.segments.map((seg) => ({ file: file(seg.urls[0], where), startS: seg.startS, durationS: seg.durationS })),
      });
    }
  }
  if (!reps.length) throw new PackagingError('verify', 'manifest.mpd lists no representation');
  return reps;
}

export interface VerifyExpectations {
  /** Duration of the source's video, seconds. */
  durationS: number;
  /** One frame of the output, seconds: the duration tolerance. */
  frameS: number;
}

export interface VerifyResult {
  representations: number;
  segments: number;
  videoDurationS: number;
}

/** The sidecar WebVTT files of the MPD's text sets, each with its language. */
function textFilesOf(xml: string): Array<{ id: string; lang: string; file: string }> {
  const manifest = parseMpd(xml, `${PACKAGE_BASE}${MANIFEST_FILE}`, { parseFromString: (text, type) => new DOMParser().parseFromString(text, type as 'text/xml') as unknown as Document });
  return manifest.adaptationSets
    .filter((s) => s.contentType === 'text')
    .flatMap((s) => s.representations.map((r) => ({ id: r.id, lang: s.lang ?? 'und', file: decodeURIComponent((r.segments[0]?.urls[0] ?? '').slice(PACKAGE_BASE.length)) })));
}

/** Every text track the MPD lists exists, is WebVTT, and its cues parse. */
async function verifyTextTracks(dir: string, xml: string): Promise<number> {
  const texts = textFilesOf(xml);
  for (const t of texts) {
    if (!t.file || t.file.includes('/')) throw new PackagingError('verify', `text track ${t.id} (${t.lang}): the MPD points outside the package`);
    const text = await readFile(path.join(dir, t.file), 'utf8').catch(() => undefined);
    if (text === undefined) throw new PackagingError('verify', `text track ${t.id} (${t.lang}): ${t.file} is missing`);
    try {
      const parsed = parseSubtitles(text);
      if (parsed.format !== 'vtt') throw new SubtitleError(1, 'not WebVTT (no WEBVTT header)');
    } catch (err) {
      if (err instanceof SubtitleError) throw new PackagingError('verify', `text track ${t.id} (${t.lang}): ${t.file}: ${err.message}`);
      throw err;
    }
  }
  return texts.length;
}

/** Every thumbnail tile the MPD's image set lists exists, and the tiles cover the video. */
async function verifyThumbnails(dir: string, xml: string, durationS: number): Promise<void> {
  const manifest = parseMpd(xml, `${PACKAGE_BASE}${MANIFEST_FILE}`, { parseFromString: (text, type) => new DOMParser().parseFromString(text, type as 'text/xml') as unknown as Document });
  for (const set of manifest.adaptationSets.filter((s) => s.contentType === 'image')) {
    for (const rep of set.representations) {
      if (!rep.tiles) throw new PackagingError('verify', `thumbnails ${rep.id}: no http://dashif.org/thumbnail_tile property`);
      const end = rep.segments.reduce((e, seg) => Math.max(e, seg.startS + seg.durationS), 0);
      if (end < durationS - 0.5) throw new PackagingError('verify', `thumbnails ${rep.id}: the tiles cover ${end.toFixed(1)} s of ${durationS.toFixed(1)} s`);
      for (const seg of rep.segments) {
        const file = decodeURIComponent(seg.urls[0].slice(PACKAGE_BASE.length));
        const head = await readFile(path.join(dir, file)).then((b) => b.subarray(0, 3), () => undefined);
        if (!head) throw new PackagingError('verify', `thumbnails ${rep.id}: tile ${file} is missing`);
        if (head[0] !== 0xff || head[1] !== 0xd8) throw new PackagingError('verify', `thumbnails ${rep.id}: tile ${file} is not a JPEG`);
      }
    }
  }
}

/** Verify a packaged folder; throws PackagingError('verify') naming what is wrong. */
export async function verifyPackage(dir: string, expect: VerifyExpectations): Promise<VerifyResult> {
  const xml = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  const reps = readMpd(xml);
  await verifyTextTracks(dir, xml);
  await verifyThumbnails(dir, xml, expect.durationS);
  let segmentCount = 0;
  const videoStarts: Array<{ id: string; startsS: number[]; endS: number }> = [];
  for (const rep of reps) {
    const where = `representation ${rep.id}`;
    const initPath = path.join(dir, rep.init);
    let initBytes: Buffer;
    let init: InitInfo;
    try {
      initBytes = await readFile(initPath);
      init = await readInit(initPath);
    } catch (err) {
      throw new PackagingError('verify', `${where}: init segment ${path.basename(initPath)} unreadable: ${(err as Error).message}`);
    }
    if (init.codec.toLowerCase() !== rep.codecs.toLowerCase()) {
      throw new PackagingError('verify', `${where}: the MPD says codecs="${rep.codecs}" but the init segment holds ${init.codec}`);
    }
    // The MPD's times in seconds against the segments' own, to half a tick of the media's timescale.
    const ticks = (seconds: number) => seconds * init.timescale;
    const startsS: number[] = [];
    for (const [k, expected] of rep.segments.entries()) {
      const seg = `${where}, segment ${k + 1} (${expected.file})`;
      const s = await readSegment(path.join(dir, expected.file), initBytes).catch((err: Error) => {
        throw new PackagingError('verify', `${seg}: ${/ENOENT/.test(err.message) ? 'missing' : err.message}`);
      });
      if (Math.abs(s.startTicks - ticks(expected.startS)) > 0.5) {
        throw new PackagingError('verify', `${seg}: starts at ${(s.startTicks / init.timescale).toFixed(3)} s but the MPD says ${expected.startS.toFixed(3)} s`);
      }
      if (Math.abs(s.durationTicks - ticks(expected.durationS)) > 0.5) {
        throw new PackagingError('verify', `${seg}: lasts ${(s.durationTicks / init.timescale).toFixed(3)} s but the MPD says ${expected.durationS.toFixed(3)} s`);
      }
      if (rep.kind === 'video' && !s.startsWithSync) {
        throw new PackagingError('verify', `${seg}: does not start with a keyframe`);
      }
      startsS.push(s.startTicks / init.timescale);
      segmentCount++;
    }
    if (rep.kind === 'video') {
      if (!rep.segments.length) throw new PackagingError('verify', `${where}: the MPD lists no segment`);
      const last = rep.segments[rep.segments.length - 1];
      videoStarts.push({ id: rep.id, startsS, endS: last.startS + last.durationS });
    }
  }
  if (!videoStarts.length) throw new PackagingError('verify', 'the MPD has no video representation');
  const ref = videoStarts[0];
  const tolerance = expect.frameS / 2;
  for (const v of videoStarts.slice(1)) {
    if (v.startsS.length !== ref.startsS.length) {
      throw new PackagingError('verify', `representation ${v.id} has ${v.startsS.length} segments but ${ref.id} has ${ref.startsS.length}: segments are not aligned`);
    }
    for (let k = 0; k < v.startsS.length; k++) {
      if (Math.abs(v.startsS[k] - ref.startsS[k]) > tolerance) {
        throw new PackagingError(
          'verify',
          `representation ${v.id}, segment ${k + 1}: starts at ${v.startsS[k].toFixed(3)} s but at ${ref.startsS[k].toFixed(3)} s in ${ref.id}: segments are not aligned`,
        );
      }
    }
  }
  for (const v of videoStarts) {
    const dur = v.endS - v.startsS[0];
    if (Math.abs(dur - expect.durationS) > expect.frameS + 1e-6) {
      throw new PackagingError(
        'verify',
        `representation ${v.id}: lasts ${dur.toFixed(3)} s but the source lasts ${expect.durationS.toFixed(3)} s (more than one frame apart)`,
      );
    }
  }
  return { representations: reps.length, segments: segmentCount, videoDurationS: ref.endS - ref.startsS[0] };
}

export type { RenditionFacts };
