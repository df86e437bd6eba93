/** A source like the ones people upload: two audio languages (English main, French), tagged, in Matroska; made with ffmpeg. */
import { runFfmpeg } from '../../server/packager/ffmpeg.js';

export async function makeMultiLanguageSource(file: string, durationS = 24): Promise<string> {
  await runFfmpeg({
    inputs: [
      { source: `testsrc2=s=640x360:r=30:d=${durationS}`, format: 'lavfi' },
      { source: `sine=f=440:d=${durationS}`, format: 'lavfi' },
      { source: `sine=f=660:d=${durationS}`, format: 'lavfi' },
      { source: `sine=f=880:d=${durationS}`, format: 'lavfi' },
    ],
    outputs: [
      {
        target: file,
        options: [
          '-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:a',
          '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac',
          '-metadata:s:a:0', 'language=eng', '-metadata:s:a:0', 'title=English',
          '-metadata:s:a:1', 'language=fre',
          '-metadata:s:a:2', 'language=eng', '-metadata:s:a:2', "title=Director's commentary",
          '-disposition:a:0', 'default', '-disposition:a:1', '0', '-disposition:a:2', 'comment',
        ],
      },
    ],
  });
  return file;
}
