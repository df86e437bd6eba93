/**
 * npm run package -- <input> [--id ID] [--title T] [--ladder SPEC] [--audio SPEC] [--subtitles SPEC] [--codecs h264,av1] [--segment S] [--no-abr-policy] [--no-thumbnails] [--no-quality]
 * Packages a master file into MEDIA_DIR/<id>/ with a progress bar.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { ensureMediaDir, loadConfig } from '../server/config.js';
import { packageVideo, PackagingError } from '../server/packager/index.js';
import { learnPolicyFor } from '../lab/learning/policy-files.js';
import { fail, interruptSignal } from './lib/cli.js';
import { ProgressBar } from './lib/progress-bar.js';
import { printSummary } from './lib/summary.js';

const PROG = 'dashlab package';
const USAGE = `usage: npm run package -- <input> [--id ID] [--title TITLE] [--ladder SPEC] [--audio SPEC] [--subtitles SPEC] [--codecs h264,av1] [--segment SECONDS] [--no-abr-policy] [--no-thumbnails] [--no-quality]

  <input>           the master video file
  --id ID           library id (default: from the file name); an existing id is replaced atomically
  --title TITLE     display title (default: the file name)
  --ladder SPEC     e.g. 1080p:5000k,720p:2800k,480p:1400k (default: derived from the source)
  --audio SPEC      which audio streams, with language and label: index[:lang[:label]],...
                    e.g. 0:en:English,1:fr:Français (default: every audio stream, as tagged;
                    the first, or the source's default, is the main one)
  --subtitles SPEC  subtitle files beside the source's own text streams: lang[:label]:file,...
                    e.g. en:talk.en.srt,fr:Français:talk.fr.vtt (SubRip, WebVTT or ASS; one
                    WebVTT file per track in the package)
  --codecs LIST     video codecs, a ladder each: h264 (default) or h264,av1 (SVT-AV1 beside
                    H.264, at 0.6x its bitrates, keyframe-aligned; slower to encode)
  --segment S       segment duration in seconds (default 4)
  --no-abr-policy   skip learning the learned ABR's policy (abr-policy.json, ~15 s of CPU
                    for 48 segments); the player's learned ABR then plays as dashlab
  --no-thumbnails   no seek-bar thumbnails
  --no-quality      skip measuring each segment's SSIM and PSNR against the source

Writes to MEDIA_DIR (default media/library).`;

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        id: { type: 'string' },
        title: { type: 'string' },
        ladder: { type: 'string' },
        audio: { type: 'string' },
        subtitles: { type: 'string' },
        codecs: { type: 'string' },
        segment: { type: 'string' },
        'no-abr-policy': { type: 'boolean', default: false },
        'no-thumbnails': { type: 'boolean', default: false },
        'no-quality': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new PackagingError('usage', `${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (positionals.length !== 1) throw new PackagingError('usage', `expected one input file\n${USAGE}`);
  const segmentS = values.segment !== undefined ? Number(values.segment) : undefined;
  const { mediaDir } = loadConfig();
  await ensureMediaDir(mediaDir);
  const bar = new ProgressBar();
  const input = path.resolve(positionals[0]);
  const result = await packageVideo({
    input,
    mediaDir,
    id: values.id,
    title: values.title,
    ladder: values.ladder,
    audio: values.audio,
    subtitles: values.subtitles,
    codecs: values.codecs,
    segmentS,
    learnAbrPolicy: values['no-abr-policy'] ? undefined : learnPolicyFor,
    thumbnails: !values['no-thumbnails'],
    quality: !values['no-quality'],
    signal: interruptSignal(),
    onPlan: ({ source, rungs, skipped, id, audio, subtitles }) => {
      const v = source.video;
      const tracks = audio.map((a) => `${a.lang}${a.label ? ` "${a.label}"` : ''}${a.role === 'main' ? '' : ` (${a.role})`}`).join(', ');
      process.stderr.write(
        `${path.basename(input)}: ${v.width}x${v.height} ${v.fps.toFixed(2)} fps${v.variableFrameRate ? ' (variable)' : ''}, ` +
          `${v.durationS.toFixed(1)} s, ${audio.length ? `audio ${tracks}` : 'no audio'} -> ${id}: ` +
          `${rungs.map((r) => `${r.height}p@${r.kbps}k`).join(' ')}` +
          (source.textStreams.length || subtitles.length ? `; text: ${[...source.textStreams.map((t) => t.lang), ...subtitles.map((f) => `${f.lang} (${path.basename(f.file)})`)].join(', ')}` : '') +
          '\n',
      );
      if (skipped.length) process.stderr.write(`skipping ${skipped.join(', ')}: larger than the source (dashlab never upscales)\n`);
    },
    onProgress: (p) => {
      if (p.phase === 'encode' && p.encode) bar.update({ label: 'encode', percent: p.percent, speed: p.encode.speed, etaS: p.encode.etaS });
      else if (p.phase === 'verify' || p.phase === 'quality' || p.phase === 'learn' || p.phase === 'publish') bar.update({ label: p.phase, percent: p.percent });
    },
  }).finally(() => bar.done());
  printSummary(result);
}

main().catch((err) => fail(PROG, err));
