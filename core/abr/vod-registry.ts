/**
 * The ABR algorithms for video on demand by name, and the names of every algorithm. The
 * browser player imports this module alone: the rules made for live (registry.ts adds them)
 * load as a chunk of their own when a live rule is asked for, so a VOD page does not carry them.
 * A new instance per playback session: algorithms keep state.
 */
import { createBba } from './bba.js';
import { createBola } from './bola.js';
import { createBolaE, createThroughputAbandon } from './bola-e.js';
import { createTailMpc } from './tail-mpc.js';
import { createDynamic } from './dynamic.js';
import { createLearned, type LearnedPolicy } from './learned.js';
import { createMpc } from './mpc.js';
import { createThroughput } from './throughput.js';
import type { AbrAlgorithm } from './types.js';

/** What an algorithm may be given besides its name: the video's learned policy, for `learned`. */
export interface AbrSetup {
  policy?: LearnedPolicy;
  /** Why the video's policy could not be used, when it could not. */
  policyProblem?: string;
}

const VOD_FACTORIES: Record<string, (setup: AbrSetup) => AbrAlgorithm> = {
  throughput: () => createThroughput(),
  bba: () => createBba(),
  bola: () => createBola(),
  'bola-e': () => createBolaE(),
  'throughput-abandon': () => createThroughputAbandon(),
  mpc: () => createMpc({ robust: false }),
  'robust-mpc': () => createMpc({ robust: true }),
  dynamic: () => createDynamic(),
  dashlab: () => createTailMpc(),
  'dashlab-cmsd': () => createTailMpc({}, { serverAssisted: true }),
  'dashlab-ssim': () => createTailMpc({}, { objective: 'ssim' }),
  learned: (setup) => createLearned(setup.policy, setup.policyProblem),
};

/** Rules made for low-latency live (they read the latency and playback rate): left out of VOD comparisons' "all". */
export const LIVE_ABR_NAMES = ['l2a', 'lolp', 'dashlab-live'] as const;
export type LiveAbrName = (typeof LIVE_ABR_NAMES)[number];
export const isLiveAbr = (name: string): name is LiveAbrName => (LIVE_ABR_NAMES as readonly string[]).includes(name);

export const ABR_NAMES: readonly string[] = [...Object.keys(VOD_FACTORIES), ...LIVE_ABR_NAMES];
export const DEFAULT_ABR = 'dashlab';

/** A VOD algorithm by name; a live rule's name is refused here (registry.ts's createAbr makes every one). */
export function createVodAbr(name: string, setup: AbrSetup = {}): AbrAlgorithm {
  const make = VOD_FACTORIES[name];
  if (!make) throw new Error(isLiveAbr(name) ? `"${name}" is a live rule: load it with createAbr (core/abr/registry.ts)` : `unknown ABR algorithm "${name}"; known: ${ABR_NAMES.join(', ')}`);
  return make(setup);
}
