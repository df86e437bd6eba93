/**
 * A cluster worker: an origin that serves HTTP with the primary's job queue (a JobMirror over
 * IPC), the primary's shaper (requests forwarded to its private port) and the cluster's
 * metrics (gathered by the primary). It serves until the primary says to stop.
 */
import { AggregatorRegistry } from 'prom-client';
import { createOrigin, type PrimaryLink } from '../app.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { MediaCatalog } from '../media/catalog.js';
import type { Metrics } from '../metrics.js';
import { JobMirror } from './job-mirror.js';
import { request, SHAPER_ENV, type PrimaryMessage, type WorkerMessage } from './protocol.js';

/** The primary as this worker sees it; the primary asks it to reload videos it published or deleted. */
async function connectToPrimary(o: { catalog: MediaCatalog; metrics: Metrics; log: Logger }): Promise<PrimaryLink> {
  const jobs = new JobMirror();
  await jobs.init();
  // Constructing one installs prom-client's worker-side listener; then it answers the primary.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([o.metrics.registry]);
  process.on('message', (m: PrimaryMessage) => {
    if (m?.t !== 'reload') return;
    void o.catalog
      .reload(m.id)
      .catch((err: Error) => o.log.warn('library reload failed', { id: m.id, error: err.message }))
      .finally(() => process.send?.({ t: 'reloaded', ackId: m.ackId } satisfies WorkerMessage));
  });
  const shaperUrl = process.env[SHAPER_ENV.url];
  const shaperSecret = process.env[SHAPER_ENV.secret];
  if (!shaperUrl || !shaperSecret) throw new Error(`a cluster worker needs ${SHAPER_ENV.url} and ${SHAPER_ENV.secret} (set by the primary)`);
  return {
    jobs,
    shaperUrl: new URL(shaperUrl),
    shaperSecret,
    metricsText: async () => String(await request({ t: 'metrics' })),
    libraryChanged: (id) => void request({ t: 'library-changed', id }).catch(() => undefined),
  };
}

export async function runWorker(config: Config, log: Logger): Promise<void> {
  const origin = await createOrigin(config, { log, primary: connectToPrimary });
  try {
    await origin.listen();
  } catch (err) {
    // The primary says it once, for every worker, and stops.
    process.send?.({ t: 'failed', error: (err as Error).message } satisfies WorkerMessage, () => process.exit(1));
    return;
  }
  process.send?.({ t: 'listening' } satisfies WorkerMessage);
  const stop = async () => {
    await origin.close();
    process.exit(0);
  };
  process.on('message', (m: PrimaryMessage) => {
    if (m?.t === 'shutdown') void stop();
  });
  // The primary handles signals; a worker ignores Ctrl-C sent to the whole group.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  process.on('disconnect', () => void stop());
}
