/** Every ABR algorithm by name. A new instance per playback session: algorithms keep state. */
import { createBba } from './bba.js';
import { createBola } from './bola.js';
import { createDashlab } from './dashlab.js';
import { createDynamic } from './dynamic.js';
import { createMpc } from './mpc.js';
import { createThroughput } from './throughput.js';
import type { AbrAlgorithm } from './types.js';

const FACTORIES: Record<string, () => AbrAlgorithm> = {
  throughput: () => createThroughput(),
  bba: () => createBba(),
  bola: () => createBola(),
  mpc: () => createMpc({ robust: false }),
  'robust-mpc': () => createMpc({ robust: true }),
  dynamic: () => createDynamic(),
  dashlab: () => createDashlab(),
};

export const ABR_NAMES: readonly string[] = Object.keys(FACTORIES);
export const DEFAULT_ABR = 'dashlab';

export function createAbr(name: string): AbrAlgorithm {
  const make = FACTORIES[name];
  if (!make) throw new Error(`unknown ABR algorithm "${name}"; known: ${ABR_NAMES.join(', ')}`);
  return make();
}
