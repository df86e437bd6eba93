/**
 * An origin with a CDN tier in front, started and stopped as one: what `npm run cdn`,
 * `cdn:load`, `bench:cdn` and the tests run. The origin gets the tier's routes (its
 * extension); the tier's nginx edges start once the origin answers.
 */
import { createOrigin, createShaper, type Origin } from '../../server/app.js';
import { cdnExtension } from '../../server/cdn/routes.js';
import { CdnTier, type EdgeSpec } from '../../server/cdn/tier.js';
import type { Config } from '../../server/config.js';
import type { Logger } from '../../server/log.js';
import { parseProfile, type LinkProfile } from '../../server/shaper/profiles.js';

export interface RunningTier {
  tier: CdnTier;
  origin: Origin;
  originUrl: string;
  stop(): Promise<void>;
}

/** Link profiles by spec, traces included (the shaper's: media/traces and uploaded ones). */
export async function profileReader(config: Config): Promise<{ profileOf: (spec: string) => LinkProfile; close: () => void }> {
  const traces = createShaper(config, () => '');
  await traces.loadTraces();
  return { profileOf: (spec) => parseProfile(spec, (n) => traces.trace(n)), close: () => traces.close() };
}

export async function startTier(o: { config: Config; edges: EdgeSpec[]; workDir: string; ttlS: number; capacity: number; profileOf: (spec: string) => LinkProfile; log?: Logger }): Promise<RunningTier> {
  const originUrl = `http://127.0.0.1:${o.config.port}`;
  const tier = new CdnTier({ originPort: o.config.port, edges: o.edges, workDir: o.workDir, steeringTtlS: o.ttlS, edgeCapacity: o.capacity });
  const origin = await createOrigin(o.config, { log: o.log, extension: cdnExtension({ tier, originUrl, host: o.config.host, uploadToken: o.config.uploadToken, profileOf: o.profileOf }) });
  await origin.listen();
  try {
    await tier.start();
  } catch (err) {
    await origin.close();
    throw err;
  }
  return {
    tier,
    origin,
    originUrl,
    async stop() {
      await tier.stop();
      await origin.close();
    },
  };
}
