/**
 * Producing records: idempotent, acks=all, compressed batches.
 *
 * Records carry their partition. `keyedRecord` computes it with Kafka's
 * Java-compatible default partitioner (./partitioner.ts), so a record keyed by
 * user id lands in the same partition number on every topic of the same count.
 *
 * Sends are serialised: the client's idempotent producer allows one request
 * in flight (see docs/decisions/kafka-client.md), so callers that send
 * concurrently are queued behind each other here, and each call resolves when
 * the broker has acknowledged its records.
 */
import { Producer } from '@platformatic/kafka';
import { requireCompression, type Compression } from './compression.js';
import { baseClientOptions, translateError, type ConnectionSettings } from './connection.js';
import { partitionForKey } from './partitioner.js';

export interface ProducedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  /** Milliseconds since epoch; the broker's time when absent. */
  readonly timestamp?: bigint;
}

export interface ProducerOptions {
  readonly compression: Compression;
  /** Idempotent (no duplicates from the client's own retries); on by default. */
  readonly idempotent?: boolean;
}

export interface SendResult {
  readonly records: number;
}

/** A record routed to the partition the Java client would pick for its key. */
export function keyedRecord(
  topic: string,
  partitions: number,
  key: string | Buffer,
  value: Buffer,
  extra: { headers?: Record<string, string | Buffer>; timestamp?: bigint } = {},
): ProducedRecord {
  const keyBytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return { topic, partition: partitionForKey(keyBytes, partitions), key: keyBytes, value, ...extra };
}

export class KafkaProducer {
  readonly #producer: Producer;
  readonly #brokers: readonly string[];
  #tail: Promise<unknown> = Promise.resolve();

  constructor(settings: ConnectionSettings, options: ProducerOptions) {
    requireCompression(options.compression);
    this.#producer = new Producer({
      ...baseClientOptions(settings),
      idempotent: options.idempotent ?? true,
      acks: -1,
      compression: options.compression,
      autocreateTopics: false,
    });
    this.#brokers = settings.brokers;
  }

  /** Sends the records; resolves once the broker has acknowledged all of them. */
  send(records: readonly ProducedRecord[]): Promise<SendResult> {
    if (records.length === 0) return Promise.resolve({ records: 0 });
    const run = this.#tail.then(() => this.#sendNow(records));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.#tail;
    await this.#producer.close();
  }

  async #sendNow(records: readonly ProducedRecord[]): Promise<SendResult> {
    try {
      await this.#producer.send({ messages: records.map(toClientMessage) });
      return { records: records.length };
    } catch (error) {
      throw translateError(`send of ${records.length} records`, error, this.#brokers);
    }
  }
}

/** A record in the shape the client library sends (also used by ./transactional.ts). */
export function toClientMessage(r: ProducedRecord): { topic: string; partition: number; key: Buffer | undefined; value: Buffer; timestamp?: bigint; headers?: Map<Buffer, Buffer> } {
  return {
    topic: r.topic,
    partition: r.partition,
    key: r.key ?? undefined,
    value: r.value,
    ...(r.timestamp === undefined ? {} : { timestamp: r.timestamp }),
    ...(r.headers === undefined ? {} : { headers: toHeaderMap(r.headers) }),
  };
}

function toHeaderMap(headers: Readonly<Record<string, string | Buffer>>): Map<Buffer, Buffer> {
  const map = new Map<Buffer, Buffer>();
  for (const [k, v] of Object.entries(headers)) map.set(Buffer.from(k, 'utf8'), typeof v === 'string' ? Buffer.from(v, 'utf8') : v);
  return map;
}
