/**
 * Every ABR algorithm by name: the VOD ones (vod-registry.ts) and the rules made for live. The
 * lab and the server use this; the browser player loads it only when a live rule is asked for.
 */
import { createL2a } from './l2a.js';
import { createLolp } from './lolp.js';
import { createLiveMpc } from './live-mpc.js';
import type { AbrAlgorithm } from './types.js';
import { createVodAbr, isLiveAbr, type AbrSetup, type LiveAbrName } from './vod-registry.js';

export { ABR_NAMES, DEFAULT_ABR, LIVE_ABR_NAMES, isLiveAbr, type AbrSetup } from './vod-registry.js';

const LIVE_FACTORIES: Record<LiveAbrName, () => AbrAlgorithm> = {
  l2a: () => createL2a(),
  lolp: () => createLolp(),
  'dashlab-live': () => createLiveMpc(),
};

export function createAbr(name: string, setup: AbrSetup = {}): AbrAlgorithm {
  return isLiveAbr(name) ? LIVE_FACTORIES[name]() : createVodAbr(name, setup);
}
