/** A CDN tier for tests, composed as scripts/cdn.ts composes it: an origin and real nginx edges on free loopback ports. */
import os from 'node:os';
import path from 'node:path';
import { createOrigin, createShaper, type Origin } from '../../server/app.js';
import { cdnExtension } from '../../server/cdn/routes.js';
import { CdnTier } from '../../server/cdn/tier.js';
import { freePort } from '../../server/free-port.js';
import { loadConfig } from '../../server/config.js';
import { parseProfile } from '../../server/shaper/profiles.js';

export interface TestCdn {
  tier: CdnTier;
  origin: Origin;
  originUrl: string;
  stop(): Promise<void>;
}

export async function startCdn(o: { mediaDir: string; edges: Array<{ profile: string; cacheMb?: number }>; ttlS?: number; capacity?: number }): Promise<TestCdn> {
  const port = await freePort();
  const config = { ...loadConfig({}), port, host: '127.0.0.1', mediaDir: o.mediaDir, workers: 1 };
  const traces = createShaper(config, () => '');
  await traces.loadTraces();
  const profileOf = (spec: string) => parseProfile(spec, (n) => traces.trace(n));
  const edges = [];
  for (const [i, e] of o.edges.entries()) edges.push({ id: `edge-${i + 1}`, profile: profileOf(e.profile), port: await freePort(), cacheMb: e.cacheMb ?? 64 });
  const originUrl = `http://127.0.0.1:${port}`;
  const tier = new CdnTier({ originPort: port, edges, workDir: path.join(os.tmpdir(), `dashlab-cdn-test-${port}`), steeringTtlS: o.ttlS ?? 2, edgeCapacity: o.capacity ?? 0 });
  const origin = await createOrigin(config, { extension: cdnExtension({ tier, originUrl, host: config.host, profileOf }) });
  await origin.listen();
  await tier.start();
  return {
    tier,
    origin,
    originUrl,
    async stop() {
      await tier.stop();
      await origin.close();
      traces.close();
    },
  };
}
