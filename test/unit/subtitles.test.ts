/** Subtitle text read and written (core/subtitles.ts), and language tags (core/lang.ts), against hand-written cases. */
import { describe, expect, it } from 'vitest';
import { normalizeLang, preferredLang } from '../../core/lang.js';
import { parseSubtitles, parseTimestamp, SubtitleError, writeWebVtt } from '../../core/subtitles.js';

describe('subtitles', () => {
  it('reads SubRip: numbers, comma milliseconds, several lines, CRLF, a BOM', () => {
    const srt = '\uFEFF1\r\n00:00:01,000 --> 00:00:02,500\r\nHello\r\n<i>there</i>\r\n\r\n2\r\n01:00:00,5 --> 01:00:01,250\r\nLater\r\n';
    expect(parseSubtitles(srt)).toEqual({
      format: 'srt',
      cues: [
        { startS: 1, endS: 2.5, text: 'Hello\n<i>there</i>' },
        { startS: 3600.5, endS: 3601.25, text: 'Later' },
      ],
    });
  });

  it('reads WebVTT: short timestamps, ids, settings, NOTE and STYLE blocks', () => {
    const vtt = 'WEBVTT - a title\nKind: captions\n\nNOTE a comment\nover two lines\n\nSTYLE\n::cue { color: red }\n\nintro\n00:01.000 --> 00:02.000 align:start\nHi\n\n00:01:03.250 --> 00:01:04.000\nThere\n';
    expect(parseSubtitles(vtt).cues).toEqual([
      { startS: 1, endS: 2, text: 'Hi' },
      { startS: 63.25, endS: 64, text: 'There' },
    ]);
  });

  it('names the line of what is wrong', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:05,000 -> 00:00:07,500\nbad\n', 6, /expected a timing/],
      ['1\n00:00:01,000 --> 00:00:0x,000\nok\n', 2, /does not parse/],
      ['1\n00:00:03,000 --> 00:00:02,000\nbackwards\n', 2, /ends .* before it starts/],
      ['hello world\nthis is not subtitles\n', 1, /expected a cue number or a timing/],
      ['WEBVTT\n\n00:01.000 --> 00:02,000\nSRT comma in WebVTT\n', 3, /does not parse/],
      ['\u0000\u0001binary', 1, /not a text file/],
    ];
    for (const [text, line, why] of cases) {
      let err: unknown;
      try {
        parseSubtitles(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(SubtitleError);
      expect((err as SubtitleError).line, text).toBe(line);
      expect((err as Error).message, text).toMatch(why);
    }
  });

  it('writes WebVTT in time order, a "-->" in the text defused, and reads it back', () => {
    const out = writeWebVtt([
      { startS: 5, endS: 6.5, text: 'second --> arrow' },
      { startS: 3723.004, endS: 3724, text: 'late' },
      { startS: 1, endS: 2, text: 'first' },
    ]);
    expect(out).toBe('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfirst\n\n00:00:05.000 --> 00:00:06.500\nsecond -> arrow\n\n01:02:03.004 --> 01:02:04.000\nlate\n');
    expect(parseSubtitles(out).cues.map((c) => c.startS)).toEqual([1, 5, 3723.004]);
    expect(parseTimestamp('00:00:01,5', false)).toBe(1.5);
    expect(parseTimestamp('1:00.000', true)).toBeUndefined();
  });
});

describe('language tags', () => {
  it('makes container tags BCP 47 and matches a viewer\'s preferences', () => {
    expect(['eng', 'fre', 'ger', 'pt-BR', 'und', '', undefined, '12', 'x!'].map(normalizeLang)).toEqual(['en', 'fr', 'de', 'pt-BR', 'und', 'und', 'und', 'und', 'und']);
    expect(normalizeLang('kab')).toBe('kab'); // no two-letter code: kept
    expect(preferredLang(['en', 'fr', 'pt-BR'], ['fr-CA', 'en'])).toBe('fr');
    expect(preferredLang(['en', 'pt-PT', 'pt-BR'], ['pt-BR'])).toBe('pt-BR');
    expect(preferredLang(['en', 'fr'], ['de'])).toBeUndefined();
  });
});
