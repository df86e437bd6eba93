/**
 * The manifest's audio tracks (one AdaptationSet each: a language, a role) and which one a
 * viewer gets: the one asked for, else the browser's languages' best match among the main and
 * alternate tracks (never commentary unasked), else the main one, else the first.
 */
import { preferredLang } from '../../core/lang.js';
import type { AdaptationSet } from '../../core/mpd/parse.js';

export interface AudioTrack {
  /** The AdaptationSet's id. */
  id: string;
  lang: string;
  role: string;
  label?: string;
}

export const audioTrackOf = (s: AdaptationSet): AudioTrack => ({ id: s.id, lang: s.lang ?? 'und', role: s.role ?? 'main', ...(s.label ? { label: s.label } : {}) });

/** The audio set to start with. `wanted`: a set id or a language tag the page asked for. */
export function pickAudioSet(sets: AdaptationSet[], preferences: readonly string[], wanted?: string): AdaptationSet | undefined {
  if (!sets.length) return undefined;
  if (wanted) {
    const byId = sets.find((s) => s.id === wanted);
    if (byId) return byId;
    const lang = preferredLang(sets.map((s) => s.lang ?? 'und'), [wanted]);
    const byLang = lang && sets.find((s) => (s.lang ?? 'und') === lang && s.role !== 'commentary');
    if (byLang) return byLang;
  }
  const listenable = sets.filter((s) => s.role !== 'commentary');
  const pool = listenable.length ? listenable : sets;
  const lang = preferredLang(pool.map((s) => s.lang ?? 'und'), preferences);
  if (lang) {
    const matches = pool.filter((s) => (s.lang ?? 'und') === lang);
    return matches.find((s) => (s.role ?? 'main') === 'main') ?? matches[0];
  }
  return pool.find((s) => (s.role ?? 'main') === 'main') ?? pool[0];
}

export interface TextTrackInfo {
  /** The AdaptationSet's id. */
  id: string;
  lang: string;
  /** subtitle, or caption (for the hard of hearing). */
  role: string;
  label?: string;
}

export const textTrackOf = (s: AdaptationSet): TextTrackInfo => ({ id: s.id, lang: s.lang ?? 'und', role: s.role ?? 'subtitle', ...(s.label ? { label: s.label } : {}) });

/**
 * The manifest's WebVTT tracks as <track> elements of the video: the browser fetches, parses
 * and shows them (a TextTrack each), all off until one is chosen. Returns the elements by set id.
 */
export function attachTextTracks(video: HTMLVideoElement, sets: AdaptationSet[], name: (t: TextTrackInfo) => string): Map<string, HTMLTrackElement> {
  const out = new Map<string, HTMLTrackElement>();
  for (const s of sets) {
    const url = s.representations[0]?.segments[0]?.urls[0];
    if (!url || !/vtt/.test(s.representations[0].mimeType || 'text/vtt')) continue;
    const info = textTrackOf(s);
    const el = document.createElement('track');
    el.kind = info.role === 'caption' ? 'captions' : 'subtitles';
    el.srclang = info.lang;
    el.label = name(info);
    el.src = url;
    el.dataset.set = s.id;
    video.append(el);
    el.track.mode = 'disabled';
    out.set(s.id, el);
  }
  return out;
}

/**
 * The video set (one codec's ladder) to play: `wanted` (a codec family such as "av01", or a
 * set id) if playable; else by MediaCapabilities.decodingInfo of each set's top rung: smooth
 * and power-efficient first, then smooth, then supported; among equals the one whose top rung
 * needs fewer bits (AV1 over H.264). One set for the whole session: the player never mixes
 * codecs, so no SourceBuffer.changeType mid-stream.
 */
export async function pickVideoSet(sets: AdaptationSet[], wanted?: string): Promise<AdaptationSet | undefined> {
  if (sets.length <= 1) return sets[0];
  const family = (s: AdaptationSet) => (s.representations[0]?.codecs ?? '').split('.')[0];
  const asked = wanted && sets.find((s) => s.id === wanted || family(s) === wanted || (wanted === 'av1' && family(s) === 'av01') || (wanted === 'h264' && family(s) === 'avc1'));
  if (asked) return asked;
  const caps = typeof navigator !== 'undefined' ? navigator.mediaCapabilities : undefined;
  const scored = await Promise.all(
    sets.map(async (s, order) => {
      const top = s.representations[s.representations.length - 1];
      let score = 1; // supported (MediaSource.isTypeSupported said so)
      if (caps) {
        try {
          const info = await caps.decodingInfo({ type: 'media-source', video: { contentType: `${top.mimeType}; codecs="${top.codecs}"`, width: top.width ?? 1280, height: top.height ?? 720, bitrate: top.bandwidth, framerate: top.frameRate ?? 30 } });
          score = info.supported ? 1 + (info.smooth ? 2 : 0) + (info.powerEfficient ? 1 : 0) : 0;
        } catch {
          // a browser that cannot say: supported, nothing more
        }
      }
      return { s, score, bits: top.bandwidth, order };
    }),
  );
  scored.sort((a, b) => b.score - a.score || a.bits - b.bits || a.order - b.order);
  return scored[0].score > 0 ? scored[0].s : undefined;
}
