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
