/**
 * ISO BMFF boxes read from a stream, for chunked CMAF: the live packager cuts ffmpeg's output
 * into an init segment and chunks (prft/moof/mdat) with these, and the player hands each chunk
 * to Media Source as it arrives instead of waiting for the whole segment. Pure: no I/O.
 */

export interface Box {
  type: string;
  bytes: Uint8Array;
}

const typeAt = (b: Uint8Array, i: number) => String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3]);

function sizeAt(b: Uint8Array, i: number): number | undefined {
  if (b.length < i + 8) return undefined;
  const v = new DataView(b.buffer, b.byteOffset + i);
  const size32 = v.getUint32(0);
  if (size32 === 1) return b.length < i + 16 ? undefined : Number(v.getBigUint64(8));
  if (size32 === 0) throw new Error('a box that runs to the end of the stream cannot be streamed');
  if (size32 < 8) throw new Error(`a box of ${size32} bytes: not an MP4 stream`);
  return size32;
}

/** Top-level boxes out of a byte stream in pieces of any size: push() returns the boxes it completed. */
export class BoxSplitter {
  private pending = new Uint8Array(0);

  push(piece: Uint8Array): Box[] {
    const joined = new Uint8Array(this.pending.length + piece.length);
    joined.set(this.pending);
    joined.set(piece, this.pending.length);
    const out: Box[] = [];
    let i = 0;
    for (;;) {
      const size = sizeAt(joined, i);
      if (size === undefined || joined.length < i + size) break;
      out.push({ type: typeAt(joined, i + 4), bytes: joined.subarray(i, i + size) });
      i += size;
    }
    this.pending = joined.slice(i);
    return out;
  }

  /** Bytes of a box not yet complete. */
  get buffered(): number {
    return this.pending.length;
  }
}

/** The first box of `type` inside `b` (a container's payload from `from`), depth-first along `path`. */
export function findBox(b: Uint8Array, path: string[], from = 8): Uint8Array | undefined {
  let i = from;
  while (i + 8 <= b.length) {
    const size = sizeAt(b, i);
    if (!size || i + size > b.length) return undefined;
    if (typeAt(b, i + 4) === path[0]) {
      const box = b.subarray(i, i + size);
      return path.length === 1 ? box : findBox(box, path.slice(1));
    }
    i += size;
  }
  return undefined;
}

/** The base media decode time of a moof's first track fragment (tfdt), in its track's timescale. */
export function decodeTimeOf(moof: Uint8Array): number | undefined {
  const tfdt = findBox(moof, ['traf', 'tfdt']);
  if (!tfdt) return undefined;
  const v = new DataView(tfdt.buffer, tfdt.byteOffset);
  return tfdt[8] === 1 ? Number(v.getBigUint64(12)) : v.getUint32(12);
}

/** The timescale of an init segment's first track (moov/trak/mdia/mdhd). */
export function timescaleOf(init: Uint8Array): number | undefined {
  const mdhd = findBox(init, ['moov', 'trak', 'mdia', 'mdhd'], 0);
  if (!mdhd) return undefined;
  const v = new DataView(mdhd.buffer, mdhd.byteOffset);
  return mdhd[8] === 1 ? v.getUint32(28) : v.getUint32(20);
}

/** A video track's picture size from its tkhd (16.16 fixed point). */
export function pictureSizeOf(init: Uint8Array): { width: number; height: number } | undefined {
  const tkhd = findBox(init, ['moov', 'trak', 'tkhd'], 0);
  if (!tkhd) return undefined;
  const v = new DataView(tkhd.buffer, tkhd.byteOffset);
  const at = tkhd[8] === 1 ? 96 : 84;
  return { width: v.getUint32(at) >>> 16, height: v.getUint32(at + 4) >>> 16 };
}

/** The RFC 6381 codecs string of an init segment's first track: avc1.PPCCLL from its avcC, mp4a.40.2 for AAC. */
export function codecsOf(init: Uint8Array): string | undefined {
  const stsd = findBox(init, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'], 0);
  if (!stsd) return undefined;
  const entry = typeAt(stsd, 20); // stsd: header, version/flags, entry count, then the first sample entry
  if (entry === 'avc1' || entry === 'avc3') {
    // A visual sample entry's fields take 78 bytes after its header; its boxes (avcC) follow.
    const avcC = findBox(stsd.subarray(16), ['avcC'], 8 + 78);
    if (!avcC) return entry;
    const hex = (i: number) => avcC[8 + i].toString(16).padStart(2, '0');
    return `${entry}.${hex(1)}${hex(2)}${hex(3)}`;
  }
  if (entry === 'mp4a') return 'mp4a.40.2';
  return entry;
}
