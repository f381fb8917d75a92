/**
 * Corrections across a restart (src/join/replay.ts), on the in-memory log:
 * under the late policy "correct" a restarted joiner joins again, silently,
 * the views an earlier run emitted whose corrections may still come, so a
 * late engagement after the restart still corrects them, with the version the
 * uninterrupted run gives. Harness settings: window 60 s, max skew 10 s,
 * out-of-orderness 5 s, view disorder 30 s, allowed lateness 60 s.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SampleRecord } from '../../src/codec/events.js';
import { replayFrom, replayHorizonMs } from '../../src/join/replay.js';
import { Random } from '../../src/sim/random.js';
import { JoinHarness, T0, TOPICS, type HarnessOptions } from '../helpers/join-harness.js';

const SECOND = 1_000;
const TYPES = ['like', 'share', 'comment', 'play'] as const;

/** An engagement of another user that moves partition p's watermark to ts - 5 s. */
function moveTime(h: JoinHarness, p: number, ts: number): void {
  h.engagement(p, { user_id: 999_999, post_id: 999_999, type: 'skip', ts });
}

/**
 * A seeded run of two partitions: views 2 s apart (a little out of order), each
 * engaged with some probability, and about a third of the engagements arriving
 * after their view's sample was emitted (late, inside the allowed lateness).
 * Records are appended in arrival order; the same seed gives the same logs.
 */
function workload(h: JoinHarness, seed: number): void {
  const random = new Random(seed);
  type Op = { readonly at: number; readonly seq: number; readonly write: () => void };
  const ops: Op[] = [];
  let seq = 0;
  for (const p of [0, 1]) {
    for (let i = 0; i < 80; i++) {
      const ts = T0 + i * 2 * SECOND + random.int(3 * SECOND);
      const user = 10_000 * (p + 1) + i;
      const post = 500 + random.int(40);
      const viewAt = ts + random.int(2 * SECOND);
      const view = { ts, user_id: user, post_id: post };
      const written: { v?: ReturnType<JoinHarness['view']> } = {};
      ops.push({ at: viewAt, seq: seq++, write: () => (written.v = h.view(p, view)) });
      const engagements = random.chance(0.7) ? 1 + random.int(2) : 0;
      for (let k = 0; k < engagements; k++) {
        const type = random.pick(TYPES);
        const delay = random.int(60 * SECOND) - 5 * SECOND;
        const late = random.chance(0.35);
        const at = late ? ts + 75 * SECOND + random.int(40 * SECOND) : ts + delay + random.int(SECOND);
        ops.push({ at: Math.max(at, viewAt + 1), seq: seq++, write: () => h.engage(p, written.v!, type, delay) });
      }
    }
    ops.push({ at: T0 + 400 * SECOND, seq: seq++, write: () => moveTime(h, p, T0 + 400 * SECOND) });
  }
  ops.sort((a, b) => a.at - b.at || a.seq - b.seq);
  for (const op of ops) op.write();
}

/** Every distinct sample id with what it says (emitted-at aside). */
function distinct(samples: readonly SampleRecord[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of samples) {
    const what = JSON.stringify({ view: s.view_event_id.toString('hex'), version: s.version, labels: s.labels, delays: s.delays_ms });
    const id = s.sample_id.toString('hex');
    const before = out.get(id);
    assert.ok(before === undefined || before === what, `sample ${id} sent twice with different content`);
    out.set(id, what);
  }
  return out;
}

function newest(h: JoinHarness): Map<string, string> {
  return new Map([...h.newestSamples()].map(([view, s]) => [view, JSON.stringify({ version: s.version, labels: s.labels, delays: s.delays_ms })]));
}

const OPTIONS: HarnessOptions = { partitions: 2, maxRecords: 3, drain: true, latePolicy: 'correct' };

describe('corrections survive restarts (late policy "correct")', () => {
  it('the replay horizon: emitted-view keep time + view disorder + out-of-orderness before the anchor', () => {
    const t = { windowMs: 60_000, maxSkewMs: 10_000, viewDisorderMs: 30_000, allowedLatenessMs: 60_000, outOfOrdernessMs: 5_000 };
    assert.equal(replayHorizonMs(t), 2 * 60_000 + 60_000 + 10_000 + 30_000 + 30_000 + 5_000);
    assert.equal(replayFrom(T0, t), T0 - 255_000);
    assert.equal(replayFrom(1_000, t), 0, 'never before time 0');
  });

  it('a restart between a view\'s emission and its late engagement: the correction comes, version 1, with the labels of version 0', async () => {
    const h = new JoinHarness({ partitions: 1, latePolicy: 'correct' });
    const v = h.view(0, { ts: T0 });
    h.engage(0, v, 'share', 4 * SECOND);
    moveTime(h, 0, T0 + 70 * SECOND);
    await h.settle();
    assert.deepEqual(h.samples().map((s) => s.version), [0], 'version 0 emitted before the restart');
    assert.equal(h.committed(0), 1n);

    h.restart();
    h.engage(0, v, 'like', 30 * SECOND); // late: its view was emitted by the earlier run
    moveTime(h, 0, T0 + 90 * SECOND);
    await h.settle();
    const versions = h.samples().filter((s) => s.view_event_id.equals(v.event_id));
    assert.deepEqual(versions.map((s) => s.version), [0, 1], 'version 0 is not sent again; the correction is version 1');
    const last = versions[1]!;
    assert.deepEqual([last.labels['like'], last.labels['share']], [1, 1], 'the correction keeps the share of version 0');
    assert.deepEqual([last.delays_ms['like'], last.delays_ms['share']], [30_000, 4_000]);
    assert.equal(h.counters.corrections, 1);
    assert.equal(h.counters.late, 1);
    assert.equal(h.counters.replayedViews, 1, 'the view was joined again, silently');
    assert.equal(h.counters.viewsIn, 0);
    assert.equal(h.committed(0), 1n, 'the committed offset never goes back to the replay start');
  });

  it('under "drop" (the default) nothing is replayed: recovery reads what it read before', async () => {
    const h = new JoinHarness({ partitions: 1 });
    const v = h.view(0, { ts: T0 });
    moveTime(h, 0, T0 + 70 * SECOND);
    await h.settle();
    h.restart();
    h.engage(0, v, 'like', 30 * SECOND);
    moveTime(h, 0, T0 + 90 * SECOND);
    await h.settle();
    assert.equal(h.counters.replayedViews, 0);
    assert.ok(h.logLines.every((l) => !l.includes('replayViewsFrom')), 'no views read again before the committed offset');
    assert.equal(h.samples().length, 1, 'dropped: no new version');
  });

  it('a restart at every cycle of a run gives exactly the sample ids of the uninterrupted run, corrections included', async (t) => {
    for (const seed of [7, 21]) {
      const whole = new JoinHarness(OPTIONS);
      workload(whole, seed);
      let cycles = 0;
      while (!(await whole.joiner.cycle())) cycles++;
      const truth = distinct(whole.samples());
      assert.ok(whole.counters.corrections > 20, `seed ${seed}: the run has corrections (${whole.counters.corrections})`);
      assert.ok(cycles > 20, `seed ${seed}: the run takes cycles to restart between (${cycles})`);
      let replayed = 0;
      for (let k = 1; k <= cycles; k++) {
        const h = new JoinHarness(OPTIONS);
        workload(h, seed);
        await h.cycle(k);
        h.restart();
        await h.drain();
        replayed += h.counters.replayedViews;
        const got = distinct(h.samples());
        const what = `seed ${seed}, restart after cycle ${k}`;
        assert.deepEqual([...got.keys()].filter((id) => !truth.has(id)), [], `${what}: no sample id the uninterrupted run does not give`);
        assert.deepEqual([...truth.keys()].filter((id) => !got.has(id)), [], `${what}: every sample id of the uninterrupted run`);
        for (const [id, content] of got) assert.equal(content, truth.get(id), `${what}: sample ${id}`);
        assert.deepEqual(newest(h), newest(whole), `${what}: the trainer's newest versions`);
      }
      assert.ok(replayed > cycles, `seed ${seed}: the restarts joined views again (${replayed})`);
      t.diagnostic(`seed ${seed}: ${cycles} restart points, ${whole.counters.corrections} corrections, ${truth.size} sample ids, ${replayed} views joined again`);
    }
  });

  it('two restarts in a row (one during the other\'s replay) give the uninterrupted run too', async () => {
    const whole = new JoinHarness(OPTIONS);
    workload(whole, 3);
    await whole.drain();
    const truth = distinct(whole.samples());
    for (const [first, second] of [[10, 1], [25, 2], [40, 5]] as const) {
      const h = new JoinHarness(OPTIONS);
      workload(h, 3);
      await h.cycle(first);
      h.restart();
      await h.cycle(second);
      h.restart();
      await h.drain();
      const got = distinct(h.samples());
      assert.deepEqual([...got].sort(), [...truth].sort(), `restarts after ${first} and ${second} more cycles`);
      assert.ok(h.log.records(TOPICS.samples).length >= truth.size);
    }
  });
});
