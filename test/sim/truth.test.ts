import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TruthTracker, type TruthRow } from '../../src/sim/truth.js';
import { engagement, T0, view } from '../helpers/events.js';

const options = { labelTypes: ['like', 'share'], windowMs: 60_000, maxSkewMs: 5_000, lateAfterMs: 7_500, maxClockSkewMs: 0 };

function track(run: (t: TruthTracker) => void): TruthRow[] {
  const rows: TruthRow[] = [];
  const tracker = new TruthTracker(options, (r) => rows.push(r));
  run(tracker);
  tracker.finish();
  return rows;
}

describe('TruthTracker', () => {
  it('labels by the window [ts - maxSkew, ts + window], edges included', () => {
    const v = view(1, { ts: T0 });
    const rows = track((t) => {
      t.addView(v, 0);
      t.addEngagement(engagement(1, { ts: T0 + 60_000, type: 'like' }), T0 + 60_000);
      t.addEngagement(engagement(2, { user_id: v.user_id, post_id: v.post_id, ts: T0 - 5_000, type: 'share' }), T0);
    });
    assert.deepEqual(rows[0]!.labels, { like: 1, share: 1 });
    assert.deepEqual(rows[0]!.delays_ms, { like: 60_000, share: -5_000 });
    const outside = track((t) => {
      t.addView(v, 0);
      t.addEngagement(engagement(1, { ts: T0 + 60_001 }), T0 + 60_001);
      t.addEngagement(engagement(2, { user_id: v.user_id, post_id: v.post_id, ts: T0 - 5_001, type: 'share' }), T0);
    });
    assert.deepEqual(outside[0]!.labels, { like: 0, share: 0 });
  });

  it('an engagement with a view_id labels that view only; without, every view of the pair in window', () => {
    const a = view(1, { ts: T0 });
    const b = view(2, { ts: T0 + 10_000, user_id: a.user_id, post_id: a.post_id });
    const rows = track((t) => {
      t.addView(a, 0);
      t.addView(b, 0);
      t.addEngagement(engagement(1, { ts: T0 + 20_000, view_id: b.event_id }), T0 + 20_000);
      t.addEngagement(engagement(2, { user_id: a.user_id, post_id: a.post_id, ts: T0 + 30_000, type: 'share' }), T0 + 30_000);
    });
    assert.deepEqual(rows.map((r) => r.labels), [{ like: 0, share: 1 }, { like: 1, share: 1 }]);
  });

  it('matches an engagement that comes before its view (a later view of the pair)', () => {
    const v = view(1, { ts: T0 });
    const rows = track((t) => {
      t.addEngagement(engagement(1, { ts: T0 - 1_000 }), T0);
      t.addView(v, 0);
    });
    assert.deepEqual(rows[0]!.labels, { like: 1, share: 0 });
  });

  it('marks a label as late when every engagement behind it is delivered after the window closed', () => {
    const v = view(1, { ts: T0 });
    const rows = track((t) => {
      t.addView(v, 0);
      t.addEngagement(engagement(1, { ts: T0 + 1_000 }), T0 + 60_000 + 7_501);
      t.addEngagement(engagement(2, { user_id: v.user_id, post_id: v.post_id, ts: T0 + 2_000, type: 'share' }), T0 + 60_000 + 7_500);
    });
    assert.deepEqual(rows[0]!.late, ['like']);
  });

  it('finalises a view only once no future engagement can reach it', () => {
    const rows: TruthRow[] = [];
    const t = new TruthTracker(options, (r) => rows.push(r));
    t.addView(view(1, { ts: T0 }), 0);
    t.advance(T0 + 60_000);
    assert.equal(rows.length, 0);
    t.advance(T0 + 60_001);
    assert.equal(rows.length, 1);
  });
});
