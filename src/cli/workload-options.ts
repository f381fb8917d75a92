/**
 * The simulator's workload options from the config (shared by `simulate` and the benchmarks).
 */
import type { LabeljoinConfig } from '../config/config.js';
import type { WorkloadOptions } from '../sim/workload.js';
import type { Clock } from '../time/clock.js';

export function workloadOptions(config: LabeljoinConfig, partitions: number, clock: Clock, overrides: Partial<WorkloadOptions> = {}): WorkloadOptions {
  const sim = config.sim;
  return {
    seed: sim.seed,
    users: sim.users,
    posts: sim.posts,
    views: sim.views,
    durationMs: sim.durationMs,
    viewsPerSecond: sim.viewsPerSecond,
    startMs: sim.start === 'now' ? clock.now() : sim.start,
    dayLengthMs: sim.dayLengthMs,
    driftPeriodMs: sim.driftPeriodMs,
    labelTypes: config.join.labelTypes,
    windowMs: config.join.windowMs,
    maxSkewMs: config.join.maxSkewMs,
    outOfOrdernessMs: config.join.outOfOrdernessMs,
    partitions,
    duplicateRate: sim.duplicateRate,
    earlyRate: sim.earlyRate,
    lateRate: sim.lateRate,
    lateArrivalRate: sim.lateArrivalRate,
    skewMs: sim.skewMs,
    viewIdRate: sim.viewIdRate,
    idlePartition: sim.idlePartition,
    ...overrides,
  };
}
