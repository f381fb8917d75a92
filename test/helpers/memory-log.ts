/**
 * An in-memory partitioned log with Kafka's reading rules, for the join
 * harness: offsets from 0, record timestamps, a log start that retention
 * moves, a last stable offset that an open transaction holds back, gaps
 * (offsets with no record, like transaction markers), and fetches of at most
 * `maxRecords` records. It implements the join's PartitionLog and Membership
 * (src/join/partition-log.ts) and a Delivery (src/join/delivery.ts) that
 * appends the output records and commits the offsets.
 */
import type { SourceRecord } from '../../src/codec/dead-letter.js';
import type { Delivery } from '../../src/join/delivery.js';
import type { OutputRecord } from '../../src/join/outbox.js';
import type { LogBatch, LogPosition, Membership, PartitionLog } from '../../src/join/partition-log.js';
import { OffsetOutOfRangeError } from '../../src/kafka/errors.js';

interface Partition {
  records: SourceRecord[];
  /** Next offset to assign. */
  end: bigint;
  logStart: bigint;
  /** Records at or after it are not readable yet (an open transaction); undefined: all are. */
  stableEnd: bigint | undefined;
}

export interface AppendOptions {
  readonly key?: Buffer | null;
  readonly timestamp?: number;
  readonly headers?: ReadonlyArray<readonly [string, Buffer]>;
}

export class MemoryLog implements PartitionLog {
  readonly #topics = new Map<string, Partition[]>();
  /** Records per fetch of one partition. */
  maxRecords: number;
  /** Calls of fetch, for tests that check what was read. */
  fetches = 0;
  /** The next N fetches fail (a leader away). */
  failFetches = 0;

  constructor(maxRecords = 50) {
    this.maxRecords = maxRecords;
  }

  createTopic(topic: string, partitions: number): void {
    this.#topics.set(topic, Array.from({ length: partitions }, () => ({ records: [], end: 0n, logStart: 0n, stableEnd: undefined })));
  }

  append(topic: string, partition: number, value: Buffer | null, o: AppendOptions = {}): bigint {
    const part = this.#part(topic, partition);
    const offset = part.end;
    part.records.push({ topic, partition, offset, timestamp: BigInt(o.timestamp ?? 0), key: o.key ?? null, value, headers: o.headers ?? [] });
    part.end++;
    return offset;
  }

  /** Offsets that hold no record (as transaction markers do). */
  gap(topic: string, partition: number, count = 1): void {
    this.#part(topic, partition).end += BigInt(count);
  }

  /** Retention: records before `offset` are gone. */
  deleteBefore(topic: string, partition: number, offset: bigint): void {
    const part = this.#part(topic, partition);
    part.logStart = offset;
    part.records = part.records.filter((r) => r.offset >= offset);
  }

  /** An open transaction from `offset` on: nothing from there is readable (undefined: closed). */
  holdStable(topic: string, partition: number, offset: bigint | undefined): void {
    this.#part(topic, partition).stableEnd = offset;
  }

  records(topic: string, partition?: number): SourceRecord[] {
    const parts = this.#topics.get(topic) ?? [];
    return parts.flatMap((p, i) => (partition === undefined || partition === i ? p.records : []));
  }

  async fetch(positions: readonly LogPosition[]): Promise<LogBatch[]> {
    this.fetches++;
    if (this.failFetches > 0) {
      this.failFetches--;
      throw new FetchFailed();
    }
    const gone = positions.filter((pos) => pos.offset < this.#part(pos.topic, pos.partition).logStart);
    if (gone.length > 0) throw new OffsetOutOfRangeError(gone, undefined);
    return positions.map((pos) => {
      const part = this.#part(pos.topic, pos.partition);
      const end = this.#readableEnd(part);
      const records = part.records.filter((r) => r.offset >= pos.offset && r.offset < end).slice(0, this.maxRecords);
      const full = records.length === this.maxRecords;
      const nextOffset = full ? records[records.length - 1]!.offset + 1n : end > pos.offset ? end : pos.offset;
      return { topic: pos.topic, partition: pos.partition, records, nextOffset, endOffset: end };
    });
  }

  async beginningOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    return new Map(partitions.map((p) => [p, this.#part(topic, p).logStart]));
  }

  async endOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    return new Map(partitions.map((p) => [p, this.#readableEnd(this.#part(topic, p))]));
  }

  async offsetsForTime(topic: string, partitions: readonly number[], timestampMs: bigint): Promise<Map<number, bigint>> {
    return new Map(partitions.map((p) => {
      const part = this.#part(topic, p);
      const found = part.records.find((r) => r.timestamp >= timestampMs);
      return [p, found?.offset ?? part.end];
    }));
  }

  #readableEnd(part: Partition): bigint {
    return part.stableEnd === undefined ? part.end : part.stableEnd;
  }

  #part(topic: string, partition: number): Partition {
    const part = this.#topics.get(topic)?.[partition];
    if (part === undefined) throw new Error(`no partition ${topic}/${partition} in the memory log`);
    return part;
  }
}

/** A group of one member whose assignment the test sets; offsets committed in memory. */
export class MemoryMembership implements Membership {
  readonly offsets = new Map<number, bigint>();
  #assigned: number[];

  constructor(assigned: readonly number[]) {
    this.#assigned = [...assigned];
  }

  assign(partitions: readonly number[]): void {
    this.#assigned = [...partitions];
  }

  async join(): Promise<void> {}

  assigned(): number[] {
    return [...this.#assigned];
  }

  async committed(partitions: readonly number[]): Promise<Map<number, bigint | undefined>> {
    return new Map(partitions.map((p) => [p, this.offsets.get(p)]));
  }
}

/** A fetch that failed as one whose leader is away does (injected: MemoryLog.failFetches). */
export class FetchFailed extends Error {
  constructor() {
    super('fetch failed (injected)');
  }
}

/** At-least-once into the memory log: append the records, then commit the offsets. `failNext` makes deliveries fail. */
export class MemoryDelivery implements Delivery {
  readonly mode: 'at-least-once' | 'exactly-once';
  failNext = 0;
  /** The next delivery that carries a record of this topic writes everything, then fails all the same (a commit that timed out after it had reached the coordinator). */
  failAfterWriting: string | undefined;
  /** exactly-once: how many times recover() ran. */
  recovered = 0;
  readonly recover: (() => Promise<void>) | undefined;
  readonly #log: MemoryLog;
  readonly #membership: MemoryMembership;

  constructor(log: MemoryLog, membership: MemoryMembership, exactlyOnce = false) {
    this.#log = log;
    this.#membership = membership;
    this.mode = exactlyOnce ? 'exactly-once' : 'at-least-once';
    this.recover = exactlyOnce ? async () => void this.recovered++ : undefined;
  }

  async deliver(records: readonly OutputRecord[], offsets: ReadonlyMap<number, bigint>): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new DeliveryFailed();
    }
    for (const r of records) {
      const headers = (r.headers ?? []).map(([k, v]) => [k, Buffer.from(v)] as const);
      this.#log.append(r.topic, r.partition, r.value, { key: r.key, headers, ...(r.timestamp === undefined ? {} : { timestamp: Number(r.timestamp) }) });
    }
    for (const [p, o] of offsets) this.#membership.offsets.set(p, o);
    if (this.failAfterWriting !== undefined && records.some((r) => r.topic === this.failAfterWriting)) {
      this.failAfterWriting = undefined;
      throw new DeliveryFailed();
    }
  }
}

class DeliveryFailed extends Error {
  constructor() {
    super('delivery failed (injected)');
  }
}
