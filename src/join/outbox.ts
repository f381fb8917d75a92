/**
 * What the join writes: samples, corrections, dead letters and orphans, as
 * records for the output topics. Sent together by the driver; the views
 * offsets they cover are committed only after all of them are durable.
 *
 * Under the late policy "correct" the outbox also makes what the index keeps
 * of an emitted view, to build a later version of its sample from labels
 * (never by decoding and patching the emitted sample):
 *
 *   kept = n u8 | delay[0..n) f64 little-endian (NaN: label 0) | view
 *   view = the view, Avro single-object (schemas/view.avsc)                      labeljoin's own views
 *        | key length u32 big-endian | the samples' key | record timestamp i64 big-endian (ms)
 *          | the record value as read                                              declared views
 *
 * the label bits themselves are in the index (EmittedView.labels).
 */
import type { EventCodec, OutputFormat } from '../codec/codec.js';
import type { DeclaredInputs } from '../codec/declared/declared-inputs.js';
import { deadLetterCopy, type BadInput, type SourceRecord } from '../codec/dead-letter.js';
import { sampleIdFor, userKey, uuidToString, type SampleRecord, type ViewEvent } from '../codec/events.js';
import type { IndexedEngagement } from './engagement-index.js';
import type { ViewLabels } from './labels.js';

/** A record for an output topic (the Kafka producer's record has this shape). */
export interface OutputRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | null;
  /** null: a tombstone (a dead-letter copy of one). */
  readonly value: Buffer | null;
  /** A list of pairs: names may repeat, order is kept. */
  readonly headers?: ReadonlyArray<readonly [string, Buffer | string]>;
  /** Milliseconds since epoch; the broker's time when absent. */
  readonly timestamp?: bigint;
}

export interface OutboxTopics {
  readonly samples: string;
  readonly deadLetter: string;
  readonly orphans: string | undefined;
  /** Late engagements' side topic (--late-topic), or undefined. */
  readonly late?: string | undefined;
  /** The dead-letter topic's max.message.bytes (a copy is cut to fit, src/codec/dead-letter.ts). */
  readonly deadLetterMaxBytes?: number | undefined;
}

const KEPT_ORIGIN = { topic: 'labeljoin-kept-view', partition: -1, offset: -1n };

export class Outbox {
  readonly #records: OutputRecord[] = [];
  readonly #codec: EventCodec;
  readonly #format: OutputFormat;
  readonly #topics: OutboxTopics;
  readonly #labelTypes: readonly string[];

  readonly #declared: DeclaredInputs | undefined;

  constructor(codec: EventCodec, format: OutputFormat, topics: OutboxTopics, declared?: DeclaredInputs) {
    this.#codec = codec;
    this.#declared = declared;
    this.#format = format;
    this.#topics = topics;
    this.#labelTypes = codec.labelTypes;
  }

  /** The sample of a view at `version` with these labels and weight (./labels.ts, sampleWeight); returns it. */
  sample(partition: number, view: ViewEvent, labelled: ViewLabels, version: number, emittedAt: number, weight: number): SampleRecord {
    const labels: Record<string, number> = {};
    const delays: Record<string, number | null> = {};
    for (let i = 0; i < this.#labelTypes.length; i++) {
      const t = this.#labelTypes[i]!;
      labels[t] = (labelled.labels >>> i) & 1;
      delays[t] = labelled.delays[i] ?? null;
    }
    const sample: SampleRecord = {
      sample_id: sampleIdFor(view.event_id, version),
      view_event_id: view.event_id,
      user_id: view.user_id,
      post_id: view.post_id,
      view_ts: view.ts,
      labels,
      delays_ms: delays,
      context: view.context,
      version,
      emitted_at: emittedAt,
      weight,
    };
    // Samples go to the partition number of their inputs: with co-partitioned
    // topics that is where the Java partitioner puts the user's key too.
    if (view.passed !== undefined) {
      const { key, value } = this.#declared!.sample(view, sample);
      this.#records.push({ topic: this.#topics.samples, partition, key, value });
    } else this.#records.push({ topic: this.#topics.samples, partition, key: userKey(sample.user_id), value: this.#codec.encodeSample(sample, this.#format) });
    return sample;
  }

  /** What the index keeps of an emitted view for a later correction (layout above). */
  keep(view: ViewEvent, labelled: ViewLabels): Buffer {
    const body = view.passed === undefined ? this.#codec.encodeView(view, 'avro') : keptDeclared(view.passed.sampleKey, view.passed.timestamp, view.passed.value);
    const n = labelled.delays.length;
    const out = Buffer.allocUnsafe(1 + 8 * n + body.length);
    out[0] = n;
    for (let i = 0; i < n; i++) out.writeDoubleLE(labelled.delays[i] ?? Number.NaN, 1 + 8 * i);
    body.copy(out, 1 + 8 * n);
    return out;
  }

  /** The view and labels kept by `keep`, with the label bits from the index. */
  unkeep(kept: Buffer, labelBits: number): { view: ViewEvent; labelled: ViewLabels } {
    const n = kept[0]!;
    const delays: Array<number | null> = [];
    for (let i = 0; i < n; i++) {
      const d = kept.readDoubleLE(1 + 8 * i);
      delays.push(Number.isNaN(d) ? null : d);
    }
    const body = kept.subarray(1 + 8 * n);
    if (this.#declared?.views === undefined) return { view: this.#codec.decodeView(body, KEPT_ORIGIN, 'avro'), labelled: { labels: labelBits, delays } };
    const keyLength = body.readUInt32BE(0);
    const meta = { key: body.subarray(4, 4 + keyLength), timestamp: body.readBigInt64BE(4 + keyLength) };
    return { view: this.#declared.decodeView(body.subarray(12 + keyLength), meta, KEPT_ORIGIN), labelled: { labels: labelBits, delays } };
  }

  /** The bad record, as it came, with the reason in headers, to the same partition of the dead-letter topic. */
  deadLetter(bad: BadInput): void {
    this.#records.push(deadLetterCopy(this.#topics.deadLetter, bad, this.#topics.deadLetterMaxBytes));
  }

  /**
   * A late engagement for the late topic: the record as it came (key, value, timestamp, its headers),
   * to the same partition, and after its headers ours:
   *   labeljoin.late.reason       why it is late (for people)
   *   labeljoin.late.policy       drop | correct: what the joiner did about it
   *   labeljoin.late.samples      the ids (hex) of the samples it would change, comma-separated (latest versions)
   *   labeljoin.source.topic, .partition, .offset   where it was read
   */
  late(record: SourceRecord, policy: 'drop' | 'correct', samples: readonly Buffer[]): void {
    if (this.#topics.late === undefined) return;
    this.#records.push({
      topic: this.#topics.late,
      partition: record.partition,
      key: record.key,
      value: record.value,
      timestamp: record.timestamp,
      headers: [
        ...record.headers,
        ['labeljoin.late.reason', `it came after the sample of ${samples.length === 1 ? 'the view' : `${samples.length} views`} it labels had been emitted`],
        ['labeljoin.late.policy', policy],
        ['labeljoin.late.samples', samples.map((s) => s.toString('hex')).join(',')],
        ['labeljoin.source.topic', record.topic],
        ['labeljoin.source.partition', String(record.partition)],
        ['labeljoin.source.offset', record.offset.toString()],
      ],
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
    this.#records.push({ topic: this.#topics.orphans, partition, key: userKey(user), value: Buffer.from(value) });
  }

  take(): OutputRecord[] {
    return this.#records.splice(0, this.#records.length);
  }
}

function keptDeclared(key: Buffer, timestamp: bigint, value: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + key.length + value.length);
  out.writeUInt32BE(key.length, 0);
  key.copy(out, 4);
  out.writeBigInt64BE(timestamp, 4 + key.length);
  value.copy(out, 12 + key.length);
  return out;
}
