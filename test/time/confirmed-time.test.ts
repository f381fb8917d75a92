/**
 * The confirmed event time of one partition (src/time/confirmed-time.ts):
 * max jump 60 s, K = 3 later records.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfirmedTime, type Resolution } from '../../src/time/confirmed-time.js';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function feed(time: ConfirmedTime<number>, times: readonly number[]): Array<Resolution<number>> {
  const out: Array<Resolution<number>> = [];
  times.forEach((ts, i) => out.push(...time.observe(ts, i).resolved));
  return out;
}

describe('ConfirmedTime', () => {
  it('a partition starts when K records confirm its first one; then records in time move it at once', () => {
    const time = new ConfirmedTime<number>({ maxJumpMs: MIN, timeConfirmations: 3 });
    feed(time, [T0, T0 + 1_000, T0 + 500]);
    assert.equal(time.confirmed, Number.NEGATIVE_INFINITY, 'three records: the first has two votes');
    feed(time, [T0 + 2_000]);
    assert.equal(time.confirmed, T0 + 2_000, 'the first confirmed, the others in time with it');
    assert.equal(time.pending, 0);
    assert.equal(time.observe(T0 + 50_000, 9).inTime, true);
    assert.equal(time.confirmed, T0 + 50_000);
  });

  it('one record a day ahead never moves time, and is refuted by the next K', () => {
    const time = new ConfirmedTime<number>({ maxJumpMs: MIN, timeConfirmations: 3 });
    feed(time, [T0, T0 + 1, T0 + 2, T0 + 3]);
    const judged = time.observe(T0 + DAY, 100);
    assert.equal(judged.inTime, false);
    const resolved = feed(time, [T0 + 10, T0 + 20]);
    assert.equal(time.confirmed, T0 + 20);
    assert.deepEqual(resolved, []);
    const refuted = feed(time, [T0 + 30]);
    assert.deepEqual(refuted.map((r) => [r.item, r.confirmed, r.ts - r.base]), [[100, false, DAY - 3]]);
    assert.equal(time.confirmed, T0 + 30);
  });

  it('a real jump (traffic resuming 2 h later) is followed after K records', () => {
    const time = new ConfirmedTime<number>({ maxJumpMs: MIN, timeConfirmations: 3 });
    feed(time, [T0, T0 + 1, T0 + 2, T0 + 3]);
    const later = T0 + 2 * 3_600_000;
    feed(time, [later, later + 10, later + 5]);
    assert.equal(time.confirmed, T0 + 3, 'two votes: not yet');
    const resolved = feed(time, [later + 20]);
    assert.equal(time.confirmed, later + 20);
    assert.ok(resolved.every((r) => r.confirmed));
    assert.deepEqual(resolved.map((r) => r.seq), [4, 5, 6, 7].slice(0, resolved.length), 'in log order');
  });

  it('votes need not be consecutive; an outlier among a real jump is refuted while the jump is followed', () => {
    const time = new ConfirmedTime<number>({ maxJumpMs: MIN, timeConfirmations: 3 });
    feed(time, [T0, T0 + 1, T0 + 2, T0 + 3]);
    const later = T0 + 3_600_000;
    const resolved = feed(time, [T0 + DAY, later, later + 1, later + 2, later + 3]);
    assert.equal(time.confirmed, later + 3);
    assert.deepEqual(resolved.filter((r) => !r.confirmed).map((r) => r.ts), [T0 + DAY]);
  });

  it('a repeat of a candidate does not vote for it', () => {
    const time = new ConfirmedTime<number>({ maxJumpMs: MIN, timeConfirmations: 2 }, (a, b) => a === b);
    time.observe(T0, 1);
    time.observe(T0, 2);
    time.observe(T0, 3);
    assert.equal(time.confirmed, T0);
    time.observe(T0 + DAY, 7);
    time.observe(T0 + DAY, 7);
    time.observe(T0 + DAY, 7);
    assert.equal(time.confirmed, T0, 'the same event three times is one record');
    feed(time, [T0 + 1, T0 + 2]);
    assert.equal(time.pending, 0, 'refuted by two other records');
  });

  it('time reached by other means confirms the candidates in time with it; K = 0 turns the rule off', () => {
    const time = new ConfirmedTime<number>({ maxJumpMs: MIN, timeConfirmations: 3 });
    time.observe(T0, 1);
    assert.deepEqual(time.reach(T0 - 30_000).map((r) => [r.item, r.confirmed]), [[1, true]]);
    assert.equal(time.confirmed, T0);
    const off = new ConfirmedTime<number>({ maxJumpMs: MIN, timeConfirmations: 0 });
    assert.equal(off.observe(T0 + DAY, 1).inTime, true);
    assert.equal(off.confirmed, T0 + DAY);
  });
});
