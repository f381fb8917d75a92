import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/time/clock.js';
import { EngagementTime } from '../../src/time/watermarks.js';

function setup(mode: 'event' | 'processing' = 'event'): { time: EngagementTime; clock: ManualClock } {
  const clock = new ManualClock(1_000_000);
  const time = new EngagementTime({ outOfOrdernessMs: 15_000, idleTimeoutMs: 10_000, mode }, clock);
  for (const p of [0, 1, 2]) time.add(p);
  return { time, clock };
}

describe('EngagementTime', () => {
  it('is the newest event time minus the out-of-orderness, per partition', () => {
    const { time } = setup();
    assert.equal(time.watermark(0), Number.NEGATIVE_INFINITY);
    time.observe(0, 100_000);
    time.observe(0, 90_000);
    assert.equal(time.watermark(0), 85_000);
    time.observe(1, 50_000);
    assert.equal(time.watermark(1), 35_000);
  });

  it('an idle partition follows the slowest active one; wall clock alone never moves it', () => {
    const { time, clock } = setup();
    time.observe(0, 100_000);
    time.observe(1, 200_000);
    time.observe(2, 10_000);
    for (const p of [0, 1, 2]) time.setCaughtUp(p, true);
    assert.equal(time.watermark(2), -5_000, 'not idle before the timeout');
    clock.advance(9_999);
    assert.equal(time.isIdle(2), false);
    clock.advance(1);
    // All three are idle now (caught up, quiet): they follow the views' time, unknown yet.
    assert.equal(time.watermark(2), -5_000);
    time.setCaughtUp(0, false);
    time.setCaughtUp(1, false);
    assert.equal(time.watermark(2), 85_000, 'follows the slowest active partition');
    clock.advance(3_600_000);
    assert.equal(time.watermark(2), 85_000, 'an hour of wall clock changes nothing');
  });

  it('records arriving for an idle partition end its idleness at once', () => {
    const { time, clock } = setup();
    time.observe(0, 100_000);
    time.observe(1, 200_000);
    for (const p of [0, 1, 2]) time.setCaughtUp(p, true);
    clock.advance(10_000);
    time.setCaughtUp(1, false);
    assert.equal(time.watermark(0), 185_000, 'idle: follows partition 1, the only active one');
    time.activity(0);
    assert.equal(time.watermark(0), 85_000, 'fetched records: its own time again');
  });

  it('a partition with unread records is never idle', () => {
    const { time, clock } = setup();
    time.observe(2, 10_000);
    time.setCaughtUp(2, false);
    clock.advance(60_000);
    assert.equal(time.isIdle(2), false);
  });

  it('when every partition is idle, the views\' newest time leads', () => {
    const { time, clock } = setup();
    for (const p of [0, 1, 2]) time.setCaughtUp(p, true);
    clock.advance(10_000);
    time.observeView(500_000);
    assert.equal(time.watermark(0), 485_000);
  });

  it('end of time releases everything', () => {
    const { time } = setup();
    time.endOfTime();
    assert.equal(time.watermark(1), Number.POSITIVE_INFINITY);
  });

  it('processing-time mode: the wall clock minus the out-of-orderness', () => {
    const { time, clock } = setup('processing');
    time.observe(0, 5);
    assert.equal(time.watermark(0), 985_000);
    clock.advance(1_000);
    assert.equal(time.watermark(0), 986_000);
  });
});
