/**
 * The joiner without a broker: the operator, reader and driver on an
 * in-memory log (test/helpers/join-harness.ts), each behaviour in
 * milliseconds. Settings: window 60 s, max skew 10 s, out-of-orderness 5 s,
 * view disorder 30 s, idle timeout 10 s; a view at ts is due once some
 * engagement of its partition at >= ts + 65 s has been read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventCodec } from '../../src/codec/codec.js';
import { sampleIdFor } from '../../src/codec/events.js';
import { DEFAULT_LABEL_TYPES } from '../../src/codec/schemas.js';
import { StoreEngagementIndex } from '../../src/join/store-index.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { JoinHarness, T0, TOPICS } from '../helpers/join-harness.js';
import { FetchFailed } from '../helpers/memory-log.js';
import { Random } from '../../src/sim/random.js';

const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });

const SECOND = 1_000;

/** An engagement of another user that moves partition p's watermark to ts - 5 s. */
function moveTime(h: JoinHarness, p: number, ts: number): void {
  h.engagement(p, { user_id: 999_999, post_id: 999_999, type: 'skip', ts });
}

describe('join operator harness', () => {
  it('joins a view once the watermark passes its time + window, with the engagements inside its window', async () => {
    const h = new JoinHarness();
    const v = h.view(0, { ts: T0 });
    h.engage(0, v, 'like', 2 * SECOND);
    h.engage(0, v, 'share', -10 * SECOND); // max skew, edge included
    h.engage(0, v, 'comment', 61 * SECOND); // past the window
    moveTime(h, 0, T0 + 64 * SECOND);
    await h.settle();
    assert.equal(h.samples().length, 0, 'not due while the watermark is at ts + 59 s');
    assert.equal(h.committed(0), undefined);
    moveTime(h, 0, T0 + 65 * SECOND);
    await h.settle();
    const s = h.sampleOf(v);
    assert.ok(s !== undefined);
    assert.deepEqual([s.labels['like'], s.labels['share'], s.labels['comment']], [1, 1, 0]);
    assert.equal(s.delays_ms['like'], 2_000);
    assert.equal(s.delays_ms['share'], -10_000);
    assert.equal(h.committed(0), 1n, 'the views offset is committed past the joined view');
  });

  it('lockstep: an engagement after a due view in the log is late for it, whatever the fetch size', async () => {
    for (const maxRecords of [1, 2, 50]) {
      for (const likeFirst of [true, false]) {
        const h = new JoinHarness({ maxRecords });
        const v = h.view(0, { ts: T0 });
        if (likeFirst) h.engage(0, v, 'like', 30 * SECOND);
        moveTime(h, 0, T0 + 70 * SECOND);
        if (!likeFirst) h.engage(0, v, 'like', 30 * SECOND);
        await h.settle();
        const what = `maxRecords ${maxRecords}, like ${likeFirst ? 'before' : 'after'} the record that makes the view due`;
        assert.equal(h.sampleOf(v)?.labels['like'], likeFirst ? 1 : 0, what);
        assert.equal(h.counters.late, likeFirst ? 0 : 1, what);
      }
    }
  });

  it('engagements read before their view (the view written later) still label it', async () => {
    const h = new JoinHarness();
    const v = { ts: T0, user_id: 42, post_id: 43 };
    h.engagement(0, { user_id: 42, post_id: 43, type: 'play', ts: T0 + 3 * SECOND });
    moveTime(h, 0, T0 + 80 * SECOND);
    await h.settle();
    const written = h.view(0, v);
    await h.settle();
    assert.equal(h.sampleOf(written)?.labels['play'], 1);
    assert.equal(h.sampleOf(written)?.delays_ms['play'], 3_000);
  });

  it('the same log gives the same samples and counters whatever the fetch size (a backfill joins as live does)', async () => {
    const runs: Array<{ maxRecords: number; samples: string[]; counters: string }> = [];
    for (const maxRecords of [1, 3, 17, 1_000]) {
      const h = new JoinHarness({ maxRecords, partitions: 2 });
      const random = new Random(5);
      const views = [];
      for (let i = 0; i < 300; i++) {
        const user = 100 + random.int(20);
        const p = user % 2; // a user's events are in one partition number of both topics
        const v = h.view(p, { ts: T0 + i * 500 + random.int(20 * SECOND), user_id: user, post_id: 200 + random.int(10) });
        views.push(v);
        for (const type of ['like', 'share', 'skip']) {
          if (random.next() < 0.3) h.engage(p, v, type, random.int(70 * SECOND) - 10 * SECOND);
        }
        if (random.next() < 0.05) h.engage(p, v, 'like', 5 * SECOND, { event_id: Buffer.alloc(16, 7) }); // a repeated event id
      }
      for (const p of [0, 1]) moveTime(h, p, T0 + 400 * SECOND);
      await h.settle();
      const samples = [...h.newestSamples().values()].map((s) => `${s.view_event_id.toString('hex')}:${JSON.stringify(s.labels)}:${JSON.stringify(s.delays_ms)}`).sort();
      assert.equal(samples.length, 300);
      const { commits: _commits, ...counters } = h.counters;
      runs.push({ maxRecords, samples, counters: JSON.stringify(counters) });
    }
    const [first, ...others] = runs;
    for (const run of others) {
      const differing = run.samples.filter((s, i) => s !== first!.samples[i]);
      assert.deepEqual(differing.slice(0, 3), [], `samples with ${run.maxRecords} records per fetch differ from ${first!.maxRecords}`);
      assert.equal(run.counters, first!.counters, `counters with ${run.maxRecords} records per fetch`);
    }
  });

  it('replays after a restart: no sample twice, engagements re-read from the right time, repeated views recognised', async () => {
    const h = new JoinHarness({ partitions: 1 });
    const v1 = h.view(0, { ts: T0, user_id: 1, post_id: 1 });
    const v2 = h.view(0, { ts: T0 + 20 * SECOND, user_id: 2, post_id: 2 });
    h.engage(0, v2, 'like', 5 * SECOND);
    h.engage(0, v1, 'share', 1 * SECOND);
    moveTime(h, 0, T0 + 66 * SECOND);
    await h.settle();
    assert.equal(h.samples().length, 1, 'v1 joined, v2 not due yet');
    assert.equal(h.committed(0), 1n);

    h.restart();
    h.log.append(TOPICS.views, 0, h.log.records(TOPICS.views, 0)[0]!.value, { timestamp: v1.ts }); // v1 sent again
    moveTime(h, 0, T0 + 90 * SECOND);
    await h.settle();
    assert.equal(h.samples().length, 2, 'v2 joined once, v1 not again');
    assert.equal(h.sampleOf(v2)?.labels['like'], 1, 'the like read before the restart is read again');
    assert.equal(h.sampleOf(v1)?.labels['share'], 1);
    assert.equal(h.counters.duplicateViews, 1, 'the repeated v1 is a duplicate');
    // Engagements before v1's due time (ts + window) were read by the earlier run: indexed again, not counted again.
    // The one at 66 s was read by it too, after v1 was due, which the restart cannot know: counted again.
    assert.equal(h.counters.replayedEngagements, 2);
    assert.equal(h.counters.engagementsIn, 2);
    assert.equal(h.committed(0), 3n);
  });

  it('records deleted by retention before they were read: counted, logged, reading goes on from the log start', async () => {
    const h = new JoinHarness({ partitions: 1, maxRecords: 1 });
    const views = [0, 1, 2, 3, 4].map((i) => h.view(0, { ts: T0 + i * SECOND }));
    await h.cycle();
    h.log.deleteBefore(TOPICS.engagements, 0, 0n); // nothing to lose there
    moveTime(h, 0, T0 + 100 * SECOND);
    await h.settle();
    assert.equal(h.samples().length, 5);

    h.restart();
    for (let i = 0; i < 5; i++) h.view(0, { ts: T0 + (10 + i) * SECOND });
    h.log.deleteBefore(TOPICS.views, 0, 8n); // views 5..7 gone before this joiner read them
    await h.settle();
    assert.equal(h.counters.lostToRetention, 3);
    assert.equal(h.samples().length, 7, 'the views after the deleted ones are joined');
    assert.ok(h.logLines.some((l) => l.includes('records deleted before they were read')));
    assert.equal(views.length, 5);
  });

  it('engagements deleted under a running joiner: the lost records are counted and reading goes on', async () => {
    const h = new JoinHarness({ partitions: 1, maxRecords: 1 });
    h.view(0, { ts: T0 });
    for (let i = 0; i < 5; i++) h.engagement(0, { ts: T0 + i * SECOND });
    await h.cycle(2);
    const read = h.counters.engagementsIn;
    h.log.deleteBefore(TOPICS.engagements, 0, 4n);
    moveTime(h, 0, T0 + 70 * SECOND);
    await h.settle();
    assert.equal(h.counters.lostToRetention, 4 - read);
    assert.equal(h.samples().length, 1);
  });

  it('an idle engagement partition follows the others; when all are idle, the views time moves them', async () => {
    const h = new JoinHarness({ partitions: 2 });
    const quiet = h.view(1, { ts: T0 });
    moveTime(h, 0, T0 + 70 * SECOND);
    await h.settle();
    assert.equal(h.samples().length, 0, 'partition 1 has no engagements and is not idle yet');
    h.clock.advance(11 * SECOND);
    moveTime(h, 0, T0 + 71 * SECOND); // partition 0 stays active
    await h.settle();
    assert.equal(h.sampleOf(quiet)?.labels['like'], 0, 'joined on the time of partition 0');

    const alone = new JoinHarness({ partitions: 1 });
    const first = alone.view(0, { ts: T0 });
    const later = alone.view(0, { ts: T0 + 70 * SECOND });
    await alone.settle();
    assert.equal(alone.samples().length, 0);
    alone.clock.advance(11 * SECOND);
    await alone.settle();
    assert.ok(alone.sampleOf(first) !== undefined, 'every partition idle: the newest view time (less out-of-orderness) is the time');
    assert.equal(alone.sampleOf(later), undefined);
  });

  it('a lane whose fetch failed is not idle: its idle clock starts again once it can be read (a failover)', async () => {
    const h = new JoinHarness({ partitions: 2 });
    const quiet = h.view(1, { ts: T0 });
    moveTime(h, 0, T0 + 70 * SECOND);
    await h.settle();
    h.clock.advance(8 * SECOND);
    h.log.failFetches = 1; // the leader of the lanes is away: the cycle fails, as the joiner then retries it
    await assert.rejects(h.cycle(), FetchFailed);
    h.clock.advance(3 * SECOND); // 11 s since the last record, 3 s since the failed read
    moveTime(h, 0, T0 + 71 * SECOND);
    await h.settle();
    assert.equal(h.sampleOf(quiet), undefined, 'not idle 3 s after a failed read, though 11 s without records');
    h.engage(1, quiet, 'like', 5 * SECOND); // its producer is back
    h.clock.advance(11 * SECOND);
    moveTime(h, 0, T0 + 72 * SECOND);
    await h.settle();
    h.clock.advance(11 * SECOND);
    moveTime(h, 0, T0 + 73 * SECOND);
    await h.settle();
    assert.equal(h.sampleOf(quiet)?.labels['like'], 1, 'joined once idle again, with the engagement that came after the failover');
  });

  it('exactly-once: a transaction that failed after it had committed is not sent again; the partitions start again from the commits', async () => {
    for (const exactlyOnce of [true, false]) {
      const h = new JoinHarness({ partitions: 1, exactlyOnce });
      const first = h.view(0, { ts: T0 });
      moveTime(h, 0, T0 + 70 * SECOND);
      await h.settle();
      assert.ok(h.sampleOf(first) !== undefined);
      const second = h.view(0, { ts: T0 + 10 * SECOND });
      h.engage(0, second, 'like', SECOND);
      moveTime(h, 0, T0 + 80 * SECOND);
      h.delivery.failAfterWriting = TOPICS.samples;
      let failed = 0;
      for (let i = 0; i < 20 && failed === 0; i++) await h.cycle().catch(() => failed++);
      assert.equal(failed, 1, 'one delivery failed after writing');
      await h.settle();
      const ids = h.samples().map((x) => Buffer.from(x.sample_id).toString('hex'));
      const what = exactlyOnce ? 'exactly-once' : 'at-least-once';
      assert.equal(h.sampleOf(second)?.labels['like'], 1, what);
      if (exactlyOnce) {
        assert.equal(new Set(ids).size, ids.length, 'no sample written twice');
        assert.equal(h.delivery.recovered, 1, 'the delivery recovered before the partitions opened again');
      } else assert.ok(new Set(ids).size < ids.length, 'at-least-once sends the failed delivery again (the control)');
    }
  });

  it('the late topic (--late-topic) gets each late engagement as it came, with the reason and the samples it would change', async () => {
    for (const latePolicy of ['correct', 'drop'] as const) {
      const h = new JoinHarness({ partitions: 1, latePolicy });
      const v = h.view(0, { ts: T0 });
      moveTime(h, 0, T0 + 70 * SECOND);
      const late1 = h.engage(0, v, 'like', 30 * SECOND);
      const late2 = h.engage(0, v, 'play', 20 * SECOND);
      await h.settle();
      const late = h.log.records(TOPICS.late);
      assert.equal(late.length, 2, latePolicy);
      const engagementsLog = h.log.records(TOPICS.engagements);
      for (const [i, e] of [late1, late2].entries()) {
        const source = engagementsLog.find((r) => codec.decodeEngagement(r.value, r).event_id.equals(e.event_id))!;
        const r = late[i]!;
        assert.deepEqual([r.value, r.key, r.timestamp], [source.value, source.key, source.timestamp], 'the record as it came');
        const headers = Object.fromEntries(r.headers.map(([k, val]) => [k, val.toString()]));
        assert.equal(headers['labeljoin.late.policy'], latePolicy);
        assert.equal(headers['labeljoin.source.offset'], source.offset.toString());
        // Under "correct" the first late engagement made version 1: the second would change that one.
        const version = latePolicy === 'correct' ? i : 0;
        assert.equal(headers['labeljoin.late.samples'], sampleIdFor(v.event_id, version).toString('hex'));
        assert.match(headers['labeljoin.late.reason'] ?? '', /after the sample of the view it labels had been emitted/);
      }
    }
  });

  it('a late engagement under "correct": a new version with the label set; under "drop": counted only', async () => {
    for (const latePolicy of ['correct', 'drop'] as const) {
      const h = new JoinHarness({ partitions: 1, latePolicy });
      const v = h.view(0, { ts: T0 });
      h.engage(0, v, 'share', 4 * SECOND);
      moveTime(h, 0, T0 + 70 * SECOND);
      h.engage(0, v, 'like', 30 * SECOND);
      h.engage(0, v, 'like', 20 * SECOND); // the label is 1 already: no third version
      await h.settle();
      assert.equal(h.counters.late, 2, latePolicy);
      const versions = h.samples().filter((s) => s.view_event_id.equals(v.event_id));
      if (latePolicy === 'drop') {
        assert.equal(versions.length, 1);
        assert.equal(versions[0]!.labels['like'], 0);
        continue;
      }
      assert.deepEqual(versions.map((s) => s.version), [0, 1]);
      const last = versions[1]!;
      assert.deepEqual([last.labels['like'], last.labels['share']], [1, 1]);
      assert.deepEqual([last.delays_ms['like'], last.delays_ms['share']], [30_000, 4_000]);
      assert.deepEqual(last.context, v.context, 'the view passes through unchanged');
      assert.equal(h.counters.corrections, 1);
      assert.notDeepEqual(last.sample_id, versions[0]!.sample_id);
    }
  });

  it('a correction is the same on the disk index', async () => {
    const h = new JoinHarness({ partitions: 1, latePolicy: 'correct', index: () => new StoreEngagementIndex(new MemoryStore(), { windowMs: 60_000, maxSkewMs: 10_000, viewDisorderMs: 30_000, allowedLatenessMs: 60_000 }) });
    const v = h.view(0, { ts: T0 });
    moveTime(h, 0, T0 + 70 * SECOND);
    h.engage(0, v, 'comment', 9 * SECOND);
    await h.settle();
    assert.equal(h.sampleOf(v)?.version, 1);
    assert.equal(h.sampleOf(v)?.labels['comment'], 1);
  });

  it('duplicates: a repeated engagement event id counts once, a repeated view gives one sample', async () => {
    const h = new JoinHarness({ partitions: 1 });
    const v = h.view(0, { ts: T0 });
    const like = h.engage(0, v, 'like', SECOND);
    h.engagement(0, like);
    h.log.append(TOPICS.views, 0, h.log.records(TOPICS.views, 0)[0]!.value, { timestamp: v.ts });
    moveTime(h, 0, T0 + 70 * SECOND);
    await h.settle();
    assert.equal(h.samples().length, 1);
    assert.equal(h.counters.duplicateEngagements, 1);
    assert.equal(h.counters.duplicateViews, 1);
    assert.equal(h.counters.viewsIn, 2);
  });

  it('a used event id with other content: the first record wins, the later one is dead-lettered and labels nothing', async () => {
    const h = new JoinHarness({ partitions: 1 });
    const a = h.view(0, { ts: T0, user_id: 7, post_id: 70 });
    const b = h.view(0, { ts: T0 + SECOND, user_id: 7, post_id: 71 });
    const like = h.engage(0, a, 'like', 2 * SECOND);
    h.engagement(0, { ...like, post_id: 71 }); // the same event id, for the other post
    h.view(0, { ...a, post_id: 72, ts: T0 + 3 * SECOND }); // the same view id, another post and time
    moveTime(h, 0, T0 + 70 * SECOND);
    await h.settle();
    assert.equal(h.sampleOf(a)?.labels['like'], 1);
    assert.equal(h.sampleOf(b)?.labels['like'], 0, 'the conflicting engagement labels nothing');
    const ids = h.samples().map((s) => s.sample_id.toString('hex'));
    assert.equal(new Set(ids).size, ids.length, 'one sample id stands for one sample');
    assert.equal(h.samples().length, 2);
    assert.equal(h.sampleOf(a)?.post_id, 70, 'the first view of the id is the sample');
    const dead = h.deadLetters();
    assert.deepEqual(dead.map((d) => [d.headers['labeljoin.error.code'], d.headers['labeljoin.error.field'], d.headers['labeljoin.source.topic']]).sort(), [
      ['RECORD_CONFLICTING_DUPLICATE', 'event_id', TOPICS.engagements],
      ['RECORD_CONFLICTING_DUPLICATE', 'event_id', TOPICS.views],
    ]);
    assert.equal(h.counters.deadLetteredBy['RECORD_CONFLICTING_DUPLICATE'], 2);
    assert.equal(h.counters.duplicateEngagements, 0);
    assert.equal(h.counters.duplicateViews, 0);
  });

  it('a late arrival past the expiry horizon and its repeat are counted the same whatever the fetch boundaries', async () => {
    const results: string[] = [];
    for (const maxRecords of [1, 2, 3, 50]) {
      const h = new JoinHarness({ partitions: 1, maxRecords });
      const v = h.view(0, { ts: T0 });
      h.view(0, { ts: T0 + 450 * SECOND }); // views this new let the index expire what is older than ~400 s
      moveTime(h, 0, T0 + 500 * SECOND);
      const old = h.engage(0, v, 'like', 3 * SECOND); // long expired when it arrives
      moveTime(h, 0, T0 + 501 * SECOND);
      h.engagement(0, old); // sent again
      await h.settle();
      const { commits: _commits, ...counters } = h.counters;
      results.push(JSON.stringify(counters));
      assert.equal(h.counters.duplicateEngagements, 1, `maxRecords ${maxRecords}`);
    }
    assert.equal(new Set(results).size, 1, results.join('\n'));
  });

  it('a bad record between good ones is dead-lettered with its position; the good ones are joined and the offset moves past it', async () => {
    const h = new JoinHarness({ partitions: 1 });
    const v1 = h.view(0, { ts: T0 });
    const badView = h.raw(TOPICS.views, 0, Buffer.from('not a view'));
    const v2 = h.view(0, { ts: T0 + SECOND });
    h.engage(0, v1, 'like', SECOND);
    const badEngagement = h.raw(TOPICS.engagements, 0, Buffer.from('{"event_id": 3'));
    h.engage(0, v2, 'like', SECOND);
    moveTime(h, 0, T0 + 70 * SECOND);
    await h.settle();
    assert.equal(h.sampleOf(v1)?.labels['like'], 1);
    assert.equal(h.sampleOf(v2)?.labels['like'], 1);
    const dead = h.deadLetters();
    assert.deepEqual(dead.map((d) => [d.headers['labeljoin.source.topic'], d.headers['labeljoin.source.offset']]).sort(), [[TOPICS.engagements, String(badEngagement)], [TOPICS.views, String(badView)]].sort());
    assert.ok(dead.every((d) => d.headers['labeljoin.error.code']?.startsWith('RECORD_')));
    assert.deepEqual(dead.find((d) => d.headers['labeljoin.source.topic'] === TOPICS.views)?.value, Buffer.from('not a view'));
    assert.equal(h.counters.deadLettered, 2);
    assert.equal(h.committed(0), 3n);
  });

  it('a dead-letter copy keeps the tombstone, the timestamp and the headers of the record', async () => {
    const h = new JoinHarness({ partitions: 1 });
    h.log.append(TOPICS.views, 0, null, { key: Buffer.from('k'), timestamp: T0 + 7, headers: [['origin', Buffer.from('app-1')]] });
    const v = h.view(0, { ts: T0 });
    moveTime(h, 0, T0 + 70 * SECOND);
    await h.settle();
    const [copy] = h.log.records(TOPICS.deadLetter);
    assert.ok(copy !== undefined);
    assert.equal(copy.value, null);
    assert.deepEqual(copy.key, Buffer.from('k'));
    assert.equal(copy.timestamp, BigInt(T0 + 7));
    assert.deepEqual(copy.headers[0], ['origin', Buffer.from('app-1')]);
    assert.ok(h.sampleOf(v) !== undefined);
  });

  it('a partition revoked mid-window: its held views are left uncommitted and joined by the instance that gets it', async () => {
    const h = new JoinHarness({ partitions: 2 });
    const moved = h.view(1, { ts: T0 });
    h.engage(1, moved, 'favorite', 10 * SECOND);
    const stays = h.view(0, { ts: T0 });
    moveTime(h, 0, T0 + 70 * SECOND);
    await h.settle();
    assert.equal(h.samples().length, 1, 'partition 0 joined, partition 1 not due');
    h.membership.assign([0]);
    await h.settle();
    assert.deepEqual(h.joiner.partitionStates().map((s) => s.partition), [0]);
    assert.equal(h.committed(1), undefined, 'nothing of partition 1 was committed');

    h.restart(); // the instance that gets partition 1
    h.membership.assign([1]);
    moveTime(h, 1, T0 + 70 * SECOND);
    await h.settle();
    assert.equal(h.sampleOf(moved)?.labels['favorite'], 1);
    assert.ok(h.sampleOf(stays) !== undefined);
    assert.equal(h.samples().length, 2, 'one sample per view across both instances');
  });

  it('gaps and an open transaction: the offset commits past gaps, and nothing past the last stable offset is read', async () => {
    const h = new JoinHarness({ partitions: 1 });
    const v = h.view(0, { ts: T0 });
    h.log.gap(TOPICS.views, 0, 2);
    moveTime(h, 0, T0 + 70 * SECOND);
    await h.settle();
    assert.ok(h.sampleOf(v) !== undefined);
    assert.equal(h.committed(0), 3n, 'committed past the gap');
    h.log.holdStable(TOPICS.views, 0, 3n);
    const pending = h.view(0, { ts: T0 + SECOND });
    moveTime(h, 0, T0 + 90 * SECOND);
    await h.settle();
    assert.equal(h.sampleOf(pending), undefined, 'not read while its transaction is open');
    h.log.holdStable(TOPICS.views, 0, undefined);
    await h.settle();
    assert.ok(h.sampleOf(pending) !== undefined);
  });

  it('a failed delivery is delivered again by the next cycle, nothing lost or committed early', async () => {
    const h = new JoinHarness({ partitions: 1 });
    const v = h.view(0, { ts: T0 });
    moveTime(h, 0, T0 + 70 * SECOND);
    h.delivery.failNext = 1;
    await assert.rejects(h.cycle());
    assert.equal(h.samples().length, 0);
    assert.equal(h.committed(0), undefined);
    await h.settle();
    assert.equal(h.samples().length, 1);
    assert.ok(h.sampleOf(v) !== undefined);
    assert.equal(h.committed(0), 1n);
  });

  it('drain: the end of the log is the end of time, every view is joined and the joiner says it is done', async () => {
    const h = new JoinHarness({ partitions: 2, drain: true });
    const views = [h.view(0, { ts: T0 }), h.view(1, { ts: T0 + 5 * SECOND })];
    h.engage(0, views[0]!, 'like', 59 * SECOND);
    await h.drain();
    assert.equal(h.samples().length, 2);
    assert.equal(h.sampleOf(views[0]!)?.labels['like'], 1);
    assert.equal(h.committed(0), 1n);
    assert.equal(h.committed(1), 1n);
  });
});

describe('--max-rate', () => {
  it('takes at most the cap per second on average, in wall-clock time of the injected clock; the samples are those of an uncapped run', async () => {
    const write = (h: JoinHarness): void => {
      for (let i = 0; i < 600; i++) {
        const v = h.view(i % 2, { ts: T0 + i * 100, user_id: 10 + (i % 2), post_id: i });
        h.engage(i % 2, v, 'like', 1_000);
      }
    };
    const free = new JoinHarness({ drain: true, maxRecords: 40 });
    write(free);
    await free.drain(5_000);
    const capped = new JoinHarness({ drain: true, maxRecords: 40, maxRate: 100 });
    write(capped);
    const started = capped.clock.now();
    await capped.drain(5_000);
    const seconds = (capped.clock.now() - started) / 1000;
    const taken = capped.counters.viewsIn + capped.counters.engagementsIn;
    assert.equal(taken, 1_200);
    // 1,200 records at 100/s: one second's worth may be taken at once, the rest at the cap (one fetch may overdraw).
    assert.ok(seconds >= 10 && seconds <= 13, `${seconds} s for ${taken} records`);
    assert.equal(free.clock.now(), T0 + 86_400_000, 'no cap: no waiting');
    assert.deepEqual([...capped.newestSamples().keys()].sort(), [...free.newestSamples().keys()].sort());
  });
});
