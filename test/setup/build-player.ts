/** vitest globalSetup: the browser bundles the pages load. */
import { buildPlayer } from '../../scripts/lib/build-player.js';

export default async function setup(): Promise<void> {
  await buildPlayer();
}
