/**
 * Partitioning checked, not trusted (docs/inputs.md, "Partitioning"): the join
 * meets a user's views and engagements in the same partition number of the two
 * topics, which holds only when every producer put each record where its key
 * and the topic's partitioner say. A record elsewhere (a librdkafka producer's
 * CRC32 next to a Java producer's murmur2, say) is counted per input and
 * partition, logged once per partition with where it is, and dead-lettered as
 * RECORD_WRONG_PARTITION or accepted, by policy. Records without a key, or whose
 * partitioner would place them at random, cannot be checked and are accepted.
 * The partitioners themselves are Kafka's (src/kafka/partitioner.ts), passed in.
 */
import type { SourceRecord } from '../codec/dead-letter.js';
import { BadRecordError } from '../codec/errors.js';
import type { Logger } from '../log/logger.js';

/** The partition a key belongs in, of `partitions`; undefined when it cannot be told. */
export type ExpectedPartition = (key: Uint8Array | null, partitions: number) => number | undefined;

export type Input = 'views' | 'engagements';

export interface PartitionCheckOptions {
  readonly partitions: number;
  readonly views: { readonly name: string; readonly expected: ExpectedPartition } | undefined;
  readonly engagements: { readonly name: string; readonly expected: ExpectedPartition } | undefined;
  readonly policy: 'dead-letter' | 'accept';
}

export class PartitionCheck {
  readonly #o: PartitionCheckOptions;
  /** Records in another partition than their key gives, by input and partition (the joiner's counters). */
  readonly #wrong: Record<Input, Record<number, number>>;
  readonly #log: Logger;
  readonly #logged = new Set<string>();

  constructor(options: PartitionCheckOptions, wrong: Record<Input, Record<number, number>>, log: Logger) {
    this.#o = options;
    this.#wrong = wrong;
    this.#log = log;
  }

  /** Throws the BadRecordError under the policy dead-letter; counts (and logs the first of a partition) either way. */
  check(input: Input, record: SourceRecord): void {
    const partitioner = this.#o[input];
    if (partitioner === undefined) return;
    const expected = partitioner.expected(record.key, this.#o.partitions);
    if (expected === undefined || expected === record.partition) return;
    const counts = this.#wrong[input];
    counts[record.partition] = (counts[record.partition] ?? 0) + 1;
    const reason = `its key (${record.key?.length ?? 0} bytes) belongs in partition ${expected} of ${this.#o.partitions} by ${partitioner.name}, not ${record.partition}: its user's ${input === 'views' ? 'engagements' : 'views'} are joined elsewhere`;
    const once = `${input}:${record.partition}`;
    if (!this.#logged.has(once)) {
      this.#logged.add(once);
      this.#log.warn('records in another partition than their key gives (the first of this partition; counted in labeljoin_join_wrong_partition_total)', {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset.toString(),
        expectedPartition: expected,
        partitioner: partitioner.name,
        policy: this.#o.policy,
        fix: `set --${input}-partitioner to the partitioner of the topic's producers, or have them all use one`,
      });
    }
    if (this.#o.policy === 'dead-letter') throw new BadRecordError('RECORD_WRONG_PARTITION', record, reason);
  }
}
