/** Where the lab's data ships in the repository: network traces and videos given as sizes only. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Network traces shipped with the project (norway-test to score, norway-train to learn from, ...). */
export const TRACES_DIR = path.join(REPO_ROOT, 'media', 'traces');

/** Videos shipped as data only (segment sizes, no media): Pensieve's test video. */
export const BUNDLED_VIDEOS_DIR = path.join(REPO_ROOT, 'media', 'videos');
