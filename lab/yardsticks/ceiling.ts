/**
 * How far could an online ABR algorithm go in the dashlab model? robust-MPC, ours, a learned
 * player (stochastic DP trained on other traces; it reads only the past), players told the
 * future (MPC with the link's true mean rate over the next seconds, MPC timing every planned
 * download on the trace itself), the best of every registered VOD player on each trace
 * (picked in hindsight) and the offline optimum; then how much of the link's next seconds the
 * past can predict. `npm run abr:ceiling` prints it, `npm run results` writes it into
 * docs/results.md.
 */
import { ABR_NAMES, createAbr, isLiveAbr, type AbrAlgorithm } from '../../core/abr/index.js';
import { BUFFER_DEFAULTS } from '../../core/buffer-policy.js';
import { sessionMetrics, summarise, type SessionMetrics, type Summary } from '../../core/qoe.js';
import type { Trace } from '../../core/traces/index.js';
import { simulatePlayer, type SimResult, type SimVideo } from '../models/player-model.js';
import { trainStochasticDp } from '../learning/stochastic-dp.js';
import { offlineOptimal } from './offline-optimal.js';
import { exactFutureMpc, meanRateOracle } from './oracles.js';
import { linkPredictability, type Predictability } from './predictability.js';

export interface CeilingRow {
  label: string;
  /** What the player knows. */
  knows: string;
  summary: Summary;
}

export interface Ceiling {
  rows: CeilingRow[];
  /** Samples the learned player was trained on. */
  trainingSamples: number;
  predictability: Predictability[];
}

export interface CeilingOptions {
  video: SimVideo;
  traces: Trace[];
  training: { name: string; traces: Trace[] };
  /** Skip the exact-future rows (~100x as long a session as the others). */
  quick?: boolean;
  onProgress?: (label: string, percent: number) => void;
}

/** The VOD players (the live rules plan for a live edge this model has not; dashlab-ssim is dashlab on a video without SSIM). */
export const CEILING_VOD_PLAYERS = ABR_NAMES.filter((n) => !isLiveAbr(n) && n !== 'dashlab-ssim');

interface Player {
  label: string;
  knows: string;
  run: (trace: Trace, rttS: number) => SimResult;
}

export function measureCeiling(o: CeilingOptions): Ceiling {
  const v = o.video;
  const policy = BUFFER_DEFAULTS;
  // Learned here from the training traces (not the video's own policy): never scored on them.
  const dp = trainStochasticDp({ traces: o.training.traces, video: v, buffer: policy, trainingName: o.training.name });
  const online = (make: (trace: Trace, rttS: number) => AbrAlgorithm, abandon = true) => (trace: Trace, rttS: number) => simulatePlayer({ trace, video: v, algo: '', abr: make(trace, rttS), abandon });
  const players: Player[] = [
    { label: 'robust-mpc', knows: 'the past', run: online(() => createAbr('robust-mpc')) },
    { label: 'dashlab (ours)', knows: 'the past', run: online(() => createAbr('dashlab')) },
    { label: 'learned (stochastic DP)', knows: `the past, and ${o.training.name}'s statistics`, run: online(() => dp.algorithm()) },
    ...[4, 8].flatMap((w) => [1, 0.9, 0.7].map((f) => ({ label: `mean-rate oracle ${w} s x${f}`, knows: `true mean rate of the next ${w} s`, run: online((trace) => meanRateOracle({ trace, windowS: w, factor: f })) }))),
    ...(o.quick
      ? []
      : [3, 5].flatMap((h) => [true, false].map((abandon) => ({ label: `exact-future MPC h${h}${abandon ? '' : ', no abandon'}`, knows: `every download of the next ${h} segments`, run: online((trace, rttS) => exactFutureMpc({ trace, video: v, policy, rttS, horizon: h }), abandon) })))),
    { label: 'offline optimum', knows: 'the whole trace', run: (trace, rttS) => offlineOptimal({ trace, video: v, rttMs: rttS * 1000, policy }) },
  ];
  const rtt = (t: Trace) => (t.rttMs ?? 0) / 1000;
  const score = (r: SimResult): SessionMetrics => sessionMetrics(r.segments.map((s) => v.bitrates[s.quality] / 1000), r.rebufferS, r.startupS, r.segments.length * v.segmentS);
  const total = (players.length + 1) * o.traces.length;
  let done = 0;
  const rows: CeilingRow[] = players.map((p, i) => {
    const sessions = o.traces.map((t) => {
      o.onProgress?.(`${p.label} (${i + 1}/${players.length})`, (++done / total) * 100);
      return score(p.run(t, rtt(t)));
    });
    return { label: p.label, knows: p.knows, summary: summarise(p.label, sessions) };
  });
  // A selector that knew which past-only player suits each trace.
  const pastOnly = CEILING_VOD_PLAYERS.map((name) => online(() => (name === 'learned' ? dp.algorithm() : createAbr(name))));
  const label = 'best past-only player per trace';
  const best = o.traces.map((t) => {
    o.onProgress?.(label, (++done / total) * 100);
    return pastOnly.map((run) => score(run(t, rtt(t)))).reduce((a, b) => (b.qoe > a.qoe ? b : a));
  });
  rows.splice(rows.length - 1, 0, { label, knows: `which of the ${CEILING_VOD_PLAYERS.length} registered VOD players does best on each trace`, summary: summarise(label, best) });
  const predictability = [8, 16].map((aheadS) => linkPredictability({ train: o.training.traces, test: o.traces, aheadS }));
  return { rows, trainingSamples: dp.samples, predictability };
}
