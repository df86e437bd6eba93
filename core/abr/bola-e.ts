/**
 * BOLA-E (Spiteri, Sitaraman, Sparacio: "From theory to practice: improving bitrate adaptation
 * in the DASH reference player", MMSys'18), as Sabre runs it (lab/models/sabre-model.ts has
 * the same rule in Sabre's own units, checked log by log against Sabre): BOLA's utilities
 * with a placeholder buffer (a fast start, and no waiting while the throughput allows more),
 * the insufficient-buffer rule, and its own abandonment (give a download up for a lower
 * quality whose BOLA score per byte still to come is better). Here in our player's terms
 * (seconds, bit/s, the AbrContext), so the dashlab model and the browser player run it; and
 * beside it the throughput rule with Sabre's abandonment (`throughput-abandon`).
 */
import { dualEwma } from './estimators.js';
import { throughputDecision } from './throughput.js';
import type { AbrAlgorithm, AbrContext, DownloadProgress } from './types.js';

const MIN_BUFFER_S = 10;
const IBR_START = 0.9;
const IBR_FLOOR = 0.5;

/** The highest quality whose download, latency included, takes no longer than the segment plays (Sabre's quality_from_throughput). */
function qualityFromThroughput(bitrates: number[], segmentS: number, bps: number, latencyS: number): number {
  let q = 0;
  while (q + 1 < bitrates.length && latencyS + (segmentS * bitrates[q + 1]) / bps <= segmentS) q++;
  return q;
}

/** The latency of the last download (time to first byte), the estimate of the next one's. */
const latencyOf = (ctx: { history: AbrContext['history'] }) => ctx.history[ctx.history.length - 1]?.ttfbS ?? 0;

/**
 * Long because its choice, its bookkeeping after each download and its abandonment share the
 * placeholder: one closure, as Sabre's one class.
 */
export function createBolaE(): AbrAlgorithm {
  let u: number[] = [];
  let b: number[] = [];
  let gp = 0;
  let vp = 0;
  let startup = true;
  let placeholder = 0;
  let ibrSafety = IBR_START;
  let seen = 0;
  /** What the last abandonment gave up for (reset when the next download is read). */
  let abandonedTo: number | undefined;
  const minBufferFor = (quality: number) => {
    let level = 0;
    for (let q = 0; q < quality; q++) if (u[q] < u[quality]) level = Math.max(level, vp * (gp + (b[quality] * u[q] - b[q] * u[quality]) / (b[quality] - b[q])));
    return level;
  };
  const maxBufferFor = (quality: number) => vp * (u[quality] + gp);
  const bolaQuality = (level: number) => {
    let best = 0;
    let score = -Infinity;
    for (let q = 0; q < b.length; q++) {
      const s = (vp * (u[q] + gp) - level) / b[q];
      if (s >= score) [best, score] = [q, s];
    }
    return best;
  };
  const setup = (ctx: AbrContext) => {
    b = ctx.bitrates;
    const offset = 1 - Math.log(b[0]);
    u = b.map((x) => Math.log(x) + offset);
    const buffer = Math.max(MIN_BUFFER_S + 2 * b.length, ctx.bufferTargetS);
    gp = (u[u.length - 1] - 1) / (buffer / MIN_BUFFER_S - 1);
    vp = MIN_BUFFER_S / gp;
  };
  /** After a download (Sabre's report_download): keep the placeholder within the chosen quality's buffer band. */
  const afterDownload = (ctx: AbrContext) => {
    const s = ctx.history[ctx.history.length - 1];
    const level = ctx.bufferS;
    const quality = ctx.lastIndex ?? 0;
    if (abandonedTo === undefined) {
      const levelWas = level + s.ttfbS + s.transferS;
      placeholder = Math.min(placeholder, Math.max(0, maxBufferFor(quality) - levelWas));
      if (level > 0) placeholder = Math.max(placeholder, minBufferFor(quality) - levelWas);
    } else {
      const want = abandonedTo > 0 ? minBufferFor(abandonedTo) : MIN_BUFFER_S;
      placeholder = Math.min(placeholder, Math.max(0, want - level));
      abandonedTo = undefined;
    }
  };
  return {
    name: 'bola-e',
    choose(ctx) {
      if (!u.length) setup(ctx);
      if (ctx.history.length !== seen && !startup) afterDownload(ctx);
      seen = ctx.history.length;
      const tput = dualEwma(ctx.history);
      const level = ctx.bufferS;
      const latency = latencyOf(ctx);
      if (startup) {
        if (tput === undefined) return { ...throughputDecision(ctx), reason: 'BOLA-E start: no throughput yet' };
        startup = false;
        ibrSafety = IBR_START;
        const quality = qualityFromThroughput(b, ctx.segmentDurationS, tput, latency);
        placeholder = Math.max(0, minBufferFor(quality) - level);
        return { index: quality, reason: `BOLA-E start: throughput ${Math.round(tput / 1000)} kbit/s`, estimateBps: tput };
      }
      let quality = bolaQuality(level + placeholder);
      const qt = qualityFromThroughput(b, ctx.segmentDurationS, tput!, latency);
      const last = ctx.lastIndex ?? 0;
      if (quality > last && quality > qt) quality = Math.max(last, qt) + 1;
      let delay = level + placeholder - maxBufferFor(quality);
      if (delay > 0) {
        // The placeholder gives way first: waiting spends it before real buffer.
        const used = Math.min(delay, placeholder);
        placeholder -= used;
        delay -= used;
      } else delay = 0;
      if (quality === b.length - 1) delay = 0;
      // The insufficient-buffer rule: nothing that would not arrive within a share of the buffer.
      const safe = ibrSafety * (level - latency) * tput!;
      ibrSafety = Math.max(ibrSafety * 0.9, IBR_FLOOR);
      for (let q = 0; q < quality; q++) {
        if (b[q + 1] * ctx.segmentDurationS > safe) {
          quality = q;
          delay = 0;
          placeholder = Math.min(Math.max(0, minBufferFor(quality) - level), placeholder);
          break;
        }
      }
      // The wait is charged to the placeholder, as Sabre reports a delay back to BOLA-E.
      placeholder += delay;
      return { index: quality, reason: `buffer ${level.toFixed(1)}+${placeholder.toFixed(1)} s (BOLA-E placeholder)`, estimateBps: tput, delayS: delay > 0 ? delay : undefined };
    },
    abandon(p) {
      const remain = p.bytesTotal - p.bytesLoaded;
      if (p.bytesLoaded <= 0 || remain <= 0 || p.elapsedS <= p.ttfbS) return undefined;
      // An abandonment pays a new latency: judge the state after it.
      const bl = Math.max(0, p.bufferS + placeholder - p.ttfbS);
      const rate = p.bytesLoaded / (p.elapsedS - p.ttfbS);
      const left = remain - p.ttfbS * rate;
      if (left <= 0) return undefined;
      let score = (vp * (gp + u[p.quality]) - bl) / left;
      let to: number | undefined;
      for (let q = 0; q < p.quality; q++) {
        const other = p.sizes[q];
        const s = (vp * (gp + u[q]) - bl) / other;
        if (other < left && s > score) [score, to] = [s, q];
      }
      if (to !== undefined) abandonedTo = to;
      return to;
    },
  };
}

/** Sabre's throughput rule's abandonment: past 1.8 segment durations, drop to what 0.9 of the download's own rate carries, if that segment is smaller than what is left. */
export function throughputAbandon(p: DownloadProgress): number | undefined {
  const moving = p.elapsedS - p.ttfbS;
  if (p.elapsedS < 0.5 || moving <= 0) return undefined;
  const rate = (p.bytesLoaded * 8) / moving;
  const left = p.bytesTotal - p.bytesLoaded;
  if (p.elapsedS + (left * 8) / rate <= 1.8 * p.segmentDurationS) return undefined;
  const q = qualityFromThroughput(p.bitrates, p.segmentDurationS, rate * 0.9, p.ttfbS);
  return q >= p.quality || p.sizes[q] >= left ? undefined : q;
}

/** The throughput rule with Sabre's abandonment beside the player's own. */
export function createThroughputAbandon(): AbrAlgorithm {
  return { name: 'throughput-abandon', choose: (ctx) => throughputDecision(ctx), abandon: throughputAbandon };
}
