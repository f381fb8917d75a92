/**
 * Reading a whole topic as it is now: every partition from its first offset up
 * to the end offset seen at the start. For tools, tests and validation, not
 * for the pipeline's hot path.
 */
import type { ConnectionSettings } from './connection.js';
import { KafkaFetcher, type ConsumedRecord, type Isolation } from './fetcher.js';

export interface ReadAllOptions {
  readonly isolation?: Isolation;
  /** Called for every record, partition by partition, in offset order. */
  readonly onRecord: (record: ConsumedRecord) => void;
}

export async function readTopicToEnd(settings: ConnectionSettings, topic: string, options: ReadAllOptions): Promise<number> {
  const fetcher = new KafkaFetcher(settings, { isolation: options.isolation ?? 'read_uncommitted', maxWaitMs: 50 });
  try {
    const count = await fetcher.partitionCount(topic);
    const partitions = Array.from({ length: count }, (_, p) => p);
    const positions = await fetcher.beginningOffsets(topic, partitions);
    const ends = await fetcher.endOffsets(topic, partitions);
    let total = 0;
    for (;;) {
      const open = partitions.filter((p) => (positions.get(p) ?? 0n) < (ends.get(p) ?? 0n));
      if (open.length === 0) return total;
      const fetched = await fetcher.fetch(open.map((partition) => ({ topic, partition, offset: positions.get(partition) ?? 0n })));
      for (const part of fetched) {
        const end = ends.get(part.partition) ?? 0n;
        for (const record of part.records) {
          if (record.offset >= end) break;
          options.onRecord(record);
          total++;
        }
        positions.set(part.partition, part.nextOffset);
      }
    }
  } finally {
    await fetcher.close();
  }
}
