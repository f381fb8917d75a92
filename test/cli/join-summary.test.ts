/**
 * The join summary: the text lines (unchanged from before --json existed) and
 * the --json object are made from one value, so they carry the same numbers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLine } from '../../src/cli/command.js';
import { joinSummaryJson, joinSummaryLines } from '../../src/cli/join-summary.js';
import { newCounters } from '../../src/join/counters.js';

function summary(): Parameters<typeof joinSummaryJson>[0] {
  const counters = { ...newCounters(['like', 'share']), viewsIn: 900, engagementsIn: 300, samplesOut: 880, positives: { like: 40, share: 3 }, duplicateViews: 20, duplicateEngagements: 7, late: 2, orphans: 5 };
  return { counters, elapsedMs: 2_000, partitions: [0, 2] };
}

describe('join summary', () => {
  it('text: drained run, no dead letters', () => {
    assert.deepEqual(joinSummaryLines(joinSummaryJson(summary(), 'at-least-once', true)), [
      'join (at-least-once): drained after 2.0 s: 900 views and 300 engagements in (600/s), 880 samples out, partitions 0,2',
      '  positives like 40, share 3',
      '  duplicates 20 views + 7 engagements, late 2, corrections 0, orphans 5, dead-lettered 0',
    ]);
  });

  it('text: stopped run with dead letters, replayed engagements and records lost to retention', () => {
    const s = summary();
    const counters = { ...s.counters, deadLettered: 3, deadLetteredBy: { RECORD_UNDECODABLE: 3 }, replayedEngagements: 11, lostToRetention: 100 };
    assert.equal(
      joinSummaryLines(joinSummaryJson({ ...s, counters }, 'exactly-once', false))[2],
      '  duplicates 20 views + 7 engagements, late 2, corrections 0, orphans 5, dead-lettered 3 {"RECORD_UNDECODABLE":3}, engagements re-read after a restart 11, LOST TO RETENTION 100',
    );
    assert.match(joinSummaryLines(joinSummaryJson({ ...s, counters }, 'exactly-once', false))[0]!, /^join \(exactly-once\): stopped after 2\.0 s/);
  });

  it('--json: one line, one object with every counter, the rate, the partitions, the mode', () => {
    const line = jsonLine(joinSummaryJson(summary(), 'exactly-once', false));
    assert.equal(line.split('\n').length, 1);
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(parsed, {
      command: 'join',
      delivery: 'exactly-once',
      drained: false,
      seconds: 2,
      inputsPerSecond: 600,
      partitions: [0, 2],
      counters: summary().counters,
    });
  });

  it('jsonLine writes bigints as decimal strings', () => {
    assert.equal(jsonLine({ offset: 9_007_199_254_740_993n, n: 1 }), '{"offset":"9007199254740993","n":1}');
  });
});
