/**
 * One running live channel: its ffmpeg (encoder.ts), and the writer that turns each output pipe
 * into CMAF on disk as it arrives: init.mp4 once, then every chunk (prft+moof+mdat) appended to
 * the segment being written (<n>.m4s.part, which the origin serves chunk by chunk), renamed to
 * <n>.m4s when the next segment begins. It sets the channel's clock from its first chunk, keeps
 * the DVR window on disk (older segments are deleted), rewrites the HLS playlists each segment,
 * and when the encoder ends (the source ended, it was stopped, or it died) finishes the files and
 * says so in the MPD, so players stop instead of waiting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BoxSplitter, codecsOf, decodeTimeOf, pictureSizeOf, timescaleOf, type Box } from '../../core/live/boxes.js';
import { tiedCommand } from '../packager/die-with-parent.js';
import { encoderPlan, type LiveSource } from './encoder.js';
import { livePlaylist, liveMaster, type LivePart } from './hls.js';
import { liveMpd } from './mpd.js';
import { channelDir, writeState, type ChannelState } from './state.js';

/** Marks a stop asked for by another process (state.ts's owner signals its ffmpeg). */
export const STOP_MARK = 'stop-requested';

interface RepWriter {
  rep: string;
  kind: 'video' | 'audio';
  dir: string;
  splitter: BoxSplitter;
  pending: Box[];
  timescale?: number;
  /** The segment being written. */
  current?: number;
  /** The newest complete segment. */
  done: number;
  /** The end of the media written so far (s). */
  endS: number;
  /** LL-HLS: the chunks of the recent segments as parts, the bytes of the segment being written, the last chunk's start (s), the longest part. */
  parts: Map<number, LivePart[]>;
  size: number;
  lastT?: number;
  partMaxS: number;
}

export class LiveChannel {
  private proc?: ChildProcess;
  private writers: RepWriter[] = [];
  private stderr = '';
  private stopping = false;
  private exited: Promise<void>;
  private resolveExit!: () => void;
  private liveListeners: Array<(ok: boolean) => void> = [];
  private saving = Promise.resolve();

  constructor(
    private readonly mediaDir: string,
    readonly state: ChannelState,
    private readonly source: LiveSource,
    private readonly timeUrl: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  private get dir(): string {
    return channelDir(this.mediaDir, this.state.id);
  }

  async start(): Promise<void> {
    const s = this.state;
    const plan = encoderPlan(this.source, { segmentS: s.segmentS, chunkS: s.chunkS, ladder: s.video, audio: Boolean(s.audio) });
    for (const o of plan.outputs) {
      const dir = path.join(this.dir, s.run, o.rep);
      mkdirSync(dir, { recursive: true });
      this.writers.push({ rep: o.rep, kind: o.kind, dir, splitter: new BoxSplitter(), pending: [], done: 0, endS: 0, parts: new Map(), size: 0, partMaxS: o.kind === 'video' ? s.chunkS : s.chunkS / 2 });
    }
    await this.spawnEncoder(plan.args);
    await this.save();
  }

  private async spawnEncoder(args: string[]): Promise<void> {
    const tied = await tiedCommand('ffmpeg', args);
    const proc = spawn(tied.cmd, tied.args, { stdio: ['ignore', 'ignore', 'pipe', ...this.writers.map(() => 'pipe' as const)] });
    this.proc = proc;
    this.state.ffmpegPid = proc.pid;
    let refused = false;
    proc.stderr!.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-4000);
      // ffmpeg's RTMP listener takes any stream key (it only warns): a sender with the wrong one is cut off here.
      const wrong = /Unexpected stream (\S+), expecting/.exec(c.toString());
      if (wrong && this.state.astMs === undefined && !refused) {
        refused = true;
        this.state.error = `refused a sender with a wrong stream key at ${new Date().toISOString()}`;
        this.log(`live channel ${this.state.id}: ${this.state.error}`);
        proc.kill('SIGKILL');
      }
    });
    this.writers.forEach((w, i) => {
      const pipe = proc.stdio[3 + i] as Readable;
      pipe.on('data', (c: Buffer) => this.onData(w, c));
      pipe.on('error', () => undefined);
    });
    proc.on('error', (err) => (this.stderr += `\n${err.message}`));
    proc.on('close', (code, signal) => {
      if (refused && !this.stopping) {
        // Listen again for the right sender, with fresh writers (nothing was published).
        for (const w of this.writers) Object.assign(w, { splitter: new BoxSplitter(), pending: [], current: undefined, timescale: undefined });
        this.stderr = '';
        void this.spawnEncoder(args).then(() => this.save());
        return;
      }
      void this.finish(code, signal).finally(() => this.resolveExit());
    });
  }

  /** Resolves true once the first segment exists, false if the channel ended first or `ms` passed. */
  whenLive(ms: number): Promise<boolean> {
    if (this.state.status === 'live') return this.saving.then(() => true);
    if (!['starting', 'waiting'].includes(this.state.status)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      this.liveListeners.push((ok) => {
        clearTimeout(t);
        resolve(ok);
      });
    });
  }

  /** Stop the encoder (it finishes its files) and wait until the channel says it is over. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.proc?.kill('SIGINT');
    const killLater = setTimeout(() => this.proc?.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killLater);
  }

  private onData(w: RepWriter, piece: Buffer): void {
    let boxes: Box[];
    try {
      boxes = w.splitter.push(piece);
    } catch (err) {
      this.stderr += `\n${w.rep}: ${(err as Error).message}`;
      this.proc?.kill('SIGKILL');
      return;
    }
    for (const box of boxes) {
      w.pending.push(box);
      if (box.type === 'moov') this.onInit(w);
      else if (box.type === 'mdat') this.onChunk(w);
    }
  }

  private onInit(w: RepWriter): void {
    const init = join(w.pending);
    w.pending = [];
    w.timescale = timescaleOf(init);
    writeFileNow(path.join(w.dir, 'init.mp4'), init);
    const codecs = codecsOf(init) ?? '';
    if (w.kind === 'audio' && this.state.audio) this.state.audio.codecs = codecs;
    const rung = this.state.video.find((r) => r.id === w.rep);
    if (rung) Object.assign(rung, { codecs }, pictureSizeOf(init) ? { width: pictureSizeOf(init)!.width } : {});
  }

  private onChunk(w: RepWriter): void {
    const chunk = join(w.pending);
    w.pending = [];
    const moof = chunk.subarray(offsetOf(chunk, 'moof'));
    const tfdt = decodeTimeOf(moof);
    if (tfdt === undefined || !w.timescale) return;
    const s = this.state;
    const t = tfdt / w.timescale;
    const n = 1 + Math.floor(t / s.segmentS + 1e-6);
    if (s.astMs === undefined && w.kind === 'video') this.setClock(t);
    if (w.current !== undefined && n !== w.current) this.completeSegment(w);
    if (w.current !== n) w.size = 0;
    w.current = n;
    appendFileSync(path.join(w.dir, `${n}.m4s.part`), chunk);
    w.endS = Math.max(w.endS, t + (w.kind === 'video' ? s.chunkS : s.chunkS / 2));
    this.notePart(w, n, t, chunk.length);
  }

  /** LL-HLS: the chunk as a part of its segment; the rendition's playlist lists it at once. */
  private notePart(w: RepWriter, n: number, t: number, length: number): void {
    const s = this.state;
    // The previous part's duration is known now that this one starts.
    const prev = w.parts.get(n)?.at(-1) ?? w.parts.get(n - 1)?.at(-1);
    if (prev && w.lastT !== undefined && t > w.lastT) {
      prev.durationS = t - w.lastT;
      w.partMaxS = Math.max(w.partMaxS, prev.durationS);
    }
    w.lastT = t;
    const list = w.parts.get(n) ?? [];
    list.push({ offset: w.size, length, durationS: w.kind === 'video' ? s.chunkS : s.chunkS / 2, independent: w.kind === 'audio' || list.length === 0 });
    w.parts.set(n, list);
    w.size += length;
    for (const k of w.parts.keys()) if (k < n - 3) w.parts.delete(k);
    if (s.status === 'live') this.writePlaylist(w);
  }

  private writePlaylist(w: RepWriter): void {
    writeFileNow(path.join(this.dir, `${w.rep}.m3u8`), livePlaylist(this.state, w.rep, { done: w.done, current: w.current, parts: w.parts, partTargetS: w.partMaxS }));
  }

  /** The first chunk fixes availabilityStartTime: presentation time t + one chunk is "now". */
  private setClock(t: number): void {
    const s = this.state;
    s.astMs = Date.now() - (t + s.chunkS) * 1000;
    s.status = 'live';
    this.log(`live channel ${s.id}: on the air (${s.video.map((r) => `${r.height}p`).join(', ')})`);
    writeFileNow(path.join(this.dir, 'manifest.mpd'), liveMpd(s, this.timeUrl));
    writeFileNow(path.join(this.dir, 'master.m3u8'), liveMaster(s));
    // Waiters (POST /api/channels) answer once the state on disk says live, so a list read next agrees.
    void this.save().then(() => {
      for (const l of this.liveListeners.splice(0)) l(true);
    });
  }

  private completeSegment(w: RepWriter): void {
    const n = w.current!;
    const part = path.join(w.dir, `${n}.m4s.part`);
    if (existsSync(part)) renameSync(part, path.join(w.dir, `${n}.m4s`));
    w.done = n;
    const newest = Math.min(...this.writers.map((x) => x.done));
    if (newest > (this.state.newest ?? 0)) this.advance(newest);
  }

  /** Every rep has segment `newest`: publish it in the playlists, and drop what left the window. */
  private advance(newest: number): void {
    const s = this.state;
    s.newest = newest;
    const keep = Math.ceil(s.windowS / s.segmentS) + 1;
    const oldest = Math.max(1, newest - keep + 1);
    for (const w of this.writers) for (let n = s.oldest ?? 1; n < oldest; n++) rmSync(path.join(w.dir, `${n}.m4s`), { force: true });
    s.oldest = oldest;
    for (const w of this.writers) this.writePlaylist(w);
    void this.save();
  }

  /** The encoder ended: close the segments being written, and say how and where it ended. */
  private async finish(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const s = this.state;
    const asked = this.stopping || existsSync(path.join(this.dir, STOP_MARK));
    for (const w of this.writers) if (w.current !== undefined) this.completeSegment(w);
    s.endedMs = Date.now();
    s.durationS = Math.max(0, ...this.writers.filter((w) => w.kind === 'video').map((w) => w.endS));
    if (asked) s.status = 'stopped';
    else if (code === 0 && s.astMs !== undefined) s.status = 'ended';
    else {
      s.status = 'failed';
      const said = this.stderr.trim().split('\n').filter(Boolean).slice(-3).join(' / ');
      s.error = s.astMs === undefined && this.source.kind === 'listen' ? `no stream arrived (${said || `ffmpeg ${signal ?? code}`})` : `the encoder stopped (${said || `exit ${signal ?? code}`})`;
    }
    this.log(`live channel ${s.id}: ${s.status}${s.error ? `: ${s.error}` : ''}`);
    if (s.astMs !== undefined) {
      writeFileNow(path.join(this.dir, 'manifest.mpd'), liveMpd(s, this.timeUrl));
      for (const w of this.writers) writeFileNow(path.join(this.dir, `${w.rep}.m3u8`), livePlaylist(s, w.rep));
    }
    for (const l of this.liveListeners.splice(0)) l(false);
    await this.save();
  }

  /** state.json, one write at a time, in order. */
  private save(): Promise<void> {
    this.saving = this.saving.then(() => writeState(this.mediaDir, this.state)).catch((err) => this.log(`live channel ${this.state.id}: cannot save its state: ${(err as Error).message}`));
    return this.saving;
  }
}

function join(boxes: Box[]): Uint8Array {
  const out = new Uint8Array(boxes.reduce((n, b) => n + b.bytes.length, 0));
  let off = 0;
  for (const b of boxes) {
    out.set(b.bytes, off);
    off += b.bytes.length;
  }
  return out;
}

/** Where the box of `type` starts among a chunk's top-level boxes. */
function offsetOf(chunk: Uint8Array, type: string): number {
  let i = 0;
  while (i + 8 <= chunk.length) {
    const size = new DataView(chunk.buffer, chunk.byteOffset + i).getUint32(0);
    if (String.fromCharCode(...chunk.subarray(i + 4, i + 8)) === type) return i;
    if (size < 8) break;
    i += size;
  }
  return 0;
}

/** Small files (manifests, playlists, init) replaced whole, synchronously, in the order they change. */
function writeFileNow(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
