/**
 * A source like the ones people upload, made with ffmpeg: two audio languages (English main,
 * French) and an English commentary, two subtitle streams (English, French "Français"), tagged,
 * in Matroska.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runFfmpeg } from '../../server/packager/ffmpeg.js';

/** The cues of the source's subtitle streams: [start s, end s, English, French]. */
export const SOURCE_CUES: Array<[number, number, string, string]> = [
  [1, 3, 'Hello from the first cue', 'Bonjour, premier sous-titre'],
  [5, 7.5, 'The second cue', 'Le deuxième'],
  [12, 15, 'At twelve seconds', 'À douze secondes'],
];

const srt = (lang: 2 | 3) =>
  SOURCE_CUES.map(([a, b, ...t], i) => {
    const ts = (s: number) => `00:00:${String(Math.floor(s)).padStart(2, '0')},${String(Math.round((s % 1) * 1000)).padStart(3, '0')}`;
    return `${i + 1}\n${ts(a)} --> ${ts(b)}\n${t[lang - 2]}\n`;
  }).join('\n');

export async function makeMultiLanguageSource(file: string, durationS = 24): Promise<string> {
  const dir = path.dirname(file);
  await writeFile(path.join(dir, 'source.en.srt'), srt(2));
  await writeFile(path.join(dir, 'source.fr.srt'), srt(3));
  await runFfmpeg({
    inputs: [
      // Brighter as it goes: frames seconds apart differ plainly, for the thumbnail test.
      { source: `testsrc2=s=640x360:r=30:d=${durationS},eq=brightness=-0.4+0.8*t/${durationS}:eval=frame`, format: 'lavfi' },
      { source: `sine=f=440:d=${durationS}`, format: 'lavfi' },
      { source: `sine=f=660:d=${durationS}`, format: 'lavfi' },
      { source: `sine=f=880:d=${durationS}`, format: 'lavfi' },
      { source: path.join(dir, 'source.en.srt') },
      { source: path.join(dir, 'source.fr.srt') },
    ],
    outputs: [
      {
        target: file,
        options: [
          '-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:a', '-map', '4:s', '-map', '5:s',
          '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-c:s', 'srt',
          '-metadata:s:a:0', 'language=eng', '-metadata:s:a:0', 'title=English',
          '-metadata:s:a:1', 'language=fre',
          '-metadata:s:a:2', 'language=eng', '-metadata:s:a:2', "title=Director's commentary",
          '-disposition:a:0', 'default', '-disposition:a:1', '0', '-disposition:a:2', 'comment',
          '-metadata:s:s:0', 'language=eng', '-metadata:s:s:1', 'language=fre', '-metadata:s:s:1', 'title=Français',
        ],
      },
    ],
  });
  return file;
}
