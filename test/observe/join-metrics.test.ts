/**
 * The joiner's Prometheus counters are read from its counters at scrape time
 * (src/observe/metrics.ts); here, the time outliers by input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LABEL_TYPES } from '../../src/config/settings.js';
import { newCounters } from '../../src/join/counters.js';
import { JoinMetrics, newRegistry } from '../../src/observe/metrics.js';
import { ManualClock } from '../../src/time/clock.js';

describe('JoinMetrics', () => {
  it('labeljoin_join_time_outliers_total{input} follows the joiner\'s counters', async () => {
    const registry = newRegistry('join', 'test');
    const metrics = new JoinMetrics(registry, { labelTypes: DEFAULT_LABEL_TYPES, windowMs: 60_000, viewsTopic: 'views', engagementTopics: ['engagements'], clock: new ManualClock(0) });
    const counters = newCounters(DEFAULT_LABEL_TYPES);
    metrics.attach({ counters, partitionStates: () => [], indexSize: () => 0 });
    counters.timeOutliers.views = 2;
    counters.timeOutliers.engagements = 5;
    const text = await registry.metrics();
    assert.match(text, /labeljoin_join_time_outliers_total\{input="views",component="join",instance="test"\} 2/);
    assert.match(text, /labeljoin_join_time_outliers_total\{input="engagements",component="join",instance="test"\} 5/);
  });
});
