/**
 * Wire-size report: the simulator's views and engagements, as it sends them
 * (duplicates included, each record stamped with its event time), and
 * labelled samples, each written as JSON (schema field names, UUIDs as text,
 * as a typical producer writes them) and as Avro (single-object encoding),
 * through the real broker with the same batching under each batch
 * compression, measured as bytes on the broker's log (DescribeLogDirs), plus
 * in-process encode and decode rates of samples. The inputs are also
 * measured in the simulator's compact shape (src/sim/compact-shape.ts:
 * format "compact", plain Avro with the user in the key, the time in the
 * record timestamp and (producer, sequence) ids), against the JSON of the
 * same events.
 *
 * Batching is the lever the producer has: `recordsPerSend` records of one
 * kind go out in one produce request, split by partition, so a partition's
 * batch holds about recordsPerSend / partitions records (what a producer
 * lingering for that many records would send).
 */
import { EventCodec, type OutputFormat } from '../codec/codec.js';
import { userKey } from '../codec/events.js';
import { KafkaAdmin } from '../kafka/admin.js';
import { COMPRESSIONS, compressionAvailable, type Compression } from '../kafka/compression.js';
import type { ConnectionSettings } from '../kafka/connection.js';
import { KafkaProducer, type ProducedRecord } from '../kafka/producer.js';
import { partitionForKey } from '../kafka/partitioner.js';
import { compactEncoder } from '../sim/compact-shape.js';
import { simulatedSamples } from '../sim/samples.js';
import { Workload, type WorkloadOptions } from '../sim/workload.js';
import type { Clock } from '../time/clock.js';

export const EVENT_KINDS = ['views', 'engagements', 'samples'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
/** How a variant's records are written: JSON, labeljoin's Avro wire format, or the compact shape (inputs only). */
export type WireFormat = OutputFormat | 'compact';
const INPUT_FORMATS: readonly WireFormat[] = ['json', 'avro', 'compact'];
const SAMPLE_FORMATS: readonly WireFormat[] = ['json', 'avro'];

export interface CodecBenchOptions {
  readonly workload: WorkloadOptions;
  readonly partitions: number;
  /** Records per produce request; the same for every variant. */
  readonly recordsPerSend: number;
  readonly topicPrefix: string;
}

export interface WireVariant {
  readonly kind: EventKind;
  readonly format: WireFormat;
  readonly compression: Compression;
  readonly records: number;
  readonly bytesOnLog: number;
  readonly bytesPerRecord: number;
  /** 1 - bytes / bytes of the same records as JSON without compression */
  readonly reduction: number;
}

export interface CodecBenchResult {
  /** Records of each kind written (views and engagements as the simulator sends them, duplicates included). */
  readonly records: Readonly<Record<EventKind, number>>;
  readonly partitions: number;
  readonly recordsPerSend: number;
  readonly variants: readonly WireVariant[];
  readonly skipped: ReadonlyArray<{ readonly compression: Compression; readonly reason: string }>;
  readonly rates: { readonly jsonEncode: number; readonly jsonDecode: number; readonly avroEncode: number; readonly avroDecode: number };
  /** Avro + LZ4 against JSON without compression, per kind, and for the inputs (views and engagements) together. */
  readonly avroLz4Reduction: Readonly<Partial<Record<EventKind | 'inputs', number>>>;
  /** The same for the compact shape's inputs. */
  readonly compactLz4Reduction: Readonly<Partial<Record<'views' | 'engagements' | 'inputs', number>>>;
}

/** Records of one kind: key, record timestamp and value in each format. */
export interface Encoded {
  readonly keys: Buffer[];
  readonly timestamps: Array<bigint | undefined>;
  readonly values: Record<WireFormat, Buffer[]>;
}

export async function runCodecBench(
  settings: ConnectionSettings,
  options: CodecBenchOptions,
  clock: Clock,
  progress: (line: string) => void = () => undefined,
): Promise<CodecBenchResult> {
  const admin = new KafkaAdmin(settings);
  try {
    await admin.describeCluster(); // fail fast, before minutes of work, when no broker answers
  } catch (error) {
    await admin.close();
    throw error;
  }
  const codec = new EventCodec({ labelTypes: options.workload.labelTypes });
  const inputs = encodeInputs(codec, options.workload);
  const samples = simulatedSamples(options.workload);
  const encoded: Record<EventKind, Encoded> = {
    ...inputs,
    samples: {
      keys: samples.map((s) => userKey(s.user_id)),
      timestamps: samples.map(() => undefined),
      values: { json: samples.map((s) => codec.encodeSample(s, 'json')), avro: samples.map((s) => codec.encodeSample(s, 'avro')), compact: [] },
    },
  };
  const records = { views: encoded.views.keys.length, engagements: encoded.engagements.keys.length, samples: samples.length };
  progress(`${records.views} views, ${records.engagements} engagements, ${records.samples} samples simulated`);
  const origin = { topic: 'bench', partition: 0, offset: 0n };
  const rates = {
    jsonEncode: rate(clock, samples.length, () => samples.forEach((s) => codec.encodeSample(s, 'json'))),
    jsonDecode: rate(clock, samples.length, () => encoded.samples.values.json.forEach((b) => codec.decodeSample(b, origin))),
    avroEncode: rate(clock, samples.length, () => samples.forEach((s) => codec.encodeSample(s, 'avro'))),
    avroDecode: rate(clock, samples.length, () => encoded.samples.values.avro.forEach((b) => codec.decodeSample(b, origin))),
  };

  const measured: Array<Omit<WireVariant, 'reduction'>> = [];
  const skipped: Array<{ compression: Compression; reason: string }> = [];
  try {
    for (const compression of COMPRESSIONS) {
      if (!compressionAvailable(compression)) {
        skipped.push({ compression, reason: `not available on Node ${process.version} (needs 22.15+)` });
        continue;
      }
      for (const kind of EVENT_KINDS) {
        for (const format of kind === 'samples' ? SAMPLE_FORMATS : INPUT_FORMATS) {
          const topic = `${options.topicPrefix}-${kind}-${format}-${compression}`;
          const bytesOnLog = await produceAndMeasure(admin, settings, options, topic, compression, encoded[kind], format);
          const n = records[kind];
          measured.push({ kind, format, compression, records: n, bytesOnLog, bytesPerRecord: bytesOnLog / n });
          progress(`${kind} ${format}/${compression}: ${(bytesOnLog / n).toFixed(1)} bytes per record on the log`);
        }
      }
    }
  } finally {
    await admin.close();
  }
  const variants = measured.map((v) => {
    const baseline = measured.find((b) => b.kind === v.kind && b.format === 'json' && b.compression === 'none')?.bytesOnLog;
    return { ...v, reduction: baseline === undefined ? 0 : 1 - v.bytesOnLog / baseline };
  });
  return {
    records, partitions: options.partitions, recordsPerSend: options.recordsPerSend, variants, skipped, rates,
    avroLz4Reduction: lz4Reductions(variants, 'avro'),
    compactLz4Reduction: lz4Reductions(variants, 'compact'),
  };
}

/** `format` + LZ4 against JSON uncompressed, per kind and for views + engagements together (bytes summed). */
export function lz4Reductions(variants: readonly WireVariant[], format: WireFormat): Partial<Record<EventKind | 'inputs', number>> {
  const find = (kind: EventKind, f: WireFormat, compression: Compression): WireVariant | undefined =>
    variants.find((v) => v.kind === kind && v.format === f && v.compression === compression);
  const out: Partial<Record<EventKind | 'inputs', number>> = {};
  for (const kind of EVENT_KINDS) {
    const v = find(kind, format, 'lz4');
    if (v !== undefined) out[kind] = v.reduction;
  }
  const lz4 = [find('views', format, 'lz4'), find('engagements', format, 'lz4')];
  const json = [find('views', 'json', 'none'), find('engagements', 'json', 'none')];
  if ([...lz4, ...json].every((v) => v !== undefined)) {
    const sum = (vs: Array<WireVariant | undefined>): number => vs.reduce((s, v) => s + (v?.bytesOnLog ?? 0), 0);
    out.inputs = 1 - sum(lz4) / sum(json);
  }
  return out;
}

/**
 * The simulator's sends, as it sends them: each view and engagement (duplicates too) keyed by user, stamped with
 * its event time; the compact shape's from a second run of the workload with sequenced ids, which sends the same
 * events in the same order with other ids (keys and timestamps are the same).
 */
function encodeInputs(codec: EventCodec, workload: WorkloadOptions): Record<'views' | 'engagements', Encoded> {
  const empty = (): Encoded => ({ keys: [], timestamps: [], values: { json: [], avro: [], compact: [] } });
  const out = { views: empty(), engagements: empty() };
  for (const send of new Workload(workload, () => undefined).sends()) {
    const target = send.kind === 'view' ? out.views : out.engagements;
    target.keys.push(userKey(send.event.user_id));
    target.timestamps.push(BigInt(send.event.ts));
    for (const format of ['json', 'avro'] as const) {
      target.values[format].push(send.kind === 'view' ? codec.encodeView(send.event, format) : codec.encodeEngagement(send.event, format));
    }
  }
  const compact = compactEncoder(workload.labelTypes);
  for (const send of new Workload({ ...workload, ids: 'sequenced' }, () => undefined).sends()) {
    if (send.kind === 'view') out.views.values.compact.push(compact.view(send.event));
    else out.engagements.values.compact.push(compact.engagement(send.event));
  }
  for (const kind of ['views', 'engagements'] as const) {
    if (out[kind].values.compact.length !== out[kind].keys.length) throw new Error(`the workload with sequenced ids sent ${out[kind].values.compact.length} ${kind}, with random ids ${out[kind].keys.length}`);
  }
  return out;
}

/** Produces the records to a fresh topic in sends of options.recordsPerSend, and returns the bytes they take on the broker's log (the topic is deleted). */
export async function produceAndMeasure(
  admin: KafkaAdmin,
  settings: ConnectionSettings,
  options: CodecBenchOptions,
  topic: string,
  compression: Compression,
  encoded: Encoded,
  format: WireFormat,
): Promise<number> {
  await admin.createTopics([{ name: topic, partitions: options.partitions, replicationFactor: 1 }]);
  try {
    const producer = new KafkaProducer(settings, { compression });
    try {
      const n = encoded.keys.length;
      for (let i = 0; i < n; i += options.recordsPerSend) {
        const chunk: ProducedRecord[] = [];
        for (let j = i; j < Math.min(n, i + options.recordsPerSend); j++) {
          const key = encoded.keys[j]!;
          const timestamp = encoded.timestamps[j];
          chunk.push({ topic, partition: partitionForKey(key, options.partitions), key, value: encoded.values[format][j]!, ...(timestamp === undefined ? {} : { timestamp }) });
        }
        await producer.send(chunk);
      }
    } finally {
      await producer.close();
    }
    return Number((await admin.logSize([topic])).get(topic) ?? 0n);
  } finally {
    await admin.deleteTopics([topic]);
  }
}

function rate(clock: Clock, n: number, run: () => void): number {
  run(); // warm up
  const t0 = clock.now();
  let rounds = 0;
  while (clock.now() - t0 < 500 || rounds < 2) {
    run();
    rounds++;
  }
  return Math.round((rounds * n * 1000) / Math.max(1, clock.now() - t0));
}
