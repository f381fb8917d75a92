/**
 * Where a re-keyed record goes, and the batch of one transaction: pure, no
 * Kafka I/O (the driver, ./repartitioner.ts, moves batches to and from Kafka).
 *
 * A record goes to the partition its key gets from the partitioner over the
 * target's partition count (`expectedPartition`, src/kafka/partitioner.ts).
 * A record the partitioner cannot place by its key (no key; with
 * consistent_random an empty key too: librdkafka would pick one at random)
 * keeps its partition number modulo the target's count: deterministic, so a
 * re-run after a crash places it the same way, and the records of one source
 * partition stay in order. (It carries no user, so no join needs it in a
 * particular partition.)
 */
import { expectedPartition, type KeyedPartitionerName } from '../kafka/partitioner.js';
import { recordBytes, type ProducedRecord } from '../kafka/producer.js';

export interface Placement {
  readonly partition: number;
  /** 'key': by the partitioner; 'source': no key to place it by, its partition number mod n. */
  readonly by: 'key' | 'source';
}

export function placeRecord(partitioner: KeyedPartitionerName, key: Uint8Array | null, sourcePartition: number, targetPartitions: number): Placement {
  const byKey = expectedPartition(partitioner, key, targetPartitions);
  return byKey === undefined ? { partition: sourcePartition % targetPartitions, by: 'source' } : { partition: byKey, by: 'key' };
}

/** A record read from the source topic, as far as re-keying needs it. */
export interface InputRecord {
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: ReadonlyArray<readonly [string, Buffer]>;
}

export interface BatchLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
}

export interface BatchCounts {
  readonly records: number;
  /** Records whose target partition differs from their source partition number. */
  readonly moved: number;
  /** Records placed by their source partition (no key to place them by). */
  readonly keyless: number;
  readonly bytes: number;
}

/**
 * The records of one transaction and the source offsets they cover. Records
 * are added in offset order per source partition; the offset to commit for a
 * partition is the one after the last record added (or a position moved past
 * records that were not for us: transaction markers, aborted records).
 */
export class RepartitionBatch {
  readonly #to: string;
  readonly #toPartitions: number;
  readonly #partitioner: KeyedPartitionerName;
  readonly #limits: BatchLimits;
  readonly #records: ProducedRecord[] = [];
  readonly #offsets = new Map<number, bigint>();
  readonly #perTarget = new Map<number, number>();
  #moved = 0;
  #keyless = 0;
  #bytes = 0;

  constructor(options: { to: string; toPartitions: number; partitioner: KeyedPartitionerName; limits: BatchLimits }) {
    if (!Number.isInteger(options.toPartitions) || options.toPartitions < 1) throw new RangeError(`toPartitions must be a positive integer, got ${options.toPartitions}`);
    this.#to = options.to;
    this.#toPartitions = options.toPartitions;
    this.#partitioner = options.partitioner;
    this.#limits = options.limits;
  }

  /** Adds a record: a copy of key, value (a null one too), headers and timestamp, routed to its target partition. */
  add(record: InputRecord): Placement {
    const placed = placeRecord(this.#partitioner, record.key, record.partition, this.#toPartitions);
    const out: ProducedRecord = {
      topic: this.#to,
      partition: placed.partition,
      key: record.key,
      value: record.value,
      headers: record.headers,
      timestamp: record.timestamp,
    };
    this.#records.push(out);
    this.#bytes += recordBytes(out);
    if (placed.partition !== record.partition) this.#moved++;
    if (placed.by === 'source') this.#keyless++;
    this.#perTarget.set(placed.partition, (this.#perTarget.get(placed.partition) ?? 0) + 1);
    this.advance(record.partition, record.offset + 1n);
    return placed;
  }

  /** The source partition has been read up to (not including) this offset. */
  advance(partition: number, nextOffset: bigint): void {
    const now = this.#offsets.get(partition);
    if (now === undefined || nextOffset > now) this.#offsets.set(partition, nextOffset);
  }

  get records(): readonly ProducedRecord[] {
    return this.#records;
  }

  /** Next offset to read per source partition touched: what the transaction commits for the group. */
  get offsets(): ReadonlyMap<number, bigint> {
    return this.#offsets;
  }

  /** Records per target partition. */
  get perTarget(): ReadonlyMap<number, number> {
    return this.#perTarget;
  }

  get counts(): BatchCounts {
    return { records: this.#records.length, moved: this.#moved, keyless: this.#keyless, bytes: this.#bytes };
  }

  get empty(): boolean {
    return this.#records.length === 0 && this.#offsets.size === 0;
  }

  get full(): boolean {
    return this.#records.length >= this.#limits.maxRecords || this.#bytes >= this.#limits.maxBytes;
  }
}
