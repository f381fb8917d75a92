/**
 * The read_committed filter on a Fetch response, without a broker: the layout
 * below is the one a kill -9 test left on a samples partition (one producer id
 * across restarts, an aborted transaction with data, committed ones after it,
 * and an abort marker of a transaction that wrote nothing there). The client
 * library's filter dropped the committed records 3506..3784; ours must not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePartition, type RawPartition } from '../../src/kafka/fetcher.js';

const TRANSACTIONAL = 0b1_0000;
const CONTROL = 0b10_0000;
const PRODUCER = 13n;

function controlKey(type: 'abort' | 'commit'): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0); // version
  key.writeInt16BE(type === 'abort' ? 0 : 1, 2);
  return key;
}

function dataBatch(first: number, last: number, producerId = PRODUCER): unknown {
  return {
    firstOffset: BigInt(first),
    lastOffsetDelta: last - first,
    attributes: TRANSACTIONAL,
    producerId,
    firstTimestamp: 1_000n,
    records: Array.from({ length: last - first + 1 }, (_, i) => ({ offsetDelta: i, timestampDelta: 0n, key: null, value: Buffer.from(String(first + i)), headers: [] })),
  };
}

function marker(offset: number, type: 'abort' | 'commit', producerId = PRODUCER): unknown {
  return {
    firstOffset: BigInt(offset),
    lastOffsetDelta: 0,
    attributes: TRANSACTIONAL | CONTROL,
    producerId,
    firstTimestamp: 1_000n,
    records: [{ offsetDelta: 0, timestampDelta: 0n, key: controlKey(type), value: Buffer.alloc(6), headers: [] }],
  };
}

function partition(batches: unknown[], aborted: Array<{ producerId: bigint; firstOffset: bigint }>): RawPartition {
  return { partitionIndex: 1, errorCode: 0, highWatermark: 5000n, lastStableOffset: 5000n, logStartOffset: 0n, abortedTransactions: aborted, preferredReadReplica: -1, records: batches } as unknown as RawPartition;
}

function offsets(p: RawPartition, from: bigint, isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'): number[] {
  return decodePartition('samples', p, from, isolation).records.map((r) => Number(r.offset));
}

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

describe('read_committed filter of a Fetch response', () => {
  const seen = partition(
    [dataBatch(3135, 3453), marker(3454, 'commit'), dataBatch(3455, 3504), marker(3505, 'abort'), dataBatch(3506, 3735), marker(3736, 'commit'),
      dataBatch(3737, 3784), marker(3785, 'commit'), marker(3786, 'abort'), dataBatch(3787, 4168), marker(4169, 'commit')],
    [{ producerId: PRODUCER, firstOffset: 3455n }],
  );

  it('drops the aborted transaction and keeps every committed one after it, across a data-less abort marker', () => {
    assert.deepEqual(offsets(seen, 3135n), [...range(3135, 3453), ...range(3506, 3735), ...range(3737, 3784), ...range(3787, 4168)]);
  });

  it('read_uncommitted keeps all data, never markers', () => {
    assert.deepEqual(offsets(seen, 3135n, 'read_uncommitted'), [...range(3135, 3453), ...range(3455, 3504), ...range(3506, 3735), ...range(3737, 3784), ...range(3787, 4168)]);
  });

  it('another producer interleaved with an aborted one is kept, and offsets before the requested one are cut', () => {
    const p = partition(
      [dataBatch(0, 9), dataBatch(10, 19, 7n), dataBatch(20, 29), marker(30, 'commit', 7n), marker(31, 'abort'), dataBatch(32, 39)],
      [{ producerId: PRODUCER, firstOffset: 0n }],
    );
    assert.deepEqual(offsets(p, 0n), [...range(10, 19), ...range(32, 39)]);
    assert.deepEqual(offsets(p, 15n), [...range(15, 19), ...range(32, 39)]);
    assert.equal(decodePartition('samples', p, 0n, 'read_committed').nextOffset, 40n);
  });

  it('two aborted transactions of one producer: both dropped, the committed one between them kept', () => {
    const p = partition(
      [dataBatch(0, 4), marker(5, 'abort'), dataBatch(6, 9), marker(10, 'commit'), dataBatch(11, 14), marker(15, 'abort'), dataBatch(16, 18), marker(19, 'commit')],
      [{ producerId: PRODUCER, firstOffset: 0n }, { producerId: PRODUCER, firstOffset: 11n }],
    );
    assert.deepEqual(offsets(p, 0n), [...range(6, 9), ...range(16, 18)]);
  });
});
