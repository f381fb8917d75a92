/**
 * How a cycle's output becomes durable (../shared/DESIGN.md, "Delivery").
 *
 * at-least-once: (1) send the records and wait for the broker's acks,
 *                (2) then commit the views offsets to the group.
 *                A crash between (1) and (2) repeats those samples, same sample_id.
 * exactly-once:  records and offsets in one Kafka transaction; a reader with
 *                read_committed sees each sample once. A transaction that failed
 *                may still have committed (a timeout): its output is dropped, the
 *                transactional id registered again (which ends that transaction
 *                either way), and the partitions start again from the offsets
 *                committed then (../join/joiner.ts), so nothing is written twice.
 */
import type { GroupMember } from '../kafka/group.js';
import type { KafkaProducer } from '../kafka/producer.js';
import type { TransactionalOutput } from '../kafka/transactional.js';
import type { OutputRecord } from './outbox.js';

export interface Delivery {
  readonly mode: 'at-least-once' | 'exactly-once';
  /** Makes the records and the offsets (next view to join, per partition) durable. */
  deliver(records: readonly OutputRecord[], offsets: ReadonlyMap<number, bigint>): Promise<void>;
  /**
   * exactly-once, after a failed deliver: ends whatever the failed transaction left (registers the
   * transactional id again), so that the committed offsets read next are final.
   */
  recover?(): Promise<void>;
}

export function atLeastOnce(producer: KafkaProducer, group: GroupMember): Delivery {
  return {
    mode: 'at-least-once',
    async deliver(records, offsets) {
      if (records.length > 0) await producer.send(records);
      await group.commit(offsets);
    },
  };
}

export function exactlyOnce(output: TransactionalOutput): Delivery {
  return {
    mode: 'exactly-once',
    deliver: (records, offsets) => output.commit(records, offsets),
    recover: () => output.renew(),
  };
}
