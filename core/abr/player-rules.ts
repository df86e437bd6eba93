/**
 * The name of every ABR rule, and the rules the browser player carries in its first bundle.
 * The others (BOLA-E and the throughput rule with Sabre's abandonment, `learned` with its
 * policy's reader, the rules made for live) are made by registry.ts, which the player loads
 * as a chunk of its own when one of them is asked for: a page playing with the default rule
 * does not carry them. The lab and the server use registry.ts for every rule.
 * A new instance per playback session: algorithms keep state.
 */
import { createBba } from './bba.js';
import { createBola } from './bola.js';
import { createTailMpc, type TailMpcParams } from './tail-mpc.js';
import { createDynamic } from './dynamic.js';
import type { LearnedPolicy } from './learned.js';
import { createMpc } from './mpc.js';
import { createThroughput } from './throughput.js';
import type { AbrAlgorithm } from './types.js';

/** The rules for video on demand, in the order tables list them. */
export const VOD_ABR_NAMES = ['throughput', 'bba', 'bola', 'bola-e', 'throughput-abandon', 'mpc', 'robust-mpc', 'dynamic', 'dashlab', 'dashlab-cmsd', 'dashlab-ssim', 'learned'] as const;
/** Rules made for low-latency live (they read the latency and playback rate): left out of VOD comparisons' "all". */
export const LIVE_ABR_NAMES = ['l2a', 'lolp', 'dashlab-live'] as const;
export type AbrName = (typeof VOD_ABR_NAMES)[number] | (typeof LIVE_ABR_NAMES)[number];
export type LiveAbrName = (typeof LIVE_ABR_NAMES)[number];
export const ABR_NAMES: readonly string[] = [...VOD_ABR_NAMES, ...LIVE_ABR_NAMES];
export const isLiveAbr = (name: string): name is LiveAbrName => (LIVE_ABR_NAMES as readonly string[]).includes(name);
export const DEFAULT_ABR = 'dashlab';

/** What an algorithm may be given besides its name: the video's learned policy, for `learned`. */
export interface AbrSetup {
  policy?: LearnedPolicy;
  /** Why the video's policy could not be used, when it could not. */
  policyProblem?: string;
  /** `dashlab`'s parameters where not its defaults (the lab's held-out table chooses one per kind of network). */
  dashlab?: Partial<TailMpcParams>;
}

const CARRIED = {
  throughput: () => createThroughput(),
  bba: () => createBba(),
  bola: () => createBola(),
  mpc: () => createMpc({ robust: false }),
  'robust-mpc': () => createMpc({ robust: true }),
  dynamic: () => createDynamic(),
  dashlab: (setup: AbrSetup) => createTailMpc(setup.dashlab),
  'dashlab-cmsd': () => createTailMpc({}, { serverAssisted: true }),
  'dashlab-ssim': () => createTailMpc({}, { objective: 'ssim' }),
} satisfies Partial<Record<AbrName, (setup: AbrSetup) => AbrAlgorithm>>;
export type CarriedAbrName = keyof typeof CARRIED;

/** Whether the player makes this rule from its first bundle (else it loads registry.ts first). */
export const isCarriedAbr = (name: string): name is CarriedAbrName => Object.hasOwn(CARRIED, name);

/** A carried rule by name; any other name is an error here (registry.ts's createAbr makes every one). */
export function createCarriedAbr(name: string, setup: AbrSetup = {}): AbrAlgorithm {
  if (isCarriedAbr(name)) return CARRIED[name](setup);
  throw new Error(ABR_NAMES.includes(name) ? `"${name}" is made by createAbr (core/abr/registry.ts)` : unknownAbr(name));
}

export const unknownAbr = (name: string) => `unknown ABR algorithm "${name}"; known: ${ABR_NAMES.join(', ')}`;
