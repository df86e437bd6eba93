/**
 * QoE per session (Pensieve's linear QoE): sum q(R_n) - 4.3 x rebuffer seconds - sum
 * |q(R_n+1) - q(R_n)|, q = bitrate in Mbit/s; with average bitrate, rebuffering, switches
 * and startup, and the mean with a 95% confidence interval over a set of sessions.
 */
export const REBUFFER_PENALTY = 4.3;

export interface SessionMetrics {
  qoe: number;
  bitrateKbps: number;
  rebufferS: number;
  rebufferRatio: number;
  switches: number;
  startupS: number;
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
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export function summarise(algo: string, sessions: SessionMetrics[]): Summary {
  const q = sessions.map((s) => s.qoe);
  const m = mean(q);
  const sd = q.length > 1 ? Math.sqrt(q.reduce((a, b) => a + (b - m) ** 2, 0) / (q.length - 1)) : 0;
  return {
    algo,
    n: sessions.length,
    meanQoe: m,
    ciQoe: q.length > 1 ? (1.96 * sd) / Math.sqrt(q.length) : 0,
    meanBitrateKbps: mean(sessions.map((s) => s.bitrateKbps)),
    meanRebufferS: mean(sessions.map((s) => s.rebufferS)),
    meanRebufferRatio: mean(sessions.map((s) => s.rebufferRatio)),
    meanSwitches: mean(sessions.map((s) => s.switches)),
    meanStartupS: mean(sessions.map((s) => s.startupS)),
  };
}
