/**
 * QoE per session (Pensieve's linear QoE): sum q(R_n) - 4.3 x rebuffer seconds - sum
 * |q(R_n+1) - q(R_n)|, q = bitrate in Mbit/s; with average bitrate, rebuffering, switches
 * and startup, and the mean with a 95% confidence interval over a set of sessions.
 * Beside it, where the video's segments' SSIM is known (info.json `segmentSsim`), QoE on SSIM
 * as viewers see quality (Puffer's objective): sum SSIM_dB(n) - 1 x sum |SSIM_dB(n+1) -
 * SSIM_dB(n)| - 20 x rebuffer seconds, SSIM_dB = -10 log10(1 - SSIM), with the mean SSIM in dB.
 */
export const REBUFFER_PENALTY = 4.3;

/** Puffer's constants (its MPC and Fugu: `SSIM_DIFF_COEFF`, `REBUFFER_LENGTH_COEFF`). */
export const SSIM_QOE = { changeWeight: 1, rebufferPerS: 20, maxDb: 60 } as const;

/** SSIM in decibels (an identical picture, SSIM 1, is capped at 60 dB). */
export const ssimDb = (ssim: number) => Math.min(SSIM_QOE.maxDb, -10 * Math.log10(Math.max(1e-12, 1 - ssim)));

/** QoE on SSIM for the SSIM of each segment played, in order, and the rebuffering. */
export function ssimQoe(ssims: number[], rebufferS: number): { qoeSsim: number; ssimDb: number } {
  const db = ssims.map(ssimDb);
  let change = 0;
  for (let i = 1; i < db.length; i++) change += Math.abs(db[i] - db[i - 1]);
  const sum = db.reduce((a, b) => a + b, 0);
  return { qoeSsim: sum - SSIM_QOE.changeWeight * change - SSIM_QOE.rebufferPerS * rebufferS, ssimDb: sum / Math.max(1, db.length) };
}

/**
 * Live QoE, the ACM MMSys'20 low-latency challenge's (Twitch; the evaluator dash.js's LoL+ carries),
 * per segment played: segment duration x bitrate (kbit/s) - max bitrate x rebuffer s - a latency
 * charge (0.05 x min bitrate x latency up to 1.1 s, 0.1 x max bitrate x latency above) - min
 * bitrate x |1 - playback rate| - |bitrate change| (kbit/s). The weights scale with the ladder.
 */
export const LIVE_QOE = { latencyKneeS: 1.1, lowLatencyWeight: 0.05, highLatencyWeight: 0.1 } as const;

export interface LiveSegmentSample {
  kbps: number;
  /** Stalled time charged to this segment, s. */
  rebufferS: number;
  latencyS: number;
  playbackRate: number;
  /** The previous segment's bitrate, kbit/s (undefined for the first). */
  previousKbps?: number;
}

/** One segment's term of the live QoE, for a ladder of `minKbps`..`maxKbps` and segments of `segmentS`. */
export function liveSegmentQoe(x: LiveSegmentSample, ladder: { segmentS: number; minKbps: number; maxKbps: number }): number {
  const latencyWeight = x.latencyS <= LIVE_QOE.latencyKneeS ? LIVE_QOE.lowLatencyWeight * ladder.minKbps : LIVE_QOE.highLatencyWeight * ladder.maxKbps;
  return (
    ladder.segmentS * x.kbps -
    ladder.maxKbps * x.rebufferS -
    latencyWeight * x.latencyS -
    ladder.minKbps * Math.abs(1 - x.playbackRate) -
    (x.previousKbps === undefined ? 0 : Math.abs(x.kbps - x.previousKbps))
  );
}

export interface SessionMetrics {
  qoe: number;
  bitrateKbps: number;
  rebufferS: number;
  rebufferRatio: number;
  switches: number;
  startupS: number;
  /** QoE on SSIM and the mean SSIM in dB, where the video's SSIM is known. */
  qoeSsim?: number;
  ssimDb?: number;
  /** Live sessions: the mean latency behind the live edge while playing (s) and the mean playback rate. */
  latencyS?: number;
  playbackRate?: number;
}

export function sessionMetrics(qualitiesKbps: number[], rebufferS: number, startupS: number, playS: number): SessionMetrics {
  let sum = 0;
  let smooth = 0;
  let switches = 0;
  qualitiesKbps.forEach((r, i) => {
    sum += r / 1000;
    if (i > 0) {
      smooth += Math.abs(r - qualitiesKbps[i - 1]) / 1000;
      if (r !== qualitiesKbps[i - 1]) switches++;
    }
  });
  return {
    qoe: sum - REBUFFER_PENALTY * rebufferS - smooth,
    bitrateKbps: qualitiesKbps.reduce((a, b) => a + b, 0) / Math.max(1, qualitiesKbps.length),
    rebufferS,
    rebufferRatio: rebufferS / Math.max(1e-9, playS + rebufferS),
    switches,
    startupS,
  };
}

export interface Summary {
  algo: string;
  n: number;
  meanQoe: number;
  ciQoe: number;
  meanBitrateKbps: number;
  meanRebufferS: number;
  meanRebufferRatio: number;
  meanSwitches: number;
  meanStartupS: number;
  /** Where every session has it: the mean QoE on SSIM with its 95% interval, and the mean SSIM in dB. */
  meanQoeSsim?: number;
  ciQoeSsim?: number;
  meanSsimDb?: number;
  /** Live sessions: the mean latency, s. */
  meanLatencyS?: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** The mean and its 95% confidence interval (normal approximation). */
function meanCi(q: number[]): { mean: number; ci: number } {
  const m = mean(q);
  const sd = q.length > 1 ? Math.sqrt(q.reduce((a, b) => a + (b - m) ** 2, 0) / (q.length - 1)) : 0;
  return { mean: m, ci: q.length > 1 ? (1.96 * sd) / Math.sqrt(q.length) : 0 };
}

export function summarise(algo: string, sessions: SessionMetrics[]): Summary {
  const lin = meanCi(sessions.map((s) => s.qoe));
  const withSsim = sessions.length > 0 && sessions.every((s) => s.qoeSsim !== undefined);
  const ssim = withSsim ? meanCi(sessions.map((s) => s.qoeSsim!)) : undefined;
  return {
    algo,
    n: sessions.length,
    meanQoe: lin.mean,
    ciQoe: lin.ci,
    ...(ssim ? { meanQoeSsim: ssim.mean, ciQoeSsim: ssim.ci, meanSsimDb: mean(sessions.map((s) => s.ssimDb!)) } : {}),
    ...(sessions.length > 0 && sessions.every((s) => s.latencyS !== undefined) ? { meanLatencyS: mean(sessions.map((s) => s.latencyS!)) } : {}),
    meanBitrateKbps: mean(sessions.map((s) => s.bitrateKbps)),
    meanRebufferS: mean(sessions.map((s) => s.rebufferS)),
    meanRebufferRatio: mean(sessions.map((s) => s.rebufferRatio)),
    meanSwitches: mean(sessions.map((s) => s.switches)),
    meanStartupS: mean(sessions.map((s) => s.startupS)),
  };
}
