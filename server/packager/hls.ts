/** Writes HLS playlists (version 7, fMP4) over the same segments as the MPD. */
import type { RenditionFacts } from './types.js';

export const playlistName = (r: RenditionFacts) => `${r.id}.m3u8`;

export function writeMediaPlaylist(r: RenditionFacts): string {
  const durs = r.segments.map((s) => s.durationTicks / r.timescale);
  // EXT-X-TARGETDURATION: every EXTINF rounded to the nearest integer must not exceed it.
  const target = Math.max(1, ...durs.map((d) => Math.round(d)));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:1',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-MAP:URI="${r.initFile}"`,
  ];
  r.segments.forEach((s, i) => lines.push(`#EXTINF:${durs[i].toFixed(6)},`, s.file));
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

export function writeMasterPlaylist(renditions: RenditionFacts[]): string {
  const video = renditions.filter((r) => r.kind === 'video');
  const audio = renditions.find((r) => r.kind === 'audio');
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  if (audio) {
    lines.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Main",LANGUAGE="und",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="${audio.channels ?? 2}",URI="${playlistName(audio)}"`,
    );
  }
  // Players start with the first variant: put the rung nearest 2 Mbit/s first, then the rest
  // from the top down.
  const byRate = [...video].sort((a, b) => b.bandwidth - a.bandwidth);
  const start = [...byRate].sort((a, b) => Math.abs(a.targetBandwidth - 2e6) - Math.abs(b.targetBandwidth - 2e6))[0];
  const ordered = start ? [start, ...byRate.filter((r) => r !== start)] : byRate;
  for (const v of ordered) {
    const attrs = [
      `BANDWIDTH=${v.bandwidth + (audio?.bandwidth ?? 0)}`,
      `AVERAGE-BANDWIDTH=${v.averageBandwidth + (audio?.averageBandwidth ?? 0)}`,
      `CODECS="${[v.codecs, audio?.codecs].filter(Boolean).join(',')}"`,
      `RESOLUTION=${v.width}x${v.height}`,
    ];
    if (v.frameRate) {
      const [n, d] = v.frameRate.split('/').map(Number);
      attrs.push(`FRAME-RATE=${(n / (d || 1)).toFixed(3)}`);
    }
    if (audio) attrs.push('AUDIO="audio"');
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, playlistName(v));
  }
  lines.push('');
  return lines.join('\n');
}
