/**
 * Every ABR algorithm by name: the rules the browser player carries (player-rules.ts) and the
 * others, made here: BOLA-E and the throughput rule with Sabre's abandonment, `learned`, and
 * the rules made for live. The lab and the server use this; the browser player loads it as a
 * chunk of its own when one of the others is asked for.
 */
import { createBolaE, createThroughputAbandon } from './bola-e.js';
import { createL2a } from './l2a.js';
import { createLearned } from './learned.js';
import { createLolp } from './lolp.js';
import { createLiveMpc } from './live-mpc.js';
import type { AbrAlgorithm } from './types.js';
import { createCarriedAbr, isCarriedAbr, unknownAbr, type AbrName, type AbrSetup, type CarriedAbrName } from './player-rules.js';

export { ABR_NAMES, DEFAULT_ABR, LIVE_ABR_NAMES, isLiveAbr, type AbrSetup } from './player-rules.js';
/** For the browser player, which reads the video's policy only once this chunk is loaded. */
export { checkPolicy } from './learned.js';

const OTHERS: Record<Exclude<AbrName, CarriedAbrName>, (setup: AbrSetup) => AbrAlgorithm> = {
  'bola-e': () => createBolaE(),
  'throughput-abandon': () => createThroughputAbandon(),
  learned: (setup) => createLearned(setup.policy, setup.policyProblem),
  l2a: () => createL2a(),
  lolp: () => createLolp(),
  'dashlab-live': () => createLiveMpc(),
};

export function createAbr(name: string, setup: AbrSetup = {}): AbrAlgorithm {
  if (isCarriedAbr(name)) return createCarriedAbr(name, setup);
  if (!Object.hasOwn(OTHERS, name)) throw new Error(unknownAbr(name));
  return OTHERS[name as keyof typeof OTHERS](setup);
}
