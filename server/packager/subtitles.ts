/**
 * Text tracks: the source's text streams (mov_text, SubRip or ASS in Matroska, WebVTT) and
 * files given at packaging (`--subtitles en:talk.en.srt,fr:talk.fr.vtt`) become one WebVTT
 * file per track. One file, not segments: a VOD film's subtitles are tens of kilobytes, every
 * player takes a sidecar file (DASH: a text AdaptationSet whose BaseURL is the file; HLS: a
 * subtitles playlist of one segment), and the browser parses WebVTT natively; segmenting pays
 * only for live. A file that is not subtitle text, or a timing that does not parse, is refused
 * with its name and line, before anything is encoded.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { normalizeLang } from '../../core/lang.js';
import { parseSubtitles, SubtitleError, writeWebVtt, type Cue } from '../../core/subtitles.js';
import { PackagingError } from './errors.js';
import { runFfmpeg } from './ffmpeg.js';
import type { SourceInfo } from './probe.js';

export interface SubtitleFile {
  lang: string;
  file: string;
  label?: string;
}

export interface TextTrack {
  /** t0, t1, ...: the representation id. */
  id: string;
  lang: string;
  /** DASH Role: `caption` for the hard of hearing (SDH), else `subtitle`. */
  role: 'subtitle' | 'caption';
  label?: string;
  /** The WebVTT file in the package. */
  file: string;
  bytes: number;
  cues: number;
  /** Where it came from: "stream 0 of the source" or the file's name. */
  from: string;
}

/** `en:talk.en.srt,fr:talk.fr.vtt` (a language, then the file; `lang:label:file` adds a label). */
export function parseSubtitleSpec(spec: string): SubtitleFile[] {
  return spec.split(',').map((p) => p.trim()).filter(Boolean).map((part) => {
    const bits = part.split(':');
    if (bits.length < 2) throw new PackagingError('usage', `--subtitles "${part}": expected <language>:<file> (e.g. fr:talk.fr.srt)`);
    const lang = normalizeLang(bits[0]);
    if (lang === 'und' && bits[0] !== 'und') throw new PackagingError('usage', `--subtitles "${part}": "${bits[0]}" is not a language tag (en, fr, pt-BR, ...)`);
    const file = bits.length >= 3 ? bits.slice(2).join(':') : bits[1];
    return { lang, file, label: bits.length >= 3 && bits[1].trim() ? bits[1].trim() : undefined };
  });
}

/** A subtitle file's cues; PackagingError('input') naming the file and the line when it is not subtitles. */
async function cuesOfFile(f: SubtitleFile, scratch: string, signal?: AbortSignal): Promise<Cue[]> {
  const name = path.basename(f.file);
  const bytes = await readFile(f.file).catch(() => {
    throw new PackagingError('input', `${f.file}: no such subtitle file`);
  });
  const ext = path.extname(name).toLowerCase();
  let text: string;
  if (ext === '.ass' || ext === '.ssa') {
    // ASS's styling has no WebVTT equivalent worth keeping: ffmpeg reads it and keeps the text.
    const out = path.join(scratch, `${path.basename(name, ext)}.${process.pid}.vtt`);
    await runFfmpeg({ inputs: [{ source: f.file }], outputs: [{ target: out, options: ['-map', '0:s:0', '-c:s', 'webvtt', '-f', 'webvtt'] }] }, { signal }).catch((err: Error) => {
      throw err instanceof PackagingError && (err.code === 'cancelled' || err.code === 'interrupted') ? err : new PackagingError('input', `${name}: not an ASS subtitle file ffmpeg can read (${err.message.split('\n')[0]})`);
    });
    text = await readFile(out, 'utf8');
    await rm(out, { force: true });
  } else if (ext === '.srt' || ext === '.vtt') {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new PackagingError('input', `${name}: not UTF-8 text (save the subtitles as UTF-8)`);
    }
  } else {
    throw new PackagingError('input', `${name}: subtitles must be SubRip (.srt), WebVTT (.vtt) or ASS (.ass)`);
  }
  try {
    const { cues } = parseSubtitles(text);
    if (!cues.length) throw new SubtitleError(1, 'no cues');
    return cues;
  } catch (err) {
    if (err instanceof SubtitleError) throw new PackagingError('input', `${name}: ${err.message}`);
    throw err;
  }
}

/** The source's text streams as WebVTT, in one ffmpeg run. */
async function cuesOfStreams(source: SourceInfo, scratch: string, signal?: AbortSignal): Promise<Cue[][]> {
  if (!source.textStreams.length) return [];
  const outs = source.textStreams.map((t) => path.join(scratch, `source-text-${t.index}.vtt`));
  await runFfmpeg(
    { inputs: [{ source: source.path }], outputs: source.textStreams.map((t, k) => ({ target: outs[k], options: ['-map', `0:s:${t.index}`, '-c:s', 'webvtt', '-f', 'webvtt'] })) },
    { signal },
  ).catch((err: Error) => {
    throw err instanceof PackagingError && (err.code === 'cancelled' || err.code === 'interrupted') ? err : new PackagingError('input', `${path.basename(source.path)}: its subtitle streams cannot be read (${err.message.split('\n')[0]})`);
  });
  const all: Cue[][] = [];
  for (const [k, out] of outs.entries()) {
    try {
      all.push(parseSubtitles(await readFile(out, 'utf8')).cues);
    } catch (err) {
      if (err instanceof SubtitleError) throw new PackagingError('input', `${path.basename(source.path)}: subtitle stream ${source.textStreams[k].index}: ${err.message}`);
      throw err;
    }
    await rm(out, { force: true });
  }
  return all;
}

/** Every text track checked, converted and written into `staging` as t<k>-<token>.vtt. */
export async function makeTextTracks(o: { source: SourceInfo; files: SubtitleFile[]; staging: string; token: string; signal?: AbortSignal }): Promise<TextTrack[]> {
  const fromFiles: Array<{ cues: Cue[]; lang: string; label?: string; role: TextTrack['role']; from: string }> = [];
  for (const f of o.files) fromFiles.push({ cues: await cuesOfFile(f, o.staging, o.signal), lang: f.lang, label: f.label, role: 'subtitle', from: path.basename(f.file) });
  const streams = await cuesOfStreams(o.source, o.staging, o.signal);
  const fromStreams = o.source.textStreams.map((t, k) => ({ cues: streams[k], lang: t.lang, label: t.title, role: (t.hearingImpaired ? 'caption' : 'subtitle') as TextTrack['role'], from: `subtitle stream ${t.index} of the source` }));
  const tracks: TextTrack[] = [];
  // An empty stream in the source has nothing to show: left out.
  for (const t of [...fromStreams, ...fromFiles].filter((x) => x.cues.length)) {
    const id = `t${tracks.length}`;
    const file = `${id}-${o.token}.vtt`;
    const text = writeWebVtt(t.cues);
    await writeFile(path.join(o.staging, file), text);
    tracks.push({ id, lang: t.lang, role: t.role, ...(t.label ? { label: t.label } : {}), file, bytes: Buffer.byteLength(text), cues: t.cues.length, from: t.from });
  }
  return tracks;
}

/** Checked before encoding: a bad file fails in a second, not after the whole ladder. */
export async function checkSubtitleFiles(files: SubtitleFile[], scratch: string, signal?: AbortSignal): Promise<void> {
  for (const f of files) await cuesOfFile(f, scratch, signal);
}
