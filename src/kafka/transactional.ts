/**
 * Exactly-once output: the records of a cycle and the consumed offsets they
 * cover are committed in one Kafka transaction (KIP-98, with the group's
 * generation in the offset commit, KIP-447). A reader with read_committed sees
 * every record once; after a crash the uncommitted transaction is aborted (by
 * the next producer with the same transactional id, or by its timeout) and the
 * work is done again from the committed offsets.
 *
 * Zombies are fenced twice: a restarted instance re-registers the same
 * transactional id, which bumps the producer epoch and fences the old
 * producer; and an instance whose partitions moved in a rebalance carries an
 * old group generation, which the group coordinator rejects.
 */
import { Producer } from '@platformatic/kafka';
import { GuardedProducer } from './guarded-clients.js';
import { requireCompression, type Compression } from './compression.js';
import { baseClientOptions, ConnectionAlerts, translateError, type ConnectionSettings } from './connection.js';
import { KafkaRequestError } from './errors.js';
import type { GroupMember } from './group.js';
import { DEFAULT_MAX_BATCH_BYTES, requestChunks, toClientMessage, type ProducedRecord } from './producer.js';

export class TransactionalOutput {
  #producer: Producer;
  readonly #makeProducer: () => Producer;
  readonly #group: GroupMember | undefined;
  readonly #brokers: readonly string[];
  readonly #alerts = new ConnectionAlerts();
  readonly #maxBatchBytes: number;

  constructor(settings: ConnectionSettings, options: { transactionalId: string; compression: Compression; maxBatchBytes?: number }, group?: GroupMember) {
    requireCompression(options.compression);
    this.#makeProducer = () => new GuardedProducer({
      ...baseClientOptions(settings),
      idempotent: true,
      acks: -1,
      compression: options.compression,
      transactionalId: options.transactionalId,
      // InitProducerId must say "no producer yet" (-1/-1). The client's default
      // (0/0) asks to resume producer 0, which the coordinator fences as soon as
      // the transactional id has history, i.e. on every restart.
      producerId: -1n,
      producerEpoch: -1,
      autocreateTopics: false,
    });
    this.#producer = this.#makeProducer();
    this.#alerts.watch(this.#producer);
    this.#group = group;
    this.#brokers = settings.brokers;
    this.#maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  }

  /**
   * Registers the transactional id now (InitProducerId) instead of at the
   * first commit: that fences the previous producer with this id and returns
   * once its open transaction is aborted or completed, so that the offsets it
   * committed are final when read after this (the client reads committed
   * offsets without require_stable).
   */
  async init(): Promise<void> {
    try {
      const transaction = await this.#producer.beginTransaction();
      await transaction.cancel(); // client-side only: the id stays registered for the next transaction
    } catch (error) {
      throw translateError('register the transactional id', error, this.#brokers, this.#alerts);
    }
  }

  /**
   * After a failed transaction: a new producer registers the transactional id again, which ends
   * the failed transaction (aborted, or completed if its commit had reached the coordinator), so
   * the committed offsets read after this are final. The old producer is closed without waiting.
   */
  async renew(): Promise<void> {
    const old = this.#producer;
    this.#producer = this.#makeProducer();
    this.#alerts.watch(this.#producer);
    old.close(true, () => undefined);
    await this.init();
  }

  /** Sends the records and commits the offsets (next offset to read, per partition of the group's topic) atomically. */
  async commit(records: readonly ProducedRecord[], offsets: ReadonlyMap<number, bigint>): Promise<void> {
    if (records.length === 0 && offsets.size === 0) return;
    await this.#transact(records, offsets, 'commit');
  }

  /**
   * Sends the records in a transaction and aborts it: they stay on the log as
   * an aborted range that read_committed readers skip. For tests and tools that
   * need such a range (a crashed writer leaves one too).
   */
  async abort(records: readonly ProducedRecord[]): Promise<void> {
    await this.#transact(records, new Map(), 'abort');
  }

  async #transact(records: readonly ProducedRecord[], offsets: ReadonlyMap<number, bigint>, outcome: 'commit' | 'abort'): Promise<void> {
    const group = this.#group;
    if (offsets.size > 0 && group === undefined) throw new KafkaRequestError('transactional commit', 'offsets given but no consumer group to commit them to', false);
    if (offsets.size > 0 && group?.replacing === true) throw new KafkaRequestError('transactional commit', 'the group client is being replaced (its coordinator moved); the cycle is retried', true);
    let transaction;
    try {
      transaction = await this.#producer.beginTransaction();
    } catch (error) {
      throw translateError('begin a transaction', error, this.#brokers, this.#alerts);
    }
    try {
      for (const chunk of requestChunks(records, this.#maxBatchBytes)) await transaction.send({ messages: chunk.map(toClientMessage) });
      if (offsets.size > 0 && group !== undefined) {
        const consumer = group.client;
        await transaction.addConsumer(consumer);
        for (const [partition, next] of offsets) {
          // The client commits message.offset + 1, as for a message just consumed.
          await transaction.addOffset({
            topic: group.topic,
            partition,
            offset: next - 1n,
            metadata: { consumer: { groupId: consumer.groupId, generationId: consumer.generationId, memberId: consumer.memberId, coordinatorId: consumer.coordinatorId } },
          } as unknown as Parameters<typeof transaction.addOffset>[0]);
        }
      }
      if (outcome === 'commit') await transaction.commit();
      else await transaction.abort();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw translateError(`transaction ${outcome}`, error, this.#brokers, this.#alerts);
    }
  }

  async close(): Promise<void> {
    await this.#producer.close();
  }
}
