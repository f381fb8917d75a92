/**
 * What the join reads through: a partitioned log and a group membership.
 * The Kafka classes implement them (src/kafka/fetcher.ts, src/kafka/group.ts);
 * the tests' in-memory log does too (test/helpers/memory-log.ts).
 */
import type { SourceRecord } from '../codec/dead-letter.js';

export interface LogPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

export interface LogBatch {
  readonly topic: string;
  readonly partition: number;
  /** In offset order; may start before the position asked for (Kafka returns whole batches). */
  readonly records: readonly SourceRecord[];
  /** Where the next read of this partition starts. */
  readonly nextOffset: bigint;
  /** The end of what may be read now: the last stable offset (read_committed). */
  readonly endOffset: bigint;
}

export interface PartitionLog {
  /**
   * Reads once from each position. A position before the log start (deleted by
   * retention) fails the call with an OffsetOutOfRangeError naming it.
   */
  fetch(positions: readonly LogPosition[]): Promise<LogBatch[]>;
  beginningOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>>;
  endOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>>;
  /** Per partition, the first offset whose record timestamp is >= the time (the end offset when none is). */
  offsetsForTime(topic: string, partitions: readonly number[], timestampMs: bigint): Promise<Map<number, bigint>>;
}

export interface Membership {
  join(): Promise<void>;
  /** Partitions of the views topic assigned now (empty while rebalancing). */
  assigned(): number[];
  /** Committed views offsets (undefined: none committed yet). */
  committed(partitions: readonly number[]): Promise<Map<number, bigint | undefined>>;
}
