/** The ABR library: pure TypeScript, no DOM, no timers. Used by player/engine and player/sim. */
export * from './types.js';
export { ABR_DEFAULTS } from './defaults.js';
export { ewma, dualEwma, harmonicMean, EWMA_DEFAULTS } from './estimators.js';
export { bolaParams, bolaIndexForBuffer } from './bola.js';
export { planMpc, type MpcProblem, type MpcPlan } from './mpc.js';
export { createAbr, ABR_NAMES, DEFAULT_ABR, LIVE_ABR_NAMES, isLiveAbr, type AbrSetup } from './registry.js';
export { createLearned, checkPolicy, POLICY_FILE, type LearnedPolicy } from './learned.js';
