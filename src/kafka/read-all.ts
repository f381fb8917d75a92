/**
 * Reading a whole topic as it is now: every partition from its first offset up
 * to the end offset seen at the start. For tools, tests and validation, not
 * for the pipeline's hot path.
 */
import { systemClock, type Clock } from '../time/clock.js';
import type { ConnectionSettings } from './connection.js';
import { KafkaFetcher, type ConsumedRecord, type Isolation } from './fetcher.js';

export interface ReadAllOptions {
  readonly isolation?: Isolation;
  /**
   * read_committed: how long to wait for transactions still open at the start
   * (a writer's last commit may be completing) before reading up to the last
   * stable offset anyway. Default 15 s.
   */
  readonly settleMs?: number;
  readonly clock?: Clock;
  /** Called for every record, partition by partition, in offset order. */
  readonly onRecord: (record: ConsumedRecord) => void;
}

export async function readTopicToEnd(settings: ConnectionSettings, topic: string, options: ReadAllOptions): Promise<number> {
  // Small fetches: a tool reading millions of records holds one fetch's records at a time (LZ4 batches expand several times).
  const fetcher = new KafkaFetcher(settings, { isolation: options.isolation ?? 'read_uncommitted', maxWaitMs: 50, maxBytes: 4 * 1024 * 1024, maxBytesPerPartition: 1024 * 1024 });
  try {
    const count = await fetcher.partitionCount(topic);
    const partitions = Array.from({ length: count }, (_, p) => p);
    const positions = await fetcher.beginningOffsets(topic, partitions);
    const ends = await settledEnds(fetcher, topic, partitions, options);
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

/** End offsets to read to; under read_committed, after open transactions have settled (or the wait ran out). */
async function settledEnds(fetcher: KafkaFetcher, topic: string, partitions: number[], options: ReadAllOptions): Promise<Map<number, bigint>> {
  if ((options.isolation ?? 'read_uncommitted') !== 'read_committed') return fetcher.endOffsets(topic, partitions);
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + (options.settleMs ?? 15_000);
  for (;;) {
    const stable = await fetcher.endOffsets(topic, partitions);
    const high = await fetcher.highWatermarks(topic, partitions);
    if (partitions.every((p) => stable.get(p) === high.get(p)) || clock.now() > deadline) return stable;
    await clock.sleep(100);
  }
}
