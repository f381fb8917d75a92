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
import { GuardedProducer } from './guarded-clients.js';
import { requireCompression, type Compression } from './compression.js';
import { baseClientOptions, ConnectionAlerts, isBrokerAnswer, isSecurityFailure, translateError, type ConnectionSettings } from './connection.js';
import { KafkaRequestError } from './errors.js';
import { partitionForKey } from './partitioner.js';

/** Headers by name, or as a list of pairs (repeated names allowed, order kept). */
export type RecordHeaders = Readonly<Record<string, string | Buffer>> | ReadonlyArray<readonly [string, string | Buffer]>;

export interface ProducedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | null;
  /** null: a tombstone. */
  readonly value: Buffer | null;
  readonly headers?: RecordHeaders;
  /** Milliseconds since epoch; the broker's time when absent. */
  readonly timestamp?: bigint;
}

export interface ProducerOptions {
  readonly compression: Compression;
  /** Idempotent (no duplicates from the client's own retries); on by default. */
  readonly idempotent?: boolean;
  /**
   * Upper bound of the records of one partition in one produce request
   * (uncompressed estimate, see `recordBytes`); a send is split into requests
   * below it, so that no batch passes a topic's max.message.bytes. Default 1 MiB.
   */
  readonly maxBatchBytes?: number;
}

/** Kafka's default max.message.bytes (1 MiB + the batch overhead). */
export const DEFAULT_MAX_BATCH_BYTES = 1_048_576;
/** A record batch's own header (v2) and a record's worst-case framing, in bytes. */
export const BATCH_OVERHEAD_BYTES = 61;
export const RECORD_OVERHEAD_BYTES = 32;

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
  #producer: Producer;
  readonly #makeProducer: () => Producer;
  readonly #brokers: readonly string[];
  readonly #alerts = new ConnectionAlerts();
  readonly #maxBatchBytes: number;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(settings: ConnectionSettings, options: ProducerOptions) {
    requireCompression(options.compression);
    this.#makeProducer = () => {
      const producer = new GuardedProducer({
        ...baseClientOptions(settings),
        idempotent: options.idempotent ?? true,
        acks: -1,
        compression: options.compression,
        autocreateTopics: false,
      });
      this.#alerts.watch(producer);
      return producer;
    };
    this.#producer = this.#makeProducer();
    this.#brokers = settings.brokers;
    this.#maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
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
      for (const chunk of requestChunks(records, this.#maxBatchBytes)) await this.#producer.send({ messages: chunk.map(toClientMessage) });
      return { records: records.length };
    } catch (error) {
      const what = `send of ${records.length} records`;
      const translated = translateError(what, error, this.#brokers, this.#alerts);
      if (isBrokerAnswer(error)) throw translated;
      // The connection failed (a broker killed or restarted under us, a timeout, an answer that
      // cannot be read: the client library then misreads every later answer on that connection).
      // Start over with a new producer on new connections; sending again may succeed, so the
      // error is retriable (the records were perhaps written: at-least-once, ids are deterministic).
      this.#resetProducer();
      throw translated.retriable || isSecurityFailure(translated) ? translated : new KafkaRequestError(what, error, true);
    }
  }

  #resetProducer(): void {
    const old = this.#producer;
    this.#producer = this.#makeProducer();
    old.close(true, () => undefined); // its sockets may be dead already; nothing to wait for
  }
}

/** The bytes a record takes in a batch, at most (uncompressed): key, value, headers and framing. */
export function recordBytes(r: ProducedRecord): number {
  let n = RECORD_OVERHEAD_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const [k, v] of headerPairs(r.headers)) n += 10 + Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : v.length);
  return n;
}

/**
 * Splits records, in order, into consecutive groups in which the records of
 * any one partition take at most `maxBatchBytes` (less the batch header); a
 * single record larger than that goes alone (the broker then refuses it, as
 * it would anyway).
 */
export function requestChunks(records: readonly ProducedRecord[], maxBatchBytes: number): ProducedRecord[][] {
  const budget = maxBatchBytes - BATCH_OVERHEAD_BYTES;
  const chunks: ProducedRecord[][] = [];
  let chunk: ProducedRecord[] = [];
  let used = new Map<string, number>();
  for (const r of records) {
    const key = `${r.topic}\u0000${r.partition}`;
    const size = recordBytes(r);
    if (chunk.length > 0 && (used.get(key) ?? 0) + size > budget) {
      chunks.push(chunk);
      chunk = [];
      used = new Map();
    }
    chunk.push(r);
    used.set(key, (used.get(key) ?? 0) + size);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** A record in the shape the client library sends (also used by ./transactional.ts). */
export function toClientMessage(r: ProducedRecord): { topic: string; partition: number; key: Buffer | undefined; value: Buffer; timestamp?: bigint; headers?: Map<Buffer, Buffer> } {
  return {
    topic: r.topic,
    partition: r.partition,
    key: r.key ?? undefined,
    // The client's type says Buffer, but it writes a null value as a tombstone
    // (length -1, protocol/records.js createRecord) and its schema accepts null.
    value: r.value as Buffer,
    ...(r.timestamp === undefined ? {} : { timestamp: r.timestamp }),
    ...(r.headers === undefined ? {} : { headers: toHeaderMap(r.headers) }),
  };
}

function headerPairs(headers: RecordHeaders | undefined): ReadonlyArray<readonly [string, string | Buffer]> {
  if (headers === undefined) return [];
  return Array.isArray(headers) ? (headers as ReadonlyArray<readonly [string, string | Buffer]>) : Object.entries(headers);
}

/** Header name and value bytes; each key is its own Buffer, so repeated names stay. */
function toHeaderMap(headers: RecordHeaders): Map<Buffer, Buffer> {
  const map = new Map<Buffer, Buffer>();
  for (const [k, v] of headerPairs(headers)) map.set(Buffer.from(k, 'utf8'), typeof v === 'string' ? Buffer.from(v, 'utf8') : v);
  return map;
}
