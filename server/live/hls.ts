/**
 * HLS over the live channel's own CMAF segments (RFC 8216): a multivariant playlist naming one
 * media playlist per rung plus the audio, each listing the segments in the window with their
 * wall-clock time (EXT-X-PROGRAM-DATE-TIME, so players can measure latency) and, once the channel
 * ends, EXT-X-ENDLIST. The chunks are not offered as LL-HLS parts (see docs/live.md).
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

/** One rung's (or the audio's) media playlist: the complete segments still on disk. */
export function livePlaylist(s: ChannelState, rep: string): string {
  const first = s.oldest ?? 1;
  const last = s.newest ?? 0;
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${Math.ceil(s.segmentS)}`, `#EXT-X-MEDIA-SEQUENCE:${first}`, `#EXT-X-MAP:URI="${s.run}/${rep}/init.mp4"`];
  for (let n = first; n <= last; n++) {
    const startMs = (s.astMs ?? 0) + (n - 1) * s.segmentS * 1000;
    if (n === first) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(startMs).toISOString()}`);
    lines.push(`#EXTINF:${s.segmentS.toFixed(3)},`, `${s.run}/${rep}/${n}.m4s`);
  }
  if (s.status !== 'live') lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}
