import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, partitionForKey } from '../../src/kafka/partitioner.js';
import { placeRecord, RepartitionBatch, type InputRecord } from '../../src/repartition/batch.js';

function record(partition: number, offset: number, key: string | null, value: string | null = `v${offset}`): InputRecord {
  return {
    partition,
    offset: BigInt(offset),
    timestamp: 1_767_225_600_000n + BigInt(offset),
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers: [['h', Buffer.from('1')], ['h', Buffer.from('2')]],
  };
}

describe('placeRecord', () => {
  it('places a keyed record by the partitioner over the target count', () => {
    for (let i = 0; i < 200; i++) {
      const key = Buffer.from(`u-${i}`);
      assert.deepEqual(placeRecord('murmur2', key, 7, 5), { partition: partitionForKey(key, 5), by: 'key' });
      assert.deepEqual(placeRecord('murmur2_random', key, 7, 5), { partition: partitionForKey(key, 5), by: 'key' });
      assert.deepEqual(placeRecord('consistent_random', key, 7, 5), { partition: crc32(key) % 5, by: 'key' });
    }
  });

  it('keeps the partition number mod n of a record it cannot place by a key', () => {
    assert.deepEqual(placeRecord('murmur2', null, 7, 5), { partition: 2, by: 'source' });
    assert.deepEqual(placeRecord('consistent_random', null, 3, 8), { partition: 3, by: 'source' });
    assert.deepEqual(placeRecord('consistent_random', Buffer.alloc(0), 9, 8), { partition: 1, by: 'source' }, 'librdkafka places an empty key at random');
    // consistent hashes a null key as empty: CRC32 of nothing is 0.
    assert.deepEqual(placeRecord('consistent', null, 3, 8), { partition: 0, by: 'key' });
    // murmur2 places an empty key (the Java client does).
    assert.deepEqual(placeRecord('murmur2', Buffer.alloc(0), 3, 8), { partition: partitionForKey(Buffer.alloc(0), 8), by: 'key' });
  });
});

describe('RepartitionBatch', () => {
  const limits = { maxRecords: 3, maxBytes: 1_000_000 };

  it('copies key, value (null too), every header and the timestamp, to the partition of the key', () => {
    const batch = new RepartitionBatch({ to: 'out', toPartitions: 4, partitioner: 'murmur2', limits });
    batch.add(record(1, 10, 'u-1'));
    batch.add(record(1, 11, 'u-2', null));
    const [a, b] = batch.records;
    assert.deepEqual(a, { topic: 'out', partition: partitionForKey('u-1', 4), key: Buffer.from('u-1'), value: Buffer.from('v10'), headers: [['h', Buffer.from('1')], ['h', Buffer.from('2')]], timestamp: 1_767_225_600_010n });
    assert.equal(b!.value, null, 'a tombstone stays a tombstone');
    assert.equal(b!.partition, partitionForKey('u-2', 4));
  });

  it('commits the offset after the last record per source partition, counts moved and keyless, and is full at its limits', () => {
    const batch = new RepartitionBatch({ to: 'out', toPartitions: 4, partitioner: 'murmur2', limits });
    assert.equal(batch.empty, true);
    const keys = ['u-1', 'u-2', 'u-3'];
    let moved = 0;
    for (const [i, key] of keys.entries()) {
      const placed = batch.add(record(i % 2, 100 + i, key));
      if (placed.partition !== i % 2) moved++;
      assert.equal(batch.full, i === 2);
    }
    batch.add(record(0, 200, null));
    assert.deepEqual(batch.offsets, new Map([[0, 201n], [1, 102n]]));
    assert.deepEqual(batch.counts.records, 4);
    assert.equal(batch.counts.moved, moved, 'the keyless one stays in partition 0');
    assert.equal(batch.counts.keyless, 1);
    assert.equal([...batch.perTarget.values()].reduce((x, y) => x + y, 0), 4);
    batch.advance(0, 150n);
    assert.equal(batch.offsets.get(0), 201n, 'never moves back');
    batch.advance(3, 7n);
    assert.equal(batch.offsets.get(3), 7n, 'a position moved past markers only is committed too');
    const small = new RepartitionBatch({ to: 'out', toPartitions: 4, partitioner: 'murmur2', limits: { maxRecords: 100, maxBytes: 100 } });
    small.add(record(0, 0, 'u-1', 'x'.repeat(80)));
    assert.equal(small.full, true, 'full by bytes');
  });

  it('an advance alone makes the batch non-empty (offsets to commit, no records)', () => {
    const batch = new RepartitionBatch({ to: 'out', toPartitions: 2, partitioner: 'murmur2', limits });
    batch.advance(1, 5n);
    assert.deepEqual([batch.empty, batch.records.length], [false, 0]);
  });
});
