/**
 * Buffer-based (BBA-0, Huang et al. SIGCOMM 2014), as Pensieve's baseline: the lowest
 * bitrate below the reservoir, the highest above reservoir + cushion, linear in between
 * (rounded down).
 */
import { ABR_DEFAULTS } from './defaults.js';
import type { AbrAlgorithm } from './types.js';

export function createBba(opts: { reservoirS?: number; cushionS?: number } = {}): AbrAlgorithm {
  const reservoir = opts.reservoirS ?? ABR_DEFAULTS.bbaReservoirS;
  const cushion = opts.cushionS ?? ABR_DEFAULTS.bbaCushionS;
  return {
    name: 'bba',
    choose(ctx) {
      const top = ctx.bitrates.length - 1;
      const b = ctx.bufferS;
      if (b < reservoir) return { index: 0, reason: `buffer ${b.toFixed(1)} s < reservoir ${reservoir} s` };
      if (b >= reservoir + cushion) return { index: top, reason: `buffer ${b.toFixed(1)} s above the cushion` };
      const index = Math.floor((top * (b - reservoir)) / cushion);
      return { index, reason: `buffer ${b.toFixed(1)} s in the cushion` };
    },
  };
}
