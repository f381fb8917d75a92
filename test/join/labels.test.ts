import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labels } from '../../src/join/labels.js';
import { id, T0 } from '../helpers/events.js';

const w = { windowMs: 60_000, maxSkewMs: 5_000 };
const e = (type: number, dt: number, viewId: Buffer | null = null) => ({ eventId: id(100_000 + type * 1_000 + Math.abs(dt)), type, ts: T0 + dt, viewId, matched: false });

describe('labels (the join rule)', () => {
  it('labels a type 1 when an engagement is in [ts - maxSkew, ts + window], edges included', () => {
    const l = labels(id(1), T0, [e(0, -5_000), e(1, 60_000), e(2, 60_001), e(3, -5_001)], 4, w);
    assert.equal(l.labels, 0b0011);
    assert.deepEqual(l.delays, [-5_000, 60_000, null, null]);
  });

  it('keeps the smallest delay per type', () => {
    const l = labels(id(1), T0, [e(0, 30_000), e(0, 2_000), e(0, 9_000)], 1, w);
    assert.deepEqual(l.delays, [2_000]);
  });

  it('an engagement with a view_id labels that view only', () => {
    assert.equal(labels(id(1), T0, [e(0, 1_000, id(2))], 1, w).labels, 0);
    assert.equal(labels(id(1), T0, [e(0, 1_000, id(1))], 1, w).labels, 1);
  });
});
