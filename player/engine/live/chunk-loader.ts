/**
 * A live segment fetched as it is written (chunked CMAF): each chunk (moof+mdat, with what
 * precedes it) is handed on the moment its last byte arrives, so it can be appended and
 * played while the encoder is still making the rest of the segment.
 *
 * Throughput on such a download is not bytes over time: most of the time is spent waiting for
 * the encoder, not the network (the problem LoL+ and L2A address). Only time while a chunk is
 * partly received counts: an interval between two reads that begins at a chunk boundary may
 * be the encoder's pause and is left out, with the bytes of the read that ends it (they came
 * at an unknown moment inside it). A link slower than the stream keeps every interval inside
 * a chunk and is measured whole; a link much faster delivers each chunk in one read, and then
 * nothing can be timed (the sample says so: measuredS 0).
 */
import { BoxSplitter } from '../../../core/live/boxes.js';
import { LoadError } from '../loader.js';

export interface ChunkedDownload {
  status: number;
  bytes: number;
  /** Bytes and seconds the network was seen moving (see above). */
  measuredBytes: number;
  measuredS: number;
  ttfbS: number;
  totalS: number;
  endS: number;
  fromCache: boolean;
}

export async function loadChunked(url: string, o: { signal: AbortSignal; credentials?: RequestCredentials; onChunk: (bytes: Uint8Array) => Promise<void> }): Promise<ChunkedDownload> {
  const t0 = performance.now();
  let res: Response;
  try {
    res = await fetch(url, { signal: o.signal, credentials: o.credentials ?? 'same-origin', mode: 'cors' });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new LoadError(`${url}: network error (${(err as Error).message})`);
  }
  if (!res.ok) throw new LoadError(`${url}: HTTP ${res.status}`, res.status);
  const tHead = performance.now();
  const splitter = new BoxSplitter();
  let pending: Uint8Array[] = [];
  let bytes = 0;
  let measuredBytes = 0;
  let measuredMs = 0;
  let last: number | undefined;
  let atBoundary = true;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const now = performance.now();
    if (last !== undefined && !atBoundary) {
      measuredMs += now - last;
      measuredBytes += value.byteLength;
    }
    last = now;
    bytes += value.byteLength;
    for (const box of splitter.push(value)) {
      pending.push(box.bytes);
      if (box.type === 'mdat') {
        await o.onChunk(concat(pending));
        pending = [];
      }
    }
    atBoundary = splitter.buffered === 0 && pending.length === 0;
  }
  if (pending.length) await o.onChunk(concat(pending)); // a tail without an mdat (never in CMAF): hand it on anyway
  const tEnd = performance.now();
  return { status: res.status, bytes, measuredBytes, measuredS: measuredMs / 1000, ttfbS: (tHead - t0) / 1000, totalS: (tEnd - t0) / 1000, endS: tEnd / 1000, fromCache: false };
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
