/**
 * One real playback session for compare:browser: a player page in headless Chromium, on its
 * own shaped link, measured from outside the player so every engine is scored the same way.
 *  - What was played: the video segment requests the page completed (file names carry the
 *    rendition id and the segment number; the last download of a segment is the one played).
 *  - Stalls and startup: the page's stats() (the same VideoWatch for dash.js and hls.js).
 * The QoE is then computed exactly as the simulator's (core/qoe.ts).
 */
import type { Browser, Page } from 'playwright-core';
import type { PlayerSpec } from '../../core/players.js';
import type { PlayerStats } from '../../player/engine/player.js';
import { sessionMetrics, type SessionMetrics } from '../../core/qoe.js';

export interface MeasuredSession extends SessionMetrics {
  player: string;
  complete: boolean;
  /** Bitrate (kbit/s) per played segment, in order. */
  played: number[];
  /** Mean time from sending a video segment request to its first byte, ms (the model's RTT). */
  meanTtfbMs: number;
  /** When the first video segment was requested (ms since the epoch): where the session's clock starts in the model. */
  firstSegmentAtMs?: number;
  timeline: Array<{ t: number; kbps: number; bufferS: number }>;
  /** Seconds playback stopped with media buffered (the machine decoded too slowly); not rebuffering. */
  starvedS: number;
  /** Our player's start hint (PlayerStats.startHintBps): the model's first choice is made with it too. */
  startHintBps?: number;
  error?: string;
}

/** What the page's `window.dashlabPlayer.stats()` gives, whichever engine plays (player/ui/engines.ts mirrors ours). */
type PageStats = Pick<PlayerStats, 'error' | 'bufferS' | 'currentTimeS' | 'durationS' | 'startupS' | 'stalls' | 'starved' | 'startHintBps'> & { state: string };

/**
 * The segment a request fetched: `<rendition>-[<token>-]<number>.m4s` under /media/<id>/.
 * Undefined for anything else (manifests, init segments, audio).
 */
export function segmentOf(url: string, videoRenditions: Map<string, number>): { rendition: string; index: number } | undefined {
  const m = /\/media\/[^/]+\/([A-Za-z0-9]+)-(?:[0-9a-z]+-)?(\d+)\.m4s(?:[?#].*)?$/.exec(url);
  if (!m || !videoRenditions.has(m[1])) return undefined;
  return { rendition: m[1], index: Number(m[2]) - 1 };
}

/**
 * Poll the page's stats until the session is over: ended, an error, the time limit, or the
 * playhead standing still at the end (see below). What was last seen, and the stall seconds
 * counted before a wait at the end of the media.
 */
async function watchToTheEnd(page: Page, o: { t0: number; timeoutS: number; segmentS: number; segmentCount: number; segmentsDownloaded: () => number; onStats: (s: PageStats) => void }): Promise<{ last?: PageStats; error?: string; endStallS?: number }> {
  let last: PageStats | undefined;
  let error: string | undefined;
  let endStallS: number | undefined;
  const deadline = o.t0 + o.timeoutS * 1000;
  let stillAt = -1;
  let stillSince = 0;
  let stallsWhenStill = 0;
  for (;;) {
    last = (await page.evaluate(() => (window as unknown as { dashlabPlayer?: { stats(): unknown } }).dashlabPlayer?.stats())) as PageStats | undefined;
    if (last) o.onStats(last);
    if (last?.state === 'error') {
      error = last.error ?? 'player error';
      break;
    }
    if (last && (last.state === 'ended' || (last.durationS > 0 && last.currentTimeS >= last.durationS - 0.25))) break;
    // Every segment downloaded, within a segment of the end, out of media or paused, the
    // playhead still for 3 s: a player that never signalled the end of its stream (audio and
    // video ending a few ms apart; dash.js 5 at times pausing itself 0.5 s before the end with
    // that half second buffered) is done.
    if (last && o.segmentsDownloaded() >= o.segmentCount && last.currentTimeS >= last.durationS - o.segmentS && (last.bufferS < 0.5 || last.state === 'paused')) {
      if (last.currentTimeS !== stillAt) {
        stillAt = last.currentTimeS;
        stillSince = Date.now();
        stallsWhenStill = last.stalls.seconds;
      } else if (Date.now() - stillSince > 3000) {
        // Waiting at the end of the media is not a stall of the session.
        endStallS = stallsWhenStill;
        break;
      }
    }
    if (Date.now() > deadline) {
      const at = last ? `: ${last.state} at ${last.currentTimeS.toFixed(2)} of ${last.durationS.toFixed(2)} s, ${last.bufferS.toFixed(2)} s buffered, ${last.stalls.count} stalls` : ': no player on the page';
      error = `did not finish in ${o.timeoutS} s${at}`;
      break;
    }
    await page.waitForTimeout(500);
  }
  return { last, error, endStallS };
}

export async function playSession(opts: {
  browser: Browser;
  baseUrl: string;
  videoId: string;
  linkId: string;
  player: PlayerSpec;
  /** Rendition id -> bandwidth (bit/s), video only. */
  renditions: Map<string, number>;
  segmentS: number;
  /** Video segments in the video. */
  segmentCount: number;
  timeoutS: number;
}): Promise<MeasuredSession> {
  // A context of its own: no HTTP cache shared with the other players.
  const context = await opts.browser.newContext({ viewport: { width: 960, height: 720 } });
  const page = await context.newPage();
  const downloads = new Map<number, number>(); // segment index -> bandwidth of its last download
  const timeline: MeasuredSession['timeline'] = [];
  let bufferS = 0;
  const ttfbs: number[] = [];
  let firstSegmentAtMs: number | undefined;
  const t0 = Date.now();
  page.on('requestfinished', (req) => {
    const seg = segmentOf(req.url(), opts.renditions);
    if (!seg) return;
    const timing = req.timing();
    if (timing.responseStart > 0 && timing.requestStart >= 0) ttfbs.push(timing.responseStart - timing.requestStart);
    if (firstSegmentAtMs === undefined || timing.startTime < firstSegmentAtMs) firstSegmentAtMs = timing.startTime;
    const bps = opts.renditions.get(seg.rendition)!;
    downloads.set(seg.index, bps);
    timeline.push({ t: (Date.now() - t0) / 1000, kbps: bps / 1000, bufferS });
  });
  const q = new URLSearchParams({ engine: opts.player.engine, link: opts.linkId });
  if (opts.player.abr) q.set('abr', opts.player.abr);
  let last: PageStats | undefined;
  let error: string | undefined;
  let endStallS: number | undefined;
  try {
    await page.goto(`${opts.baseUrl}/watch/${encodeURIComponent(opts.videoId)}?${q}`);
    ({ last, error, endStallS } = await watchToTheEnd(page, { ...opts, t0, segmentsDownloaded: () => downloads.size, onStats: (st) => (bufferS = st.bufferS) }));
  } catch (err) {
    error = (err as Error).message.split('\n')[0];
  } finally {
    await context.close();
  }
  const complete = !error;
  // Played: every segment before the playhead (all of them when it ended).
  const playedCount = complete ? downloads.size : Math.floor((last?.currentTimeS ?? 0) / opts.segmentS);
  const played: number[] = [];
  for (let i = 0; i < playedCount && downloads.has(i); i++) played.push(downloads.get(i)! / 1000);
  const stallS = endStallS ?? last?.stalls.seconds ?? 0;
  const m = sessionMetrics(played, stallS, last?.startupS ?? 0, played.length * opts.segmentS);
  const meanTtfbMs = ttfbs.length ? ttfbs.reduce((a, b) => a + b, 0) / ttfbs.length : 0;
  return { player: opts.player.label, ...m, complete, played, meanTtfbMs, firstSegmentAtMs, timeline, starvedS: last?.starved.seconds ?? 0, startHintBps: last?.startHintBps, error };
}
