import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MinHeap } from '../../src/sim/heap.js';
import { Random, Zipf } from '../../src/sim/random.js';

describe('Random', () => {
  it('the same seed gives the same sequence; another seed another', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const seqA = Array.from({ length: 100 }, () => a.uint32());
    assert.deepEqual(seqA, Array.from({ length: 100 }, () => b.uint32()));
    assert.notDeepEqual(seqA, Array.from({ length: 100 }, () => c.uint32()));
  });

  it('draws have the intended means', () => {
    const r = new Random(7);
    const n = 100_000;
    let u = 0;
    let e = 0;
    let g = 0;
    let z = 0;
    for (let i = 0; i < n; i++) {
      u += r.next();
      e += r.exponential(10);
      g += r.geometric(15);
      z += r.normal();
    }
    assert.ok(Math.abs(u / n - 0.5) < 0.01, `uniform mean ${u / n}`);
    assert.ok(Math.abs(e / n - 10) < 0.2, `exponential mean ${e / n}`);
    assert.ok(Math.abs(g / n - 15) < 0.3, `geometric mean ${g / n}`);
    assert.ok(Math.abs(z / n) < 0.02, `normal mean ${z / n}`);
  });

  it('uuids have version 4 and the RFC 4122 variant', () => {
    const id = new Random(1).uuid();
    assert.equal(id[6]! >> 4, 4);
    assert.equal(id[8]! >> 6, 2);
  });
});

describe('Zipf', () => {
  it('rank k is drawn about 1/(k+1)^s as often as rank 0', () => {
    const zipf = new Zipf(1000, 1);
    const r = new Random(3);
    const counts = new Array<number>(1000).fill(0);
    for (let i = 0; i < 200_000; i++) counts[zipf.draw(r)]!++;
    const ratio = counts[0]! / counts[9]!;
    assert.ok(ratio > 8.5 && ratio < 11.5, `rank 0 / rank 9 = ${ratio}`);
    assert.ok(counts[999]! < counts[0]! / 500);
  });
});

describe('MinHeap', () => {
  it('pops by key, ties in insertion order', () => {
    const h = new MinHeap<string>();
    const r = new Random(5);
    const items = Array.from({ length: 500 }, (_, i) => ({ key: r.int(50), name: `i${i}` }));
    for (const it of items) h.push(it.key, it.name);
    const out: string[] = [];
    while (h.size > 0) out.push(h.pop()!);
    const expected = [...items].sort((a, b) => a.key - b.key || Number(a.name.slice(1)) - Number(b.name.slice(1))).map((x) => x.name);
    assert.deepEqual(out, expected);
  });
});
