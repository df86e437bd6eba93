/**
 * SegmentBase: the segment index (sidx box) tells where each segment lies in one file.
 * Parsed with mp4box.js, loaded only when a manifest needs it, so the player bundle stays
 * small for the common SegmentTemplate case.
 */
import { MpdError, type Representation } from '../../core/mpd/parse.js';

/** Fill a SegmentBase representation's segments from the bytes of its index range. */
export async function applySidx(rep: Representation, indexBytes: Uint8Array): Promise<void> {
  const sb = rep.segmentBase;
  if (!sb) return;
  const { createFile, MP4BoxBuffer } = await import('mp4box');
  const ab = indexBytes.buffer.slice(indexBytes.byteOffset, indexBytes.byteOffset + indexBytes.byteLength) as ArrayBuffer;
  const iso = createFile() as unknown as { appendBuffer(b: unknown): void; sidx?: SidxBox; boxes?: Array<{ type: string }> };
  iso.appendBuffer(MP4BoxBuffer.fromArrayBuffer(ab, 0));
  const sidx = iso.sidx ?? (iso.boxes?.find((b) => b.type === 'sidx') as SidxBox | undefined);
  if (!sidx?.references?.length) throw new MpdError(`Representation ${rep.id}: no sidx box in the index range`);
  let offset = sb.indexRange.end + 1 + Number(sidx.first_offset ?? 0);
  let time = Number(sidx.earliest_presentation_time ?? 0) - sb.presentationTimeOffset;
  rep.segments = sidx.references.map((ref, k) => {
    if (ref.reference_type === 1) throw new MpdError(`Representation ${rep.id}: hierarchical sidx is not supported`);
    const seg = {
      number: k + 1,
      urls: sb.urls,
      range: { start: offset, end: offset + ref.referenced_size - 1 },
      startS: time / sidx.timescale,
      durationS: ref.subsegment_duration / sidx.timescale,
    };
    offset += ref.referenced_size;
    time += ref.subsegment_duration;
    return seg;
  });
}

interface SidxBox {
  timescale: number;
  earliest_presentation_time?: number;
  first_offset?: number;
  references: Array<{ reference_type: number; referenced_size: number; subsegment_duration: number }>;
}
