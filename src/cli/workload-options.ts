/**
 * The simulator's workload options from the config (shared by `simulate` and the benchmarks).
 */
import { bothSections, type LabeljoinConfig } from '../config/config.js';
import type { WorkloadOptions } from '../sim/workload.js';
import type { Clock } from '../time/clock.js';

export function workloadOptions(config: LabeljoinConfig, partitions: number, clock: Clock, overrides: Partial<WorkloadOptions> = {}): WorkloadOptions {
  const start = config.sim.start;
  return { ...bothSections(config, 'sim', 'join'), startMs: start === 'now' ? clock.now() : start, partitions, ...overrides };
}
