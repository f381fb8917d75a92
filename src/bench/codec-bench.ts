/**
 * Wire-size report: the same simulated samples written as JSON (schema field
 * names, UUIDs as text, as a typical producer writes them) and as Avro
 * (single-object encoding), each through the real broker with the same
 * batching and each batch compression, measured as bytes on the broker's log
 * (DescribeLogDirs), plus in-process encode and decode rates.
 */
import { EventCodec, type OutputFormat } from '../codec/codec.js';
import { userKey, type SampleRecord } from '../codec/events.js';
import { KafkaAdmin } from '../kafka/admin.js';
import { COMPRESSIONS, compressionAvailable, type Compression } from '../kafka/compression.js';
import type { ConnectionSettings } from '../kafka/connection.js';
import { KafkaProducer, keyedRecord } from '../kafka/producer.js';
import { simulatedSamples } from '../sim/samples.js';
import type { WorkloadOptions } from '../sim/workload.js';
import type { Clock } from '../time/clock.js';

export interface CodecBenchOptions {
  readonly workload: WorkloadOptions;
  readonly partitions: number;
  /** Records per produce request; the same for every variant. */
  readonly recordsPerSend: number;
  readonly topicPrefix: string;
}

export interface WireVariant {
  readonly format: OutputFormat;
  readonly compression: Compression;
  readonly bytesOnLog: number;
  readonly bytesPerRecord: number;
  /** 1 - bytes / bytes of JSON without compression */
  readonly reduction: number;
}

export interface CodecBenchResult {
  readonly records: number;
  readonly partitions: number;
  readonly recordsPerSend: number;
  readonly variants: readonly WireVariant[];
  readonly skipped: ReadonlyArray<{ readonly compression: Compression; readonly reason: string }>;
  readonly rates: { readonly jsonEncode: number; readonly jsonDecode: number; readonly avroEncode: number; readonly avroDecode: number };
  readonly avroLz4Reduction: number | undefined;
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
  const samples = simulatedSamples(options.workload);
  const codec = new EventCodec({ labelTypes: options.workload.labelTypes });
  progress(`${samples.length} simulated samples`);
  const encoded: Record<OutputFormat, Buffer[]> = {
    json: samples.map((s) => codec.encodeSample(s, 'json')),
    avro: samples.map((s) => codec.encodeSample(s, 'avro')),
  };
  const rates = measureRates(codec, samples, encoded, clock);

  const variants: Array<Omit<WireVariant, 'reduction'>> = [];
  const skipped: Array<{ compression: Compression; reason: string }> = [];
  try {
    for (const compression of COMPRESSIONS) {
      if (!compressionAvailable(compression)) {
        skipped.push({ compression, reason: `not available on Node ${process.version} (needs 22.15+)` });
        continue;
      }
      for (const format of ['json', 'avro'] as const) {
        const topic = `${options.topicPrefix}-${format}-${compression}`;
        await admin.createTopics([{ name: topic, partitions: options.partitions, replicationFactor: 1 }]);
        try {
          const producer = new KafkaProducer(settings, { compression });
          try {
            for (let i = 0; i < samples.length; i += options.recordsPerSend) {
              await producer.send(
                samples.slice(i, i + options.recordsPerSend).map((s, j) => keyedRecord(topic, options.partitions, userKey(s.user_id), encoded[format][i + j]!)),
              );
            }
          } finally {
            await producer.close();
          }
          const bytesOnLog = Number((await admin.logSize([topic])).get(topic) ?? 0n);
          variants.push({ format, compression, bytesOnLog, bytesPerRecord: bytesOnLog / samples.length });
          progress(`${format}/${compression}: ${(bytesOnLog / samples.length).toFixed(1)} bytes per record on the log`);
        } finally {
          await admin.deleteTopics([topic]);
        }
      }
    }
  } finally {
    await admin.close();
  }
  const baseline = variants.find((v) => v.format === 'json' && v.compression === 'none')?.bytesOnLog;
  const withReduction = variants.map((v) => ({ ...v, reduction: baseline === undefined ? 0 : 1 - v.bytesOnLog / baseline }));
  return {
    records: samples.length,
    partitions: options.partitions,
    recordsPerSend: options.recordsPerSend,
    variants: withReduction,
    skipped,
    rates,
    avroLz4Reduction: withReduction.find((v) => v.format === 'avro' && v.compression === 'lz4')?.reduction,
  };
}

function measureRates(codec: EventCodec, samples: SampleRecord[], encoded: Record<OutputFormat, Buffer[]>, clock: Clock): CodecBenchResult['rates'] {
  const origin = { topic: 'bench', partition: 0, offset: 0n };
  const rate = (run: () => void): number => {
    run(); // warm up
    const t0 = clock.now();
    let rounds = 0;
    while (clock.now() - t0 < 500 || rounds < 2) {
      run();
      rounds++;
    }
    return Math.round((rounds * samples.length * 1000) / Math.max(1, clock.now() - t0));
  };
  return {
    jsonEncode: rate(() => samples.forEach((s) => codec.encodeSample(s, 'json'))),
    jsonDecode: rate(() => encoded.json.forEach((b) => codec.decodeSample(b, origin))),
    avroEncode: rate(() => samples.forEach((s) => codec.encodeSample(s, 'avro'))),
    avroDecode: rate(() => encoded.avro.forEach((b) => codec.decodeSample(b, origin))),
  };
}
