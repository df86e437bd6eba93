/**
 * Sabre's model of a player (UMass-LIDS/sabre, `src/sabre.py`, MMSys 2018), written from its
 * code, to score our comparisons as Sabre scores them and to reproduce its results log by log
 * (test/fixtures/sabre-reference). Units are Sabre's: milliseconds, bits, kbit/s (= bits/ms).
 *
 * The model: one download at a time; each pays the period's latency once, then the bits at the
 * period's rate (the trace loops); downloads are followed in steps of 12,000 bits (or 50 ms)
 * and the algorithm may abandon one at each step; the buffer holds 25 s (the player waits for
 * room); segment 0 is fetched at the lowest quality; the score is the played utility
 * ln(b / b_min) less gamma_p (5 s) x rebuffer time per segment time, over the play time in
 * segments. Throughput and latency are Sabre's EWMA (half-lives 3 and 8 s for throughput, in
 * segments for latency; the lower throughput and the higher latency are used).
 *
 * Quirks kept as Sabre has them (docs/lab.md lists them):
 *  - after an abandonment the next choice is the algorithm's own, not the abandonment's target
 *    (sabre.py sets `abandon_to_quality`, then tests `abandoned_to_quality`);
 *  - the first download counts as play time, and time spent with an empty buffer counts as
 *    rebuffering but not as a rebuffer event unless the buffer ran dry during that time;
 *  - an abandoned download's bits are not a throughput sample, but its time passes;
 *  - BOLA's buffer target shrinks near the start and the end of the movie (its non-basic mode);
 *  - `dynamic` asks both BOLA and the throughput rule every time (each keeps its own state),
 *    and abandons by the throughput rule only.
 */

export interface SabrePeriod {
  durationMs: number;
  kbps: number;
  latencyMs: number;
}

export interface SabreMovie {
  segmentMs: number;
  bitratesKbps: number[];
  /** sizesBits[segment][quality]. */
  sizesBits: number[][];
}

export const SABRE_ALGOS = ['bola', 'bola-e', 'throughput', 'dynamic'] as const;
export type SabreAlgo = (typeof SABRE_ALGOS)[number];

/** Sabre's defaults (its command line's). */
export const SABRE = { bufferMs: 25_000, gammaP: 5, halfLivesMs: [3000, 8000], minProgressBits: 12_000, minProgressMs: 50 } as const;

export interface SabreResult {
  /** Sabre's "time average score". */
  score: number;
  playTimeS: number;
  rebufferS: number;
  rebufferEvents: number;
  /** Time-average played bitrate (kbit/s), as Sabre prints it. */
  bitrateKbps: number;
  /** The quality of each segment played, in order. */
  qualities: number[];
}

interface Progress {
  quality: number;
  size: number;
  downloaded: number;
  time: number;
  ttfb: number;
  abandonTo?: number;
}

/** The network, as Sabre's NetworkModel: periods in order, looped; time moves only here. */
class Network {
  private index = -1;
  private toNext = 0;

  constructor(private readonly periods: SabrePeriod[]) {
    this.next();
  }

  private next(): void {
    this.index = (this.index + 1) % this.periods.length;
    this.toNext = this.periods[this.index].durationMs;
  }

  private get p(): SabrePeriod {
    return this.periods[this.index];
  }

  /** One latency (in units of the period's latency, across periods). */
  latency(units: number): number {
    let total = 0;
    while (units > 0) {
      const time = units * this.p.latencyMs;
      if (time <= this.toNext) {
        total += time;
        this.toNext -= time;
        units = 0;
      } else {
        total += this.toNext;
        units -= this.toNext / this.p.latencyMs;
        this.next();
      }
    }
    return total;
  }

  /** Download up to `size` bits, stopping once `minSize` bits and `minTime` ms have passed (at least one of them positive). */
  minimal(size: number, minSize: number, minTime: number): { bits: number; time: number } {
    let totalBits = 0;
    let totalTime = 0;
    while (size > 0 && (minSize > 0 || minTime > 0)) {
      const bw = this.p.kbps;
      let bits: number;
      let time: number;
      if (bw > 0) {
        const minBits = Math.max(minSize, minTime * bw);
        const toNextBits = this.toNext * bw;
        if (size <= minBits && size <= toNextBits) {
          bits = size;
          time = bits / bw;
          this.toNext -= time;
        } else if (minBits <= toNextBits) {
          bits = minBits;
          time = bits / bw;
          minSize = 0;
          minTime = 0;
          this.toNext -= time;
        } else {
          bits = toNextBits;
          time = this.toNext;
          this.next();
        }
      } else {
        bits = 0;
        if (minSize > 0 || minTime > this.toNext) {
          time = this.toNext;
          this.next();
        } else {
          time = minTime;
          this.toNext -= time;
        }
      }
      totalBits += bits;
      totalTime += time;
      size -= bits;
      minSize -= bits;
      minTime -= time;
    }
    return { bits: totalBits, time: totalTime };
  }

  /** Let time pass (waiting for room in the buffer, or an algorithm's delay). */
  delay(time: number): void {
    while (time > this.toNext) {
      time -= this.toNext;
      this.next();
    }
    this.toNext -= time;
  }

  /** A download followed in steps (Sabre's progress steps), abandoned when `checkAbandon` says so. */
  download(size: number, quality: number, bufferLevel: number, checkAbandon: (p: Progress, bufferLevel: number) => number | undefined): Progress {
    if (size <= 0) return { quality, size: 0, downloaded: 0, time: 0, ttfb: 0 };
    const ttfb = this.latency(1);
    let time = ttfb;
    let downloaded = 0;
    let minTime = SABRE.minProgressMs - time;
    let minSize: number = SABRE.minProgressBits;
    let abandonTo: number | undefined;
    while (downloaded < size && abandonTo === undefined) {
      const step = this.minimal(size - downloaded, minSize, minTime);
      time += step.time;
      downloaded += step.bits;
      if (downloaded < size) abandonTo = checkAbandon({ quality, size, downloaded, time, ttfb }, Math.max(0, bufferLevel - time));
      minTime = SABRE.minProgressMs;
      minSize = SABRE.minProgressBits;
    }
    return { quality, size, downloaded, time, ttfb, abandonTo };
  }
}

/** Sabre's EWMA of throughput (by download time) and latency (by segment). */
class Ewma {
  private tput: number[];
  private lat: number[];
  private wT = 0;
  private wL = 0;
  private readonly latHalf: number[];

  constructor(segmentMs: number) {
    this.tput = SABRE.halfLivesMs.map(() => 0);
    this.lat = SABRE.halfLivesMs.map(() => 0);
    this.latHalf = SABRE.halfLivesMs.map((h) => h / segmentMs);
  }

  push(time: number, tput: number, lat: number): { throughput: number; latency: number } {
    SABRE.halfLivesMs.forEach((h, i) => {
      let a = Math.pow(0.5, time / h);
      this.tput[i] = a * this.tput[i] + (1 - a) * tput;
      a = Math.pow(0.5, 1 / this.latHalf[i]);
      this.lat[i] = a * this.lat[i] + (1 - a) * lat;
    });
    this.wT += time;
    this.wL += 1;
    let throughput = Infinity;
    let latency = -Infinity;
    SABRE.halfLivesMs.forEach((h, i) => {
      throughput = Math.min(throughput, this.tput[i] / (1 - Math.pow(0.5, this.wT / h)));
      latency = Math.max(latency, this.lat[i] / (1 - Math.pow(0.5, this.wL / this.latHalf[i])));
    });
    return { throughput, latency };
  }
}

/** What an algorithm sees of the session (Sabre's globals). */
interface View {
  movie: SabreMovie;
  bufferLevel(): number;
  throughput?: number;
  latency: number;
}

interface SabreAbr {
  choose(index: number): { quality: number; delay: number };
  reportDelay(delay: number): void;
  reportDownload(p: Progress): void;
  checkAbandon(p: Progress, bufferLevel: number): number | undefined;
}

/** The highest quality whose segment, with the latency, downloads within a segment's time at `tput`. */
function qualityFromThroughput(v: View, tput: number): number {
  const p = v.movie.segmentMs;
  const b = v.movie.bitratesKbps;
  let q = 0;
  while (q + 1 < b.length && v.latency + (p * b[q + 1]) / tput <= p) q++;
  return q;
}

/** The quality BOLA's score prefers at a buffer level. */
function bolaQuality(b: number[], u: number[], vp: number, gp: number, level: number): number {
  let quality = 0;
  let best = -Infinity;
  for (let q = 0; q < b.length; q++) {
    const s = (vp * (u[q] + gp) - level) / b[q];
    if (s > best) {
      quality = q;
      best = s;
    }
  }
  return quality;
}

function bola(v: View): SabreAbr {
  const b = v.movie.bitratesKbps;
  const u = b.map((x) => Math.log(x) - Math.log(b[0]));
  const gp = SABRE.gammaP;
  let vp = (SABRE.bufferMs - v.movie.segmentMs) / (u[u.length - 1] + gp);
  let last = 0;
  return {
    choose(index) {
      // Non-basic BOLA: a smaller buffer target near the start and the end of the movie.
      const t = Math.max(Math.min(index, v.movie.sizesBits.length - index) / 2, 3) * v.movie.segmentMs;
      vp = (Math.min(SABRE.bufferMs, t) - v.movie.segmentMs) / (u[u.length - 1] + gp);
      let quality = bolaQuality(b, u, vp, gp, v.bufferLevel());
      if (quality > last) {
        const qt = qualityFromThroughput(v, v.throughput!);
        if (quality <= qt) {
          // keep
        } else if (last > qt) quality = last;
        else quality = qt + 1;
      }
      last = quality;
      return { quality, delay: 0 };
    },
    reportDelay: () => undefined,
    reportDownload: () => undefined,
    checkAbandon(p, level) {
      const remain = p.size - p.downloaded;
      if (p.downloaded <= 0 || remain <= 0) return undefined;
      let score = (vp * (gp + u[p.quality]) - level) / remain;
      if (score < 0) return undefined;
      let to: number | undefined;
      for (let q = 0; q < p.quality; q++) {
        const other = (p.size * b[q]) / b[p.quality];
        const s = (vp * (gp + u[q]) - level) / other;
        if (other < remain && s > score) {
          score = s;
          to = q;
        }
      }
      if (to !== undefined) last = to;
      return to;
    },
  };
}

/**
 * BOLA-E: BOLA with a placeholder buffer (a fast start, no waiting when throughput allows) and
 * the insufficient-buffer rule. Long because its choice, its reports and its abandonment share
 * the placeholder: one closure, as Sabre's one class, read side by side with it.
 */
function bolaE(v: View): SabreAbr {
  const MIN_BUFFER = 10_000;
  const b = v.movie.bitratesKbps;
  // As Sabre adds them (the offset first): at a tie between two qualities the last bit decides.
  const offset = 1 - Math.log(b[0]);
  const u = b.map((x) => Math.log(x) + offset);
  const top = u[u.length - 1];
  const buffer = Math.max(MIN_BUFFER + 2000 * b.length, SABRE.bufferMs);
  const gp = (top - 1) / (buffer / MIN_BUFFER - 1);
  const vp = MIN_BUFFER / gp;
  let startup = true;
  let placeholder = 0;
  let last = 0;
  let ibrSafety = 0.9;
  const minBufferFor = (quality: number) => {
    let level = 0;
    for (let q = 0; q < quality; q++) {
      if (u[q] < u[quality]) level = Math.max(level, vp * (gp + (b[quality] * u[q] - b[q] * u[quality]) / (b[quality] - b[q])));
    }
    return level;
  };
  const maxBufferFor = (quality: number) => vp * (u[quality] + gp);
  return {
    choose() {
      const level = v.bufferLevel();
      if (startup) {
        if (v.throughput === undefined) return { quality: last, delay: 0 };
        startup = false;
        ibrSafety = 0.9;
        const quality = qualityFromThroughput(v, v.throughput);
        placeholder = Math.max(0, minBufferFor(quality) - level);
        return { quality, delay: 0 };
      }
      let quality = bolaQuality(b, u, vp, gp, level + placeholder);
      const qt = qualityFromThroughput(v, v.throughput!);
      if (quality > last && quality > qt) quality = Math.max(last, qt) + 1;
      let delay = level + placeholder - maxBufferFor(quality);
      if (delay > 0) {
        if (delay <= placeholder) {
          placeholder -= delay;
          delay = 0;
        } else {
          delay -= placeholder;
          placeholder = 0;
        }
      } else delay = 0;
      if (quality === b.length - 1) delay = 0;
      // The insufficient-buffer rule.
      const safe = ibrSafety * (level - v.latency) * v.throughput!;
      ibrSafety = Math.max(ibrSafety * 0.9, 0.5);
      for (let q = 0; q < quality; q++) {
        if (b[q + 1] * v.movie.segmentMs > safe) {
          quality = q;
          delay = 0;
          placeholder = Math.min(Math.max(0, minBufferFor(quality) - level), placeholder);
          break;
        }
      }
      return { quality, delay };
    },
    reportDelay(delay) {
      placeholder += delay;
    },
    reportDownload(p) {
      last = p.quality;
      const level = v.bufferLevel();
      if (p.abandonTo === undefined) {
        const levelWas = level + p.time;
        placeholder = Math.min(placeholder, Math.max(0, maxBufferFor(p.quality) - levelWas));
        if (level > 0) placeholder = Math.max(placeholder, minBufferFor(p.quality) - levelWas);
      } else {
        const want = p.abandonTo > 0 ? minBufferFor(p.abandonTo) : MIN_BUFFER;
        placeholder = Math.min(placeholder, Math.max(0, want - level));
      }
    },
    checkAbandon(p, level) {
      const remain = p.size - p.downloaded;
      if (p.downloaded <= 0 || remain <= 0) return undefined;
      // An abandonment pays a new latency: judge the state after it.
      const bl = Math.max(0, level + placeholder - p.ttfb);
      const tp = p.downloaded / (p.time - p.ttfb);
      const sz = remain - p.ttfb * tp;
      if (sz <= 0) return undefined;
      let score = (vp * (gp + u[p.quality]) - bl) / sz;
      let to: number | undefined;
      for (let q = 0; q < p.quality; q++) {
        const other = (p.size * b[q]) / b[p.quality];
        const s = (vp * (gp + u[q]) - bl) / other;
        if (other < sz && s > score) {
          score = s;
          to = q;
        }
      }
      return to;
    },
  };
}

/** Sabre's throughput rule: 0.9 of the estimate, the insufficient-buffer rule, and abandonment past 1.8 segment times. */
function throughputRule(v: View): SabreAbr {
  let ibrSafety = 0.9;
  const b = v.movie.bitratesKbps;
  return {
    choose() {
      let quality = qualityFromThroughput(v, v.throughput! * 0.9);
      const safe = ibrSafety * (v.bufferLevel() - v.latency) * v.throughput!;
      ibrSafety = Math.max(ibrSafety * 0.9, 0.5);
      for (let q = 0; q < quality; q++) {
        if (b[q + 1] * v.movie.segmentMs > safe) {
          quality = q;
          break;
        }
      }
      return { quality, delay: 0 };
    },
    reportDelay: () => undefined,
    reportDownload: () => undefined,
    checkAbandon(p) {
      const dl = p.time - p.ttfb;
      if (p.time < 500 || dl <= 0) return undefined;
      const tput = p.downloaded / dl;
      const left = p.size - p.downloaded;
      if (p.time + left / tput <= 1.8 * v.movie.segmentMs) return undefined;
      const quality = qualityFromThroughput(v, tput * 0.9);
      const estimate = (p.size * b[quality]) / b[p.quality];
      return quality >= p.quality || estimate >= left ? undefined : quality;
    },
  };
}

/** dash.js's DYNAMIC as Sabre runs it: BOLA above 10 s of buffer when it chooses at least the throughput rule's quality. */
function dynamic(v: View): SabreAbr {
  const bo = bola(v);
  const tp = throughputRule(v);
  let isBola = false;
  return {
    choose(index) {
      const level = v.bufferLevel();
      const x = bo.choose(index);
      const y = tp.choose(index);
      if (isBola) {
        if (level < 10_000 && x.quality < y.quality) isBola = false;
      } else if (level > 10_000 && x.quality >= y.quality) isBola = true;
      return isBola ? x : y;
    },
    reportDelay: () => undefined,
    reportDownload: () => undefined,
    checkAbandon: (p, level) => tp.checkAbandon(p, level),
  };
}

const FACTORIES: Record<SabreAlgo, (v: View) => SabreAbr> = { bola, 'bola-e': bolaE, throughput: throughputRule, dynamic };

/**
 * One session as Sabre plays it. Long on purpose: it is sabre.py's main loop and its buffer
 * accounting in one place, in its order, so the two can be read side by side.
 */
export function runSabreSession(periods: SabrePeriod[], movie: SabreMovie, algo: SabreAlgo): SabreResult {
  const segMs = movie.segmentMs;
  const utilities = movie.bitratesKbps.map((x) => Math.log(x) - Math.log(movie.bitratesKbps[0]));
  const buffer: number[] = [];
  let fcc = 0;
  let rebufferTime = 0;
  let rebufferEvents = 0;
  let playedUtility = 0;
  let playedBitrate = 0;
  let playTime = 0;
  const played: number[] = [];
  const bufferLevel = () => segMs * buffer.length - fcc;
  /** Play `time` ms of what is buffered (rebuffering for whatever is missing). */
  const deplete = (time: number) => {
    if (!buffer.length) {
      rebufferTime += time;
      playTime += time;
      return;
    }
    if (fcc > 0) {
      if (time + fcc < segMs) {
        fcc += time;
        playTime += time;
        return;
      }
      time -= segMs - fcc;
      playTime += segMs - fcc;
      buffer.shift();
      fcc = 0;
    }
    while (time > 0 && buffer.length) {
      const q = buffer[0];
      playedUtility += utilities[q];
      playedBitrate += movie.bitratesKbps[q];
      played.push(q);
      if (time >= segMs) {
        buffer.shift();
        playTime += segMs;
        time -= segMs;
      } else {
        fcc = time;
        playTime += time;
        time = 0;
      }
    }
    if (time > 0) {
      rebufferTime += time;
      playTime += time;
      rebufferEvents++;
    }
  };

  const network = new Network(periods);
  const ewma = new Ewma(segMs);
  const view: View = { movie, bufferLevel, throughput: undefined, latency: 0 };
  const abr = FACTORIES[algo](view);
  const note = (time: number, bits: number, ttfb: number) => Object.assign(view, ewma.push(time, bits / time, ttfb));

  // Segment 0 at the lowest quality, never abandoned; its download counts as play time.
  const first = network.download(movie.sizesBits[0][0], 0, 0, () => undefined);
  buffer.push(0);
  note(first.time - first.ttfb, first.size, first.ttfb);
  playTime += first.time;

  let next = 1;
  while (next < movie.sizesBits.length) {
    const full = bufferLevel() + segMs - SABRE.bufferMs;
    if (full > 0) {
      deplete(full);
      network.delay(full);
      abr.reportDelay(full);
    }
    const { quality, delay } = abr.choose(next);
    const size = movie.sizesBits[next][quality];
    if (delay > 0) {
      deplete(delay);
      network.delay(delay);
    }
    const p = network.download(size, quality, bufferLevel(), (pr, level) => abr.checkAbandon(pr, level));
    deplete(p.time);
    if (p.abandonTo === undefined) {
      buffer.push(quality);
      next++;
    }
    abr.reportDownload(p);
    if (p.abandonTo === undefined) note(p.time - p.ttfb, p.downloaded, p.ttfb);
  }
  deplete(bufferLevel());
  const perSegment = segMs / playTime;
  return {
    score: perSegment * (playedUtility - (SABRE.gammaP * rebufferTime) / segMs),
    playTimeS: playTime / 1000,
    rebufferS: rebufferTime / 1000,
    rebufferEvents,
    bitrateKbps: playedBitrate * perSegment,
    qualities: played,
  };
}
