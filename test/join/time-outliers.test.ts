/**
 * Event time that one record cannot move (docs/decisions/event-time-outliers.md),
 * on the join harness: window 60 s, max skew 10 s, out-of-orderness 5 s, view
 * disorder 30 s; max jump 60 s and K = 3 timeConfirmations (the rule on), or K = 0
 * (the rule off: one record moves time, the behaviour before).
 *
 * The workload: per partition, one view a second for 600 s and its
 * engagements (30 % per type, 5 s before to 45 s after the view), written in
 * event-time order, so the join contract (test/helpers/truth.ts) is what a
 * correct joiner gives; a wrong label is a (view, type) whose label differs
 * from it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngagementEvent, OwnViewEvent, SampleRecord, ViewEvent } from '../../src/codec/events.js';
import { DEFAULT_LABEL_TYPES } from '../../src/config/settings.js';
import { Random } from '../../src/sim/random.js';
import { id, JoinHarness, T0, type HarnessOptions } from '../helpers/join-harness.js';
import { contractLabels } from '../helpers/truth.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const RULE_ON = { timeConfirmations: 3, maxJumpMs: MINUTE } as const;
const RULE_OFF = { timeConfirmations: 0 } as const;

interface Outlier {
  readonly input: 'view' | 'engagement';
  readonly partition: number;
  /** Written after this many records of its partition and input. */
  readonly after: number;
  /** Event time relative to the record before it. */
  readonly aheadMs: number;
}

interface Segment {
  readonly from: number;
  readonly views: number;
}

interface Written {
  readonly views: ViewEvent[];
  readonly engagements: EngagementEvent[];
  readonly outliers: Array<ViewEvent | EngagementEvent>;
}

/** Writes the workload (the same for the same seed and segments) and the outliers into h's log. */
/** disorder: views up to 20 s out of order, engagements in the order of their views (up to 75 s out of order). */
function write(h: JoinHarness, outliers: readonly Outlier[] = [], segments: readonly Segment[] = [{ from: T0, views: 600 }], disorder = false, seed = 11): Written {
  const random = new Random(seed);
  const out: Written = { views: [], engagements: [], outliers: [] };
  let nextView = 1;
  for (const p of [0, 1]) {
    const views: OwnViewEvent[] = [];
    const engagements: EngagementEvent[] = [];
    for (const segment of segments) {
      for (let i = 0; i < segment.views; i++) {
        const v: OwnViewEvent = { event_id: id(nextView), user_id: 2 * random.int(15) + p, post_id: 100 + random.int(6), ts: segment.from + i * SECOND + p * 333 + (disorder ? random.int(20 * SECOND) : 0), context: { language: 'hi', region: 'IN-KA', device: 'android', app_version: '1', surface: 'home', position: 0 } };
        nextView++;
        views.push(v);
        for (const type of ['like', 'share', 'skip']) {
          if (random.next() < 0.3) engagements.push({ event_id: id(10_000_000 + engagements.length + p * 1_000_000), user_id: v.user_id, post_id: v.post_id, type, ts: v.ts - 5 * SECOND + random.int(50 * SECOND), view_id: null });
        }
      }
    }
    if (!disorder) engagements.sort((a, b) => a.ts - b.ts);
    const mine = outliers.filter((o) => o.partition === p);
    views.forEach((v, i) => {
      for (const o of mine) if (o.input === 'view' && o.after === i) out.outliers.push(h.view(p, { event_id: id(90_000_000 + i), user_id: 999_000 + p * 2, post_id: 999, ts: (views[i - 1] ?? v).ts + o.aheadMs }));
      out.views.push(h.view(p, v));
    });
    engagements.forEach((e, i) => {
      for (const o of mine) if (o.input === 'engagement' && o.after === i) out.outliers.push(h.engagement(p, { event_id: id(91_000_000 + i), user_id: 999_000 + p * 2, post_id: 999, type: 'like', ts: (engagements[i - 1] ?? e).ts + o.aheadMs }));
      out.engagements.push(h.engagement(p, e));
    });
  }
  return out;
}

/** (view, type) labels that differ from the contract, over the workload's views. */
function wrongLabels(h: JoinHarness, w: Written): number {
  const truth = contractLabels(w.views, w.engagements, { labelTypes: DEFAULT_LABEL_TYPES, windowMs: 60_000, maxSkewMs: 10_000 });
  const samples = h.newestSamples();
  let wrong = 0;
  for (const [viewId, expected] of truth) {
    const s = samples.get(viewId);
    for (const t of DEFAULT_LABEL_TYPES) if (s === undefined || s.labels[t] !== expected.labels[t]) wrong++;
  }
  return wrong;
}

function comparable(samples: Iterable<SampleRecord>): string[] {
  return [...samples].map((s) => `${s.view_event_id.toString('hex')}:${s.version}:${JSON.stringify(s.labels)}:${JSON.stringify(s.delays_ms)}`).sort();
}

async function joined(options: HarnessOptions, outliers: readonly Outlier[], segments?: readonly Segment[]): Promise<{ h: JoinHarness; w: Written }> {
  const h = new JoinHarness({ partitions: 2, drain: true, ...options });
  const w = write(h, outliers, segments);
  await h.drain();
  return { h, w };
}

const ENGAGEMENT_A_DAY_AHEAD: Outlier = { input: 'engagement', partition: 0, after: 250, aheadMs: DAY };
const ENGAGEMENT_30_MIN_AHEAD: Outlier = { input: 'engagement', partition: 0, after: 250, aheadMs: 30 * MINUTE };
const VIEW_A_DAY_AHEAD: Outlier = { input: 'view', partition: 0, after: 300, aheadMs: DAY };
/** The first record of its partition: there is no time to be ahead of yet, and the reader anchors its start on the views. */
const FIRST_VIEW_A_DAY_AHEAD: Outlier = { input: 'view', partition: 0, after: 0, aheadMs: DAY };
const FIRST_ENGAGEMENT_A_DAY_AHEAD: Outlier = { input: 'engagement', partition: 0, after: 0, aheadMs: DAY };

describe('event time outliers', () => {
  it('the workload without outliers is joined as the contract says, with the rule on or off', async () => {
    for (const rule of [RULE_ON, RULE_OFF]) {
      const { h, w } = await joined(rule, []);
      assert.equal(h.samples().length, 1_200);
      assert.equal(wrongLabels(h, w), 0, `K = ${rule.timeConfirmations}`);
      assert.deepEqual(h.counters.timeOutliers, { views: 0, engagements: 0 });
    }
  });

  for (const [name, outlier] of [
    ['one engagement a day ahead', ENGAGEMENT_A_DAY_AHEAD],
    ['one engagement 30 min ahead', ENGAGEMENT_30_MIN_AHEAD],
    ['one view a day ahead', VIEW_A_DAY_AHEAD],
    ['the first view of a partition a day ahead', FIRST_VIEW_A_DAY_AHEAD],
    ['the first engagement of a partition a day ahead', FIRST_ENGAGEMENT_A_DAY_AHEAD],
  ] as const) {
    it(`${name}: 0 wrong labels and the samples of the log without it, under both policies (wrong labels without the rule)`, async (t) => {
      const baseline = await joined(RULE_ON, []);
      const off = await joined(RULE_OFF, [outlier]);
      const offWrong = wrongLabels(off.h, off.w);
      t.diagnostic(`rule off (K = 0): ${offWrong} wrong labels`);
      assert.ok(offWrong > 0, 'without the rule the outlier does damage (the test measures something)');
      for (const outlierPolicy of ['hold', 'dead-letter'] as const) {
        const { h, w } = await joined({ ...RULE_ON, outlierPolicy }, [outlier]);
        assert.equal(wrongLabels(h, w), 0, outlierPolicy);
        const others = [...h.newestSamples().values()].filter((s) => !w.outliers.some((o) => o.event_id.equals(s.view_event_id)));
        assert.deepEqual(comparable(others), comparable(baseline.h.newestSamples().values()), `${outlierPolicy}: the samples of the log without the outlier`);
        const input = outlier.input === 'view' ? 'views' : 'engagements';
        assert.equal(h.counters.timeOutliers[input], 1, outlierPolicy);
        const dead = h.deadLetters();
        if (outlierPolicy === 'dead-letter') {
          assert.equal(dead.length, 1);
          assert.equal(dead[0]!.headers['labeljoin.error.code'], 'RECORD_TIME_OUTLIER');
          assert.match(dead[0]!.headers['labeljoin.error.reason']!, /(ms ahead of its partition's time .*|ahead of the records after it \(the partition had no confirmed time yet\)), not confirmed by 3 later records of its partition/);
          if (outlier.input === 'view') assert.equal(h.samples().length, 1_200, 'no sample for a dead-lettered view');
        } else {
          assert.equal(dead.length, 0);
          if (outlier.input === 'view') assert.ok(h.sampleOf(w.outliers[0] as ViewEvent) !== undefined, 'hold: the outlier view is joined as data');
        }
      }
    });
  }

  it('one view a day ahead does not move the views\' time: when every partition is idle, the watermark stays with the views in time', async () => {
    const h = new JoinHarness({ partitions: 1, ...RULE_ON });
    for (let i = 0; i < 5; i++) h.engagement(0, { user_id: 7, post_id: 7, type: 'skip', ts: T0 + i * SECOND });
    const before = [0, 1, 2, 3].map((i) => h.view(0, { ts: T0 + i * SECOND }));
    h.view(0, { ts: T0 + DAY });
    const after = [5, 6, 7].map((i) => h.view(0, { ts: T0 + i * SECOND }));
    await h.settle();
    h.clock.advance(11 * SECOND); // idle: the views' time would move the watermark
    await h.settle();
    h.clock.advance(11 * SECOND);
    await h.settle();
    const watermark = h.joiner.partitionStates()[0]!.watermark;
    assert.ok(watermark < T0 + HOUR, `the watermark ${new Date(watermark).toISOString()} did not follow the outlier view`);
    assert.ok(watermark >= T0 + 7 * SECOND - 5 * SECOND, 'it followed the views in time');
    assert.equal(h.counters.timeOutliers.views, 1);
    assert.equal(before.length + after.length, 7);
  });

  it('an idle partition that follows the others\' time confirms the candidates that time reached (dead-letter: they are indexed, not lost)', async () => {
    for (const outlierPolicy of ['hold', 'dead-letter'] as const) {
      const h = new JoinHarness({ partitions: 2, ...RULE_ON, outlierPolicy });
      // (engagements are read from the first view's time - 45 s on)
      const v = h.view(1, { ts: T0 + 10 * MINUTE });
      for (let i = 0; i < 5; i++) h.engagement(1, { user_id: 7, post_id: 7, type: 'skip', ts: v.ts - 40 * SECOND + i * SECOND });
      h.engage(1, v, 'like', 30 * SECOND); // 66 s ahead of partition 1's time, and its last record
      for (let i = 0; i <= 144; i++) h.engagement(0, { user_id: 8, post_id: 8, type: 'skip', ts: T0 + i * 5 * SECOND });
      await h.settle();
      assert.equal(h.sampleOf(v), undefined, outlierPolicy);
      h.clock.advance(11 * SECOND); // partition 1 idle; partition 0 goes on
      h.engagement(0, { user_id: 8, post_id: 8, type: 'skip', ts: T0 + 12 * MINUTE + SECOND });
      await h.settle();
      assert.equal(h.sampleOf(v)?.labels['like'], 1, outlierPolicy);
      assert.equal(h.counters.timeOutliers.engagements, 0, outlierPolicy);
      assert.equal(h.deadLetters().length, 0, outlierPolicy);
    }
  });

  it('a real jump (traffic resumes 2 h later) is followed after K records, and joined as the contract says', async (t) => {
    const segments = [{ from: T0, views: 300 }, { from: T0 + 2 * HOUR, views: 300 }];
    for (const outlierPolicy of ['hold', 'dead-letter'] as const) {
      const { h, w } = await joined({ ...RULE_ON, outlierPolicy }, [], segments);
      assert.equal(h.samples().length, 1_200);
      assert.equal(wrongLabels(h, w), 0, outlierPolicy);
      assert.deepEqual(h.counters.timeOutliers, { views: 0, engagements: 0 });
      assert.equal(h.deadLetters().length, 0);
    }
    const off = await joined(RULE_OFF, [], segments);
    t.diagnostic(`rule off: ${wrongLabels(off.h, off.w)} wrong labels`);

    // Promptly: live, the watermark moves to the new time with the K-th record after the first one there.
    const h = new JoinHarness({ partitions: 1, ...RULE_ON });
    for (let i = 0; i < 10; i++) h.engagement(0, { ts: T0 + i * SECOND });
    await h.settle();
    const watermark = (): number => h.joiner.partitionStates()[0]!.watermark;
    assert.equal(watermark(), T0 + 9 * SECOND - 5 * SECOND);
    const resumed = T0 + 2 * HOUR;
    for (let i = 0; i < 3; i++) h.engagement(0, { ts: resumed + i * SECOND });
    await h.settle();
    assert.equal(watermark(), T0 + 4 * SECOND, 'the first record there and two more: not yet');
    h.engagement(0, { ts: resumed + 3 * SECOND });
    await h.settle();
    assert.equal(watermark(), resumed + 3 * SECOND - 5 * SECOND, 'the third record after it confirms the jump');
  });

  it('with outliers and a jump, ordered or not, the same log gives the same samples and counters whatever the fetch size', async () => {
    const segments = [{ from: T0, views: 150 }, { from: T0 + 2 * HOUR, views: 150 }];
    const outliers: Outlier[] = [{ ...ENGAGEMENT_A_DAY_AHEAD, after: 60 }, { ...VIEW_A_DAY_AHEAD, after: 70 }, { input: 'view', partition: 1, after: 100, aheadMs: 30 * MINUTE }, { input: 'engagement', partition: 1, after: 30, aheadMs: 30 * MINUTE }];
    for (const outlierPolicy of ['hold', 'dead-letter'] as const) {
      for (const disorder of [false, true]) {
        const runs: Array<{ maxRecords: number; samples: string[]; counters: string; wrong: number }> = [];
        for (const maxRecords of [1, 4, 17, 1_000]) {
          const h = new JoinHarness({ partitions: 2, drain: true, maxRecords, ...RULE_ON, outlierPolicy });
          const w = write(h, outliers, segments, disorder);
          await h.drain(10_000);
          const { commits: _commits, ...counters } = h.counters;
          runs.push({ maxRecords, samples: comparable(h.samples()), counters: JSON.stringify(counters), wrong: wrongLabels(h, w) });
        }
        for (const run of runs) {
          assert.deepEqual(run.samples, runs[0]!.samples, `${outlierPolicy}, ${disorder ? 'disordered' : 'ordered'}: ${run.maxRecords} records per fetch`);
          assert.equal(run.counters, runs[0]!.counters, `${outlierPolicy}, ${disorder ? 'disordered' : 'ordered'}: ${run.maxRecords} records per fetch`);
          if (!disorder) assert.equal(run.wrong, 0, `${outlierPolicy}, ${disorder ? 'disordered' : 'ordered'}: ${run.maxRecords} records per fetch`);
        }
        assert.equal(JSON.parse(runs[0]!.counters).timeOutliers.views + JSON.parse(runs[0]!.counters).timeOutliers.engagements, 4);
      }
    }
  });

  it('a restart mid-stream (the successor judges the records it reads again) gives the samples of a run without it', async () => {
    for (const outlierPolicy of ['hold', 'dead-letter'] as const) {
      const whole = await joined({ ...RULE_ON, outlierPolicy }, [ENGAGEMENT_A_DAY_AHEAD, VIEW_A_DAY_AHEAD]);
      const h = new JoinHarness({ partitions: 2, drain: true, ...RULE_ON, outlierPolicy });
      const w = write(h, [ENGAGEMENT_A_DAY_AHEAD, VIEW_A_DAY_AHEAD]);
      while (h.samples().length < 300) await h.cycle();
      assert.ok(h.samples().length < 900, `stopped mid-stream (${h.samples().length} samples)`);
      h.restart();
      await h.drain();
      assert.equal(wrongLabels(h, w), 0, outlierPolicy);
      assert.deepEqual(comparable(h.newestSamples().values()), comparable(whole.h.newestSamples().values()), outlierPolicy);
    }
  });

  it('the same log joined twice, an hour apart (wall clock), gives identical samples, dead letters and counters', async () => {
    // A record 1.2 h ahead of the wall clock of the first run and 0.2 h ahead of the second's: the
    // wall-clock check this rule replaced dead-lettered it in one run and accepted it in the other.
    for (const outlierPolicy of ['hold', 'dead-letter'] as const) {
      const runs = [];
      for (const later of [0, HOUR]) {
        const h = new JoinHarness({ partitions: 2, drain: true, ...RULE_ON, outlierPolicy });
        h.clock.advance(later);
        const w = write(h, [ENGAGEMENT_A_DAY_AHEAD, VIEW_A_DAY_AHEAD]);
        h.engagement(1, { user_id: 5, post_id: 5, ts: T0 + DAY + 1.2 * HOUR });
        await h.drain();
        const { commits: _commits, ...counters } = h.counters;
        runs.push({ samples: comparable(h.samples()), dead: JSON.stringify(h.deadLetters().map((d) => [d.offset.toString(), d.headers])), counters: JSON.stringify(counters), wrong: wrongLabels(h, w) });
      }
      assert.deepEqual(runs[1], runs[0], outlierPolicy);
      assert.equal(runs[0]!.wrong, 0);
    }
  });
});
