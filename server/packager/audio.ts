/**
 * Which of the source's audio streams are packaged, with what language and label:
 * `--audio 0:en:English,2:fr:Français` (index among the source's audio streams, then
 * optionally a BCP 47 language and a label), or by default every audio stream as the source
 * tags it. With --audio the first stream named is the main one (the order is the user's);
 * without it, the source's default stream is (else its first).
 */
import { normalizeLang } from '../../core/lang.js';
import { PackagingError } from './errors.js';
import type { AudioRole, AudioStream } from './probe.js';

export interface AudioChoice {
  /** Index among the source's audio streams. */
  index: number;
  lang: string;
  role: AudioRole;
  label?: string;
  channels: number;
  sampleRate: number;
}

export interface AudioSpec {
  index: number;
  lang?: string;
  label?: string;
}

/** `0:en:English,2:fr` -> specs; a clear usage error otherwise. */
export function parseAudioSpec(spec: string): AudioSpec[] {
  const out: AudioSpec[] = [];
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [idx, lang, ...label] = part.split(':');
    const index = Number(idx);
    if (!/^\d+$/.test(idx ?? '') || !Number.isInteger(index)) throw new PackagingError('usage', `--audio "${part}": expected <index>[:<language>[:<label>]], e.g. 0:en:English (index: the source's audio streams from 0)`);
    if (lang !== undefined && lang !== '' && normalizeLang(lang) === 'und' && lang !== 'und') throw new PackagingError('usage', `--audio "${part}": "${lang}" is not a language tag (en, fr, pt-BR, ...)`);
    if (out.some((o) => o.index === index)) throw new PackagingError('usage', `--audio: stream ${index} is named twice`);
    out.push({ index, lang: lang || undefined, label: label.join(':').trim() || undefined });
  }
  if (!out.length) throw new PackagingError('usage', '--audio: name at least one audio stream (0 is the first)');
  return out;
}

/** The audio renditions to make, in order; [] for a source without audio. */
export function chooseAudio(streams: AudioStream[], spec?: string | AudioSpec[]): AudioChoice[] {
  const specs = typeof spec === 'string' ? parseAudioSpec(spec) : spec;
  if (specs && !streams.length) throw new PackagingError('usage', '--audio: the source has no audio stream');
  const picked = specs
    ? specs.map((s) => {
        const st = streams[s.index];
        if (!st) throw new PackagingError('usage', `--audio: the source has ${streams.length} audio stream${streams.length === 1 ? '' : 's'} (0 to ${streams.length - 1}); there is no ${s.index}`);
        return { ...st, lang: s.lang ? normalizeLang(s.lang) : st.lang, title: s.label ?? st.title };
      })
    : streams;
  const hasMain = picked.some((s) => s.role === 'main');
  const roleOf = (s: AudioStream, i: number): AudioRole => {
    if (specs) return i === 0 ? 'main' : s.role === 'commentary' ? 'commentary' : 'alternate';
    return hasMain ? s.role : i === 0 ? 'main' : s.role;
  };
  return picked.map((s, i) => ({
    index: s.index,
    lang: s.lang,
    role: roleOf(s, i),
    label: s.title,
    channels: s.channels,
    sampleRate: s.sampleRate,
  }));
}
