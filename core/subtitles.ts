/**
 * Subtitles as text: SubRip (.srt) and WebVTT (.vtt) read into cues, with the line of any
 * fault named, and written as WebVTT (what DASH, HLS and the browser's TextTrack all take).
 * Pure: the packager checks and converts with it, verification reads its own output with it.
 */

export interface Cue {
  startS: number;
  endS: number;
  /** The cue's text, lines joined with "\n" (WebVTT's own tags, such as <i>, kept). */
  text: string;
}

export class SubtitleError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'SubtitleError';
  }
}

/** "01:02:03,456", "01:02:03.456" or (WebVTT) "02:03.456" -> seconds; undefined if it is none of these. */
export function parseTimestamp(s: string, vtt: boolean): number | undefined {
  const m = (vtt ? /^(?:(\d{1,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$/ : /^(\d{1,}):([0-5]\d):([0-5]\d)[,.](\d{1,3})$/).exec(s.trim());
  if (!m) return undefined;
  const [, h, mi, se, ms] = m;
  return Number(h ?? 0) * 3600 + Number(mi) * 60 + Number(se) + Number(ms.padEnd(3, '0')) / 1000;
}

const ARROW = /^(\S+)\s+-->\s+(\S+)(?:\s+.*)?$/;

/**
 * Cues from SubRip or WebVTT text (told apart by the WEBVTT header). Throws SubtitleError
 * naming the line: not text, a timing that does not parse, an end before its start.
 */
export function parseSubtitles(text: string): { format: 'srt' | 'vtt'; cues: Cue[] } {
  if (text.includes('\u0000')) throw new SubtitleError(1, 'not a text file (it holds NUL bytes): subtitles must be SubRip (.srt) or WebVTT (.vtt) text');
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const vtt = /^WEBVTT(?:[ \t].*)?$/.test(lines[0] ?? '');
  const cues: Cue[] = [];
  let i = vtt ? 1 : 0;
  // WebVTT: the header's block (and NOTE, STYLE, REGION blocks) hold no cues.
  const skipBlock = () => {
    while (i < lines.length && lines[i].trim() !== '') i++;
  };
  if (vtt) skipBlock();
  while (i < lines.length) {
    while (i < lines.length && lines[i].trim() === '') i++;
    if (i >= lines.length) break;
    if (vtt && /^(NOTE|STYLE|REGION)(\s|$)/.test(lines[i])) {
      skipBlock();
      continue;
    }
    // An identifier line (SRT's number, WebVTT's optional id) before the timing.
    if (!lines[i].includes('-->')) {
      if (!vtt && !/^\d+$/.test(lines[i].trim())) throw new SubtitleError(i + 1, `expected a cue number or a timing ("00:00:01,000 --> 00:00:02,500"), found "${lines[i].slice(0, 60)}"`);
      i++;
    }
    const timing = lines[i] ?? '';
    const m = ARROW.exec(timing.trim());
    if (!m) throw new SubtitleError(i + 1, `expected a timing such as ${vtt ? '"00:01.000 --> 00:02.500"' : '"00:00:01,000 --> 00:00:02,500"'}, found "${timing.slice(0, 60)}"`);
    const startS = parseTimestamp(m[1], vtt);
    const endS = parseTimestamp(m[2], vtt);
    if (startS === undefined || endS === undefined) throw new SubtitleError(i + 1, `the timing "${timing.trim().slice(0, 60)}" does not parse`);
    if (endS < startS) throw new SubtitleError(i + 1, `the cue ends (${m[2]}) before it starts (${m[1]})`);
    i++;
    const body: string[] = [];
    while (i < lines.length && lines[i].trim() !== '') body.push(lines[i++]);
    cues.push({ startS, endS, text: body.join('\n') });
  }
  return { format: vtt ? 'vtt' : 'srt', cues };
}

const stamp = (s: number) => {
  const ms = Math.round(s * 1000);
  const h = Math.floor(ms / 3600000);
  const m = Math.floor((ms % 3600000) / 60000);
  const sec = Math.floor((ms % 60000) / 1000);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
};

/**
 * WebVTT of the cues, in time order. SubRip's markup (<i>, <b>, <u>) is WebVTT's too; a
 * "-->" inside a cue's text would end it early, so it becomes "->".
 */
export function writeWebVtt(cues: Cue[]): string {
  const sorted = [...cues].sort((a, b) => a.startS - b.startS || a.endS - b.endS);
  const blocks = sorted.map((c) => `${stamp(c.startS)} --> ${stamp(c.endS)}\n${c.text.replace(/-->/g, '->').replace(/\n\s*\n/g, '\n')}`);
  return `WEBVTT\n\n${blocks.join('\n\n')}\n`;
}
