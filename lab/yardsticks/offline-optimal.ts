/**
 * The offline optimum, as a yardstick: the best QoE a player could reach in the dashlab
 * model knowing the whole trace in advance. Dynamic programming over segments; the states
 * after each segment are bucketed by (representation, buffer level rounded to `bucketS`)
 * and each bucket keeps its best-scoring path (ties: the earlier clock). Every path kept is
 * simulated exactly (stepSegment), so the result is always achievable: a lower bound of
 * the true optimum that tightens as the buckets shrink.
 * The first segment is fetched as every algorithm fetches it (the start rule: the highest
 * bitrate under ABR_DEFAULTS.startBps): the dashlab model does not charge startup delay, and
 * an optimum free to choose would buy a top-quality first segment with seconds of startup.
 */
import { ABR_DEFAULTS, indexForBps } from '../../core/abr/index.js';
import { BUFFER_DEFAULTS, type BufferPolicy } from '../../core/buffer-policy.js';
import { REBUFFER_PENALTY } from '../../core/qoe.js';
import { simSegments, startClock, stepSegment, type PlayerClock, type SimResult, type SimSegment, type SimVideo } from '../models/player-model.js';
import { rateAt, type Trace } from '../../core/traces/index.js';

interface Path {
  clock: PlayerClock;
  reward: number;
  last: number;
  /** The path so far, newest first (a shared tail: paths fork without copying). */
  seg?: SimSegment;
  prev?: Path;
}

export function offlineOptimal(opts: { trace: Trace; video: SimVideo; rttMs?: number; policy?: BufferPolicy; bucketS?: number }): SimResult {
  const { trace, video } = opts;
  const policy = opts.policy ?? BUFFER_DEFAULTS;
  const rttS = (opts.rttMs ?? trace.rttMs ?? 0) / 1000;
  const bucket = opts.bucketS ?? 0.5;
  const n = simSegments(video);
  const mbps = video.bitrates.map((b) => b / 1e6);
  const first = indexForBps(video.bitrates, ABR_DEFAULTS.startBps);
  let paths: Path[] = [{ clock: startClock(video), reward: 0, last: -1 }];
  for (let k = 0; k < n; k++) {
    const next = new Map<number, Path>();
    for (const p of paths) {
      for (let q = 0; q < mbps.length; q++) {
        if (k === 0 && q !== first) continue;
        const step = stepSegment(p.clock, { trace, video, policy, rttS, k, q, n });
        const c = step.clock;
        const got = step.quality; // the lowest, when the player's abandonment rule gave q up
        const stall = c.rebufferS - p.clock.rebufferS;
        const reward = p.reward + mbps[got] - REBUFFER_PENALTY * stall - (p.last >= 0 ? Math.abs(mbps[got] - mbps[p.last]) : 0);
        const key = got * 1e6 + Math.round(c.bufferS / bucket);
        const kept = next.get(key);
        if (kept && (kept.reward > reward + 1e-12 || (Math.abs(kept.reward - reward) <= 1e-12 && kept.clock.t <= c.t))) continue;
        const seg: SimSegment = { index: k, quality: got, bytes: step.bytes, startS: step.startS, downloadS: step.endS - step.startS, bufferS: step.bufferS, rebufferS: stall, linkKbps: rateAt(trace, step.startS) };
        next.set(key, { clock: c, reward, last: got, seg, prev: p });
      }
    }
    paths = [...next.values()];
  }
  const best = paths.reduce((a, b) => (b.reward > a.reward ? b : a));
  const segments: SimSegment[] = [];
  for (let p: Path | undefined = best; p?.seg; p = p.prev) segments.unshift(p.seg);
  return { segments, startupS: best.clock.startupS, rebufferS: best.clock.rebufferS, totalS: best.clock.t + best.clock.bufferS };
}
