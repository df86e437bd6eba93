/**
 * LoL+ (Bentaleb, Akcay, Lim, Begen, Zimmermann: "Catching the Moment with LoL+ in Twitch-like
 * Low-latency Live Streaming Platforms", IEEE TMM 2021), as dash.js's LoLpRule runs it: a
 * self-organising map with a neuron per bitrate (state: throughput, latency, rebuffering,
 * switch, normalised), the winner the neuron nearest the measured state under weights a dynamic
 * weight selector picks from 5^4 candidates by the challenge's QoE (core/qoe.ts), a downshift
 * when the buffer would fall under 0.3 s, and the winner's neighbourhood trained toward zero
 * latency and rebuffering. Written from the paper and dash.js's code, its quirks kept:
 * - the weight selector is made afresh per decision, so its latency constraint never binds;
 * - it scores candidates with the bitrate in bit/s where its QoE expects kbit/s;
 * - the first weights come from k-means++ over random points: seeded here (dash.js uses
 *   Math.random), so a session repeats.
 */
import { ABR_DEFAULTS } from './defaults.js';
import { dualEwma } from './estimators.js';
import { indexForBps, type AbrAlgorithm, type AbrContext, type AbrDecision } from './types.js';
import { liveSegmentQoe } from '../qoe.js';
import { seededRandom } from '../random.js';

/** dash.js's constants: the buffer floor and target latency of the weight selector, the SOM's rates. */
const BUFFER_MIN_S = 0.3;
const LATENCY_NORM = 100;
const THROUGHPUT_DELTA_BPS = 10_000;
const SIGMA = 0.1;
const LEARNING_RATE = 0.01;
const WEIGHT_VALUES = [0.2, 0.4, 0.6, 0.8, 1];

type Vec = [number, number, number, number];
interface Neuron {
  bps: number;
  /** throughput, latency, rebuffer, switch (normalised) */
  state: Vec;
}

const WEIGHT_OPTIONS: Vec[] = WEIGHT_VALUES.flatMap((a) => WEIGHT_VALUES.flatMap((b) => WEIGHT_VALUES.flatMap((c) => WEIGHT_VALUES.map((d) => [a, b, c, d] as Vec))));

function distance(a: number[], b: number[], w: number[]): number {
  const sum = a.reduce((acc, x, i) => acc + w[i] * (x - b[i]) ** 2, 0);
  return Math.sign(sum || 1) * Math.sqrt(Math.abs(sum));
}

/** The buffer after fetching one segment that takes `downloadS` (dash.js's rule of thumb: a slow one drains a whole segment). */
function nextBuffer(bufferS: number, downloadS: number, segmentS: number): number {
  return downloadS > segmentS ? bufferS - segmentS : bufferS + segmentS - downloadS;
}

/** k-means++ seeds over n^2 random states, ordered from the least similar outward (dash.js's start-up weights: the last). */
function initialCenters(n: number, maxThroughput: number, random: () => number): Vec[] {
  const data: Vec[] = Array.from({ length: n * n }, () => [random() * maxThroughput, random(), random(), random()]);
  const ones = [1, 1, 1, 1];
  const centers: Vec[] = [data[0]];
  for (let k = 1; k < n; k++) {
    let best = data[0];
    let bestD = -Infinity;
    for (const p of data) {
      const d = Math.min(...centers.map((c) => distance(p, c, ones)));
      if (d > bestD) [best, bestD] = [p, d];
    }
    centers.push(best);
  }
  const spread = centers.map((c, i) => centers.reduce((acc, o, j) => acc + (i === j ? 0 : distance(c, o, ones)), 0));
  const sorted = centers.splice(spread.indexOf(Math.max(...spread)), 1);
  while (centers.length) {
    const d = centers.map((c) => distance(sorted[0], c, ones));
    sorted.push(...centers.splice(d.indexOf(Math.min(...d)), 1));
  }
  return sorted;
}

export function createLolp(seed = 1): AbrAlgorithm {
  let neurons: Neuron[] | undefined;
  let norm = 1;
  let weights: Vec | undefined;
  let centers: Vec[] = [];
  const maxThroughput = () => Math.max(0, ...neurons!.map((n) => n.state[0]));
  const train = (winner: Neuron, x: Vec) => {
    for (const n of neurons!) {
      const d = distance(n.state, winner.state, [1, 1, 1, 1]);
      const h = Math.exp(-(d * d) / (2 * SIGMA * SIGMA));
      n.state = n.state.map((s, i) => s + (x[i] - s) * LEARNING_RATE * h) as Vec;
    }
  };
  const choose = (ctx: AbrContext): AbrDecision => {
    const est = dualEwma(ctx.history);
    if (est === undefined) return { index: indexForBps(ctx.bitrates, ABR_DEFAULTS.startBps), reason: 'LoL+: no throughput yet' };
    const tput = est * ABR_DEFAULTS.safetyFactor;
    if (!neurons) {
      norm = Math.sqrt(ctx.bitrates.reduce((a, b) => a + b * b, 0));
      neurons = ctx.bitrates.map((bps) => ({ bps, state: [bps / norm, 0, 0, 0] }));
      centers = initialCenters(neurons.length, maxThroughput(), seededRandom(seed));
    }
    const seg = ctx.segmentDurationS;
    const latency = ctx.live?.latencyS ?? 0;
    const rate = ctx.live?.playbackRate ?? 1;
    const current = neurons[ctx.lastIndex ?? 0];
    const download = (current.bps * seg) / tput;
    const rebuffer = Math.max(0, download - ctx.bufferS);
    if (ctx.bufferS - download < BUFFER_MIN_S) {
      // Downshift: the highest bitrate below the current one that the throughput carries.
      let pick = current;
      for (const n of neurons) if (n.bps < current.bps && n.bps > (pick === current ? 0 : pick.bps) && tput > n.bps) pick = n;
      return { index: neurons.indexOf(pick), reason: `LoL+: buffer ${ctx.bufferS.toFixed(2)} s would fall under ${BUFFER_MIN_S} s`, estimateBps: est };
    }
    weights = selectWeights(neurons, ctx, tput, rate) ?? weights ?? centers[centers.length - 1];
    let tn = tput / norm;
    if (tn > 1) tn = maxThroughput();
    let winner = neurons[0];
    let best = Infinity;
    for (const n of neurons) {
      const w = [...weights];
      const low = nextBuffer(ctx.bufferS, (n.bps * seg) / tput, seg) < BUFFER_MIN_S;
      if ((n.bps > tput - THROUGHPUT_DELTA_BPS || low) && n.bps !== neurons[0].bps) w[0] = 100;
      const d = distance(n.state, [tn, 0, 0, 0], w);
      if (d < best) [best, winner] = [d, n];
    }
    const change = Math.abs(current.bps - winner.bps) / norm;
    train(current, [tn, latency / LATENCY_NORM, rebuffer, change]);
    train(winner, [tn, 0, 0, change]);
    return { index: neurons.indexOf(winner), reason: `LoL+: nearest neuron, weights ${weights.join('/')}`, estimateBps: est };
  };
  return { name: 'lolp', choose };
}

/** The dynamic weight selector: the candidate weights under which some neuron scores the best QoE with the buffer kept over its floor (undefined: none). */
function selectWeights(neurons: Neuron[], ctx: AbrContext, tput: number, rate: number): Vec | undefined {
  const seg = ctx.segmentDurationS;
  const ladder = { segmentS: seg, minKbps: ctx.bitrates[0] / 1000, maxKbps: ctx.bitrates[ctx.bitrates.length - 1] / 1000 };
  let best = -Infinity;
  let winner: Vec | undefined;
  for (const n of neurons) {
    const download = (n.bps * seg) / tput;
    const after = nextBuffer(ctx.bufferS, download, seg);
    if (after < BUFFER_MIN_S) continue;
    const rebuffer = Math.max(0.00001, download - after);
    for (const w of WEIGHT_OPTIONS) {
      // dash.js's call: the bitrate in bit/s, rebuffering and latency scaled by the inverse weights.
      const qoe = liveSegmentQoe({ kbps: n.bps, rebufferS: rebuffer / w[2], latencyS: n.state[1] / w[1], playbackRate: rate }, ladder);
      if (qoe > best) [best, winner] = [qoe, w];
    }
  }
  return winner;
}
