/**
 * Results by kind of network (the compare table's second part, the report's "by network"
 * table): no dependencies, so the report page's script carries it too.
 */
/**
 * The kind of network a trace was recorded on, read off its name: the name without its
 * numbers (norway_bus_15 -> norway_bus, fcc-14679-facebook -> fcc-facebook); for the raw
 * Norway logs (bus.ljansbakken-oslo.report.2010-09-28_1407CEST.log) the transport, bus.
 */
export function networkOf(trace: string): string {
  const log = /^([a-z]+)\.[^.]+\.report\./.exec(trace);
  if (log) return log[1];
  return trace.replace(/([_.-])\d+(?=$|[_.-])/g, '').replace(/[_.-]$/, '') || trace;
}

/**
 * Mean QoE per algorithm for each kind of network with at least `min` traces (by networkOf),
 * so a user sees where an algorithm wins and where it does not; empty when the traces make
 * fewer than two such kinds.
 */
export function qoeByNetwork(r: { results: Array<{ algo: string; trace: string; qoe: number }> }, min = 2): Array<{ network: string; traces: number; qoe: Record<string, number> }> {
  const groups = new Map<string, Map<string, number[]>>();
  for (const s of r.results) {
    const byAlgo = groups.get(networkOf(s.trace)) ?? new Map<string, number[]>();
    groups.set(networkOf(s.trace), byAlgo);
    byAlgo.set(s.algo, [...(byAlgo.get(s.algo) ?? []), s.qoe]);
  }
  const rows = [...groups]
    .map(([network, byAlgo]) => ({
      network,
      traces: Math.max(...[...byAlgo.values()].map((q) => q.length)),
      qoe: Object.fromEntries([...byAlgo].map(([algo, q]) => [algo, q.reduce((a, b) => a + b, 0) / q.length])),
    }))
    .filter((g) => g.traces >= min)
    .sort((a, b) => a.network.localeCompare(b.network));
  return rows.length >= 2 ? rows : [];
}

/** The algorithm with the best QoE among those that are players (yardsticks such as the offline optimum are not). */
export function bestPlayer(qoe: Record<string, number>, notPlayers: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const [algo, q] of Object.entries(qoe)) if (!notPlayers.includes(algo) && (best === undefined || q > qoe[best])) best = algo;
  return best;
}
