/** The live channels' defaults: written here once (the packager's, the MPD's and the CLI's). */

export interface LiveRung {
  id: string;
  height: number;
  kbps: number;
}

export const LIVE_DEFAULTS = {
  /** CMAF segment length (s): one keyframe each. */
  segmentS: 2,
  /** Chunk length (s): each a moof+mdat, written and served as it is encoded. */
  chunkS: 0.5,
  /** The DVR window (timeShiftBufferDepth, s); segments older than it leave the disk. */
  windowS: 60,
  /** The latency players are asked to hold (ServiceDescription), and the rates they may use to hold it. */
  targetLatencyS: 1.5,
  minLatencyS: 1,
  maxLatencyS: 4,
  minRate: 0.9,
  maxRate: 1.15,
  fps: 30,
  /**
   * Four rungs from one x264 each at `superfast` with zerolatency: 20 s of 720p30 test
   * source cost 7.4 s of CPU here (0.37 of one core, docs/benchmarks.md), so the ladder
   * keeps up on a 2-core machine with room for the origin and a browser.
   */
  ladder: [
    { id: 'v240', height: 240, kbps: 300 },
    { id: 'v360', height: 360, kbps: 700 },
    { id: 'v480', height: 480, kbps: 1200 },
    { id: 'v720', height: 720, kbps: 2500 },
  ] as LiveRung[],
  preset: 'superfast',
  audioKbps: 96,
  audioId: 'a0',
  /** How long POST /api/channels waits for the first segment before answering 202. */
  firstSegmentWaitMs: 15_000,
  /** A request for the next segment before it starts is held this long at most (then 404 with Retry-After). */
  holdMs: 2_500,
  /** The RTMP and SRT listeners' ports (another free one when taken, by another channel say) and host. */
  rtmpPort: 1935,
  srtPort: 9000,
  listenHost: '127.0.0.1',
} as const;

/** Channel ids: the library's rule for video ids. */
export const CHANNEL_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
