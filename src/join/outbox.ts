/**
 * What one cycle of the joiner sends: samples, corrections, dead letters and
 * orphans, as Kafka records. Sent together; the views offsets they cover are
 * committed only after the broker acknowledged all of them.
 */
import type { EventCodec, OutputFormat } from '../codec/codec.js';
import type { BadRecordError } from '../codec/errors.js';
import { sampleIdFor, userKey, uuidToString, type SampleRecord, type ViewEvent } from '../codec/events.js';
import type { ConsumedRecord } from '../kafka/fetcher.js';
import type { ProducedRecord } from '../kafka/producer.js';
import type { IndexedEngagement, ViewLabels } from './engagement-index.js';

export interface OutboxTopics {
  readonly samples: string;
  readonly deadLetter: string;
  readonly orphans: string | undefined;
}

export class Outbox {
  readonly records: ProducedRecord[] = [];
  readonly #codec: EventCodec;
  readonly #format: OutputFormat;
  readonly #topics: OutboxTopics;
  readonly #labelTypes: readonly string[];

  constructor(codec: EventCodec, format: OutputFormat, topics: OutboxTopics) {
    this.#codec = codec;
    this.#format = format;
    this.#topics = topics;
    this.#labelTypes = codec.labelTypes;
  }

  get size(): number {
    return this.records.length;
  }

  /** The sample of a view at version 0; returns it (the caller may keep its Avro form for corrections). */
  sample(partition: number, view: ViewEvent, labelled: ViewLabels, emittedAt: number): SampleRecord {
    const labels: Record<string, number> = {};
    const delays: Record<string, number | null> = {};
    for (let i = 0; i < this.#labelTypes.length; i++) {
      const t = this.#labelTypes[i]!;
      labels[t] = (labelled.labels >>> i) & 1;
      delays[t] = labelled.delays[i] ?? null;
    }
    const sample: SampleRecord = {
      sample_id: sampleIdFor(view.event_id, 0),
      view_event_id: view.event_id,
      user_id: view.user_id,
      post_id: view.post_id,
      view_ts: view.ts,
      labels,
      delays_ms: delays,
      context: view.context,
      version: 0,
      emitted_at: emittedAt,
    };
    this.#push(partition, sample);
    return sample;
  }

  /** A new version of an emitted sample with one more label set. */
  correction(partition: number, previous: SampleRecord, engagement: IndexedEngagement, emittedAt: number): SampleRecord {
    const type = this.#labelTypes[engagement.type]!;
    const delay = engagement.ts - previous.view_ts;
    const current = previous.delays_ms[type];
    const version = previous.version + 1;
    const next: SampleRecord = {
      ...previous,
      sample_id: sampleIdFor(previous.view_event_id, version),
      labels: { ...previous.labels, [type]: 1 },
      delays_ms: { ...previous.delays_ms, [type]: current === null || current === undefined || delay < current ? delay : current },
      version,
      emitted_at: emittedAt,
    };
    this.#push(partition, next);
    return next;
  }

  /** The bad record, as it came, with the reason in headers, to the same partition of the dead-letter topic. */
  deadLetter(record: ConsumedRecord, error: BadRecordError): void {
    this.records.push({
      topic: this.#topics.deadLetter,
      partition: record.partition,
      key: record.key,
      value: record.value ?? Buffer.alloc(0),
      headers: error.deadLetterHeaders(),
    });
  }

  orphan(partition: number, user: number, post: number, e: IndexedEngagement): void {
    if (this.#topics.orphans === undefined) return;
    const value = JSON.stringify({
      event_id: uuidToString(e.eventId),
      user_id: user,
      post_id: post,
      type: this.#labelTypes[e.type],
      ts: e.ts,
      view_id: e.viewId === null ? null : uuidToString(e.viewId),
    });
    this.records.push({ topic: this.#topics.orphans, partition, key: userKey(user), value: Buffer.from(value) });
  }

  encodeAvro(sample: SampleRecord): Buffer {
    return this.#codec.encodeSample(sample, 'avro');
  }

  decodeAvro(bytes: Buffer): SampleRecord {
    return this.#codec.decodeSample(bytes, { topic: this.#topics.samples, partition: -1, offset: -1n });
  }

  take(): ProducedRecord[] {
    return this.records.splice(0, this.records.length);
  }

  #push(partition: number, sample: SampleRecord): void {
    // Samples go to the partition number of their inputs: with co-partitioned
    // topics that is where the Java partitioner puts the user's key too.
    this.records.push({
      topic: this.#topics.samples,
      partition,
      key: userKey(sample.user_id),
      value: this.#codec.encodeSample(sample, this.#format),
    });
  }
}
