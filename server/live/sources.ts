/**
 * What may feed a channel, from what a user typed: `testsrc`; `file:<library id>` (the video's
 * best H.264 rendition and its first audio track, joined into two plain MP4 files) or
 * `file:<path>` (inside MEDIA_DIR when asked over HTTP; any readable file from the command
 * line); `rtmp` and `srt` (a listener with a fresh stream key); `listen:<url>` from the
 * command line. A wrong choice is a ChannelError with a status and a sentence.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createReadStream } from 'node:fs';
import type { VideoInfo } from '../../core/package-format.js';
import { portOr } from '../free-port.js';
import { CHANNEL_ID, LIVE_DEFAULTS } from './defaults.js';
import type { LiveSource } from './encoder.js';

export class ChannelError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ResolvedSource {
  source: LiveSource;
  /** Where an encoder should send its stream (rtmp, srt). */
  ingest?: string;
  /** Work to do in the run's folder before the encoder starts (joining a library video's segments). */
  prepare?: (runDir: string) => Promise<void>;
  audio: boolean;
}

export async function resolveSource(spec: string, o: { mediaDir: string; loop: boolean; anyPath: boolean }): Promise<ResolvedSource> {
  if (spec === 'testsrc') return { source: { kind: 'testsrc' }, audio: true };
  if (spec === 'rtmp' || spec === 'srt') return await listener(spec);
  if (spec.startsWith('listen:')) {
    const url = spec.slice('listen:'.length);
    if (!/^(rtmp|srt):\/\//.test(url)) throw new ChannelError(400, `--listen ${url}: expected an rtmp:// or srt:// URL`);
    return { source: { kind: 'listen', url: url.startsWith('srt') && !url.includes('mode=') ? `${url}${url.includes('?') ? '&' : '?'}mode=listener` : url }, ingest: url, audio: true };
  }
  if (spec.startsWith('file:')) {
    const what = spec.slice('file:'.length);
    if (CHANNEL_ID.test(what)) {
      const lib = await libraryVideo(o.mediaDir, what, o.loop);
      if (lib) return lib;
    }
    return fileSource(what, o);
  }
  throw new ChannelError(400, `source "${spec}": expected testsrc, file:<library id or path>, rtmp or srt`);
}

/** A listener for one sender, on the usual port (or a free one when another channel has it), with a fresh stream key. */
async function listener(kind: 'rtmp' | 'srt'): Promise<ResolvedSource> {
  const key = randomBytes(12).toString('hex');
  const d = LIVE_DEFAULTS;
  if (kind === 'rtmp') {
    const url = `rtmp://${d.listenHost}:${await portOr(d.rtmpPort)}/live/${key}`;
    return { source: { kind: 'listen', url }, ingest: url, audio: true };
  }
  // SRT: the key is the passphrase, so a sender with another key is refused by the handshake.
  const base = `srt://${d.listenHost}:${await portOr(d.srtPort)}`;
  const q = `passphrase=${key}&pbkeylen=16`;
  return { source: { kind: 'listen', url: `${base}?mode=listener&${q}` }, ingest: `${base}?${q}`, audio: true };
}

async function fileSource(file: string, o: { mediaDir: string; loop: boolean; anyPath: boolean }): Promise<ResolvedSource> {
  const abs = path.resolve(o.anyPath ? process.cwd() : o.mediaDir, file);
  if (!o.anyPath && !abs.startsWith(`${path.resolve(o.mediaDir)}${path.sep}`)) {
    throw new ChannelError(400, `file:${file}: over HTTP a channel plays a library video (file:<id>) or a file inside the media folder`);
  }
  const st = await stat(abs).catch(() => undefined);
  if (!st?.isFile()) throw new ChannelError(400, `file:${file}: no such video in the library, and no such file`);
  return { source: { kind: 'file', video: abs, audio: abs, loop: o.loop }, audio: true };
}

/** A published video: its best H.264 rendition and first audio, each joined from its HLS playlist into one MP4. */
async function libraryVideo(mediaDir: string, id: string, loop: boolean): Promise<ResolvedSource | undefined> {
  const dir = path.join(mediaDir, id);
  let info: VideoInfo;
  try {
    info = JSON.parse(await readFile(path.join(dir, 'info.json'), 'utf8')) as VideoInfo;
  } catch {
    return undefined;
  }
  const video = info.renditions.filter((r) => r.kind === 'video' && r.codecs.startsWith('avc1') && (r.height ?? 0) <= 1080).sort((a, b) => (b.height ?? 0) - (a.height ?? 0))[0];
  const audio = info.renditions.find((r) => r.kind === 'audio');
  if (!video) throw new ChannelError(400, `file:${id}: the video has no H.264 rendition to play live`);
  return {
    source: { kind: 'file', video: '', audio: audio ? '' : undefined, loop },
    audio: Boolean(audio),
    prepare: async (runDir) => {
      await joinPlaylist(dir, `${video.id}.m3u8`, path.join(runDir, 'source-video.mp4'));
      if (audio) await joinPlaylist(dir, `${audio.id}.m3u8`, path.join(runDir, 'source-audio.mp4'));
    },
  };
}

/** An HLS fMP4 playlist's init and segments, one after the other: a fragmented MP4 ffmpeg reads and loops. */
async function joinPlaylist(dir: string, playlist: string, out: string): Promise<void> {
  const text = await readFile(path.join(dir, playlist), 'utf8');
  const files = [/#EXT-X-MAP:URI="([^"]+)"/.exec(text)?.[1], ...text.split('\n').filter((l) => l && !l.startsWith('#'))].filter((f): f is string => Boolean(f));
  const sink = createWriteStream(out);
  for (const f of files) {
    const abs = path.resolve(dir, f);
    if (!abs.startsWith(`${dir}${path.sep}`)) throw new ChannelError(400, `${playlist}: names a file outside its video`);
    await access(abs);
    await pipeline(createReadStream(abs), sink, { end: false });
  }
  await new Promise<void>((resolve, reject) => sink.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
