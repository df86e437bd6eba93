/**
 * The live channels of this origin: start one (POST /api/channels, `npm run live`), list them
 * (every process reads them from disk), stop one (here, or by signal when another process runs
 * it). A channel id names one channel at a time; starting it again begins a new run.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LiveChannel, STOP_MARK } from './channel.js';
import { CHANNEL_ID, LIVE_DEFAULTS } from './defaults.js';
import { ChannelError, resolveSource } from './sources.js';
import { alive, channelDir, isRunning, listStates, readState, writeState, type ChannelState } from './state.js';

export interface ChannelRequest {
  id: string;
  source: string;
  loop?: boolean;
}

export class Channels {
  private running = new Map<string, LiveChannel>();

  constructor(
    private readonly mediaDir: string,
    private readonly log: (line: string) => void = () => undefined,
    /** The DVR window, seconds (LIVE_WINDOW_S). */
    private readonly windowS: number = LIVE_DEFAULTS.windowS,
  ) {}

  /**
   * Start a channel; resolves once its first segment exists (`live` true), or with its state so
   * far when that takes longer than `waitMs` or it waits for an encoder (rtmp, srt).
   * `timeUrl`: the UTCTiming clock as players should ask for it. `anyPath`: file: may name any file (the command line).
   */
  async start(req: ChannelRequest, o: { timeUrl: string; anyPath?: boolean; waitMs?: number }): Promise<{ state: ChannelState; live: boolean }> {
    if (typeof req.id !== 'string' || !CHANNEL_ID.test(req.id)) throw new ChannelError(400, `channel id "${String(req.id)}": use letters, digits, - and _ (at most 64)`);
    if (typeof req.source !== 'string') throw new ChannelError(400, 'source: expected testsrc, file:<library id or path>, rtmp or srt');
    const before = await readState(this.mediaDir, req.id);
    if (before && isRunning(before) && alive(before.ownerPid)) throw new ChannelError(409, `channel ${req.id} is already on the air (DELETE /api/channels/${req.id} stops it)`);
    const resolved = await resolveSource(req.source, { mediaDir: this.mediaDir, loop: req.loop ?? true, anyPath: o.anyPath ?? false });
    const dir = channelDir(this.mediaDir, req.id);
    await rm(dir, { recursive: true, force: true });
    const run = `r${Date.now().toString(36)}`;
    const runDir = path.join(dir, run);
    await mkdir(runDir, { recursive: true });
    const d = LIVE_DEFAULTS;
    const state: ChannelState = {
      id: req.id,
      run,
      source: req.source,
      ingest: resolved.ingest,
      status: resolved.source.kind === 'listen' ? 'waiting' : 'starting',
      createdMs: Date.now(),
      segmentS: d.segmentS,
      chunkS: d.chunkS,
      windowS: this.windowS,
      // Widths and codecs are read from the encoder's init segments when they come.
      video: d.ladder.map((r) => ({ ...r, width: Math.round((r.height * 16) / 9 / 2) * 2, codecs: 'avc1.4d401e' })),
      audio: resolved.audio ? { id: d.audioId, kbps: d.audioKbps, codecs: 'mp4a.40.2', sampleRate: 48000 } : undefined,
      ownerPid: process.pid,
    };
    await writeState(this.mediaDir, state);
    if (resolved.prepare) {
      await resolved.prepare(runDir);
      if (resolved.source.kind === 'file') {
        resolved.source.video = path.join(runDir, 'source-video.mp4');
        if (resolved.audio) resolved.source.audio = path.join(runDir, 'source-audio.mp4');
      }
    }
    const channel = new LiveChannel(this.mediaDir, state, resolved.source, o.timeUrl, this.log);
    this.running.set(req.id, channel);
    await channel.start();
    if (resolved.source.kind === 'listen') return { state, live: false };
    const live = await channel.whenLive(o.waitMs ?? d.firstSegmentWaitMs);
    if (!live && !isRunning(state)) {
      this.running.delete(req.id);
      throw new ChannelError(422, `channel ${req.id} could not start: ${state.error ?? state.status}`);
    }
    return { state, live };
  }

  list(): Promise<ChannelState[]> {
    return listStates(this.mediaDir);
  }

  async get(id: string): Promise<ChannelState | undefined> {
    if (!CHANNEL_ID.test(id)) return undefined;
    return (await listStates(this.mediaDir)).find((s) => s.id === id);
  }

  /** Stop a channel (its files stay until it starts again or is removed); false if there is none on the air. */
  async stop(id: string): Promise<ChannelState | undefined> {
    const local = this.running.get(id);
    if (local) {
      await local.stop();
      this.running.delete(id);
      return local.state;
    }
    const s = await this.get(id);
    if (!s) return undefined;
    if (!isRunning(s)) return s;
    const dir = channelDir(this.mediaDir, id);
    if (alive(s.ownerPid) && s.ffmpegPid) {
      // Another process runs it: mark the stop as asked, and end its encoder; that process finishes the files.
      await writeFile(path.join(dir, STOP_MARK), String(process.pid));
      try {
        process.kill(s.ffmpegPid, 'SIGINT');
      } catch {
        // already gone
      }
      for (let i = 0; i < 50; i++) {
        const now = await readState(this.mediaDir, id);
        if (now && !isRunning(now)) return now;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const over = { ...s, status: 'stopped' as const, endedMs: Date.now() };
    await writeState(this.mediaDir, over);
    return over;
  }

  /** Stop every channel this process runs (shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)));
  }
}
