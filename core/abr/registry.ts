/** Every ABR algorithm by name. A new instance per playback session: algorithms keep state. */
import { createBba } from './bba.js';
import { createBola } from './bola.js';
import { createBolaE, createThroughputAbandon } from './bola-e.js';
import { createTailMpc } from './tail-mpc.js';
import { createDynamic } from './dynamic.js';
import { createL2a } from './l2a.js';
import { createLolp } from './lolp.js';
import { createLiveMpc } from './live-mpc.js';
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

const FACTORIES: Record<string, (setup: AbrSetup) => AbrAlgorithm> = {
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
  l2a: () => createL2a(),
  lolp: () => createLolp(),
  'dashlab-live': () => createLiveMpc(),
};

export const ABR_NAMES: readonly string[] = Object.keys(FACTORIES);
export const DEFAULT_ABR = 'dashlab';

/** Rules made for low-latency live (they read the latency and playback rate): left out of VOD comparisons' "all". */
export const LIVE_ABR_NAMES: readonly string[] = ['l2a', 'lolp', 'dashlab-live'];

export function createAbr(name: string, setup: AbrSetup = {}): AbrAlgorithm {
  const make = FACTORIES[name];
  if (!make) throw new Error(`unknown ABR algorithm "${name}"; known: ${ABR_NAMES.join(', ')}`);
  return make(setup);
}
