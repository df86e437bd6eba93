/**
 * Reading what we need from fMP4 init and media segments, with mp4box.js.
 * Media segments are read only as far as their moof box: verification of a whole ladder
 * touches a few kilobytes per segment, not the media data.
 */
import { open, readFile } from 'node:fs/promises';
import { createFile, MP4BoxBuffer } from 'mp4box';

export interface InitInfo {
  codec: string;
  timescale: number;
  trackId: number;
  kind: 'video' | 'audio';
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
}

export interface SegmentInfo {
  /** tfdt baseMediaDecodeTime, in the track's timescale. */
  startTicks: number;
  durationTicks: number;
  sampleCount: number;
  /** The first sample is a sync sample (a keyframe, for video). */
  startsWithSync: boolean;
  bytes: number;
}

function toBuffer(bytes: Uint8Array, fileStart: number): MP4BoxBuffer {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return MP4BoxBuffer.fromArrayBuffer(ab, fileStart);
}

/** Parse an init segment (ftyp + moov) for its single track. */
export async function readInit(file: string): Promise<InitInfo> {
  const bytes = await readFile(file);
  const iso: any = createFile();
  iso.appendBuffer(toBuffer(bytes, 0));
  const info = iso.getInfo();
  const track = info?.tracks?.[0];
  if (!track) throw new Error(`${file}: not an init segment (no track in a moov box)`);
  const kind = track.video ? 'video' : track.audio ? 'audio' : undefined;
  if (!kind) throw new Error(`${file}: track is neither video nor audio`);
  return {
    codec: String(track.codec),
    timescale: Number(track.timescale),
    trackId: Number(track.id),
    kind,
    width: track.video?.width,
    height: track.video?.height,
    sampleRate: track.audio?.sample_rate,
    channels: track.audio?.channel_count,
  };
}

// sample_flags bit 16 (ISO/IEC 14496-12, 8.8.3.1): sample_is_non_sync_sample.
const NON_SYNC = 0x00010000;

/**
 * Parse a media segment's moof. `init` is the bytes of its init segment (mp4box needs the
 * moov to interpret the fragment).
 */
export async function readSegment(file: string, init: Uint8Array): Promise<SegmentInfo> {
  const fh = await open(file, 'r');
  let size: number;
  let moof: any;
  try {
    size = (await fh.stat()).size;
    // styp + sidx + moof usually fit in the first 16 KiB; read the whole file only if not.
    for (const want of [Math.min(size, 16 * 1024), size]) {
      const bytes = Buffer.alloc(want);
      await fh.read(bytes, 0, want, 0);
      const iso: any = createFile();
      iso.appendBuffer(toBuffer(init, 0));
      iso.appendBuffer(toBuffer(bytes, init.byteLength));
      moof = iso.moofs?.[0];
      if (moof?.trafs?.[0]?.truns?.length || want === size) break;
    }
  } finally {
    await fh.close();
  }
  const traf = moof?.trafs?.[0];
  if (!traf) throw new Error('no moof/traf box at the start of the segment');
  const tfhd = traf.tfhd;
  const truns: any[] = traf.truns ?? [];
  if (!traf.tfdt || !truns.length) throw new Error('the fragment has no tfdt or trun box');
  let sampleCount = 0;
  let durationTicks = 0;
  let firstFlags: number | undefined;
  for (const trun of truns) {
    const n = Number(trun.sample_count);
    for (let i = 0; i < n; i++) {
      const d = trun.sample_duration?.[i] ?? tfhd.default_sample_duration ?? 0;
      durationTicks += Number(d);
      if (firstFlags === undefined) {
        // first_sample_flags (trun flag 0x4) overrides the per-sample and default flags.
        firstFlags = trun.flags & 0x4 ? trun.first_sample_flags : (trun.sample_flags?.[0] ?? tfhd.default_sample_flags ?? 0);
      }
    }
    sampleCount += n;
  }
  return {
    startTicks: Number(traf.tfdt.baseMediaDecodeTime),
    durationTicks,
    sampleCount,
    startsWithSync: firstFlags !== undefined && (Number(firstFlags) & NON_SYNC) === 0,
    bytes: size,
  };
}
