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
