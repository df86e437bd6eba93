/**
 * Probe a master file and turn ffprobe's view into the facts the packager plans with,
 * refusing bad input with one human sentence.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { PACKAGING_DEFAULTS } from './defaults.js';
import { PackagingError } from './errors.js';
import { ffprobeJson } from './ffmpeg.js';
import { normalizeLang } from '../../core/lang.js';

export interface SourceInfo {
  path: string;
  sizeBytes: number;
  container: string;
  durationS: number;
  video: {
    codec: string;
    /** Display size: rotation and non-square pixels already applied. */
    width: number;
    height: number;
    /** Average frame rate of the source. */
    fps: number;
    /** The frame rate we encode at (constant, a standard value where the source is close to one). */
    outputFps: { num: number; den: number };
    variableFrameRate: boolean;
    durationS: number;
    pixFmt: string;
  };
  /** The first audio stream (the one the ladder's bitrates are planned with), if any. */
  audio?: AudioStream;
  /** Every audio stream, in the source's order. */
  audioStreams: AudioStream[];
  /** Every text stream (subtitles, captions), in the source's order. */
  textStreams: TextStream[];
}

export type AudioRole = 'main' | 'alternate' | 'commentary';

export interface AudioStream {
  /** Its index among the source's audio streams (ffmpeg's `0:a:<index>`). */
  index: number;
  codec: string;
  channels: number;
  sampleRate: number;
  /** BCP 47, `und` when the stream has no language tag. */
  lang: string;
  role: AudioRole;
  /** The stream's title tag, if any. */
  title?: string;
}

export interface TextStream {
  /** Its index among the source's subtitle streams (ffmpeg's `0:s:<index>`). */
  index: number;
  codec: string;
  lang: string;
  title?: string;
  /** For the hard of hearing (SDH): a caption rather than a subtitle. */
  hearingImpaired: boolean;
  forced: boolean;
}

/** Text codecs ffmpeg converts to WebVTT; bitmap subtitles (PGS, DVB, VobSub) would need OCR. */
const TEXT_CODECS = new Set(['mov_text', 'subrip', 'srt', 'ass', 'ssa', 'webvtt', 'text']);

/** Audio streams with their language and role: the default one is main (else the first), a comment one commentary, the rest alternate. */
function audioStreamsOf(streams: any[]): AudioStream[] {
  const audio = streams.filter((s) => s.codec_type === 'audio');
  const mainAt = Math.max(0, audio.findIndex((s) => s.disposition?.default === 1 && s.disposition?.comment !== 1));
  return audio.map((a, index) => ({
    index,
    codec: String(a.codec_name),
    channels: Number(a.channels ?? 2),
    sampleRate: Number(a.sample_rate ?? 48000),
    lang: normalizeLang(a.tags?.language),
    role: a.disposition?.comment === 1 ? 'commentary' : index === mainAt ? 'main' : 'alternate',
    title: typeof a.tags?.title === 'string' && a.tags.title.trim() ? String(a.tags.title).trim().slice(0, 100) : undefined,
  }));
}

function textStreamsOf(streams: any[]): TextStream[] {
  return streams
    .filter((s) => s.codec_type === 'subtitle')
    .map((t, index) => ({ t, index }))
    .filter(({ t }) => TEXT_CODECS.has(String(t.codec_name)))
    .map(({ t, index }) => ({
      index,
      codec: String(t.codec_name),
      lang: normalizeLang(t.tags?.language),
      title: typeof t.tags?.title === 'string' && t.tags.title.trim() ? String(t.tags.title).trim().slice(0, 100) : undefined,
      hearingImpaired: t.disposition?.hearing_impaired === 1,
      forced: t.disposition?.forced === 1,
    }));
}

function parseRate(r: string | undefined): number {
  if (!r) return 0;
  const [n, d] = r.split('/').map(Number);
  if (!d) return Number(n) || 0;
  return n / d;
}

const STANDARD_RATES: Array<{ num: number; den: number }> = [
  { num: 24000, den: 1001 },
  { num: 24, den: 1 },
  { num: 25, den: 1 },
  { num: 30000, den: 1001 },
  { num: 30, den: 1 },
  { num: 48, den: 1 },
  { num: 50, den: 1 },
  { num: 60000, den: 1001 },
  { num: 60, den: 1 },
];

/** The constant rate to encode at: the nearest standard rate within 1.5%, else rounded. */
export function chooseOutputFps(fps: number): { num: number; den: number } {
  const capped = Math.min(fps, PACKAGING_DEFAULTS.maxFps);
  let best = STANDARD_RATES[0];
  for (const r of STANDARD_RATES) {
    if (Math.abs(r.num / r.den - capped) < Math.abs(best.num / best.den - capped)) best = r;
  }
  if (Math.abs(best.num / best.den - capped) / capped <= 0.015) return best;
  return { num: Math.max(1, Math.round(capped)), den: 1 };
}

function rotationOf(stream: any): number {
  const fromSide = (stream.side_data_list ?? []).find((s: any) => typeof s.rotation === 'number')?.rotation;
  const fromTag = stream.tags?.rotate !== undefined ? Number(stream.tags.rotate) : undefined;
  const r = Number(fromSide ?? fromTag ?? 0);
  return ((Math.round(r) % 360) + 360) % 360;
}

/**
 * A file that ends before its own index says it should: the video packets of its last
 * seconds are missing or lie past the end of the file. Reads from the keyframe before the
 * last two seconds (a seek, not a full read, unless the GOP is very long).
 */
async function looksTruncated(file: string, sizeBytes: number, durationS: number): Promise<boolean> {
  const from = Math.max(0, durationS - 2);
  let data: any;
  try {
    data = await ffprobeJson(file, [
      '-select_streams', 'v:0',
      // An absolute end: some ffprobe builds read nothing for an open-ended interval and
      // count a relative length from the keyframe they seeked to.
      '-read_intervals', `${from.toFixed(3)}%${(durationS + 2).toFixed(3)}`,
      '-show_entries', 'packet=pos,size,pts_time,dts_time,duration_time',
    ]);
  } catch (err) {
    if (err instanceof PackagingError) throw err; // interrupted: the file is not to blame
    return true;
  }
  const packets: Array<Record<string, string | undefined>> = data.packets ?? [];
  if (packets.length === 0) return true;
  if (packets.some((p) => p.pos !== undefined && Number(p.pos) + Number(p.size ?? 0) > sizeBytes)) return true;
  let lastEnd = 0;
  for (const p of packets) {
    const t = Number(p.pts_time ?? p.dts_time);
    if (Number.isFinite(t)) lastEnd = Math.max(lastEnd, t + (Number(p.duration_time) || 0));
  }
  return lastEnd < durationS - 1;
}

/** Does the file begin like a common media container (MP4/MOV, Matroska/WebM, AVI, TS, FLV, Ogg)? */
async function hasMediaSignature(file: string): Promise<boolean> {
  const head = Buffer.alloc(12);
  const fh = await open(file, 'r');
  try {
    await fh.read(head, 0, 12, 0);
  } finally {
    await fh.close();
  }
  const at = (off: number, text: string) => head.toString('latin1', off, off + text.length) === text;
  return (
    ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].some((t) => at(4, t)) ||
    head.readUInt32BE(0) === 0x1a45dfa3 ||
    at(0, 'RIFF') ||
    at(0, 'FLV') ||
    at(0, 'OggS') ||
    head[0] === 0x47
  );
}

/** Probe a master file; throws PackagingError('input') with a one-line reason. */
export async function probeSource(file: string): Promise<SourceInfo> {
  const name = path.basename(file);
  let st;
  try {
    st = await stat(file);
  } catch {
    throw new PackagingError('input', `${file}: no such file`);
  }
  if (!st.isFile()) throw new PackagingError('input', `${file}: not a regular file`);
  if (st.size === 0) throw new PackagingError('input', `${name}: the file is empty (0 bytes)`);
  let data: any;
  try {
    data = await ffprobeJson(file, ['-show_format', '-show_streams']);
  } catch (err) {
    if (err instanceof PackagingError) throw err; // interrupted: the file is not to blame
    const why = (err as Error).message;
    // A file that starts like a media container but cannot be read was cut short or damaged.
    if (await hasMediaSignature(file)) {
      throw new PackagingError('input', `${name}: the file is truncated or damaged (${why})`);
    }
    throw new PackagingError('input', `${name}: not a media file ffmpeg can read`);
  }
  const streams: any[] = data.streams ?? [];
  const format = data.format ?? {};
  const v = streams.find((s) => s.codec_type === 'video' && !(s.disposition?.attached_pic === 1));
  const a = streams.find((s) => s.codec_type === 'audio');
  const audioStreams = audioStreamsOf(streams);
  if (!v) {
    if (a) throw new PackagingError('input', `${name}: no video stream (audio only); dashlab packages video`);
    throw new PackagingError('input', `${name}: not a media file ffmpeg can read (no video stream)`);
  }
  if (!v.width || !v.height) throw new PackagingError('input', `${name}: the video stream has no picture size`);

  const durationS = Number(v.duration ?? format.duration ?? NaN);
  const formatDurationS = Number(format.duration ?? NaN);
  const dur = Number.isFinite(durationS) && durationS > 0 ? durationS : formatDurationS;
  if (!Number.isFinite(dur) || dur <= 0) {
    throw new PackagingError('input', `${name}: cannot tell how long it is (no duration); the file may be truncated`);
  }
  if (dur < PACKAGING_DEFAULTS.minDurationS) {
    throw new PackagingError('input', `${name}: too short (${dur.toFixed(2)} s); dashlab needs at least ${PACKAGING_DEFAULTS.minDurationS} s of video`);
  }
  if (await looksTruncated(file, st.size, dur)) {
    throw new PackagingError('input', `${name}: the file is truncated (the video stops before the ${dur.toFixed(1)} s its index promises)`);
  }

  const rot = rotationOf(v);
  const [sn, sd] = String(v.sample_aspect_ratio ?? '1:1').split(':').map(Number);
  const sar = sn > 0 && sd > 0 ? sn / sd : 1;
  let width = Math.round(v.width * sar);
  let height = v.height;
  if (rot === 90 || rot === 270) [width, height] = [height, width];

  const avg = parseRate(v.avg_frame_rate);
  const real = parseRate(v.r_frame_rate);
  const fps = avg > 0 ? avg : real > 0 ? real : 25;
  const variableFrameRate = avg > 0 && real > 0 && Math.abs(avg - real) / real > 0.01;

  return {
    path: file,
    sizeBytes: st.size,
    container: String(format.format_name ?? 'unknown'),
    durationS: Number.isFinite(formatDurationS) ? formatDurationS : dur,
    video: {
      codec: String(v.codec_name),
      width,
      height,
      fps,
      outputFps: chooseOutputFps(fps),
      variableFrameRate,
      durationS: dur,
      pixFmt: String(v.pix_fmt ?? 'unknown'),
    },
    audio: audioStreams[0],
    audioStreams,
    textStreams: textStreamsOf(streams),
  };
}
