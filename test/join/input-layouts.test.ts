/**
 * Input layouts without a broker (test/helpers/join-harness.ts): one
 * engagements topic, several (one per signal, the paper's case: lanes of the
 * operator merged by the least confirmed time), and one consolidated topic
 * (views and engagements told apart by the kind header, read at two positions).
 * Settings as in ./operator.test.ts: window 60 s, max skew 10 s,
 * out-of-orderness 5 s, idle timeout 10 s.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeclaredInputs } from '../../src/codec/declared/declared-inputs.js';
import { MappingError } from '../../src/codec/declared/errors.js';
import type { EngagementEvent, OwnViewEvent } from '../../src/codec/events.js';
import { parseEngagementInput, type EngagementDeclaration } from '../../src/config/inputs.js';
import { DEFAULT_LABEL_TYPES } from '../../src/config/settings.js';
import { Random } from '../../src/sim/random.js';
import { EVENTS_TOPIC, JoinHarness, T0, type HarnessOptions } from '../helpers/join-harness.js';
import { contractLabels } from '../helpers/truth.js';

const SECOND = 1_000;
/** One topic per signal, as the paper's pipeline reads them. */
const PER_TYPE = DEFAULT_LABEL_TYPES.map((t) => `engagements-${t}`);
/** Three topics: like, favorite -> 0; share, play -> 1; comment, skip -> 2 (the harness routes by type index). */
const THREE = ['engagements-a', 'engagements-b', 'engagements-c'];

const LAYOUTS: ReadonlyArray<{ readonly name: string; readonly options: HarnessOptions }> = [
  { name: 'one engagements topic', options: {} },
  { name: 'three engagement topics', options: { engagementTopics: THREE } },
  { name: 'one topic per signal', options: { engagementTopics: PER_TYPE } },
  { name: 'one consolidated topic', options: { consolidated: true } },
  { name: 'one consolidated topic, kinds by schema', options: { consolidated: true, kindBy: 'schema' } },
];

interface Written {
  readonly views: OwnViewEvent[][];
  readonly engagements: EngagementEvent[][];
}

/**
 * The same events, in the same order per partition, into a harness of any layout: views
 * out of order by up to 20 s, engagements from 10 s before to 70 s after their view,
 * some far behind (late), an engagement sent twice now and then.
 */
function writeEvents(h: JoinHarness, seed: number, count: number): Written {
  const random = new Random(seed);
  const written: Written = { views: [[], []], engagements: [[], []] };
  for (let i = 0; i < count; i++) {
    const user = 100 + random.int(20);
    const p = user % 2;
    const v = h.view(p, { ts: T0 + i * 500 + random.int(20 * SECOND), user_id: user, post_id: 200 + random.int(10) });
    written.views[p]!.push(v);
    for (const type of DEFAULT_LABEL_TYPES) {
      if (random.next() < 0.2) written.engagements[p]!.push(h.engage(p, v, type, random.int(70 * SECOND) - 10 * SECOND));
    }
    const last = written.engagements[p]!.at(-1);
    if (random.next() < 0.03 && last !== undefined) written.engagements[p]!.push(h.engagement(p, { ...last })); // sent twice
    if (random.next() < 0.05 && i > 40) {
      // an engagement for a view 40 views back: usually late
      const old = written.views[p]![Math.max(0, written.views[p]!.length - 20)]!;
      written.engagements[p]!.push(h.engage(p, old, 'share', 30 * SECOND));
    }
  }
  return written;
}

/** The newest sample of each view as "view id:labels", sorted. */
function newest(h: JoinHarness): string[] {
  return [...h.newestSamples().values()].map((s) => `${s.view_event_id.toString('hex')}:${JSON.stringify(s.labels)}`).sort();
}

describe('input layouts', () => {
  it('the same events as one topic, three, one per signal, or one consolidated topic: the same labels, each the contract\'s (late policy correct, drain)', async () => {
    const results: Array<{ name: string; samples: string[] }> = [];
    for (const layout of LAYOUTS) {
      for (const maxRecords of [3, 50]) {
        const h = new JoinHarness({ ...layout.options, maxRecords, drain: true, latePolicy: 'correct' });
        const written = writeEvents(h, 11, 400);
        await h.drain();
        const samples = newest(h);
        assert.equal(samples.length, 400, `${layout.name}: every view joined once`);
        let checked = 0;
        for (const p of [0, 1]) {
          const expected = contractLabels(written.views[p]!, written.engagements[p]!, { labelTypes: DEFAULT_LABEL_TYPES, windowMs: 60_000, maxSkewMs: 10_000 });
          for (const [viewHex, x] of expected) {
            const got = h.newestSamples().get(viewHex);
            assert.deepEqual(got?.labels, x.labels, `${layout.name}, ${maxRecords} records per fetch: view ${viewHex}`);
            checked++;
          }
        }
        assert.equal(checked, 400);
        assert.ok(h.counters.corrections > 0, `${layout.name}: some engagements came late and were corrected`);
        results.push({ name: `${layout.name}, ${maxRecords} records per fetch`, samples });
      }
    }
    for (const r of results.slice(1)) assert.deepEqual(r.samples, results[0]!.samples, `${r.name} vs ${results[0]!.name}`);
  });

  it('several topics, late policy drop: the same logs give the same samples and counters whatever the fetch size (the merge is a rule of the logs)', async () => {
    const runs: Array<{ samples: string[]; counters: string }> = [];
    for (const maxRecords of [1, 4, 29, 1_000]) {
      const h = new JoinHarness({ engagementTopics: THREE, maxRecords, drain: true });
      writeEvents(h, 23, 300);
      await h.drain();
      const { commits: _commits, ...counters } = h.counters;
      runs.push({ samples: newest(h), counters: JSON.stringify(counters) });
      assert.ok(h.counters.late > 0, 'some engagements are late');
    }
    for (const run of runs.slice(1)) {
      assert.deepEqual(run.samples, runs[0]!.samples);
      assert.equal(run.counters, runs[0]!.counters);
    }
  });

  it('several topics: the watermark of a partition is the least over its topics; an idle topic follows the rest', async () => {
    const h = new JoinHarness({ engagementTopics: THREE, partitions: 1 });
    const v = h.view(0, { ts: T0, user_id: 1, post_id: 1 });
    h.engage(0, v, 'like', 2 * SECOND); // topic a
    h.engagement(0, { user_id: 9, post_id: 9, type: 'like', ts: T0 + 70 * SECOND }); // topic a at 70 s
    h.engagement(0, { user_id: 9, post_id: 9, type: 'share', ts: T0 + 70 * SECOND }); // topic b at 70 s
    await h.settle();
    assert.equal(h.samples().length, 0, 'topic c has no time yet: not due');
    h.engagement(0, { user_id: 9, post_id: 9, type: 'comment', ts: T0 + 62 * SECOND }); // topic c at 62 s: watermark 57 s
    await h.settle();
    assert.equal(h.samples().length, 0, 'the least over the topics is 57 s: not due before 60 s');
    h.clock.advance(11 * SECOND);
    h.engagement(0, { user_id: 9, post_id: 9, type: 'like', ts: T0 + 71 * SECOND });
    h.engagement(0, { user_id: 9, post_id: 9, type: 'share', ts: T0 + 71 * SECOND });
    await h.settle();
    assert.equal(h.sampleOf(v)?.labels['like'], 1, 'topic c idle: it follows topics a and b, and the view is joined');
  });

  it('several topics: an engagement of a lagging topic still labels its view when the merge waits for that topic', async () => {
    // Topic a races ahead in its log; topic b's like for the view comes after its own old records.
    // The merge takes the least-time topic first, so b's like is taken before a's far records move time.
    for (const maxRecords of [1, 50]) {
      const h = new JoinHarness({ engagementTopics: ['a', 'b'], route: (e) => (e.type === 'like' ? 1 : 0), maxRecords, partitions: 1, drain: true });
      const v = h.view(0, { ts: T0, user_id: 1, post_id: 1 });
      for (let i = 0; i < 10; i++) h.engagement(0, { user_id: 9, post_id: 9, type: 'share', ts: T0 + 100 * SECOND + i * SECOND });
      h.engagement(0, { user_id: 9, post_id: 9, type: 'like', ts: T0 - 30 * SECOND });
      h.engage(0, v, 'like', 20 * SECOND);
      await h.drain();
      assert.equal(h.sampleOf(v)?.labels['like'], 1, `${maxRecords} records per fetch`);
      assert.equal(h.counters.late, 0);
    }
  });

  it('one consolidated topic: a record whose kind header names neither kind is dead-lettered once; the offsets move past engagements', async () => {
    const h = new JoinHarness({ consolidated: true, partitions: 1 });
    const v = h.view(0, { ts: T0, user_id: 1, post_id: 1 });
    h.engage(0, v, 'like', 2 * SECOND);
    const bad = h.log.append(EVENTS_TOPIC, 0, Buffer.from('{"what":"unknown"}'), { timestamp: T0, headers: [['labeljoin-kind', Buffer.from('click')]] });
    h.engagement(0, { user_id: 9, post_id: 9, type: 'skip', ts: T0 + 70 * SECOND });
    await h.settle();
    assert.equal(h.sampleOf(v)?.labels['like'], 1);
    const dead = h.deadLetters();
    assert.equal(dead.length, 1, 'dead-lettered once, by the views position');
    assert.equal(dead[0]!.headers['labeljoin.source.offset'], String(bad));
    assert.equal(dead[0]!.headers['labeljoin.error.code'], 'RECORD_UNKNOWN_KIND');
    assert.equal(h.counters.engagementsIn, 2);
    assert.equal(h.committed(0), 4n, 'committed past the last record: every view read is joined');
  });

  for (const layout of LAYOUTS) {
    it(`${layout.name}: a restart between runs misses nothing and joins nothing twice`, async () => {
      const whole = new JoinHarness({ ...layout.options, drain: true });
      writeEvents(whole, 31, 200);
      await whole.drain();

      const h = new JoinHarness({ ...layout.options });
      writeEvents(h, 31, 200);
      await h.cycle(6); // part of the way
      const before = h.samples().length;
      assert.ok(before > 0 && before < 200, `the first run joined part of the views (${before})`);
      h.restart({ drain: true });
      await h.drain();
      assert.deepEqual(newest(h), newest(whole), 'the same newest samples as one run without a restart');
    });
  }
});

describe('declared engagement topics, one per signal', () => {
  it('records without a type field take the type their topic carries; each topic has its own declaration', async () => {
    const json = { format: 'json', fields: { user: 'u', item: 'p', time: 't', timeUnit: 'ms', eventId: 'id' } };
    const engagements = parseEngagementInput([{ ...json, carries: 'like' }, { ...json, carries: 'share' }, { ...json, fields: { ...json.fields, type: 'kind' }, types: { SAVE: 'favorite' } }]);
    assert.ok(Array.isArray(engagements));
    const topics = ['likes', 'shares', 'others'];
    const declared = new DeclaredInputs({ views: undefined, engagements, labelTypes: DEFAULT_LABEL_TYPES, topics: { views: 'views', engagements: topics, samples: 'samples' }, lookup: undefined, writesSamples: false });
    await declared.check();
    const h = new JoinHarness({ engagementTopics: topics, declared, partitions: 1, drain: true });
    const v = h.view(0, { ts: T0, user_id: 5, post_id: 6 });
    const record = (n: number, extra: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify({ u: 5, p: 6, t: T0 + n * SECOND, id: `e-${n}`, ...extra }));
    h.raw('likes', 0, record(1, {}), T0 + SECOND);
    h.raw('shares', 0, record(2, {}), T0 + 2 * SECOND);
    h.raw('others', 0, record(3, { kind: 'SAVE' }), T0 + 3 * SECOND);
    h.raw('others', 0, record(4, { kind: 'HOVER' }), T0 + 4 * SECOND); // neither a label type nor mapped
    await h.drain();
    const labels = h.sampleOf(v)?.labels;
    assert.deepEqual([labels?.['like'], labels?.['share'], labels?.['favorite'], labels?.['comment']], [1, 1, 1, 0]);
    const dead = h.deadLetters();
    assert.deepEqual(dead.map((d) => [d.headers['labeljoin.source.topic'], d.headers['labeljoin.error.code'], d.headers['labeljoin.error.field']]), [['others', 'RECORD_UNKNOWN_TYPE', 'kind']]);
  });

  it('a wrong count of declarations, or a carried type that is no label type, is refused at start-up', () => {
    const json = { format: 'json', fields: { user: 'u', item: 'p', time: 't', timeUnit: 'ms' } };
    const two = parseEngagementInput([{ ...json, carries: 'like' }, { ...json, carries: 'share' }]) as readonly EngagementDeclaration[];
    const topics = (engagements: readonly string[]) => ({ views: 'views', engagements, samples: 'samples' });
    assert.throws(() => new DeclaredInputs({ views: undefined, engagements: two, labelTypes: DEFAULT_LABEL_TYPES, topics: topics(['a', 'b', 'c']), lookup: undefined }), (e: unknown) => e instanceof MappingError && /declares 2 topics, but there are 3/.test(e.message));
    const hover = parseEngagementInput({ ...json, carries: 'hover' }) as EngagementDeclaration;
    assert.throws(() => new DeclaredInputs({ views: undefined, engagements: hover, labelTypes: DEFAULT_LABEL_TYPES, topics: topics(['a', 'b']), lookup: undefined }), (e: unknown) => e instanceof MappingError && /carries \(a\): "hover" is not a label type/.test(e.message));
    assert.throws(() => parseEngagementInput({ ...json, carries: 'like', fields: { ...json.fields, type: 'kind' } }), /not both/);
    assert.throws(() => parseEngagementInput([{ ...json }]), /\[0\]: fields\.type: missing/);
  });
});
