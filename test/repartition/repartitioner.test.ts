/**
 * The repartition driver on an in-memory log and sink (no broker): every
 * record once in the partition of its key, resumable after a crash at any
 * commit, --drain's end, following new records, stop(), retention loss.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabeljoinError } from '../../src/errors.js';
import { crc32, partitionForKey } from '../../src/kafka/partitioner.js';
import type { ProducedRecord } from '../../src/kafka/producer.js';
import type { InputRecord } from '../../src/repartition/batch.js';
import { Repartitioner, type RepartitionOptions, type RepartitionSink, type SourceBatch, type SourceLog, type SourceMembership, type SourcePosition } from '../../src/repartition/repartitioner.js';
import { silentLogger } from '../../src/log/logger.js';
import { ManualClock } from '../../src/time/clock.js';

/** A source topic in memory: records per partition, a log start, at most `perFetch` records per partition per fetch. */
class MemorySource implements SourceLog {
  readonly partitions: InputRecord[][];
  readonly logStart: bigint[];
  fetches = 0;
  onFetch: ((n: number) => void) | undefined;

  constructor(count: number, readonly perFetch = 7) {
    this.partitions = Array.from({ length: count }, () => []);
    this.logStart = Array.from({ length: count }, () => 0n);
  }

  append(partition: number, key: string | null, value: string | null = `value-${partition}-${this.partitions[partition]!.length}`): void {
    const list = this.partitions[partition]!;
    list.push({ partition, offset: BigInt(list.length), timestamp: 1_767_225_600_000n + BigInt(list.length), key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value), headers: [['trace', Buffer.from(`${partition}`)]] });
  }

  async fetch(positions: readonly SourcePosition[]): Promise<readonly SourceBatch[]> {
    this.onFetch?.(++this.fetches);
    return positions.map((p) => {
      const list = this.partitions[p.partition]!;
      const records = list.slice(Number(p.offset), Number(p.offset) + this.perFetch);
      return { partition: p.partition, records, nextOffset: p.offset + BigInt(records.length), endOffset: BigInt(list.length) };
    });
  }

  async beginningOffsets(_topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    return new Map(partitions.map((p) => [p, this.logStart[p]!]));
  }

  async endOffsets(_topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    return new Map(partitions.map((p) => [p, BigInt(this.partitions[p]!.length)]));
  }
}

/** The target topic and the group's offsets, changed together or not at all, as a Kafka transaction. */
class MemoryTarget implements RepartitionSink {
  readonly committed = new Map<number, bigint>();
  readonly partitions: ProducedRecord[][];
  commits = 0;
  inits = 0;
  /** Fails the commit with this number (1-based): the transaction is aborted, nothing of it is visible. */
  crashAt: number | undefined;

  constructor(count: number) {
    this.partitions = Array.from({ length: count }, () => []);
  }

  async init(): Promise<void> {
    this.inits++;
  }

  async commit(records: readonly ProducedRecord[], offsets: ReadonlyMap<number, bigint>): Promise<void> {
    if (++this.commits === this.crashAt) throw new LabeljoinError('KAFKA_REQUEST_FAILED', 'crashed before the commit');
    for (const r of records) this.partitions[r.partition]!.push(r);
    for (const [p, o] of offsets) this.committed.set(p, o);
  }

  all(): ProducedRecord[] {
    return this.partitions.flat();
  }
}

function membership(target: MemoryTarget, partitions: number): SourceMembership {
  return {
    join: async () => undefined,
    assigned: () => Array.from({ length: partitions }, (_, p) => p),
    committed: async (ps) => new Map(ps.map((p) => [p, target.committed.get(p)])),
  };
}

function options(extra: Partial<RepartitionOptions> = {}): RepartitionOptions {
  return { from: 'eng', to: 'eng-rekeyed', fromPartitions: 3, toPartitions: 4, partitioner: 'murmur2', drain: true, batchRecords: 10, batchBytes: 1_000_000, lingerMs: 1_000, progressEveryMs: 60_000, ...extra };
}

function repartitioner(source: MemorySource, target: MemoryTarget, extra: Partial<RepartitionOptions> = {}, clock = new ManualClock(1_000)): Repartitioner {
  const o = options(extra);
  return new Repartitioner(o, { source, membership: membership(target, o.fromPartitions), sink: target, clock, logger: silentLogger });
}

/** 3 partitions of records placed as librdkafka's default would (CRC32 over 3), some keyless. */
function crcSource(users = 40, perUser = 5): MemorySource {
  const source = new MemorySource(3);
  for (let i = 0; i < perUser; i++) {
    for (let u = 0; u < users; u++) {
      const key = `u-${u}`;
      source.append(crc32(Buffer.from(key)) % 3, key, `${key}#${i}`);
    }
  }
  source.append(1, null, 'no key');
  source.append(2, 'u-1', null);
  return source;
}

/** Each source record exactly once, in the partition of its key (keyless: its partition mod 4), in the order of its key. */
function assertOnceInPlace(source: MemorySource, target: MemoryTarget): void {
  const want = source.partitions.flat();
  const got = target.all();
  assert.equal(got.length, want.length, 'as many records out as in');
  const byValue = new Map<string, number>();
  for (const r of got) byValue.set(String(r.value), (byValue.get(String(r.value)) ?? 0) + 1);
  for (const r of want) assert.equal(byValue.get(String(r.value)), 1, `${String(r.value)} once`);
  for (const [partition, list] of target.partitions.entries()) {
    for (const r of list) {
      if (r.key === null) assert.equal(partition, 1 % 4);
      else assert.equal(partition, partitionForKey(r.key, 4), `${r.key.toString()} where murmur2 puts it`);
    }
    // The records of one key keep their order.
    const seen = new Map<string, number>();
    for (const r of list) {
      if (r.key === null || r.value === null) continue;
      const i = Number(r.value.toString().split('#')[1]);
      const key = r.key.toString();
      assert.ok((seen.get(key) ?? -1) < i, `${key}: ${i} after ${seen.get(key)}`);
      seen.set(key, i);
    }
  }
}

describe('Repartitioner', () => {
  it('--drain: every record once, in the partition murmur2 gives its key over the target count, with key, value, headers and timestamp', async () => {
    const source = crcSource();
    const target = new MemoryTarget(4);
    const summary = await repartitioner(source, target).run();
    assertOnceInPlace(source, target);
    const total = source.partitions.flat().length;
    const moved = source.partitions.flat().filter((r) => (r.key === null ? r.partition % 4 : partitionForKey(r.key, 4)) !== r.partition).length;
    assert.deepEqual(
      [summary.recordsIn, summary.recordsOut, summary.moved, summary.keyless, summary.drained, summary.partitions],
      [total, total, moved, 1, true, { from: 3, to: 4 }],
    );
    assert.ok(summary.transactions > 1 && summary.transactions <= Math.ceil(total / 10), `batches of 10 records or more, the last excepted: ${summary.transactions} transactions`);
    assert.deepEqual(Object.values(summary.outByPartition).reduce((a, b) => a + b, 0), total);
    assert.deepEqual(target.committed, new Map([[0, BigInt(source.partitions[0]!.length)], [1, BigInt(source.partitions[1]!.length)], [2, BigInt(source.partitions[2]!.length)]]));
    const first = target.all().find((r) => String(r.value) === 'u-0#0')!;
    const from = source.partitions.flat().find((r) => String(r.value) === 'u-0#0')!;
    assert.deepEqual([first.key, first.timestamp, first.headers], [from.key, from.timestamp, from.headers]);
    assert.equal(target.all().filter((r) => r.value === null).length, 1, 'the tombstone copied');
    assert.equal(target.inits, 1, 'the sink is initialised (fencing the writer before) once, first');
  });

  for (const crashAt of [1, 2, 5, 8]) {
    it(`a crash at commit ${crashAt}, then a restart: from the committed offsets, every record exactly once`, async () => {
      const source = crcSource();
      const target = new MemoryTarget(4);
      target.crashAt = crashAt;
      await assert.rejects(repartitioner(source, target).run(), /crashed before the commit/);
      const before = target.all().length;
      assert.ok(before < source.partitions.flat().length, 'the crash left work to do');
      assert.equal(before === 0, crashAt === 1);
      target.crashAt = undefined;
      const summary = await repartitioner(source, target).run();
      assertOnceInPlace(source, target);
      assert.equal(summary.recordsOut + before, source.partitions.flat().length, 'the restart copies exactly what the crash left');
    });
  }

  it('--drain stops at the end seen at the start; the next run copies what came after', async () => {
    const source = crcSource(10, 2);
    const target = new MemoryTarget(4);
    const before = source.partitions.flat().length;
    source.onFetch = (n) => {
      if (n === 1) for (let u = 0; u < 5; u++) source.append(0, `late-${u}`, `late-${u}#0`);
    };
    const first = await repartitioner(source, target).run();
    assert.equal(first.recordsOut, before);
    source.onFetch = undefined;
    const second = await repartitioner(source, target).run();
    assert.equal(second.recordsOut, 5);
    assertOnceInPlace(source, target);
  });

  it('follows new records until stop(), then commits what it holds and returns', async () => {
    const source = crcSource(10, 2);
    const target = new MemoryTarget(4);
    const clock = new ManualClock(0);
    const run = repartitioner(source, target, { drain: false, batchRecords: 1_000, lingerMs: 500 }, clock);
    source.onFetch = (n) => {
      clock.advance(200); // the broker's wait for data
      if (n === 20) for (let u = 0; u < 3; u++) source.append(2, `new-${u}`, `new-${u}#0`);
      if (n === 40) run.stop();
    };
    const summary = await run.run();
    assert.equal(summary.drained, false);
    assertOnceInPlace(source, target);
    assert.equal(summary.recordsOut, source.partitions.flat().length);
  });

  it('merges the source partitions in record-timestamp order (each in offset order), as the sources followed time', async () => {
    const source = new MemorySource(3, 2);
    for (let i = 0; i < 30; i++) {
      const p = i % 3;
      const list = source.partitions[p]!;
      // Partition p holds times p, p+3, p+6, …: the merge must give 0, 1, 2, 3, …
      list.push({ partition: p, offset: BigInt(list.length), timestamp: BigInt(i), key: Buffer.from('u-1'), value: Buffer.from(`u-1#${i}`), headers: [] });
    }
    const target = new MemoryTarget(1);
    await repartitioner(source, target, { toPartitions: 1, batchRecords: 4 }).run();
    assert.deepEqual(target.all().map((r) => Number(r.timestamp)), Array.from({ length: 30 }, (_, i) => i));
  });

  it('a batch open longer than the linger time is committed before it is full', async () => {
    const source = new MemorySource(1, 1);
    for (let i = 0; i < 20; i++) source.append(0, 'u-1', `u-1#${i}`);
    const target = new MemoryTarget(4);
    const clock = new ManualClock(0);
    source.onFetch = () => clock.advance(100);
    const summary = await repartitioner(source, target, { fromPartitions: 1, batchRecords: 1_000, lingerMs: 500 }, clock).run();
    assert.equal(summary.recordsOut, 20);
    assert.ok(summary.transactions >= 3, `committed every ~5 fetches: ${summary.transactions}`);
  });

  it('an assignment change drops the batch in hand (nothing of it was sent) and starts again from the committed offsets: still every record once', async () => {
    const source = crcSource(20, 4);
    const target = new MemoryTarget(4);
    let fetches = 0;
    source.onFetch = (n) => (fetches = n);
    const member: SourceMembership = {
      ...membership(target, 3),
      assigned: () => (fetches >= 3 && fetches < 6 ? [0, 1] : [0, 1, 2]),
    };
    const o = options({ batchRecords: 1_000 });
    const summary = await new Repartitioner(o, { source, membership: member, sink: target, clock: new ManualClock(0), logger: silentLogger }).run();
    assertOnceInPlace(source, target);
    assert.ok(summary.recordsIn > summary.recordsOut, `records of dropped batches were read again: ${summary.recordsIn} in, ${summary.recordsOut} out`);
  });

  it('committed offsets behind the log start (retention): goes on from the log start and counts what was lost', async () => {
    const source = crcSource(10, 2);
    const target = new MemoryTarget(4);
    target.committed.set(0, 1n);
    source.logStart[0] = 4n;
    const summary = await repartitioner(source, target).run();
    assert.equal(summary.lostToRetention, 3n);
    assert.equal(summary.recordsOut, source.partitions.flat().length - 4);
  });

  it('registers the transactional id before it reads any offset, trying again while that fails retriably', async () => {
    const source = crcSource(10, 2);
    const target = new MemoryTarget(4);
    const order: string[] = [];
    let failures = 2;
    const sink: RepartitionSink = {
      init: async () => {
        order.push('init');
        if (failures-- > 0) throw new LabeljoinError('KAFKA_REQUEST_FAILED', 'concurrent transactions', { retriable: true });
      },
      commit: (records, offsets) => target.commit(records, offsets),
    };
    const member = membership(target, 3);
    const watched: SourceMembership = { ...member, committed: (ps) => (order.push('committed'), member.committed(ps)) };
    const summary = await new Repartitioner(options(), { source, membership: watched, sink, clock: new ManualClock(0), logger: silentLogger }).run();
    assert.deepEqual(order, ['init', 'init', 'init', 'committed']);
    assert.equal(summary.recordsOut, source.partitions.flat().length);
    const fatal: RepartitionSink = { init: async () => { throw new LabeljoinError('KAFKA_REQUEST_FAILED', 'fenced'); }, commit: async () => undefined };
    await assert.rejects(new Repartitioner(options(), { source, membership: watched, sink: fatal, clock: new ManualClock(0), logger: silentLogger }).run(), /fenced/);
  });

  it('refuses the same topic as source and target', () => {
    assert.throws(() => repartitioner(new MemorySource(1), new MemoryTarget(1), { to: 'eng' }), /must differ/);
  });
});
