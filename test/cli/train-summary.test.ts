/**
 * The train summary: the text lines (unchanged from before --json existed) and
 * the --json object are made from one value, so they carry the same numbers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLine } from '../../src/cli/command.js';
import { trainSummaryJson, trainSummaryLines } from '../../src/cli/train-summary.js';
import type { TrainSummary } from '../../src/train/trainer.js';

const SUMMARY: TrainSummary = {
  counters: { samplesIn: 1_000, applied: 950, duplicates: 40, stale: 10, corrections: 5, deadLettered: 0, updates: 1_900, storeCommits: 20, storeMsTotal: 50, storeMsMax: 7.4 },
  elapsedMs: 4_000,
  partitions: [1, 3],
  windows: [{ window: 1, samples: 500, fromTs: 0, toTs: 1, signals: { like: { positives: 0, logloss: 0.25, meanScore: 0.01, observedRate: 0, auc: Number.NaN }, play: { positives: 9, logloss: 0.5, meanScore: 0.02, observedRate: 0.018, auc: 0.75, frozenAuc: 0.7, frozenLogloss: 0.55 } } }],
  dedupEntries: { 1: 400, 3: 500 },
};

describe('train summary', () => {
  it('text', () => {
    assert.deepEqual(trainSummaryLines(trainSummaryJson(SUMMARY, 1, 2, 'embedded')), [
      'train (instance 1 of 2, embedded store): 4.0 s, partitions 1,3: 1000 samples in (250/s), applied 950, duplicates skipped 40, older versions skipped 10, corrections 5, dead-lettered 0',
      '  model steps 1900; store 20 batches, 2.5 ms per batch (max 7); de-dup memory 900 views',
      '  progressive validation (scored before learning): window, samples, per signal AUC / logloss [frozen AUC / logloss]',
      '     1      500  like -/0.250  play 0.750/0.500 [0.700/0.550]',
    ]);
  });

  it('--json: one line, one object; an undefined AUC is null', () => {
    const parsed = JSON.parse(jsonLine(trainSummaryJson(SUMMARY, 1, 2, 'redis'))) as Record<string, unknown>;
    assert.deepEqual(parsed, {
      command: 'train',
      instance: 1,
      instances: 2,
      store: 'redis',
      seconds: 4,
      samplesPerSecond: 250,
      partitions: [1, 3],
      counters: SUMMARY.counters,
      storeMsPerBatch: 2.5,
      dedupViews: 900,
      windows: [{ window: 1, samples: 500, fromTs: 0, toTs: 1, signals: { like: { positives: 0, logloss: 0.25, meanScore: 0.01, observedRate: 0, auc: null }, play: { positives: 9, logloss: 0.5, meanScore: 0.02, observedRate: 0.018, auc: 0.75, frozenAuc: 0.7, frozenLogloss: 0.55 } } }],
    });
  });
});
