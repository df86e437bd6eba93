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
 * `objective: 'ssim'`: the best QoE on SSIM instead (core/qoe.ts, Puffer's), for a video whose
 * segments' SSIM is known.
 */
import { ABR_DEFAULTS, indexForBps } from '../../core/abr/index.js';
import { BUFFER_DEFAULTS, type BufferPolicy } from '../../core/buffer-policy.js';
import { REBUFFER_PENALTY, SSIM_QOE, ssimDb } from '../../core/qoe.js';
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

export function offlineOptimal(opts: { trace: Trace; video: SimVideo; rttMs?: number; policy?: BufferPolicy; bucketS?: number; objective?: 'bitrate' | 'ssim' }): SimResult {
  const { trace, video } = opts;
  const policy = opts.policy ?? BUFFER_DEFAULTS;
  const rttS = (opts.rttMs ?? trace.rttMs ?? 0) / 1000;
  const bucket = opts.bucketS ?? 0.5;
  const n = simSegments(video);
  const ssim = opts.objective === 'ssim' ? video.ssim : undefined;
  if (opts.objective === 'ssim' && !ssim) throw new Error("the SSIM optimum needs the video's SSIM per segment (info.json segmentSsim)");
  const mbps = video.bitrates.map((b) => b / 1e6);
  // What segment k is worth at q, the rebuffer and change weights: QoE_lin's, or QoE on SSIM's.
  const worth = (k: number, q: number) => (ssim ? ssimDb(ssim[q][k]) : mbps[q]);
  const rebufferWeight = ssim ? SSIM_QOE.rebufferPerS : REBUFFER_PENALTY;
  const changeWeight = ssim ? SSIM_QOE.changeWeight : 1;
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
        const reward = p.reward + worth(k, got) - rebufferWeight * stall - (p.last >= 0 ? changeWeight * Math.abs(worth(k, got) - worth(k - 1, p.last)) : 0);
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
