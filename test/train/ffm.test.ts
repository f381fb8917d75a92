import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ffm, rowRandom, sigmoid, type ImpressionRows } from '../../src/train/ffm.js';

function rows(model: Ffm, keys: readonly [string, string, string]): ImpressionRows {
  return { bias: model.initialRow('bias', true), features: [model.initialRow(keys[0], false), model.initialRow(keys[1], false), model.initialRow(keys[2], false)] };
}

function logloss(p: number, y: number): number {
  return -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
}

describe('FFM', () => {
  it('lays out k = 32 rows as 2 + 4k floats per signal, and starts a row the same way for the same seed and key', () => {
    const m = new Ffm({ signals: 2, k: 32, learningRate: 0.1, l2: 0, seed: 7 });
    assert.equal(m.rowLength, 2 * 130);
    assert.deepEqual(m.initialRow('u:1', false), m.initialRow('u:1', false));
    assert.notDeepEqual(m.initialRow('u:1', false), m.initialRow('u:2', false));
    assert.notDeepEqual(m.initialRow('u:1', false), new Ffm({ signals: 2, k: 32, learningRate: 0.1, l2: 0, seed: 8 }).initialRow('u:1', false));
    const r = m.initialRow('p:9', false);
    assert.equal(r[0], 0); // w
    assert.equal(r[1], 1); // G_w
    for (let d = 0; d < 32; d++) assert.ok(r[2 + d]! >= 0 && r[2 + d]! < 1 / Math.sqrt(32));
  });

  it('starts a row from its generator\'s draws, V = draw · 1/√k, signal after signal, slot after slot (into a given array too)', () => {
    const m = new Ffm({ signals: 3, k: 8, learningRate: 0.1, l2: 0, seed: 5 });
    const next = rowRandom(5, 'p:77');
    const expected = new Float32Array(m.rowLength);
    for (let s = 0; s < 3; s++) {
      expected[s * m.block + 1] = 1;
      for (let slot = 0; slot < 2; slot++) {
        for (let d = 0; d < 8; d++) expected[s * m.block + 2 + slot * 16 + d] = next() * (1 / Math.sqrt(8));
        for (let d = 0; d < 8; d++) expected[s * m.block + 2 + slot * 16 + 8 + d] = 1;
      }
    }
    assert.deepEqual(m.initialRow('p:77', false), expected);
    const into = new Float32Array(m.rowLength);
    assert.equal(m.initialRow('p:77', false, into), into);
    assert.deepEqual(into, expected);
    assert.deepEqual(m.initialRow('bias', true), Float32Array.of(0, 1, 0, 1, 0, 1));
  });

  it('a step moves the prediction towards the label by the loss gradient (checked against a finite difference)', () => {
    const m = new Ffm({ signals: 1, k: 4, learningRate: 0.05, l2: 0, seed: 1 });
    const r = rows(m, ['u:1', 'p:1', 'c:home|0']);
    const p0 = m.predict(0, r);
    // d logloss / d w_user = p - y; nudge w_user and compare.
    const h = 1e-3;
    const plus = { ...r, features: [Float32Array.from(r.features[0]), r.features[1], r.features[2]] as const };
    plus.features[0][0]! += h;
    const numeric = (logloss(m.predict(0, plus), 1) - logloss(p0, 1)) / h;
    assert.ok(Math.abs(numeric - (p0 - 1)) < 1e-3, `numeric ${numeric} vs analytic ${p0 - 1}`);
    m.update(0, r, p0, 1);
    assert.ok(m.predict(0, r) > p0);
    const p1 = m.predict(0, r);
    m.update(0, r, p1, 0);
    assert.ok(m.predict(0, r) < p1);
  });

  it('learns a user × post interaction no linear model can (AUC-style check on held-out pairs)', () => {
    const m = new Ffm({ signals: 1, k: 4, learningRate: 0.2, l2: 0, seed: 3 });
    const store = new Map<string, Float32Array>();
    const row = (key: string, bias = false): Float32Array => {
      let r = store.get(key);
      if (r === undefined) store.set(key, (r = m.initialRow(key, bias)));
      return r;
    };
    // Users and posts have a hidden group (0/1); a like happens iff the groups match.
    const label = (u: number, p: number): number => ((u % 2) === (p % 2) ? 1 : 0);
    for (let epoch = 0; epoch < 30; epoch++) {
      for (let u = 0; u < 20; u++) {
        for (let p = 0; p < 20; p++) {
          if ((u + p) % 5 === 0) continue; // held out
          const r: ImpressionRows = { bias: row('bias', true), features: [row(`u:${u}`), row(`p:${p}`), row('c:home|0')] };
          m.update(0, r, m.predict(0, r), label(u, p));
        }
      }
    }
    let right = 0;
    let total = 0;
    for (let u = 0; u < 20; u++) {
      for (let p = 0; p < 20; p++) {
        if ((u + p) % 5 !== 0) continue;
        const score = m.predict(0, { bias: row('bias', true), features: [row(`u:${u}`), row(`p:${p}`), row('c:home|0')] });
        right += (score > 0.5 ? 1 : 0) === label(u, p) ? 1 : 0;
        total++;
      }
    }
    assert.ok(right / total > 0.9, `held-out accuracy ${right}/${total}`);
  });

  it('sigmoid is stable for large inputs', () => {
    assert.equal(sigmoid(1000), 1);
    assert.equal(sigmoid(-1000), 0);
    assert.equal(sigmoid(0), 0.5);
  });

  it('a weighted step scales the gradient: weight 1 gives the unweighted step bit for bit, weight 3 moves the bias further', () => {
    const m = new Ffm({ signals: 1, k: 4, learningRate: 0.1, l2: 0.001, seed: 3 });
    const step = (weight: number | undefined): Float32Array[] => {
      const r = rows(m, ['u:1', 'p:2', 'c:3']);
      const scores = new Float64Array(1);
      if (weight === undefined) m.scoreAndStep(r.bias, r.features[0], r.features[1], r.features[2], [0], scores);
      else m.scoreAndStep(r.bias, r.features[0], r.features[1], r.features[2], [0], scores, weight);
      return [r.bias, ...r.features];
    };
    const plain = step(undefined);
    assert.deepEqual(step(1), plain);
    const start = rows(m, ['u:1', 'p:2', 'c:3']).bias[0]!;
    const heavy = step(3);
    assert.ok(start - heavy[0]![0]! > start - plain[0]![0]! && start - plain[0]![0]! > 0, 'a negative pushes the bias down, three times the gradient further');
    assert.ok(Math.abs(heavy[0]![1]! - 1 - 9 * (plain[0]![1]! - 1)) < 1e-5, 'AdaGrad accumulates the squared weighted gradient (Float32)');
  });
});
