/** npm run build: the browser bundles, with their sizes. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ASSETS_DIR, buildPlayer, PLAYER_STATIC_FILE } from './lib/build-player.js';

const sizes = await buildPlayer();
for (const s of sizes.sort((a, b) => a.file.localeCompare(b.file))) {
  console.log(`${s.file.padEnd(48)} ${(s.bytes / 1024).toFixed(1).padStart(8)} KB ${(s.gzipBytes / 1024).toFixed(1).padStart(8)} KB gzip`);
}
const player = JSON.parse(await readFile(path.join(ASSETS_DIR, PLAYER_STATIC_FILE), 'utf8')) as { files: string[]; bytes: number; gzipBytes: number };
console.log(`\nthe player as a VOD page loads it (${player.files.length} files: dashlab-player.js and its static chunks): ${(player.bytes / 1024).toFixed(1)} KB, ${(player.gzipBytes / 1024).toFixed(1)} KB gzip`);
