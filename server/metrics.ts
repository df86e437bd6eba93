/** Prometheus metrics (prom-client): requests by route and status, bytes, 304s, ranges, jobs. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  request(route: string, status: number, bytes: number, notModified: boolean, range: boolean): void;
  jobDuration: Histogram<'outcome'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dashlab_' });
  const requests = new Counter({ name: 'dashlab_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] });
  const bytes = new Counter({ name: 'dashlab_http_response_bytes_total', help: 'Response body bytes sent, by route', labelNames: ['route'], registers: [registry] });
  const notModified = new Counter({ name: 'dashlab_http_not_modified_total', help: '304 Not Modified answers, by route', labelNames: ['route'], registers: [registry] });
  const ranges = new Counter({ name: 'dashlab_http_range_requests_total', help: 'Range requests (206 and 416), by route', labelNames: ['route'], registers: [registry] });
  const jobDuration = new Histogram({
    name: 'dashlab_job_duration_seconds',
    help: 'Packaging job durations, by outcome',
    labelNames: ['outcome'],
    buckets: [5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [registry],
  });
  // Label children are looked up once: this runs on every media request.
  const children = new Map<string, { req: Counter.Internal; bytes: Counter.Internal }>();
  return {
    registry,
    jobDuration,
    request(route, status, n, is304, isRange) {
      const key = `${route} ${status}`;
      let c = children.get(key);
      if (!c) {
        c = { req: requests.labels(route, String(status)), bytes: bytes.labels(route) };
        children.set(key, c);
      }
      c.req.inc();
      if (n) c.bytes.inc(n);
      if (is304) notModified.labels(route).inc();
      if (isRange) ranges.labels(route).inc();
    },
  };
}
