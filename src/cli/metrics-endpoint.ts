/**
 * The Prometheus endpoint of a long-running command (join, train): started
 * before the work, closed after it; its URL is logged at start.
 */
import type { LabeljoinConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { serve } from '../observe/http.js';
import { newRegistry } from '../observe/metrics.js';

export interface MetricsEndpoint {
  readonly registry: ReturnType<typeof newRegistry>;
  /** false with --metrics-port off: nothing will read the registry, so per-sample hooks can be left out */
  readonly served: boolean;
  close(): Promise<void>;
}

export async function startMetricsEndpoint(config: LabeljoinConfig, component: 'join' | 'train', instance: string, log: Logger): Promise<MetricsEndpoint> {
  const registry = newRegistry(component, instance);
  const { metricsHost, metricsPort } = config.observe;
  if (metricsPort === 'off') return { registry, served: false, close: async () => undefined };
  const server = await serve(`${component} metrics`, metricsHost, metricsPort, {
    '/metrics': async () => ({ type: registry.contentType, body: await registry.metrics() }),
  });
  log.info('metrics endpoint', { url: `${server.url}/metrics` });
  return { registry, served: true, close: () => server.close() };
}
