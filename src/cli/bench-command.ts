/**
 * labeljoin bench codec | join | all
 */
import { runCodecBench, type CodecBenchResult } from '../bench/codec-bench.js';
import { runJoinBench, type JoinBenchResult } from '../bench/join-bench.js';
import type { LabeljoinConfig } from '../config/config.js';
import { connectionSettings } from '../kafka/connection.js';
import { systemClock } from '../time/clock.js';
import type { CommandSpec } from './command.js';
import { workloadOptions } from './workload-options.js';

const PARTITIONS = 8;
const RECORDS_PER_SEND = 2_000;

export const benchCodec: CommandSpec = {
  name: 'bench codec',
  summary: 'Wire-size report: simulated samples as JSON and as Avro, through the broker under each batch compression; bytes per record on the broker log.',
  details: `Each variant goes to its own ${PARTITIONS}-partition topic (deleted afterwards) in produce requests of ${RECORDS_PER_SEND} records. The baseline is JSON without compression.`,
  settings: ['kafka.brokers', 'bench.records', 'sim.seed', 'join.labelTypes'],
  flags: [{ name: 'json', type: 'boolean', doc: 'print the result as one JSON object' }],
  async run(ctx) {
    const result = await codec(ctx.config);
    if (ctx.flags['json'] === true) ctx.out(JSON.stringify(result));
    else for (const line of table(result)) ctx.out(line);
    return 0;
  },
};

export const benchJoin: CommandSpec = {
  name: 'bench join',
  summary: 'Joiner throughput (drain on a pre-filled log) against the machine\'s limit: our client\'s bare read loop and Kafka\'s JVM consumer on the same topics.',
  details: `Simulates --join-views views into fresh ${PARTITIONS}-partition topics (deleted afterwards), reads them with a bare loop of our client and with Kafka's ConsumerPerformance, then runs labeljoin join --drain as its own process, watched through /proc (CPU, peak RSS, bytes written to storage).`,
  settings: ['kafka.brokers', 'bench.views', 'sim.seed', 'sim.users', 'sim.posts', 'sim.viewsPerSecond', 'join.labelTypes', 'join.windowMs', 'join.maxSkewMs', 'join.outOfOrdernessMs'],
  flags: [{ name: 'json', type: 'boolean', doc: 'print the result as one JSON object' }],
  async run(ctx) {
    const result = await joinBench(ctx.config);
    if (ctx.flags['json'] === true) ctx.out(JSON.stringify(result));
    else for (const line of joinTable(result)) ctx.out(line);
    return 0;
  },
};

export const benchAll: CommandSpec = {
  name: 'bench all',
  summary: 'Every benchmark in one run (codec, join); --json prints one object with all figures.',
  settings: ['kafka.brokers', 'bench.records', 'bench.views', 'sim.seed', 'join.labelTypes', 'join.windowMs', 'join.maxSkewMs', 'join.outOfOrdernessMs'],
  flags: [{ name: 'json', type: 'boolean', doc: 'print the results as one JSON object' }],
  async run(ctx) {
    const started = Date.now();
    const codecResult = await codec(ctx.config);
    const joinResult = await joinBench(ctx.config);
    if (ctx.flags['json'] === true) ctx.out(JSON.stringify({ codec: codecResult, join: joinResult, seconds: (Date.now() - started) / 1000 }));
    else for (const line of [...table(codecResult), '', ...joinTable(joinResult)]) ctx.out(line);
    return 0;
  },
};

function codec(config: LabeljoinConfig): Promise<CodecBenchResult> {
  return runCodecBench(
    connectionSettings(config),
    {
      workload: workloadOptions(config, PARTITIONS, systemClock, { views: config.bench.records, durationMs: undefined }),
      partitions: PARTITIONS,
      recordsPerSend: RECORDS_PER_SEND,
      topicPrefix: `labeljoin-bench-codec-${Date.now().toString(36)}`,
    },
    systemClock,
    (line) => process.stderr.write(`bench codec: ${line}\n`),
  );
}

function joinBench(config: LabeljoinConfig): Promise<JoinBenchResult> {
  const j = config.join;
  return runJoinBench(
    connectionSettings(config),
    {
      workload: workloadOptions(config, PARTITIONS, systemClock, { views: config.bench.views, durationMs: undefined }),
      partitions: PARTITIONS,
      topicPrefix: `labeljoin-bench-join-${Date.now().toString(36)}`,
      joinFlags: ['--window', `${j.windowMs}ms`, '--max-skew', `${j.maxSkewMs}ms`, '--out-of-orderness', `${j.outOfOrdernessMs}ms`, '--label-types', j.labelTypes.join(',')],
    },
    systemClock,
    (line) => process.stderr.write(`bench join: ${line}\n`),
  );
}

function joinTable(r: JoinBenchResult): string[] {
  const k = (x: number): string => `${Math.round(x / 1000).toLocaleString('en-US')}k`;
  const pct = (x: number): string => `${(x * 100).toFixed(0)} %`;
  return [
    `${r.views.toLocaleString('en-US')} views, ${r.inputEvents.toLocaleString('en-US')} input events (simulated in ${r.simulateSeconds.toFixed(1)} s)`,
    `joiner (drain): ${k(r.join.eventsPerSec)} input events/s over ${r.join.seconds.toFixed(1)} s, ${r.join.samples.toLocaleString('en-US')} samples`,
    `  CPU ${r.join.cpuSecondsPerMillion.toFixed(1)} s per million input events, peak RSS ${r.join.peakRssMiB.toFixed(0)} MiB, store writes ${(r.join.storeBytesPerMillion / 2 ** 20).toFixed(1)} MiB per million input events`,
    `limit: our client's bare read loop ${k(r.limit.ourClientEventsPerSec)} events/s, Kafka's JVM consumer ${k(r.limit.kafkaConsumerEventsPerSec)} events/s`,
    `joiner = ${pct(r.fractionOfOurClient)} of our client's read rate, ${pct(r.fractionOfKafkaConsumer)} of the JVM consumer's (targets: >= 100k events/s, >= 60 %)`,
  ];
}

function table(r: CodecBenchResult): string[] {
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const k = (x: number): string => `${Math.round(x / 1000).toLocaleString('en-US')}k`;
  return [
    `${r.records.toLocaleString('en-US')} samples, ${r.partitions} partitions, ${r.recordsPerSend} records per produce request; bytes per record on the broker log:`,
    '  format  compression  bytes/record  cut vs JSON',
    ...r.variants.map((v) => `  ${v.format.padEnd(6)}  ${v.compression.padEnd(11)}  ${v.bytesPerRecord.toFixed(1).padStart(12)}  ${pct(v.reduction).padStart(11)}`),
    ...r.skipped.map((s) => `  (${s.compression}: ${s.reason})`),
    r.avroLz4Reduction === undefined ? 'no Avro + LZ4 figure' : `Avro + LZ4 cuts ${pct(r.avroLz4Reduction)} of the bytes of JSON (the paper: 85 %; our target: at least 90 %)`,
    `records/s in this process: JSON encode ${k(r.rates.jsonEncode)}, decode ${k(r.rates.jsonDecode)}; Avro encode ${k(r.rates.avroEncode)}, decode ${k(r.rates.avroDecode)}`,
  ];
}
