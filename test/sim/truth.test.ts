import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngagementEvent, ViewEvent } from '../../src/codec/events.js';
import { TruthTracker, type TruthRow } from '../../src/sim/truth.js';
import { engagement, T0, view } from '../helpers/events.js';

const options = { labelTypes: ['like', 'share'], windowMs: 60_000, maxSkewMs: 5_000, outOfOrdernessMs: 15_000, maxClockSkewMs: 0, maxJumpMs: 60_000, timeConfirmations: 0 };

/** Adds and delivers in one step (generation order = log order), as most cases need. */
class Log {
  readonly t: TruthTracker;
  constructor(t: TruthTracker) {
    this.t = t;
  }
  view(v: ViewEvent, partition = 0): void {
    this.t.deliverView(this.t.addView(v, partition));
  }
  engagement(e: EngagementEvent, partition = 0): void {
    const tracked = this.t.addEngagement(e, partition);
    if (tracked !== undefined) this.t.deliverEngagement(tracked);
  }
}

function track(run: (log: Log, t: TruthTracker) => void): TruthRow[] {
  const rows: TruthRow[] = [];
  const tracker = new TruthTracker(options, (r) => rows.push(r));
  run(new Log(tracker), tracker);
  tracker.finish();
  return rows;
}

describe('TruthTracker', () => {
  it('labels by the window [ts - maxSkew, ts + window], edges included', () => {
    const v = view(1, { ts: T0 });
    const rows = track((log) => {
      log.view(v);
      log.engagement(engagement(1, { ts: T0 + 60_000, type: 'like' }));
      log.engagement(engagement(2, { user_id: v.user_id, post_id: v.post_id, ts: T0 - 5_000, type: 'share' }));
    });
    assert.deepEqual(rows[0]!.labels, { like: 1, share: 1 });
    assert.deepEqual(rows[0]!.delays_ms, { like: 60_000, share: -5_000 });
    const outside = track((log) => {
      log.view(v);
      log.engagement(engagement(1, { ts: T0 + 60_001 }));
      log.engagement(engagement(2, { user_id: v.user_id, post_id: v.post_id, ts: T0 - 5_001, type: 'share' }));
    });
    assert.deepEqual(outside[0]!.labels, { like: 0, share: 0 });
  });

  it('an engagement with a view_id labels that view only; without, every view of the pair in window', () => {
    const a = view(1, { ts: T0 });
    const b = view(2, { ts: T0 + 10_000, user_id: a.user_id, post_id: a.post_id });
    const rows = track((log) => {
      log.view(a);
      log.view(b);
      log.engagement(engagement(1, { ts: T0 + 20_000, view_id: b.event_id }));
      log.engagement(engagement(2, { user_id: a.user_id, post_id: a.post_id, ts: T0 + 30_000, type: 'share' }));
    });
    assert.deepEqual(rows.map((r) => r.labels), [{ like: 0, share: 1 }, { like: 1, share: 1 }]);
  });

  it('matches an engagement that comes before its view (a later view of the pair)', () => {
    const v = view(1, { ts: T0 });
    const rows = track((log) => {
      log.engagement(engagement(1, { ts: T0 - 1_000 }));
      log.view(v);
    });
    assert.deepEqual(rows[0]!.labels, { like: 1, share: 0 });
  });

  it('a label is late when its engagements come after the watermark of the partition reached the view (ts + window)', () => {
    const v = view(1, { ts: T0 });
    const rows = track((log) => {
      log.view(v);
      log.engagement(engagement(100, { ts: T0 + 75_000 })); // watermark T0 + 60 s: due
      log.engagement(engagement(1, { ts: T0 + 1_000 }));
      log.engagement(engagement(2, { user_id: v.user_id, post_id: v.post_id, ts: T0 + 2_000, type: 'share' }));
    });
    assert.deepEqual(rows.find((r) => r.user_id === v.user_id)!.late, ['like', 'share']);
    const justBefore = track((log) => {
      log.view(v);
      log.engagement(engagement(100, { ts: T0 + 74_999 })); // watermark 1 ms short
      log.engagement(engagement(1, { ts: T0 + 1_000 }));
    });
    assert.equal(justBefore.find((r) => r.user_id === v.user_id)!.late, undefined);
  });

  it('judges by the log, not by arrival times: at the end of the logs nothing moves the watermark past the view', () => {
    const v = view(1, { ts: T0 });
    const rows = track((log) => {
      log.view(v);
      log.engagement(engagement(100, { ts: T0 + 30_000 }));
      // however long after the window it arrives: no engagement before it in the log moved the watermark there
      log.engagement(engagement(1, { ts: T0 + 1_000 }));
    });
    assert.equal(rows.find((r) => r.user_id === v.user_id)!.late, undefined);
    assert.equal(rows.find((r) => r.user_id === v.user_id)!.labels['like'], 1);
  });

  it('a view waits for every view before it in its log: a view delivered late is emitted after them', () => {
    // b (T0 + 20 s) is in the log before a (T0): a is due only once b is, at T0 + 80 s.
    const a = view(1, { ts: T0 });
    const b = view(2, { ts: T0 + 20_000 });
    const rows = track((log) => {
      log.view(b);
      log.view(a);
      log.engagement(engagement(100, { ts: T0 + 90_000 })); // watermark T0 + 75 s: a would be due, b is not
      log.engagement(engagement(1, { ts: T0 + 1_000 }));
    });
    assert.equal(rows.find((r) => r.user_id === a.user_id)!.late, undefined);
    const inOrder = track((log) => {
      log.view(a);
      log.view(b);
      log.engagement(engagement(100, { ts: T0 + 90_000 }));
      log.engagement(engagement(1, { ts: T0 + 1_000 }));
    });
    assert.deepEqual(inOrder.find((r) => r.user_id === a.user_id)!.late, ['like']);
  });

  it('partitions have their own logs and watermarks', () => {
    const v = view(1, { ts: T0 });
    const rows = track((log) => {
      log.view(v, 0);
      log.engagement(engagement(100, { ts: T0 + 90_000 }), 1); // another partition's time
      log.engagement(engagement(1, { ts: T0 + 1_000 }), 0);
    });
    assert.equal(rows.find((r) => r.user_id === v.user_id)!.late, undefined);
  });

  it('an engagement is judged by where its first copy is in the log, and a view by its first copy', () => {
    const v = view(1, { ts: T0 });
    const rows = track((log, t) => {
      const tv = t.addView(v, 0);
      const te = t.addEngagement(engagement(1, { ts: T0 + 1_000 }), 0)!;
      t.deliverView(tv);
      t.deliverEngagement(te);
      log.engagement(engagement(100, { ts: T0 + 90_000 }));
      t.deliverEngagement(te); // a repeat: already taken in
      t.deliverView(tv);
    });
    assert.equal(rows.find((r) => r.user_id === v.user_id)!.late, undefined);
  });

  it('an engagement type that is not a label labels nothing and moves no watermark', () => {
    const v = view(1, { ts: T0 });
    const rows = track((log) => {
      log.view(v);
      log.engagement(engagement(100, { ts: T0 + 90_000, type: 'dislike' }));
      log.engagement(engagement(1, { ts: T0 + 1_000 }));
    });
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0]!.labels, { like: 1, share: 0 });
    assert.equal(rows[0]!.late, undefined);
  });

  it('finalises a view only once no future engagement can reach it', () => {
    const rows: TruthRow[] = [];
    const t = new TruthTracker(options, (r) => rows.push(r));
    t.deliverView(t.addView(view(1, { ts: T0 }), 0));
    t.advance(T0 + 60_000);
    assert.equal(rows.length, 0);
    t.advance(T0 + 60_001);
    assert.equal(rows.length, 1);
  });

  it('a closed view waits for the delivery of the engagements that label it', () => {
    const rows: TruthRow[] = [];
    const t = new TruthTracker(options, (r) => rows.push(r));
    const v = view(1, { ts: T0 });
    t.deliverView(t.addView(v, 0));
    const late = t.addEngagement(engagement(1, { ts: T0 + 1_000 }), 0)!;
    t.advance(T0 + 120_000);
    assert.equal(rows.length, 0);
    t.deliverEngagement(t.addEngagement(engagement(100, { ts: T0 + 200_000 }), 0)!);
    t.deliverEngagement(late);
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0]!.late, ['like']);
  });

  it('the time rule: a record far ahead moves W only once K later records vouch for it; repeats do not vote', () => {
    const t = new TruthTracker({ ...options, timeConfirmations: 2 }, () => undefined);
    const deliver = (e: EngagementEvent): number | undefined => {
      const tracked = t.addEngagement(e, 0)!;
      t.deliverEngagement(tracked);
      return tracked.watermark;
    };
    const ooo = options.outOfOrdernessMs;
    deliver(engagement(1, { ts: T0 })); // the first record waits: nothing is confirmed yet
    deliver(engagement(2, { ts: T0 + 1_000 }));
    assert.equal(deliver(engagement(3, { ts: T0 + 2_000 })), Number.NEGATIVE_INFINITY, 'W is the time before the record: nothing vouched for yet');
    const ahead = engagement(4, { ts: T0 + 86_400_000 });
    assert.equal(deliver(ahead), T0 + 2_000 - ooo, 'the first two were vouched for by the third, which was then in time'); // a day ahead: waits
    t.deliverRepeat(ahead, 0); // its repeat does not vote
    assert.equal(deliver(engagement(5, { ts: T0 + 3_000 })), T0 + 2_000 - ooo, 'the day-ahead record did not move W');
    assert.equal(deliver(engagement(6, { ts: T0 + 4_000 })), T0 + 3_000 - ooo);
    assert.equal(deliver(engagement(7, { ts: T0 + 5_000 })), T0 + 4_000 - ooo, 'two records behind it: it is set aside for good');
    const jump = T0 + 7_200_000; // traffic resumes two hours later
    deliver(engagement(8, { ts: jump }));
    deliver(engagement(9, { ts: jump + 1_000 }));
    assert.equal(deliver(engagement(10, { ts: jump + 2_000 })), T0 + 5_000 - ooo, 'not followed before K records vouched for it');
    assert.equal(deliver(engagement(11, { ts: jump + 3_000 })), jump + 2_000 - ooo, 'a real jump is followed after K records');
  });
});
