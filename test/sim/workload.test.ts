import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { EventCodec } from '../../src/codec/codec.js';
import type { EngagementEvent, ViewEvent } from '../../src/codec/events.js';
import { partitionForKey } from '../../src/kafka/partitioner.js';
import type { TruthRow } from '../../src/sim/truth.js';
import { Workload, type Send } from '../../src/sim/workload.js';
import { contractLabels, contractLate, type PartitionLog } from '../helpers/truth.js';
import { testWorkload } from '../helpers/workload.js';

const LONG_WINDOW = { views: 3_000, viewsPerSecond: 500, windowMs: 600_000, maxSkewMs: 30_000, partitions: 8 };

function run(options = testWorkload()): { sends: Send[]; truth: TruthRow[]; workload: Workload } {
  const truth: TruthRow[] = [];
  const workload = new Workload(options, (r) => truth.push(r));
  return { sends: [...workload.sends()], truth, workload };
}

function digest(sends: Send[], truth: TruthRow[]): string {
  const codec = new EventCodec({ labelTypes: testWorkload().labelTypes });
  const h = createHash('sha256');
  for (const s of sends) h.update(s.kind === 'view' ? codec.encodeView(s.event, 'avro') : codec.encodeEngagement(s.event, 'avro')).update(String(s.partition));
  h.update(JSON.stringify(truth));
  return h.digest('hex');
}

describe('Workload', () => {
  it('the same seed gives byte-identical traffic and truth; another seed differs', () => {
    const a = run();
    const b = run();
    assert.equal(digest(a.sends, a.truth), digest(b.sends, b.truth));
    const c = run(testWorkload({ seed: 12 }));
    assert.notEqual(digest(a.sends, a.truth), digest(c.sends, c.truth));
  });

  it('views follow the daily curve (a quarter of a day in: below the mean, then above); dayAmplitude 0 is flat', () => {
    const day = 4 * 3_600_000;
    const share = (dayAmplitude: number | undefined): number => {
      const { sends } = run(testWorkload({ views: undefined, durationMs: day / 2, dayLengthMs: day, viewsPerSecond: 5, ...(dayAmplitude === undefined ? {} : { dayAmplitude }) }));
      const views = sends.filter((x) => x.kind === 'view').map((x) => x.event.ts - testWorkload().startMs);
      return views.filter((t) => t < day / 4).length / views.length; // first quarter of the day, of the first half
    };
    // rate ∝ 1 - 0.5 cos(2πt/day): the first quarter holds (π/2 - 0.5) / π ≈ 34 % of the first half.
    assert.ok(Math.abs(share(undefined) - 0.341) < 0.03, `curve: ${share(undefined)}`);
    assert.ok(Math.abs(share(0) - 0.5) < 0.03, `flat: ${share(0)}`);
  });

  it('sends leave in arrival order, partitioned by the Java partitioner of the user id', () => {
    const { sends } = run();
    for (let i = 1; i < sends.length; i++) assert.ok(sends[i]!.arrival >= sends[i - 1]!.arrival, `send ${i} out of order`);
    for (const s of sends) assert.equal(s.partition, partitionForKey(String(s.event.user_id), 4));
  });

  it('has every kind of disorder it promises', () => {
    const { sends, workload } = run();
    const s = workload.stats;
    assert.equal(s.views, 6_000);
    assert.ok(s.engagementsBeforeView > 50, `engagements before views: ${s.engagementsBeforeView}`);
    assert.ok(s.duplicates > 0.03 * (s.views + s.engagements), `duplicates ${s.duplicates}`);
    assert.ok(s.lateTail > 0 && s.lateArrivals > 0 && s.earlyViews > 0);
    const ids = new Set<string>();
    let repeated = 0;
    for (const x of sends) {
      const id = x.event.event_id.toString('hex');
      if (ids.has(id)) repeated++;
      ids.add(id);
    }
    assert.equal(repeated, s.duplicates);
  });

  it('the truth equals the join contract recomputed by brute force from what was sent', () => {
    const options = testWorkload();
    const { sends, truth } = run(options);
    const views = sends.filter((s) => s.kind === 'view').map((s) => s.event as ViewEvent);
    const engagements = sends.filter((s) => s.kind === 'engagement').map((s) => s.event as EngagementEvent);
    const expected = contractLabels(views, engagements, options);
    assert.equal(truth.length, expected.size);
    let positives = 0;
    for (const row of truth) {
      const e = expected.get(row.view_id.replaceAll('-', ''));
      assert.ok(e !== undefined, `truth row for unknown view ${row.view_id}`);
      assert.deepEqual(row.labels, e.labels, `labels of ${row.view_id}`);
      assert.deepEqual(row.delays_ms, e.delays_ms, `delays of ${row.view_id}`);
      positives += Object.values(row.labels).reduce((a, b) => a + b, 0);
    }
    assert.ok(positives > 1_000, `only ${positives} positive labels`);
  });

  it('the late labels equal the log rule recomputed by brute force from the sends in order', () => {
    // Short runs inside one long window end where the watermark lags the arrivals: a late arrival there may
    // come before its view was emitted (seeds 3, 7: not late; an arrival-time rule called it late).
    for (const [seed, extra] of [[11, {}], [3, LONG_WINDOW], [7, LONG_WINDOW]] as const) {
      const options = testWorkload({ seed, ...extra });
      const { sends, truth } = run(options);
      const logs: Array<{ views: ViewEvent[]; engagements: EngagementEvent[] }> = Array.from({ length: options.partitions }, () => ({ views: [], engagements: [] }));
      for (const x of sends) {
        if (x.kind === 'view') logs[x.partition]!.views.push(x.event);
        else logs[x.partition]!.engagements.push(x.event);
      }
      const expected = contractLate(logs satisfies PartitionLog[], options);
      let late = 0;
      for (const row of truth) {
        assert.deepEqual(row.late ?? [], expected.get(row.view_id.replaceAll('-', '')) ?? [], `seed ${seed}: late labels of ${row.view_id}`);
        late += row.late?.length ?? 0;
      }
      assert.ok(late > 20, `seed ${seed}: only ${late} late labels`);
    }
  });

  it('an idle partition gets views but no engagements', () => {
    const { sends, workload } = run(testWorkload({ idlePartition: 2 }));
    assert.ok(sends.some((s) => s.kind === 'view' && s.partition === 2));
    assert.ok(!sends.some((s) => s.kind === 'engagement' && s.partition === 2));
    assert.ok(workload.stats.idleDropped > 0);
  });

  it('a duration bounds event time instead of a view count', () => {
    const { truth } = run(testWorkload({ views: undefined, durationMs: 120_000 }));
    const times = truth.map((r) => r.ts);
    const span = Math.max(...times) - Math.min(...times);
    assert.ok(span <= 120_000 && span > 100_000, `span ${span}`);
  });
});
