import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listCandidates, type IndexedEngagement } from '../../src/join/engagement-index.js';
import { afterLate, labelsEmitted, labelView, viewTimesFor } from '../../src/join/labels.js';
import { id, T0 } from '../helpers/events.js';

const w = { windowMs: 60_000, maxSkewMs: 5_000 };
const e = (type: number, dt: number, viewId: Buffer | null = null): IndexedEngagement => ({ eventId: id(100_000 + type * 1_000 + Math.abs(dt)), type, ts: T0 + dt, viewId, matched: false });

/** Labels a view at T0 from a list, and which of the list were marked. */
function label(viewId: Buffer, list: IndexedEngagement[], typeCount: number): { labels: number; delays: Array<number | null>; marked: number[] } {
  const marked: number[] = [];
  const l = labelView(viewId, T0, listCandidates(list, (x) => marked.push(list.indexOf(x))), typeCount, w);
  return { ...l, marked };
}

describe('labels (the join rule)', () => {
  it('labels a type 1 when an engagement is in [ts - maxSkew, ts + window], edges included, and marks exactly those', () => {
    const l = label(id(1), [e(0, -5_000), e(1, 60_000), e(2, 60_001), e(3, -5_001)], 4);
    assert.equal(l.labels, 0b0011);
    assert.deepEqual(l.delays, [-5_000, 60_000, null, null]);
    assert.deepEqual(l.marked, [0, 1]);
  });

  it('keeps the smallest delay per type', () => {
    assert.deepEqual(label(id(1), [e(0, 30_000), e(0, 2_000), e(0, 9_000)], 1).delays, [2_000]);
  });

  it('an engagement with a view_id labels that view only', () => {
    assert.equal(label(id(1), [e(0, 1_000, id(2))], 1).labels, 0);
    assert.equal(label(id(1), [e(0, 1_000, id(1))], 1).labels, 1);
  });

  it('the late check: the views an engagement can label are those whose window holds it', () => {
    const span = viewTimesFor(T0, w);
    assert.deepEqual(span, { from: T0 - 60_000, to: T0 + 5_000 });
    const eng = { ts: T0, viewId: null };
    assert.equal(labelsEmitted(eng, { viewTs: span.from, viewId: id(1) }, w), true);
    assert.equal(labelsEmitted(eng, { viewTs: span.to, viewId: id(1) }, w), true);
    assert.equal(labelsEmitted(eng, { viewTs: span.from - 1, viewId: id(1) }, w), false);
    assert.equal(labelsEmitted(eng, { viewTs: span.to + 1, viewId: id(1) }, w), false);
    assert.equal(labelsEmitted({ ts: T0, viewId: id(2) }, { viewTs: T0, viewId: id(1) }, w), false);
  });

  it('a late engagement sets its label and delay in a new version, and changes nothing when the label is 1 already', () => {
    const before = { labels: 0b01, delays: [3_000, null] };
    assert.deepEqual(afterLate(before, 1, 7_000), { labels: 0b11, delays: [3_000, 7_000] });
    assert.deepEqual(before, { labels: 0b01, delays: [3_000, null] }, 'the earlier labels are not changed');
    assert.equal(afterLate(before, 0, 1_000), undefined);
  });
});
