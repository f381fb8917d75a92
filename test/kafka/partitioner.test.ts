import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { murmur2, partitionForKey } from '../../src/kafka/partitioner.js';

describe('murmur2 (Java client compatible)', () => {
  // Apache Kafka's own vectors: clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java (testMurmur2)
  const vectors: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [input, expected] of vectors) {
    it(`hashes "${input}" like Utils.murmur2`, () => {
      assert.equal(murmur2(Buffer.from(input)), expected);
    });
  }

  it('covers every tail length (0 to 3 leftover bytes)', () => {
    const seen = new Set<number>();
    for (const s of ['', 'a', 'ab', 'abc', 'abcd', 'abcde']) seen.add(murmur2(Buffer.from(s)));
    assert.equal(seen.size, 6);
  });
});

describe('partitionForKey', () => {
  it('is toPositive(murmur2) modulo the partition count', () => {
    assert.equal(partitionForKey('foobar', 10), (-790332482 & 0x7fffffff) % 10);
    assert.equal(partitionForKey(Buffer.from('21'), 8), (-973932308 & 0x7fffffff) % 8);
  });

  it('agrees between string and byte keys, and stays in range', () => {
    for (let i = 0; i < 1000; i++) {
      const key = `user-${i}`;
      const p = partitionForKey(key, 7);
      assert.ok(p >= 0 && p < 7);
      assert.equal(partitionForKey(Buffer.from(key), 7), p);
    }
  });

  it('rejects a partition count below 1', () => {
    assert.throws(() => partitionForKey('x', 0), RangeError);
  });
});
