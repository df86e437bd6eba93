/**
 * The embeddable player as a page playing video on demand loads it (test/setup builds the
 * bundles first): the parts only some pages need (the live session; the rules the first
 * bundle does not carry: `learned`, BOLA-E and those made for live; CMCD and Content
 * Steering; mp4box.js for SegmentBase) are chunks of their own, loaded when asked for, and
 * what is left stays under the player's size goal (docs/player.md).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ASSETS_DIR, PLAYER_STATIC_FILE } from '../../scripts/lib/build-player.js';

const GOAL_GZIP_BYTES = 21 * 1024;

it('loads the live, CDN and SegmentBase parts only when needed, and stays under 21 KB gzip', async () => {
  const player = JSON.parse(await readFile(path.join(ASSETS_DIR, PLAYER_STATIC_FILE), 'utf8')) as { files: string[]; inputs: string[]; gzipBytes: number };
  expect(player.files).toContain('dashlab-player.js');
  // The VOD player itself is there...
  for (const part of ['player/engine/player.ts', 'player/engine/fetch-loop.ts', 'core/abr/tail-mpc.ts', 'core/abr/player-rules.ts', 'core/mpd/parse.ts']) expect(player.inputs).toContain(part);
  // ...and none of what it loads on demand.
  for (const lazy of ['player/engine/live/session.ts', 'core/abr/learned.ts', 'core/abr/bola-e.ts', 'core/abr/l2a.ts', 'core/abr/lolp.ts', 'core/abr/live-mpc.ts', 'core/abr/registry.ts', 'player/engine/cmcd.ts', 'player/engine/steering.ts', 'player/engine/sidx.ts']) expect(player.inputs).not.toContain(lazy);
  expect(player.inputs.some((f) => f.includes('mp4box'))).toBe(false);
  expect(player.gzipBytes).toBeLessThan(GOAL_GZIP_BYTES);
});
