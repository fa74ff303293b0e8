import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus registry. One per process (the API and the worker each expose their own
 * `/metrics`); libraries register their metrics on it through `MetricsRegistry` injection.
 */
export class MetricsRegistry extends Registry {
  constructor() {
    super();
    collectDefaultMetrics({ register: this });
  }

  /** Returns the metric registered under `name`, creating it with `create` the first time. */
  getOrCreate<T>(name: string, create: (registry: MetricsRegistry) => T): T {
    return (this.getSingleMetric(name) as T | undefined) ?? create(this);
  }

  httpRequestDuration(): Histogram<'method' | 'route' | 'status_code'> {
    return this.getOrCreate(
      'http_request_duration_seconds',
      (registers) =>
        new Histogram({
          name: 'http_request_duration_seconds',
          help: 'HTTP request duration by method, route template and status code',
          labelNames: ['method', 'route', 'status_code'],
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers: [registers],
        }),
    );
  }
}
