/** Writes HLS playlists (version 7, fMP4) over the same segments as the MPD. */
import { langName } from '../../core/lang.js';
import type { TextTrack } from './subtitles.js';
import type { RenditionFacts, ThumbnailFacts } from './types.js';

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

/** A track's NAME in the master playlist: its label, else its language, made unique in its group. */
function trackNames(tracks: RenditionFacts[]): string[] {
  const names: string[] = [];
  for (const t of tracks) {
    const lang = t.lang && t.lang !== 'und' ? langName(t.lang, 'en') : t.role === 'commentary' ? '' : 'Main';
    const named = t.label ?? (t.role === 'commentary' ? `${lang} commentary`.trim() : lang);
    const base = named.replace(/"/g, "'").replace(/[\r\n]/g, ' ');
    let name = base;
    for (let n = 2; names.includes(name); n++) name = `${base} ${n}`;
    names.push(name);
  }
  return names;
}

/** The thumbnails as a WebVTT sprite map: each picture's time span and its tile#xywh. */
export function writeThumbnailVtt(t: ThumbnailFacts, durationS: number): string {
  const stamp = (s: number) => new Date(Math.round(s * 1000)).toISOString().slice(11, 23);
  const per = t.cols * t.rows;
  const blocks: string[] = [];
  for (let k = 0; k < t.count; k++) {
    const start = k * t.everyS;
    const end = Math.min(durationS, start + t.everyS);
    if (end <= start) break;
    const n = Math.floor(k / per) + 1;
    const at = k % per;
    const file = t.media.replace('$Number%05d$', String(n).padStart(5, '0'));
    blocks.push(`${stamp(start)} --> ${stamp(end)}\n${file}#xywh=${(at % t.cols) * t.width},${Math.floor(at / t.cols) * t.height},${t.width},${t.height}`);
  }
  return `WEBVTT\n\n${blocks.join('\n\n')}\n`;
}

/** A text track's playlist: its one WebVTT file as one segment the length of the video. */
export function writeTextPlaylist(t: TextTrack, durationS: number): string {
  return ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(durationS))}`, '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD', `#EXTINF:${durationS.toFixed(6)},`, t.file, '#EXT-X-ENDLIST', ''].join('\n');
}

/**
 * The master playlist of one codec's ladder (`family`: avc1 by default; av01 for
 * master-av1.m3u8), with every audio and subtitle track. One codec per playlist: a player
 * that adapts within it never switches codec mid-stream.
 */
export function writeMasterPlaylist(renditions: RenditionFacts[], text: TextTrack[] = [], family = 'avc1'): string {
  const video = renditions.filter((r) => r.kind === 'video' && r.codecs.startsWith(family));
  const tracks = renditions.filter((r) => r.kind === 'audio');
  // Variants carry the largest audio track's rate: any track may play beside them.
  const audio = [...tracks].sort((a, b) => b.bandwidth - a.bandwidth)[0];
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  const names = trackNames(tracks);
  const main = tracks.find((t) => t.role === 'main') ?? tracks[0];
  tracks.forEach((t, k) => {
    const attrs = [`TYPE=AUDIO`, `GROUP-ID="audio"`, `NAME="${names[k]}"`];
    if (t.lang && t.lang !== 'und') attrs.push(`LANGUAGE="${t.lang}"`);
    attrs.push(`DEFAULT=${t === main ? 'YES' : 'NO'}`, `AUTOSELECT=${t.role === 'commentary' ? 'NO' : 'YES'}`, `CHANNELS="${t.channels ?? 2}"`, `URI="${playlistName(t)}"`);
    lines.push(`#EXT-X-MEDIA:${attrs.join(',')}`);
  });
  const textNames = trackNames(text.map((t) => ({ ...t, role: 'main' }) as unknown as RenditionFacts));
  text.forEach((t, k) => {
    const attrs = [`TYPE=SUBTITLES`, `GROUP-ID="subs"`, `NAME="${textNames[k]}"`];
    if (t.lang !== 'und') attrs.push(`LANGUAGE="${t.lang}"`);
    attrs.push('DEFAULT=NO', 'AUTOSELECT=YES');
    if (t.role === 'caption') attrs.push('CHARACTERISTICS="public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound"');
    attrs.push(`URI="${t.id}.m3u8"`);
    lines.push(`#EXT-X-MEDIA:${attrs.join(',')}`);
  });
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
    if (text.length) attrs.push('SUBTITLES="subs"');
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, playlistName(v));
  }
  lines.push('');
  return lines.join('\n');
}
