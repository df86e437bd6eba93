/** The packaging library: used by the CLI (scripts/package.ts) and by the server's upload jobs. */
export { packageVideo, type AbrPolicyLearner, type PackageOptions, type PackageProgress, type PackageResult, type PackagePhase } from './package.js';
export { PackagingError, type PackagingErrorCode } from './errors.js';
export { probeSource, type SourceInfo } from './probe.js';
export { defaultLadder, parseLadderSpec, ladderFromSpec, type Rung, type RungSpec } from './ladder.js';
export { verifyPackage } from './verify.js';
export { getTools, runFfmpeg, type EncodeProgress, type Tools } from './ffmpeg.js';
export { listPublished, publishedDir, freeVideoId, readInfo, removeVideo, sweep, isValidId, idFromName } from './library.js';
export { PACKAGING_DEFAULTS } from './defaults.js';
export type { VideoInfo, InfoRendition } from './types.js';
export { makeSampleMaster, packageSample, SAMPLE_ID, SAMPLE_TITLE } from './sample.js';
