import { SETTINGS } from '../../src/config/settings.js';
import type { WorkloadOptions } from '../../src/sim/workload.js';

/** Small, disorderly traffic for tests: every knob turned up. */
export function testWorkload(overrides: Partial<WorkloadOptions> = {}): WorkloadOptions {
  return {
    seed: 11,
    users: 300,
    posts: 200,
    views: 6_000,
    durationMs: undefined,
    viewsPerSecond: 50,
    startMs: Date.UTC(2026, 0, 1),
    dayLengthMs: 3_600_000,
    driftPeriodMs: 86_400_000,
    labelTypes: ['like', 'share', 'comment', 'favorite', 'play', 'skip'],
    windowMs: 60_000,
    maxSkewMs: 5_000,
    outOfOrdernessMs: 15_000,
    maxJumpMs: SETTINGS['join.maxJumpMs'].default,
    timeConfirmations: SETTINGS['join.timeConfirmations'].default,
    partitions: 4,
    duplicateRate: 0.05,
    earlyRate: 0.1,
    lateRate: 0.05,
    lateArrivalRate: 0.02,
    skewMs: 1_000,
    viewIdRate: 0.5,
    idlePartition: undefined,
    spike: undefined,
    ...overrides,
  };
}
