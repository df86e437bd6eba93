/** Writes the static DASH manifest (SegmentTemplate + SegmentTimeline) from verified facts. */
import type { TextTrack } from './subtitles.js';
import { TEMPLATE_INIT, TEMPLATE_MEDIA, type RenditionFacts, type ThumbnailFacts } from './types.js';

export const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** ISO 8601 duration with millisecond precision, e.g. PT59.967S. */
export const isoDuration = (s: number) => `PT${Math.max(0, s).toFixed(3).replace(/\.?0+$/, '')}S`;

/** SegmentTimeline entries, runs of equal durations folded into @r. */
export function timelineEntries(segs: RenditionFacts['segments']): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < segs.length) {
    const d = segs[i].durationTicks;
    let r = 0;
    while (i + r + 1 < segs.length && segs[i + r + 1].durationTicks === d && segs[i + r + 1].startTicks === segs[i + r].startTicks + d) r++;
    const t = i === 0 || segs[i].startTicks !== segs[i - 1].startTicks + segs[i - 1].durationTicks ? ` t="${segs[i].startTicks}"` : '';
    out.push(`<S${t} d="${d}"${r ? ` r="${r}"` : ''}/>`);
    i += r + 1;
  }
  return out;
}

function segmentTemplate(r: RenditionFacts, token: string, indent: string): string {
  return [
    `${indent}<SegmentTemplate timescale="${r.timescale}" initialization="${TEMPLATE_INIT(token)}" media="${TEMPLATE_MEDIA(token)}" startNumber="1">`,
    `${indent}  <SegmentTimeline>`,
    ...timelineEntries(r.segments).map((s) => `${indent}    ${s}`),
    `${indent}  </SegmentTimeline>`,
    `${indent}</SegmentTemplate>`,
  ].join('\n');
}

const sameTimeline = (a: RenditionFacts, b: RenditionFacts) =>
  a.timescale === b.timescale &&
  a.segments.length === b.segments.length &&
  a.segments.every((s, i) => s.startTicks === b.segments[i].startTicks && s.durationTicks === b.segments[i].durationTicks);

/** avc1, av01, ...: the codec a rendition's codecs string names. */
export const codecFamily = (r: { codecs: string }) => r.codecs.split('.')[0];

function gcd(a: number, b: number): number {
  return b ? gcd(b, a % b) : a;
}

export function writeMpd(opts: { title: string; durationS: number; segmentS: number; token: string; renditions: RenditionFacts[]; text?: TextTrack[]; thumbnails?: ThumbnailFacts }): string {
  const video = opts.renditions.filter((r) => r.kind === 'video');
  const audio = opts.renditions.filter((r) => r.kind === 'audio');
  const maxSegS = Math.max(...opts.renditions.flatMap((r) => r.segments.map((s) => s.durationTicks / r.timescale)));
  const lines: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static"' +
      ` mediaPresentationDuration="${isoDuration(opts.durationS)}" minBufferTime="${isoDuration(opts.segmentS)}"` +
      ` maxSegmentDuration="${isoDuration(maxSegS)}">`,
    `  <ProgramInformation><Title>${xmlEscape(opts.title)}</Title></ProgramInformation>`,
    `  <Period id="0" start="PT0S">`,
  ];
  // Video: one set of every rung. Audio: a set per track (language, role), so a player picks a
  // language and adapts within it.
  const addSet = (id: number, reps: RenditionFacts[], kind: 'video' | 'audio') => {
    if (!reps.length) return;
    const shared = reps.every((r) => sameTimeline(r, reps[0]));
    const attrs = [`id="${id}"`, `contentType="${kind}"`, `mimeType="${kind}/mp4"`, `segmentAlignment="true"`, `startWithSAP="1"`];
    if (kind === 'video') {
      const maxW = Math.max(...reps.map((r) => r.width ?? 0));
      const maxH = Math.max(...reps.map((r) => r.height ?? 0));
      const g = gcd(maxW, maxH) || 1;
      attrs.push(`maxWidth="${maxW}"`, `maxHeight="${maxH}"`, `par="${maxW / g}:${maxH / g}"`);
      if (reps[0].frameRate) attrs.push(`frameRate="${reps[0].frameRate}"`);
    } else {
      attrs.push(`lang="${xmlEscape(reps[0].lang ?? 'und')}"`);
    }
    lines.push(`    <AdaptationSet ${attrs.join(' ')}>`);
    // RepresentationBase's elements (Label) come before the set's own (Role), as the schema orders them.
    if (kind === 'audio' && reps[0].label) lines.push(`      <Label>${xmlEscape(reps[0].label)}</Label>`);
    if (kind === 'audio') lines.push(`      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="${reps[0].role ?? 'main'}"/>`);
    if (shared) lines.push(segmentTemplate(reps[0], opts.token, '      '));
    for (const r of reps) {
      const ra = [`id="${r.id}"`, `codecs="${r.codecs}"`, `bandwidth="${r.bandwidth}"`];
      if (kind === 'video') ra.push(`width="${r.width}"`, `height="${r.height}"`, `sar="1:1"`);
      else ra.push(`audioSamplingRate="${r.sampleRate}"`);
      const children: string[] = [];
      if (kind === 'audio') {
        children.push(`        <AudioChannelConfiguration schemeIdUri="urn:mpeg:mpegB:cicp:ChannelConfiguration" value="${r.channels ?? 2}"/>`);
      }
      if (!shared) children.push(segmentTemplate(r, opts.token, '        '));
      if (children.length) lines.push(`      <Representation ${ra.join(' ')}>`, ...children, `      </Representation>`);
      else lines.push(`      <Representation ${ra.join(' ')}/>`);
    }
    lines.push('    </AdaptationSet>');
  };
  // A video set per codec (H.264, then AV1): a player picks one and never mixes them.
  const families = [...new Set(video.map(codecFamily))];
  families.forEach((f, k) => addSet(k, video.filter((r) => codecFamily(r) === f), 'video'));
  const firstAudio = families.length;
  audio.forEach((a, k) => addSet(firstAudio + k, [a], 'audio'));
  // Text: a set per track, its one Representation the whole WebVTT file (its BaseURL).
  (opts.text ?? []).forEach((t, k) => {
    lines.push(`    <AdaptationSet id="${firstAudio + audio.length + k}" contentType="text" mimeType="text/vtt" lang="${xmlEscape(t.lang)}">`);
    if (t.label) lines.push(`      <Label>${xmlEscape(t.label)}</Label>`);
    lines.push(`      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="${t.role}"/>`);
    lines.push(`      <Representation id="${t.id}" bandwidth="${Math.max(1, Math.ceil((t.bytes * 8) / Math.max(1, opts.durationS)))}">`, `        <BaseURL>${xmlEscape(t.file)}</BaseURL>`, '      </Representation>');
    lines.push('    </AdaptationSet>');
  });
  // Thumbnails: the DASH-IF image set, one tile image per cols x rows pictures.
  const th = opts.thumbnails;
  if (th) {
    const tileS = th.everyS * th.cols * th.rows;
    // @bandwidth is required; nothing adapts on it: a tile's rough size over its time.
    const bytesGuess = 8 * 1024 * th.cols * th.rows;
    lines.push(
      `    <AdaptationSet id="${firstAudio + audio.length + (opts.text?.length ?? 0)}" contentType="image" mimeType="image/jpeg">`,
      `      <Representation id="thumbnails" bandwidth="${Math.ceil((bytesGuess * 8) / tileS)}" width="${th.width * th.cols}" height="${th.height * th.rows}">`,
      `        <EssentialProperty schemeIdUri="http://dashif.org/thumbnail_tile" value="${th.cols}x${th.rows}"/>`,
      `        <SegmentTemplate media="${xmlEscape(th.media)}" duration="${tileS}" startNumber="1" timescale="1"/>`,
      '      </Representation>',
      '    </AdaptationSet>',
    );
  }
  lines.push('  </Period>', '</MPD>', '');
  return lines.join('\n');
}
