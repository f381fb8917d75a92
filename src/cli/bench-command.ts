/**
 * labeljoin bench codec | join | e2e | state | train | all
 */
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { runCodecBench, type CodecBenchResult } from '../bench/codec-bench.js';
import { runJoinBench, type JoinBenchResult } from '../bench/join-bench.js';
import { runLatencyBench, type LatencyBenchResult } from '../bench/latency-bench.js';
import { runStateBench } from '../bench/state-bench.js';
import type { StateRunResult } from '../bench/state-worker.js';
import { runTrainBench, type TrainBenchResult } from '../bench/train-bench.js';
import type { LabeljoinConfig } from '../config/config.js';
import { connectionSettings } from '../kafka/connection.js';
import type { Logger } from '../log/logger.js';
import { packageRoot } from '../paths.js';
import { compactEncoder } from '../sim/compact-shape.js';
import { foreignEncoder } from '../sim/foreign-shape.js';
import { systemClock } from '../time/clock.js';
import type { CommandSpec } from './command.js';
import { requireSchemaLookup } from './schema-lookup.js';
import { workloadOptions } from './workload-options.js';

const PARTITIONS = 8;
const E2E_WINDOW = '10s';
const E2E_OUT_OF_ORDERNESS = '2s';
const E2E_MAX_SKEW = '2s';
const STATE_MEASURE_STEPS = 1_000_000;

export const benchCodec: CommandSpec = {
  name: 'bench codec',
  summary: 'Wire-size report: simulated views, engagements and samples as JSON and as Avro, through the broker under each batch compression; bytes per record on the broker log.',
  details: [
    `Needs a broker (--brokers). Each kind, format and compression goes to its own ${PARTITIONS}-partition topic (deleted afterwards)`,
    'in produce requests of --records-per-send records of that kind; views and engagements are the simulator\'s',
    'sends (duplicates included, record timestamp = event time). The baseline of each kind is its JSON without compression.',
  ].join('\n'),
  settings: ['kafka.brokers', 'bench.records', 'bench.recordsPerSend', 'sim.seed', 'join.labelTypes'],
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
  details: `Simulates --join-views views into fresh ${PARTITIONS}-partition topics (deleted afterwards), reads them with a bare loop of our client and with Kafka's ConsumerPerformance, then runs labeljoin join --drain as its own process, watched through /proc (CPU, peak RSS, bytes written to storage). With --negative-share F the joiner downsamples the all-negative samples (fewer samples to encode and send).`,
  settings: ['kafka.brokers', 'bench.views', 'bench.layout', 'bench.joiners', 'sim.seed', 'sim.users', 'sim.posts', 'sim.viewsPerSecond', 'sim.shape', 'registry.url', 'join.labelTypes', 'join.windowMs', 'join.maxSkewMs', 'join.outOfOrdernessMs', 'join.negativeShare'],
  flags: [{ name: 'json', type: 'boolean', doc: 'print the result as one JSON object' }],
  async run(ctx) {
    const result = await joinBench(ctx.config, ctx.log);
    if (ctx.flags['json'] === true) ctx.out(JSON.stringify(result));
    else for (const line of joinTable(result)) ctx.out(line);
    return 0;
  },
};

export const benchE2e: CommandSpec = {
  name: 'bench e2e',
  summary: 'Emit latency of a live joiner beyond window + out-of-orderness (p50/p99), with the simulator sending at --e2e-rate in real time.',
  details: `Window ${E2E_WINDOW}, out-of-orderness ${E2E_OUT_OF_ORDERNESS}, max skew ${E2E_MAX_SKEW}; every sample's emitted_at - (view_ts + window + out-of-orderness) from the samples topic.`,
  settings: ['kafka.brokers', 'bench.e2eRate', 'bench.e2eSeconds', 'sim.seed', 'join.labelTypes'],
  flags: [{ name: 'json', type: 'boolean', doc: 'print the result as one JSON object' }],
  async run(ctx) {
    const result = await e2eBench(ctx.config, ctx.config.bench.e2eRate);
    if (ctx.flags['json'] === true) ctx.out(JSON.stringify(result));
    else for (const line of e2eTable(result)) ctx.out(line);
    return 0;
  },
};

export const benchState: CommandSpec = {
  name: 'bench state',
  summary: 'Join state alone (no Kafka): events/s and peak RSS with --state-views views in flight, in memory, and on disk at the smallest.',
  details: `Each run is its own process. The joiner's access pattern: one engagement indexed and one view joined per step, expiry every 1,024 steps, with the join window, skew and view disorder of the config; the state is filled to its steady size first, then ${STATE_MEASURE_STEPS.toLocaleString('en-US')} steps are measured. 10 M views in flight take about 2.5 min to fill.`,
  settings: ['bench.stateViews', 'join.windowMs', 'join.maxSkewMs', 'join.viewDisorderMs', 'join.allowedLatenessMs'],
  flags: [{ name: 'json', type: 'boolean', doc: 'print the result as one JSON object' }],
  async run(ctx) {
    const result = await stateBench(ctx.config);
    if (ctx.flags['json'] === true) ctx.out(JSON.stringify(result));
    else for (const line of stateTable(result)) ctx.out(line);
    return 0;
  },
};

export const benchTrain: CommandSpec = {
  name: 'bench train',
  summary: 'Trainer throughput: --records simulated samples, labeljoin train --drain with the embedded store (or --store redis at --redis-url) and every signal; samples/s, CPU per million, peak RSS, last-window AUC.',
  settings: ['kafka.brokers', 'bench.records', 'sim.seed', 'join.labelTypes', 'train.store', 'train.redisUrl'],
  flags: [{ name: 'json', type: 'boolean', doc: 'print the result as one JSON object' }],
  async run(ctx) {
    const result = await trainBench(ctx.config);
    if (ctx.flags['json'] === true) ctx.out(JSON.stringify(result));
    else for (const line of trainTable(result)) ctx.out(line);
    return 0;
  },
};

export const benchAll: CommandSpec = {
  name: 'bench all',
  summary: 'Every benchmark in one run (codec, join, e2e at half the joiner\'s measured rate and at --e2e-rate when lower, state, train); --json prints one object with all figures.',
  settings: ['kafka.brokers', 'bench.records', 'bench.views', 'bench.stateViews', 'bench.e2eRate', 'bench.e2eSeconds', 'join.viewDisorderMs', 'join.allowedLatenessMs', 'sim.seed', 'join.labelTypes', 'join.windowMs', 'join.maxSkewMs', 'join.outOfOrdernessMs'],
  flags: [{ name: 'json', type: 'boolean', doc: 'print the results as one JSON object' }],
  async run(ctx) {
    const started = Date.now();
    const codecResult = await codec(ctx.config);
    const joinResult = await joinBench(ctx.config, ctx.log);
    const e2eResult = await e2eBench(ctx.config, Math.round(joinResult.join.eventsPerSec / 2));
    // Half the joiner's maximum can be more than this machine generates while it also joins (the simulator's lag
    // shows it): a second point at --e2e-rate, when lower, where the generator keeps up.
    const e2eAtRate = ctx.config.bench.e2eRate < e2eResult.rate ? await e2eBench(ctx.config, ctx.config.bench.e2eRate) : undefined;
    const stateResult = await stateBench(ctx.config);
    const trainResult = await trainBench(ctx.config);
    if (ctx.flags['json'] === true) ctx.out(JSON.stringify({ codec: codecResult, join: joinResult, e2e: e2eResult, e2eAtRate, state: stateResult, train: trainResult, seconds: (Date.now() - started) / 1000 }));
    else for (const line of [...table(codecResult), '', ...joinTable(joinResult), '', ...e2eTable(e2eResult), ...(e2eAtRate === undefined ? [] : e2eTable(e2eAtRate)), '', ...stateTable(stateResult), '', ...trainTable(trainResult), '', `all in ${((Date.now() - started) / 1000).toFixed(0)} s`]) ctx.out(line);
    return 0;
  },
};

function e2eBench(config: LabeljoinConfig, rate: number): Promise<LatencyBenchResult> {
  return runLatencyBench(
    connectionSettings(config),
    {
      // The input's own lateness is off, so the figure is the joiner's: no views that arrive late (their samples
      // would be late by their arrival delay), no engagement clock skew (the watermark would run ahead of the wall
      // clock by it), no late arrivals (in real time they would hold the run 5 min).
      workload: workloadOptions(config, PARTITIONS, systemClock, { windowMs: 10_000, outOfOrdernessMs: 2_000, maxSkewMs: 2_000, lateArrivalRate: 0, earlyRate: 0, skewMs: 0 }),
      partitions: PARTITIONS,
      topicPrefix: `labeljoin-bench-e2e-${Date.now().toString(36)}`,
      rate,
      durationMs: config.bench.e2eSeconds * 1000,
      windowMs: 10_000,
      outOfOrdernessMs: 2_000,
      joinFlags: ['--window', E2E_WINDOW, '--out-of-orderness', E2E_OUT_OF_ORDERNESS, '--max-skew', E2E_MAX_SKEW, '--label-types', config.join.labelTypes.join(',')],
    },
    systemClock,
    (line) => process.stderr.write(`bench e2e: ${line}\n`),
  );
}

function stateBench(config: LabeljoinConfig): Promise<StateRunResult[]> {
  const j = config.join;
  return runStateBench(
    { inFlight: config.bench.stateViews, measureSteps: STATE_MEASURE_STEPS, times: { windowMs: j.windowMs, maxSkewMs: j.maxSkewMs, viewDisorderMs: j.viewDisorderMs, allowedLatenessMs: j.allowedLatenessMs } },
    (line) => process.stderr.write(`bench state: ${line}\n`),
  );
}

function stateTable(rs: readonly StateRunResult[]): string[] {
  return [
    'join state alone (no Kafka; one engagement indexed + one view joined per step):',
    '  state   views in flight  engagements held  views remembered     events/s  peak RSS',
    ...rs.map((r) => `  ${r.state.padEnd(6)}  ${r.viewsInFlight.toLocaleString('en-US').padStart(15)}  ${r.engagementsHeld.toLocaleString('en-US').padStart(16)}  ${r.viewsRemembered.toLocaleString('en-US').padStart(16)}  ${r.eventsPerSec.toLocaleString('en-US').padStart(11)}  ${`${r.peakRssMiB} MiB`.padStart(8)}`),
    '  (target: RSS <= 1 GiB with 10 M views in flight)',
  ];
}

function trainBench(config: LabeljoinConfig): Promise<TrainBenchResult> {
  return runTrainBench(
    connectionSettings(config),
    { workload: workloadOptions(config, PARTITIONS, systemClock, { views: config.bench.records, durationMs: undefined }), partitions: PARTITIONS, topicPrefix: `labeljoin-bench-train-${Date.now().toString(36)}`, store: config.train.store, redisUrl: config.train.redisUrl },
    (line) => process.stderr.write(`bench train: ${line}\n`),
  );
}

function trainTable(r: TrainBenchResult): string[] {
  return [
    `trainer (drain, ${r.store} store, ${r.signals} signals, k = 32): ${Math.round(r.samplesPerSec).toLocaleString('en-US')} samples/s over ${r.seconds.toFixed(1)} s (${r.samples.toLocaleString('en-US')} samples)`,
    `  CPU ${r.cpuSecondsPerMillion.toFixed(1)} s per million samples, peak RSS ${r.peakRssMiB.toFixed(0)} MiB; last window AUC ${Object.entries(r.lastWindowAuc).map(([s, a]) => `${s} ${a.toFixed(3)}`).join(' ')}`,
  ];
}

function e2eTable(r: LatencyBenchResult): string[] {
  return [
    `live joiner, simulator in real time at ${Math.round(r.rate).toLocaleString('en-US')} input events/s asked (about ${Math.round(r.measuredRate).toLocaleString('en-US')}/s in the counted part; ${r.sent.toLocaleString('en-US')} sent): ${r.samples.toLocaleString('en-US')} samples counted`,
    `  emit latency beyond window + out-of-orderness: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms (target p99 <= 1,000 ms)`,
    `  the simulator fell behind the wall clock by at most ${r.simulatorMaxLagMs.toLocaleString('en-US')} ms (included in the latency; large = the machine cannot generate this rate and join it at once)`,
  ];
}

function codec(config: LabeljoinConfig): Promise<CodecBenchResult> {
  return runCodecBench(
    connectionSettings(config),
    {
      workload: workloadOptions(config, PARTITIONS, systemClock, { views: config.bench.records, durationMs: undefined }),
      partitions: PARTITIONS,
      recordsPerSend: config.bench.recordsPerSend,
      topicPrefix: `labeljoin-bench-codec-${Date.now().toString(36)}`,
    },
    systemClock,
    (line) => process.stderr.write(`bench codec: ${line}\n`),
  );
}

function joinBench(config: LabeljoinConfig, log: Logger): Promise<JoinBenchResult> {
  const j = config.join;
  const foreign = config.sim.shape === 'foreign' ? requireSchemaLookup(config, log, 'bench join --shape foreign') : undefined;
  // The registry's URL (it may hold credentials) goes to the joiner process by its environment, not its command line.
  if (foreign !== undefined && config.registry.url !== undefined) process.env['LABELJOIN_SCHEMA_REGISTRY_URL'] = config.registry.url;
  const shape = config.sim.shape;
  const declared = shape === 'labeljoin' ? [] : ['--config', join(packageRoot(), 'schemas', shape, 'inputs.json')];
  if (shape !== 'labeljoin' && config.bench.layout === 'consolidated') throw new UsageError('bench join --layout consolidated takes --shape labeljoin (declared inputs read two topics)');
  const compact = shape === 'compact' ? compactEncoder(j.labelTypes) : undefined;
  return runJoinBench(
    connectionSettings(config),
    {
      workload: workloadOptions(config, PARTITIONS, systemClock, { views: config.bench.views, durationMs: undefined, ...(compact === undefined ? {} : { ids: 'sequenced' as const }) }),
      partitions: PARTITIONS,
      topicPrefix: `labeljoin-bench-join-${Date.now().toString(36)}`,
      joinFlags: ['--window', `${j.windowMs}ms`, '--max-skew', `${j.maxSkewMs}ms`, '--out-of-orderness', `${j.outOfOrdernessMs}ms`, '--label-types', j.labelTypes.join(','), '--negative-share', String(j.negativeShare), ...declared],
      negativeShare: j.negativeShare,
      encoder: foreign !== undefined ? (topics) => foreignEncoder(foreign, topics) : compact === undefined ? undefined : () => Promise.resolve(compact),
      consolidated: config.bench.layout === 'consolidated',
      joiners: config.bench.joiners,
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
    `${r.joiners === 1 ? 'joiner' : `${r.joiners} joiners`} (drain): ${k(r.join.eventsPerSec)} input events/s over ${r.join.seconds.toFixed(1)} s, ${r.join.samples.toLocaleString('en-US')} samples${r.negativeShare < 1 ? ` (negative share ${r.negativeShare}: ${r.join.negativesDropped.toLocaleString('en-US')} negatives dropped)` : ''}`,
    `  CPU ${r.join.cpuSecondsPerMillion.toFixed(1)} s per million input events, peak RSS ${r.join.peakRssMiB.toFixed(0)} MiB, store writes ${(r.join.storeBytesPerMillion / 2 ** 20).toFixed(1)} MiB per million input events`,
    `  layout ${r.layout}: input logs ${(r.inputLogBytes / 2 ** 20).toFixed(1)} MiB on the broker; the joiner read ${(r.join.readBytesPerMillion / 2 ** 20).toFixed(1)} MiB per million input events`,
    `limit: our client's bare read loop ${k(r.limit.ourClientEventsPerSec)} events/s, Kafka's JVM consumer ${k(r.limit.kafkaConsumerEventsPerSec)} events/s`,
    `joiner = ${pct(r.fractionOfOurClient)} of our client's read rate, ${pct(r.fractionOfKafkaConsumer)} of the JVM consumer's (targets: >= 100k events/s, >= 60 %)`,
  ];
}

function table(r: CodecBenchResult): string[] {
  const pct = (x: number | undefined): string => (x === undefined ? '-' : `${(x * 100).toFixed(1)} %`);
  const k = (x: number): string => `${Math.round(x / 1000).toLocaleString('en-US')}k`;
  const n = (x: number): string => x.toLocaleString('en-US');
  const cut = r.avroLz4Reduction;
  return [
    `${n(r.records.views)} views, ${n(r.records.engagements)} engagements, ${n(r.records.samples)} samples; ${r.partitions} partitions, ${r.recordsPerSend} records per produce request; bytes per record on the broker log:`,
    '  kind         format   compression  bytes/record  cut vs JSON',
    ...r.variants.map((v) => `  ${v.kind.padEnd(11)}  ${v.format.padEnd(7)}  ${v.compression.padEnd(11)}  ${v.bytesPerRecord.toFixed(1).padStart(12)}  ${pct(v.reduction).padStart(11)}`),
    ...r.skipped.map((s) => `  (${s.compression}: ${s.reason})`),
    `Avro + LZ4 cuts vs JSON: inputs (views + engagements) ${pct(cut.inputs)}, views ${pct(cut.views)}, engagements ${pct(cut.engagements)}, samples ${pct(cut.samples)} (the paper: 85 % on its inputs)`,
    `  the compact shape (--shape compact: user in the key, time in the record timestamp, (producer, sequence) ids) + LZ4: inputs ${pct(r.compactLz4Reduction.inputs)}, views ${pct(r.compactLz4Reduction.views)}, engagements ${pct(r.compactLz4Reduction.engagements)}`,
    `samples/s in this process: JSON encode ${k(r.rates.jsonEncode)}, decode ${k(r.rates.jsonDecode)}; Avro encode ${k(r.rates.avroEncode)}, decode ${k(r.rates.avroDecode)}`,
  ];
}
