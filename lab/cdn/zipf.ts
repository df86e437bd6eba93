/**
 * Popularity, as the caching lectures model it: the k-th most popular of M videos is asked for
 * with probability proportional to 1 / k^s (Zipf; s = 0 is uniform, s near 1 is the web's
 * and video sites' measured skew). Seeded, so a run can be repeated. Pure.
 */

/** A sampler of ranks 0..m-1 (0 the most popular) under Zipf(s). */
export function zipfSampler(m: number, s: number, random: () => number): () => number {
  const weights = Array.from({ length: m }, (_, k) => 1 / (k + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf: number[] = [];
  let acc = 0;
  for (const w of weights) cdf.push((acc += w / total));
  return () => {
    const u = random();
    let lo = 0;
    let hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
