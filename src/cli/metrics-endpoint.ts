/**
 * The Prometheus endpoint of a long-running command (join, train): started
 * before the work, closed after it; its URL is logged at start.
 */
import type { LabeljoinConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { serve } from '../observe/http.js';
import { healthzReply, readyzReply, type HealthSource } from '../observe/health.js';
import { newRegistry } from '../observe/metrics.js';
import { systemClock } from '../time/clock.js';

export interface MetricsEndpoint {
  readonly registry: ReturnType<typeof newRegistry>;
  /** false with --metrics-port off: nothing will read the registry, so per-sample hooks can be left out */
  readonly served: boolean;
  /** What /healthz and /readyz ask (src/observe/health.ts); until set, both answer 503 "starting". */
  setHealth(source: HealthSource): void;
  close(): Promise<void>;
}

export async function startMetricsEndpoint(config: LabeljoinConfig, component: 'join' | 'train', instance: string, log: Logger): Promise<MetricsEndpoint> {
  const registry = newRegistry(component, instance);
  const { metricsHost, metricsPort } = config.observe;
  if (metricsPort === 'off') return { registry, served: false, setHealth: () => undefined, close: async () => undefined };
  let health: HealthSource | undefined;
  const server = await serve(`${component} metrics`, metricsHost, metricsPort, {
    '/metrics': async () => ({ type: registry.contentType, body: await registry.metrics() }),
    '/healthz': () => healthzReply(health, systemClock.now(), config.observe.healthTimeoutMs),
    '/readyz': () => readyzReply(health),
  });
  log.info('metrics endpoint', { url: `${server.url}/metrics`, probes: [`${server.url}/healthz`, `${server.url}/readyz`] });
  if (server.exposed) log.warn('the metrics endpoint listens beyond this machine without authentication (--metrics-host): anyone who reaches the port reads the metrics; restrict it by network policy or a proxy', { host: metricsHost, port: server.port });
  return {
    registry,
    served: true,
    setHealth: (source) => {
      health = source;
    },
    close: () => server.close(),
  };
}
