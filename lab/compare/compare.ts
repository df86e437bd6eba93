/** Run a trace-driven comparison: every algorithm on every trace, in one model. */
import { ABR_NAMES, createAbr, isLiveAbr, type AbrSetup } from '../../core/abr/index.js';
import { simulatePlayer, type SimResult, type SimVideo } from '../models/player-model.js';
import { offlineOptimal } from '../yardsticks/offline-optimal.js';
import { PENSIEVE, runPensieveSession, type CookedTrace } from '../models/pensieve-model.js';
import { runSabreSession, SABRE_ALGOS, type SabreAlgo } from '../models/sabre-model.js';
import { simulateLive } from '../models/live-model.js';
import { sessionMetrics, ssimQoe, summarise, type SessionMetrics, type Summary } from '../../core/qoe.js';
import { trainStochasticDp } from '../learning/stochastic-dp.js';
import { traceKey, type Trace } from '../../core/traces/index.js';
import type { LearnedPolicy } from '../../core/abr/learned.js';

/** The models a comparison runs in: our player's, Pensieve's test environment, Sabre's simulator, a low-latency live channel (lab/models/live-model.ts). */
export type CompareModel = 'dashlab' | 'pensieve' | 'sabre' | 'live';
export const MODELS: CompareModel[] = ['dashlab', 'pensieve', 'sabre', 'live'];

export interface CompareInput {
  model: CompareModel;
  /** The video, with its learned policy (abr-policy.json) when it has one. */
  video: { name: string; sim: SimVideo; policy?: LearnedPolicy; policyProblem?: string };
  /** Each trace both parsed (dashlab model) and as raw cooked arrays (pensieve model). */
  traces: Array<{ name: string; trace: Trace; cooked?: CookedTrace }>;
  algos: string[];
  /** Traces `learned` learns from when the video has no policy of its own (none of the compared ones). */
  training?: { name: string; traces: Trace[] };
  /** `dashlab`'s parameters where not its defaults (dashlab model; the held-out table's choice per family). */
  dashlab?: AbrSetup['dashlab'];
  onProgress?: (done: number, total: number) => void;
}

export interface CompareResult {
  model: string;
  video: string;
  traces: string[];
  results: Array<{ algo: string; trace: string } & SessionMetrics & { timeline?: Array<{ t: number; kbps: number; bufferS: number; linkKbps?: number; latencyS?: number }> }>;
  summary: Summary[];
}

/** The inputs cannot be compared as asked (a trace or an algorithm the model cannot use). */
export class CompareInputError extends Error {}

/**
 * A yardstick, not a player algorithm: asked for by name, never part of `all`, dashlab model
 * only. The offline optimum (lab/yardsticks/offline-optimal.ts) knows the whole trace.
 */
export const OFFLINE_OPTIMAL = 'offline-optimal';
/** The offline optimum of QoE on SSIM (a video whose segments' SSIM is known). */
export const OFFLINE_OPTIMAL_SSIM = 'offline-optimal-ssim';
export const YARDSTICKS = [OFFLINE_OPTIMAL, OFFLINE_OPTIMAL_SSIM];

/** Our player with a learned policy (core/abr/learned.ts): its tables are for our buffer model, so dashlab model only. */
export const LEARNED = 'learned';

export function resolveAlgos(spec: string, model: CompareModel = 'dashlab'): string[] {
  if (model === 'sabre') {
    // Sabre's own algorithms, as Sabre runs them (lab/models/sabre-model.ts).
    const list = spec.split(',').map((s) => s.trim()).filter(Boolean).flatMap((a) => (a === 'all' ? [...SABRE_ALGOS] : [a]));
    for (const a of list) if (!(SABRE_ALGOS as readonly string[]).includes(a)) throw new Error(`the sabre model runs Sabre's algorithms: ${SABRE_ALGOS.join(', ')} (or all), not "${a}"`);
    return [...new Set(list)];
  }
  // Live: every rule but learned (its tables are for the VOD buffer); VOD: every rule but the live ones.
  // dashlab-ssim only by name: on most videos (no SSIM measured) it is dashlab under another name.
  const every = ABR_NAMES.filter((a) => a !== 'dashlab-ssim' && (model === 'live' ? a !== LEARNED : !isLiveAbr(a) && (model === 'dashlab' || a !== LEARNED)));
  const list = spec.split(',').map((s) => s.trim()).filter(Boolean).flatMap((a) => (a === 'all' ? [...every] : [a]));
  for (const a of list) if (!ABR_NAMES.includes(a) && !YARDSTICKS.includes(a)) throw new Error(`unknown algorithm "${a}"; known: ${ABR_NAMES.join(', ')} (or all), and the yardsticks ${YARDSTICKS.join(', ')}`);
  return [...new Set(list)];
}

/**
 * Every algorithm on every trace. Async only to hand the event loop back every 50 ms
 * (a server generating a report keeps answering); the sessions themselves are synchronous.
 */
export async function runComparison(input: CompareInput): Promise<CompareResult> {
  const results: CompareResult['results'] = [];
  const total = input.algos.length * input.traces.length;
  let done = 0;
  let yielded = Date.now();
  const dashlabOnly = input.algos.find((a) => YARDSTICKS.includes(a) || a === LEARNED);
  if (dashlabOnly && input.model !== 'dashlab') throw new CompareInputError(`${dashlabOnly} is computed in the dashlab model only`);
  if (input.algos.includes(OFFLINE_OPTIMAL_SSIM) && !input.video.sim.ssim) throw new CompareInputError(`${OFFLINE_OPTIMAL_SSIM}: ${input.video.name} has no SSIM per segment (packaged without quality measurement, or not by dashlab)`);
  const policy = input.algos.includes(LEARNED) ? learnedPolicy(input) : undefined;
  for (const algo of input.algos) {
    for (const tr of input.traces) {
      // A session takes 1-2 ms (an offline optimum ~75 ms): yield every 50 ms or so.
      if (Date.now() - yielded > 50) {
        await new Promise((r) => setTimeout(r, 0));
        yielded = Date.now();
      }
      if (input.model === 'sabre') {
        results.push({ algo, trace: tr.name, ...sabreSession(tr.trace, input.video.sim, algo as SabreAlgo) });
      } else if (input.model === 'live') {
        const r = simulateLive({ trace: tr.trace, video: input.video.sim, abr: createAbr(algo) });
        results.push({ algo, trace: tr.name, ...r.metrics, timeline: r.timeline.map((x) => ({ t: x.t, kbps: x.kbps, bufferS: x.bufferS, latencyS: x.latencyS })) });
      } else if (input.model === 'pensieve') {
        if (!tr.cooked) throw new CompareInputError(`${tr.name}: the pensieve model needs a Pensieve-format (cooked) trace`);
        const v = input.video.sim;
        const r = runPensieveSession(tr.cooked, { bitratesKbps: v.bitrates.map((b) => b / 1000), sizes: v.sizes }, algo);
        const played = r.chunks.slice(1);
        const kbps = played.map((c) => v.bitrates[c.quality] / 1000);
        const m = sessionMetrics(kbps, played.reduce((a, c) => a + c.rebufS, 0), r.chunks[0].delayMs / 1000, played.length * PENSIEVE.chunkMs / 1000);
        // Pensieve's own score (its rewards, first chunk skipped): the smoothness term includes the
        // step from the first chunk, which sessionMetrics cannot see.
        m.qoe = r.qoe;
        results.push({ algo, trace: tr.name, ...m, timeline: r.chunks.map((c) => ({ t: c.timeMs / 1000, kbps: v.bitrates[c.quality] / 1000, bufferS: c.bufferS })) });
      } else {
        const r = simulateSession({ algo, trace: tr.trace, video: input.video.sim, policy, dashlab: input.dashlab });
        const kbps = r.segments.map((s) => input.video.sim.bitrates[s.quality] / 1000);
        const m = withSsim(sessionMetrics(kbps, r.rebufferS, r.startupS, r.segments.length * input.video.sim.segmentS), input.video.sim, r.segments.map((s) => [s.index, s.quality]), r.rebufferS);
        results.push({ algo, trace: tr.name, ...m, timeline: r.segments.map((s) => ({ t: s.startS, kbps: input.video.sim.bitrates[s.quality] / 1000, bufferS: s.bufferS, linkKbps: s.linkKbps })) });
      }
      input.onProgress?.(++done, total);
    }
  }
  const summary = input.algos.map((a) => summarise(a, results.filter((r) => r.algo === a))).sort((x, y) => y.meanQoe - x.meanQoe);
  return { model: input.model, video: input.video.name, traces: input.traces.map((t) => t.name), results, summary };
}

/** A session's QoE on SSIM (core/qoe.ts) when the video's SSIM is known: `played` is each segment's [index, quality], in order. */
function withSsim(m: SessionMetrics, v: SimVideo, played: Array<[number, number]>, rebufferS: number): SessionMetrics {
  if (!v.ssim) return m;
  return { ...m, ...ssimQoe(played.map(([k, q]) => v.ssim![q][k]), rebufferS) };
}

/**
 * One session in Sabre's model: the trace as Sabre's periods (a latency per period where the
 * trace has one, else its round trip), the video as Sabre's movie; `qoe` is Sabre's score.
 */
function sabreSession(trace: Trace, v: SimVideo, algo: SabreAlgo): SessionMetrics {
  // Durations back in whole microseconds: Sabre's are whole milliseconds, which seconds summed in floating point blur.
  const ms = (s: number) => Math.round(s * 1e9) / 1e6;
  const periods = trace.points.map((p, i) => ({ durationMs: ms((trace.points[i + 1]?.t ?? trace.periodS) - p.t), kbps: p.kbps, latencyMs: p.latencyMs ?? trace.rttMs ?? 0 })).filter((p) => p.durationMs > 0);
  const count = v.segments ?? Math.min(...v.sizes.map((q) => q.length));
  const sizesBits = Array.from({ length: count }, (_, k) => v.sizes.map((q) => q[k] * 8));
  const r = runSabreSession(periods, { segmentMs: v.segmentS * 1000, bitratesKbps: v.bitrates.map((b) => b / 1000), sizesBits }, algo);
  const m = withSsim(sessionMetrics(r.qualities.map((q) => v.bitrates[q] / 1000), r.rebufferS, 0, r.qualities.length * v.segmentS), v, r.qualities.map((q, k) => [k, q]), r.rebufferS);
  m.qoe = r.score;
  return m;
}

/**
 * One session in the dashlab model: a registered algorithm or the offline optimum. `policy`
 * is what `learned` plays with (the video's, or one trained for it); a required key, so no
 * caller forgets it and scores dashlab under learned's name (learned falls back without one).
 */
export function simulateSession(o: { algo: string; trace: Trace; video: SimVideo; policy: LearnedPolicy | undefined; rttMs?: number; startHintBps?: number; dashlab?: AbrSetup['dashlab'] }): SimResult {
  if (o.algo === OFFLINE_OPTIMAL) return offlineOptimal({ trace: o.trace, video: o.video, rttMs: o.rttMs });
  if (o.algo === OFFLINE_OPTIMAL_SSIM) return offlineOptimal({ trace: o.trace, video: o.video, rttMs: o.rttMs, objective: 'ssim' });
  return simulatePlayer({ trace: o.trace, video: o.video, rttMs: o.rttMs, startHintBps: o.startHintBps, algo: o.algo, abr: createAbr(o.algo, { policy: o.policy, dashlab: o.dashlab }) });
}

/**
 * Why `learned` cannot be scored here (undefined: it can): the video has no policy and there
 * are no training traces, or a compared trace is one its policy learned from.
 */
export function learnedUnavailable(input: Pick<CompareInput, 'video' | 'traces' | 'training'>): string | undefined {
  const keys = input.video.policy?.training.traceKeys ?? input.training?.traces.map(traceKey);
  if (!keys?.length && input.video.policyProblem) return `${input.video.name}'s policy cannot be used (${input.video.policyProblem}) and no training traces were given`;
  if (!keys?.length) return `${input.video.name} has no learned policy (abr-policy.json: npm run abr:policy -- --video ${input.video.name} learns one) and no training traces were given`;
  const seen = new Set(keys);
  const shared = input.traces.find((t) => seen.has(traceKey(t.trace)));
  if (shared) return `${shared.name} is among the traces its policy learned from (${input.video.policy?.training.name ?? input.training?.name}); score it on traces it has not seen, or leave it out`;
  return undefined;
}

/** The policy `learned` plays with: the video's own (abr-policy.json, written by the packager), else one trained now on `training` (~10 s for 68 long traces). */
function learnedPolicy(input: CompareInput): LearnedPolicy {
  const why = learnedUnavailable(input);
  if (why) throw new CompareInputError(`${LEARNED}: ${why}`);
  return input.video.policy ?? trainStochasticDp({ traces: input.training!.traces, video: input.video.sim, trainingName: input.training!.name }).policy;
}
