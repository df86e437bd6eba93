/**
 * HLS over the live channel's own CMAF segments (RFC 8216, and its low-latency extension,
 * RFC 8216bis): a multivariant playlist naming one media playlist per rung plus the audio, each
 * listing the segments in the window with their wall-clock time (EXT-X-PROGRAM-DATE-TIME, so
 * players can measure latency), the chunks of the recent segments as parts (byte ranges of the
 * segment's file, listed as each chunk is written), blocking reloads (the origin holds a
 * request for a part not yet written) and, once the channel ends, EXT-X-ENDLIST.
 */
import type { ChannelState } from './state.js';

export function liveMaster(s: ChannelState): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  const audioCodec = s.audio ? `,${s.audio.codecs}` : '';
  if (s.audio) lines.push(`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,URI="${s.audio.id}.m3u8"`);
  for (const r of s.video) {
    const bw = (r.kbps + (s.audio?.kbps ?? 0)) * 1000;
    lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${Math.round(bw * 1.1)},AVERAGE-BANDWIDTH=${bw},RESOLUTION=${r.width}x${r.height},CODECS="${r.codecs}${audioCodec}",FRAME-RATE=30${s.audio ? ',AUDIO="aud"' : ''}`);
    lines.push(`${r.id}.m3u8`);
  }
  return `${lines.join('\n')}\n`;
}

/** A chunk of a segment as an LL-HLS part: where it lies in the segment's file, and how long it plays. */
export interface LivePart {
  offset: number;
  length: number;
  durationS: number;
  /** Starts with a keyframe (a video segment's first chunk; every audio chunk). */
  independent: boolean;
}

/** One rendition's progress, as its writer knows it. */
export interface RenditionView {
  /** The newest complete segment. */
  done: number;
  /** The segment being written. */
  current?: number;
  /** The parts of the recent segments and of the one being written, by segment number. */
  parts: Map<number, LivePart[]>;
  /** The longest part (PART-TARGET). */
  partTargetS: number;
}

/** Segments whose parts are listed: the one being written and those of the last three target durations (RFC 8216bis 4.4.4.9). */
const PART_SEGMENTS = 3;

/**
 * One rendition's media playlist: the complete segments still on disk and, for low latency
 * (LL-HLS), the parts of the recent segments and of the one being written as byte ranges of
 * its file, each listed the moment its chunk is written; blocking reloads are answered by the
 * origin (serve.ts). Without a view (the channel ended): the segments only.
 */
export function livePlaylist(s: ChannelState, rep: string, view?: RenditionView): string {
  const first = s.oldest ?? 1;
  const last = view ? view.done : (s.newest ?? 0);
  const live = s.status === 'live' && view;
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${live ? 9 : 7}`, `#EXT-X-TARGETDURATION:${Math.ceil(s.segmentS)}`];
  if (live) {
    const partTarget = Math.ceil(view.partTargetS * 1000) / 1000;
    lines.push(`#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${(3 * partTarget).toFixed(3)},HOLD-BACK=${(3 * s.segmentS).toFixed(3)}`, `#EXT-X-PART-INF:PART-TARGET=${partTarget.toFixed(3)}`);
  }
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${first}`, `#EXT-X-MAP:URI="${s.run}/${rep}/init.mp4"`);
  const uri = (n: number) => `${s.run}/${rep}/${n}.m4s`;
  const parts = (n: number) =>
    (view?.parts.get(n) ?? []).map((p) => `#EXT-X-PART:DURATION=${p.durationS.toFixed(3)},URI="${uri(n)}",BYTERANGE="${p.length}@${p.offset}"${p.independent ? ',INDEPENDENT=YES' : ''}`);
  for (let n = first; n <= last; n++) {
    if (n === first) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date((s.astMs ?? 0) + (n - 1) * s.segmentS * 1000).toISOString()}`);
    if (live && n > last - PART_SEGMENTS) lines.push(...parts(n));
    lines.push(`#EXTINF:${s.segmentS.toFixed(3)},`, uri(n));
  }
  if (live && view.current !== undefined && view.current > last) lines.push(...parts(view.current));
  if (s.status !== 'live') lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

/** What a media playlist offers: its newest complete segment, and how many parts of the next it lists (for blocking reloads). */
export function playlistProgress(text: string): { lastMsn: number; nextParts: number; ended: boolean } {
  const seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
  const lines = text.split('\n');
  let segments = 0;
  let partsSince = 0;
  for (const l of lines) {
    if (l.startsWith('#EXT-X-PART:')) partsSince++;
    else if (l && !l.startsWith('#')) {
      segments++;
      partsSince = 0;
    }
  }
  return { lastMsn: seq + segments - 1, nextParts: partsSince, ended: text.includes('#EXT-X-ENDLIST') };
}
