import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auc, logloss, ProgressiveValidation } from '../../src/train/evaluation.js';

describe('progressive validation', () => {
  it('AUC: perfect, inverted, ties and one class', () => {
    assert.equal(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1);
    assert.equal(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]), 0);
    assert.equal(auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5);
    // 1 positive above 2 of 3 negatives: 2/3
    assert.equal(auc([0.1, 0.3, 0.6, 0.5], [0, 0, 0, 1]), 2 / 3);
    assert.ok(Number.isNaN(auc([0.1, 0.2], [1, 1])));
  });

  it('AUC equals the pairwise count (ties one half), to the last bit, on scores with many ties', () => {
    let state = 9;
    const next = (): number => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const n of [1, 2, 7, 500, 3000]) {
      const scores = Array.from({ length: n }, () => Math.round(next() * 40) / 40);
      const labels = scores.map((s) => (next() < 0.2 + 0.6 * s ? 1 : 0));
      // The former rank-sum by an index sort with a comparator, as the reference.
      const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
      let positives = 0;
      let rankSum = 0;
      for (let i = 0; i < order.length; ) {
        let j = i;
        while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
        for (let t = i; t <= j; t++) if (labels[order[t]!] === 1) (positives++, (rankSum += (i + j) / 2 + 1));
        i = j + 1;
      }
      const negatives = n - positives;
      const expected = positives === 0 || negatives === 0 ? Number.NaN : (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
      let pairs = 0;
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (labels[a] === 1 && labels[b] === 0) pairs += scores[a]! > scores[b]! ? 1 : scores[a] === scores[b] ? 0.5 : 0;
      assert.ok(Number.isNaN(expected) || Math.abs(pairs / (positives * negatives) - expected) < 1e-12);
      assert.equal(auc(scores, labels), expected, `n = ${n}`);
    }
    assert.ok(Number.isNaN(auc([0.2, Number.NaN, 0.4], [1, 0, 0])));
  });

  it('logloss of known predictions', () => {
    assert.ok(Math.abs(logloss([0.5, 0.5], [0, 1]) - Math.log(2)) < 1e-12);
    assert.ok(logloss([1, 0], [1, 0]) < 1e-6);
  });

  it('closes a window every N samples and scores the frozen copy only when every sample of the window has one', () => {
    const v = new ProgressiveValidation(['like'], 2);
    v.record(1, [0.9], undefined, [1]);
    v.record(2, [0.1], undefined, [0]);
    v.record(3, [0.2], [0.8], [1]);
    v.record(4, [0.7], [0.3], [0]);
    v.record(5, [0.6], [0.4], [1]);
    assert.equal(v.close()?.samples, 1);
    assert.deepEqual(v.windows.map((w) => [w.window, w.samples, w.fromTs, w.toTs]), [[1, 2, 1, 2], [2, 2, 3, 4], [3, 1, 5, 5]]);
    assert.equal(v.windows[0]!.signals['like']!.auc, 1);
    assert.equal(v.windows[0]!.signals['like']!.frozenAuc, undefined);
    assert.equal(v.windows[1]!.signals['like']!.auc, 0);
    assert.equal(v.windows[1]!.signals['like']!.frozenAuc, 1);
  });

  it('weights: logloss, mean score and observed rate are weighted means, AUC unchanged by a weight common to the negatives', () => {
    const full = new ProgressiveValidation(['like'], 100);
    const down = new ProgressiveValidation(['like'], 100);
    // the full stream: 1 positive at 0.8, 10 negatives at 0.1; downsampled: the positive and 1 negative with weight 10
    full.record(1, [0.8], undefined, [1]);
    for (let i = 0; i < 10; i++) full.record(2, [0.1], undefined, [0]);
    down.record(1, [0.8], undefined, [1], 1);
    down.record(2, [0.1], undefined, [0], 10);
    const f = full.close()!.signals['like']!;
    const d = down.close()!.signals['like']!;
    assert.ok(Math.abs(f.logloss - d.logloss) < 1e-12);
    assert.ok(Math.abs(d.meanScore - 1.8 / 11) < 1e-12 && Math.abs(f.meanScore - d.meanScore) < 1e-12);
    assert.ok(Math.abs(d.observedRate - 1 / 11) < 1e-12);
    assert.equal(d.auc, f.auc);
    assert.equal(logloss([0.5, 0.25], [1, 0]), logloss([0.5, 0.25], [1, 0], [1, 1]));
  });
});
