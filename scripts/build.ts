/** npm run build: the browser bundles, with their sizes. */
import { buildPlayer } from './lib/build-player.js';

const sizes = await buildPlayer();
for (const s of sizes.sort((a, b) => a.file.localeCompare(b.file))) {
  console.log(`${s.file.padEnd(48)} ${(s.bytes / 1024).toFixed(1).padStart(8)} KB ${(s.gzipBytes / 1024).toFixed(1).padStart(8)} KB gzip`);
}
