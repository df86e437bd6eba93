/**
 * The ffmpeg command of a live channel: one input (a test source with the wall clock burned in,
 * a file played in real time, or an RTMP/SRT listener), one x264 per rung, keyframes every
 * segment exactly, and one fragmented MP4 per rung and for the audio, each written to its own
 * pipe (fd 3, 4, ...) and cut into a moof+mdat every chunk: the channel (channel.ts) turns these
 * into CMAF segments as they arrive.
 */
import { LIVE_DEFAULTS, type LiveRung } from './defaults.js';

export type LiveSource =
  | { kind: 'testsrc' }
  | { kind: 'file'; video: string; audio?: string; loop: boolean }
  | { kind: 'listen'; url: string };

export interface EncoderPlan {
  args: string[];
  /** What each output pipe carries, in fd order from 3. */
  outputs: Array<{ rep: string; kind: 'video' | 'audio' }>;
}

/** The wall clock and the picture's own time, so a viewer sees how far behind live it is. */
const CLOCK =
  "drawtext=text='%{gmtime\\:%H\\\\\\:%M\\\\\\:%S} UTC  frame %{n}':fontsize=h/16:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=8:x=(w-tw)/2:y=h-th-h/12";

function inputArgs(src: LiveSource, fps: number): { args: string[]; video: string; audio?: string; filter: string } {
  switch (src.kind) {
    case 'testsrc':
      return {
        args: ['-re', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${fps}`, '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:beep_factor=4:sample_rate=48000'],
        video: '0:v',
        audio: '1:a',
        filter: `,${CLOCK}`,
      };
    case 'file': {
      const loop = src.loop ? ['-stream_loop', '-1'] : [];
      const args = ['-re', ...loop, '-i', src.video];
      if (src.audio && src.audio !== src.video) args.push('-re', ...loop, '-i', src.audio);
      return { args, video: '0:v:0', audio: src.audio ? (src.audio === src.video ? '0:a:0' : '1:a:0') : undefined, filter: '' };
    }
    case 'listen':
      // RTMP: ffmpeg's own server for one publisher; SRT: a listener (a passphrase refuses other keys).
      return { args: [...(src.url.startsWith('rtmp') ? ['-listen', '1'] : []), '-i', src.url], video: '0:v:0', audio: '0:a:0', filter: '' };
  }
}

export function encoderPlan(src: LiveSource, o: { segmentS: number; chunkS: number; ladder: LiveRung[]; audio: boolean }): EncoderPlan {
  const d = LIVE_DEFAULTS;
  const inp = inputArgs(src, d.fps);
  const n = o.ladder.length;
  const labels = o.ladder.map((_, i) => `[v${i}]`);
  const scaled = o.ladder.map((r, i) => `[s${i}]scale=-2:${r.height}${labels[i]}`).join(';');
  const filter = `[${inp.video}]fps=${d.fps}${inp.filter},split=${n}${o.ladder.map((_, i) => `[s${i}]`).join('')};${scaled}`;
  const gop = Math.round(o.segmentS * d.fps);
  // prft: each chunk carries the wall clock it was written at, so players can measure latency from the media itself.
  const frag = ['-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-write_prft', 'wallclock', '-flush_packets', '1'];
  // A listener logs warnings too: the RTMP one says so when a sender uses another stream key (channel.ts refuses it).
  const args = ['-hide_banner', '-nostats', '-loglevel', src.kind === 'listen' ? 'warning' : 'error', ...inp.args, '-filter_complex', filter];
  const outputs: EncoderPlan['outputs'] = [];
  o.ladder.forEach((r, i) => {
    args.push('-map', labels[i], '-c:v', 'libx264', '-preset', d.preset, '-tune', 'zerolatency', '-profile:v', 'main', '-pix_fmt', 'yuv420p');
    args.push('-b:v', `${r.kbps}k`, '-maxrate', `${Math.round(r.kbps * 1.2)}k`, '-bufsize', `${r.kbps}k`);
    args.push('-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-force_key_frames', `expr:gte(t,n_forced*${o.segmentS})`);
    args.push(...frag, '-frag_duration', String(Math.round(o.chunkS * 1e6)), `pipe:${3 + i}`);
    outputs.push({ rep: r.id, kind: 'video' });
  });
  if (o.audio && inp.audio) {
    // Audio chunks of half the video's: an AAC frame is 1024 samples, so chunk edges drift from the
    // segment edges by up to one chunk; shorter chunks keep the audio segments' edges close.
    args.push('-map', inp.audio, '-c:a', 'aac', '-b:a', `${d.audioKbps}k`, '-ar', '48000', '-ac', '2');
    args.push(...frag, '-frag_duration', String(Math.round((o.chunkS / 2) * 1e6)), `pipe:${3 + n}`);
    outputs.push({ rep: d.audioId, kind: 'audio' });
  }
  return { args, outputs };
}
