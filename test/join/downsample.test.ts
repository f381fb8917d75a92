/**
 * Negative downsampling (src/join/labels.ts, keepsSample / sampleWeight): the
 * rule against the contract computed apart (test/helpers/truth.ts), and the
 * joiner on an in-memory log (test/helpers/join-harness.ts) under
 * --negative-share: every positive kept with weight 1, the negatives the rule
 * keeps with weight 1/F, the same views in two runs, and a dropped negative
 * that a late engagement makes positive emitted as version 1 with weight 1.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { sampleIdFor, type OwnViewEvent } from '../../src/codec/events.js';
import { keepsSample, sampleWeight } from '../../src/join/labels.js';
import { id, T0 } from '../helpers/events.js';
import { JoinHarness } from '../helpers/join-harness.js';
import { contractDownsample } from '../helpers/truth.js';

const SECOND = 1_000;

describe('negative downsampling', () => {
  it('the rule keeps what the contract keeps, about the share of 200 000 negatives, a subset for a smaller share', () => {
    for (const ids of [Array.from({ length: 200_000 }, (_, i) => id(i + 1)), Array.from({ length: 200_000 }, () => randomBytes(16))]) {
      let kept = 0;
      let keptSmaller = 0;
      for (const v of ids) {
        const k = keepsSample(0, v, 0.1);
        assert.equal(k, contractDownsample(v, false, 0.1).kept);
        if (k) kept++;
        if (keepsSample(0, v, 0.05)) {
          keptSmaller++;
          assert.ok(k, 'a view kept at 0.05 is kept at 0.1');
        }
        assert.ok(keepsSample(0, v, 1) && keepsSample(1, v, 0.1) && keepsSample(0b100000, v, 0.001), 'share 1 and every positive are kept');
      }
      assert.ok(Math.abs(kept / ids.length - 0.1) <= 0.01, `kept share ${kept / ids.length}`);
      assert.ok(Math.abs(keptSmaller / ids.length - 0.05) <= 0.01, `kept share ${keptSmaller / ids.length} at 0.05`);
    }
    assert.deepEqual([sampleWeight(0, 0.1), sampleWeight(3, 0.1), sampleWeight(0, 1), sampleWeight(0, 0.25)], [10, 1, 1, 4]);
  });

  it('the joiner emits every positive (weight 1) and the negatives the contract keeps (weight 1/F), the same views in two runs', async () => {
    const runs: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const h = new JoinHarness({ partitions: 1, negativeShare: 0.25 });
      const views: Array<{ v: OwnViewEvent; positive: boolean }> = [];
      for (let i = 0; i < 400; i++) {
        const v = h.view(0, { ts: T0 + i * 100 });
        const positive = i % 3 === 0;
        if (positive) h.engage(0, v, 'play', 2 * SECOND);
        views.push({ v, positive });
      }
      h.engagement(0, { user_id: 999_999, post_id: 999_999, type: 'skip', ts: T0 + 200 * SECOND });
      await h.settle();
      const out = h.newestSamples();
      let dropped = 0;
      for (const { v, positive } of views) {
        const expected = contractDownsample(v.event_id, positive, 0.25);
        const s = out.get(v.event_id.toString('hex'));
        assert.equal(s !== undefined, expected.kept, `view ${v.event_id.toString('hex')} (positive ${positive})`);
        if (s === undefined) dropped++;
        else assert.equal(s.weight, expected.weight);
      }
      assert.equal(h.counters.negativesDropped, dropped);
      assert.ok(dropped > 150 && dropped < 250, `${dropped} of 267 negatives dropped`);
      assert.equal(h.counters.samplesOut, 400 - dropped);
      runs.push([...out.keys()].sort());
    }
    assert.deepEqual(runs[0], runs[1], 'two runs keep the same views');
  });

  it('share 1 (the default) emits every view with weight 1', async () => {
    const h = new JoinHarness({ partitions: 1 });
    for (let i = 0; i < 50; i++) h.view(0, { ts: T0 + i * 100 });
    h.engagement(0, { user_id: 999_999, post_id: 999_999, type: 'skip', ts: T0 + 200 * SECOND });
    await h.settle();
    assert.equal(h.samples().filter((s) => s.weight === 1 && s.user_id !== 999_999).length, 50);
    assert.equal(h.counters.negativesDropped, 0);
  });

  it('late policy "correct": a dropped negative made positive is emitted as version 1 with weight 1; a kept one goes from 1/F to 1', async () => {
    const h = new JoinHarness({ partitions: 1, negativeShare: 0.5, latePolicy: 'correct' });
    const views = Array.from({ length: 40 }, (_, i) => h.view(0, { ts: T0 + i * 100 }));
    const dropped = views.find((v) => !contractDownsample(v.event_id, false, 0.5).kept)!;
    const kept = views.find((v) => contractDownsample(v.event_id, false, 0.5).kept)!;
    assert.ok(dropped !== undefined && kept !== undefined);
    h.engagement(0, { user_id: 999_999, post_id: 999_999, type: 'skip', ts: T0 + 80 * SECOND });
    await h.settle();
    assert.equal(h.sampleOf(dropped), undefined);
    assert.equal(h.sampleOf(kept)?.weight, 2);
    h.engage(0, dropped, 'like', 30 * SECOND);
    h.engage(0, kept, 'like', 30 * SECOND);
    await h.settle();
    const d = h.samples().filter((s) => s.view_event_id.equals(dropped.event_id));
    assert.deepEqual(d.map((s) => [s.version, s.weight, s.labels['like']]), [[1, 1, 1]]);
    assert.deepEqual(d[0]!.sample_id, sampleIdFor(dropped.event_id, 1), 'the id a full run gives the correction');
    const k = h.samples().filter((s) => s.view_event_id.equals(kept.event_id));
    assert.deepEqual(k.map((s) => [s.version, s.weight, s.labels['like']]), [[0, 2, 0], [1, 1, 1]]);
    assert.equal(h.counters.corrections, 2);
    assert.equal(h.counters.late, 2);
  });
});
