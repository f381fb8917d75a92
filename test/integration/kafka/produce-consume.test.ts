/**
 * The first round trip through the real broker: keyed, LZ4-compressed,
 * idempotent produce, then manual-assignment reads that see every record in
 * the partition the Java partitioner picks, with key, value, headers and time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaFetcher } from '../../../src/kafka/fetcher.js';
import { KafkaProducer, keyedRecord } from '../../../src/kafka/producer.js';
import { partitionForKey } from '../../../src/kafka/partitioner.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import { createTestTopics, testConnection, uniqueTopic } from '../../helpers/kafka.js';

describe('produce and consume through the real broker', () => {
  it('round-trips keyed LZ4 records into the Java-compatible partitions', async (t) => {
    const topic = uniqueTopic('roundtrip');
    const partitions = 4;
    await createTestTopics(t, [{ name: topic, partitions, replicationFactor: 1 }]);

    const producer = new KafkaProducer(testConnection(), { compression: 'lz4' });
    t.after(() => producer.close());
    const sent = Array.from({ length: 500 }, (_, i) => ({
      user: `user-${i % 37}`,
      value: `event ${i} ${'x'.repeat(i % 50)}`,
      ts: 1_790_000_000_000n + BigInt(i),
    }));
    // Two concurrent sends: the producer must queue them, not fail.
    await Promise.all([0, 1].map((half) =>
      producer.send(sent.filter((_, i) => i % 2 === half).map((s) =>
        keyedRecord(topic, partitions, s.user, Buffer.from(s.value), { headers: { source: 'test' }, timestamp: s.ts })))));

    const got: Array<{ partition: number; key: string; value: string; ts: bigint; source: string }> = [];
    const count = await readTopicToEnd(testConnection(), topic, {
      onRecord: (r) => got.push({
        partition: r.partition,
        key: r.key?.toString() ?? '',
        value: r.value?.toString() ?? '',
        ts: r.timestamp,
        source: r.headers.find(([k]) => k === 'source')?.[1].toString() ?? '',
      }),
    });

    assert.equal(count, sent.length);
    assert.deepEqual(new Set(got.map((g) => g.value)), new Set(sent.map((s) => s.value)));
    for (const g of got) {
      assert.equal(g.partition, partitionForKey(g.key, partitions), `${g.key} in partition ${g.partition}`);
      assert.equal(g.source, 'test');
      assert.equal(g.ts, sent.find((s) => s.value === g.value)!.ts);
    }
    // Within one key (one partition), order is the send order of that key's half.
    const firstKeyValues = got.filter((g) => g.key === 'user-0').map((g) => Number(g.value.split(' ')[1]));
    const evens = firstKeyValues.filter((v) => v % 2 === 0);
    assert.deepEqual(evens, [...evens].sort((a, b) => a - b));
  });

  it('finds offsets by time, and fetches only the partitions asked for', async (t) => {
    const topic = uniqueTopic('fortime');
    await createTestTopics(t, [{ name: topic, partitions: 2, replicationFactor: 1 }]);
    const producer = new KafkaProducer(testConnection(), { compression: 'none' });
    t.after(() => producer.close());
    await producer.send(Array.from({ length: 10 }, (_, i) => ({
      topic, partition: 0, key: null, value: Buffer.from(String(i)), timestamp: 1_000_000n + BigInt(i) * 1000n,
    })));

    const fetcher = new KafkaFetcher(testConnection());
    t.after(() => fetcher.close());
    const offsets = await fetcher.offsetsForTime(topic, [0, 1], 1_004_500n);
    assert.equal(offsets.get(0), 5n);
    const ends = await fetcher.endOffsets(topic, [0, 1]);
    assert.deepEqual([...ends], [[0, 10n], [1, 0n]]);

    const fetched = await fetcher.fetch([{ topic, partition: 0, offset: 5n }]);
    assert.equal(fetched.length, 1);
    assert.deepEqual(fetched[0]!.records.map((r) => r.value?.toString()), ['5', '6', '7', '8', '9']);
    assert.equal(fetched[0]!.nextOffset, 10n);
  });
});
