/**
 * A channel on disk: MEDIA_DIR/.live/<id>/ holds state.json (what the channel is, its clock,
 * its newest segment, whether it goes on), manifest.mpd and the HLS playlists, and one folder
 * per run (<run>/<rep>/init.mp4, <n>.m4s, <n>.m4s.part while being written). Every HTTP
 * process reads channels from here, so a channel started by one is served by all.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LiveRung } from './defaults.js';

export const LIVE_DIR = '.live';

export type ChannelStatus = 'starting' | 'waiting' | 'live' | 'ended' | 'stopped' | 'failed';

export interface ChannelState {
  id: string;
  /** This run's folder: a new one each time the channel starts, so URLs never name two contents. */
  run: string;
  /** What feeds it, as given: testsrc, file:<id or path>, rtmp, srt. */
  source: string;
  /** Where an encoder sends its stream (rtmp, srt). */
  ingest?: string;
  status: ChannelStatus;
  error?: string;
  createdMs: number;
  /** availabilityStartTime: the wall clock of presentation time 0 (ms). */
  astMs?: number;
  /** The newest complete segment's number. */
  newest?: number;
  /** The oldest segment still on disk. */
  oldest?: number;
  endedMs?: number;
  /** The end of the last segment (s since availabilityStartTime), once ended. */
  durationS?: number;
  segmentS: number;
  chunkS: number;
  windowS: number;
  video: Array<LiveRung & { width: number; codecs: string }>;
  audio?: { id: string; kbps: number; codecs: string; sampleRate: number };
  /** The process that runs it and its ffmpeg (another process may stop it by signal). */
  ownerPid: number;
  ffmpegPid?: number;
}

export const liveRoot = (mediaDir: string) => path.join(mediaDir, LIVE_DIR);
export const channelDir = (mediaDir: string, id: string) => path.join(liveRoot(mediaDir), id);

/** Write a file whole or not at all (readers in other processes never see half of it). */
export async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${randomUUID().slice(0, 8)}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

export async function readState(mediaDir: string, id: string): Promise<ChannelState | undefined> {
  try {
    return JSON.parse(await readFile(path.join(channelDir(mediaDir, id), 'state.json'), 'utf8')) as ChannelState;
  } catch {
    return undefined;
  }
}

export const writeState = (mediaDir: string, s: ChannelState) => writeAtomic(path.join(channelDir(mediaDir, s.id), 'state.json'), JSON.stringify(s, null, 2));

/** Whether a process is alive (a channel whose owner died is over). */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every channel on disk; one whose owner died while it ran is reported failed. */
export async function listStates(mediaDir: string): Promise<ChannelState[]> {
  let names: string[];
  try {
    names = await readdir(liveRoot(mediaDir));
  } catch {
    return [];
  }
  const out: ChannelState[] = [];
  for (const n of names.sort()) {
    const s = await readState(mediaDir, n);
    if (!s) continue;
    if (isRunning(s) && !alive(s.ownerPid)) Object.assign(s, { status: 'failed', error: 'the process that ran the channel ended' });
    out.push(s);
  }
  return out;
}

export const isRunning = (s: ChannelState) => s.status === 'starting' || s.status === 'waiting' || s.status === 'live';
