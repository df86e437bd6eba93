/**
 * The dynamic MPD of a live channel (ISO/IEC 23009-1, DASH-IF IOP low-latency): one Period from
 * availabilityStartTime, $Number$ templates whose segments follow from the clock, chunked CMAF
 * announced by availabilityTimeOffset (a segment may be asked for once its first chunk exists)
 * with availabilityTimeComplete="false", a ServiceDescription with the latency to hold and the
 * playback rates to hold it with, and UTCTiming at the origin's clock. When the channel ends the
 * MPD says so: mediaPresentationDuration, and no minimumUpdatePeriod (it will not change again).
 */
import { esc } from '../../core/html.js';
import { LIVE_DEFAULTS } from './defaults.js';
import type { ChannelState } from './state.js';

const iso = (ms: number) => new Date(ms).toISOString();
const dur = (s: number) => `PT${Math.round(s * 1000) / 1000}S`;

/** The MPD for a channel whose clock is known (astMs set). `timeUrl`: the UTCTiming source, as the client should ask for it. */
export function liveMpd(s: ChannelState, timeUrl: string, publishMs = Date.now()): string {
  if (s.astMs === undefined) throw new Error(`channel ${s.id} has no clock yet`);
  const d = LIVE_DEFAULTS;
  const over = s.status !== 'live';
  const ato = s.segmentS - s.chunkS;
  const template = (media: string) =>
    `<SegmentTemplate timescale="1000" duration="${Math.round(s.segmentS * 1000)}" startNumber="1" initialization="${s.run}/$RepresentationID$/init.mp4" media="${s.run}/$RepresentationID$/${media}" availabilityTimeOffset="${ato}" availabilityTimeComplete="false"/>`;
  const video = s.video
    .map((r) => `      <Representation id="${r.id}" bandwidth="${r.kbps * 1000}" width="${r.width}" height="${r.height}" codecs="${r.codecs}"/>`)
    .join('\n');
  const audio = s.audio
    ? `
    <AdaptationSet id="1" contentType="audio" mimeType="audio/mp4" segmentAlignment="true" startWithSAP="1" lang="und">
      ${template('$Number$.m4s')}
      <Representation id="${s.audio.id}" bandwidth="${s.audio.kbps * 1000}" codecs="${s.audio.codecs}" audioSamplingRate="${s.audio.sampleRate}"/>
    </AdaptationSet>`
    : '';
  const timing = [
    `profiles="urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019"`,
    `type="dynamic"`,
    `availabilityStartTime="${iso(s.astMs)}"`,
    `publishTime="${iso(publishMs)}"`,
    over ? `mediaPresentationDuration="${dur(s.durationS ?? 0)}"` : `minimumUpdatePeriod="${dur(s.segmentS)}"`,
    `timeShiftBufferDepth="${dur(s.windowS)}"`,
    `suggestedPresentationDelay="${dur(d.targetLatencyS)}"`,
    `maxSegmentDuration="${dur(s.segmentS)}"`,
    `minBufferTime="${dur(s.chunkS * 2)}"`,
  ].join(' ');
  return `<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" ${timing}>
  <ProgramInformation><Title>${esc(s.id)} (live)</Title></ProgramInformation>
  <ServiceDescription id="0">
    <Latency referenceId="0" target="${d.targetLatencyS * 1000}" min="${d.minLatencyS * 1000}" max="${d.maxLatencyS * 1000}"/>
    <PlaybackRate min="${d.minRate}" max="${d.maxRate}"/>
  </ServiceDescription>
  <Period id="${s.run}" start="PT0S">
    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" frameRate="${d.fps}">
      ${template('$Number$.m4s')}
${video}
    </AdaptationSet>${audio}
  </Period>
  <UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-iso:2014" value="${esc(timeUrl)}"/>
</MPD>
`;
}
