/** Prometheus metrics (prom-client): requests by route and status, bytes, 304s, ranges, jobs. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  request(route: string, status: number, bytes: number, notModified: boolean, range: boolean): void;
  jobDuration: Histogram<'outcome'>;
}

/** Job metrics alone: the cluster primary runs the jobs, its workers serve HTTP. */
export function createJobMetrics(registry = new Registry()): { registry: Registry; jobDuration: Histogram<'outcome'> } {
  const jobDuration = new Histogram({
    name: 'dashlab_job_duration_seconds',
    help: 'Packaging job durations, by outcome',
    labelNames: ['outcome'],
    buckets: [5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [registry],
  });
  return { registry, jobDuration };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dashlab_' });
  // Registered first: scraping it copies every tally into the four counters.
  const requests = new Counter({ name: 'dashlab_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry], collect: () => snapshot() });
  const bytes = new Counter({ name: 'dashlab_http_response_bytes_total', help: 'Response body bytes sent, by route', labelNames: ['route'], registers: [registry] });
  const notModified = new Counter({ name: 'dashlab_http_not_modified_total', help: '304 Not Modified answers, by route', labelNames: ['route'], registers: [registry] });
  const ranges = new Counter({ name: 'dashlab_http_range_requests_total', help: 'Range requests (206 and 416), by route', labelNames: ['route'], registers: [registry] });
  const { jobDuration } = createJobMetrics(registry);
  // The hot path bumps plain numbers; prom-client reads them when /metrics is scraped.
  const tallies = new Map<string, { route: string; status: string; n: number; bytes: number; notModified: number; ranges: number }>();
  function snapshot(): void {
    requests.reset();
    bytes.reset();
    notModified.reset();
    ranges.reset();
    for (const t of tallies.values()) {
      requests.labels(t.route, t.status).inc(t.n);
      if (t.bytes) bytes.labels(t.route).inc(t.bytes);
      if (t.notModified) notModified.labels(t.route).inc(t.notModified);
      if (t.ranges) ranges.labels(t.route).inc(t.ranges);
    }
  }
  return {
    registry,
    jobDuration,
    request(route, status, n, is304, isRange) {
      const key = `${route} ${status}`;
      let t = tallies.get(key);
      if (!t) tallies.set(key, (t = { route, status: String(status), n: 0, bytes: 0, notModified: 0, ranges: 0 }));
      t.n++;
      t.bytes += n;
      if (is304) t.notModified++;
      if (isRange) t.ranges++;
    },
  };
}
