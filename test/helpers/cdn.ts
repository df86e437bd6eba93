/** A CDN tier for tests, started as npm run cdn starts it (scripts/lib/cdn-tier.ts), on free loopback ports. */
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config.js';
import { freePort } from '../../server/free-port.js';
import { profileReader, startTier, type RunningTier } from '../../scripts/lib/cdn-tier.js';

export type TestCdn = RunningTier;

export async function startCdn(o: { mediaDir: string; edges: Array<{ profile: string; cacheMb?: number }>; ttlS?: number; capacity?: number }): Promise<TestCdn> {
  const port = await freePort();
  const config = { ...loadConfig({}), port, host: '127.0.0.1', mediaDir: o.mediaDir, workers: 1 };
  const { profileOf, close } = await profileReader(config);
  const edges = [];
  for (const [i, e] of o.edges.entries()) edges.push({ id: `edge-${i + 1}`, profile: profileOf(e.profile), port: await freePort(), cacheMb: e.cacheMb ?? 64 });
  const workDir = path.join(os.tmpdir(), `dashlab-cdn-test-${port}`);
  const running = await startTier({ config, edges, workDir, ttlS: o.ttlS ?? 2, capacity: o.capacity ?? 0, profileOf });
  return {
    ...running,
    async stop() {
      await running.stop();
      close();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
