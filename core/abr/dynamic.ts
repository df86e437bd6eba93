/**
 * dash.js's DYNAMIC strategy: the throughput rule while the buffer is short, BOLA once it
 * is long, with hysteresis (BOLA from stableBufferTime up, throughput again below half of
 * it) so the two do not alternate. Both rules see every decision, as in dash.js, so BOLA's
 * state is current when it takes over.
 */
import { createBola } from './bola.js';
import { ABR_DEFAULTS } from './defaults.js';
import { throughputDecision } from './throughput.js';
import type { AbrAlgorithm } from './types.js';

export function createDynamic(opts: { stableBufferS?: number } = {}): AbrAlgorithm {
  const on = opts.stableBufferS ?? ABR_DEFAULTS.dynamicStableBufferS;
  const off = on / 2;
  const bola = createBola();
  let useBola = false;
  return {
    name: 'dynamic',
    choose(ctx) {
      useBola = ctx.bufferS > (useBola ? off : on);
      const b = bola.choose(ctx);
      if (useBola) return { ...b, reason: `BOLA: ${b.reason}` };
      const t = throughputDecision(ctx);
      return { ...t, reason: `throughput: ${t.reason}` };
    },
  };
}
