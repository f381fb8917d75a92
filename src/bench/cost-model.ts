/**
 * The monthly cost of the pipeline at a given rate, line by line as the
 * paper's Table 1 (messaging, event joiner, Redis, schema and compression),
 * for the paper's Approach 1 (Pub/Sub + a Go consumer job + Memcache +
 * Redis), its Approach 2 (Kafka + Flink with RocksDB and checkpoints) and
 * labeljoin (Kafka + this joiner). Pure arithmetic: the inputs are measured
 * figures (cost/measurements.json, from bench/RESULTS.md) and a price sheet
 * with its sizing assumptions (cost/prices.json); every line says what it is
 * made of and where each figure comes from.
 */
import { CostInputError } from './errors.js';

export type Basis = 'measured' | 'paper' | 'price sheet' | 'assumption';

/** A number and where it comes from. */
export interface Sourced {
  readonly value: number;
  readonly source: string;
  readonly unit?: string;
}

export interface PriceSheet {
  readonly asOf: string;
  readonly region: string;
  readonly prices: Readonly<Record<PriceKey, Sourced>>;
  readonly sizing: Readonly<Record<SizingKey, Sourced>>;
}

export const PRICE_KEYS = [
  'pubsubThroughputPerTiB', 'pubsubStoragePerGiBMonth', 'vcpuHour', 'memoryGiBHour', 'pdBalancedGiBMonth',
  'interZoneGiB', 'gcsStandardGiBMonth', 'gcsClassAPer1000', 'redisStandardGiBHour',
] as const;
export type PriceKey = (typeof PRICE_KEYS)[number];

export const SIZING_KEYS = [
  'secondsPerMonth', 'meanToPeak', 'kafkaPeakMBpsPerBroker', 'kafkaMinBrokers', 'kafkaBrokerVcpus', 'kafkaBrokerMemoryGiB',
  'replicationFactor', 'diskFill', 'crossZoneShare', 'cpuUtilization', 'memoryGiBPerVcpu', 'flinkCpuFactor',
  'flinkJobManagerVcpus', 'flinkStateBytesPerEngagement', 'flinkCheckpointIntervalSeconds', 'flinkCheckpointsRetained',
  'flinkCheckpointFilesPerVcpu', 'approach1JoinerToFlink', 'redisLockOpsPerSample', 'redisOpsPerSecondPerGiBNode',
  'redisGiBPerNode', 'windowSeconds',
] as const;
export type SizingKey = (typeof SIZING_KEYS)[number];

export const WIRE_KINDS = ['views', 'engagements', 'samples'] as const;
export type WireKind = (typeof WIRE_KINDS)[number];

/** Bytes per record on the broker's log: JSON uncompressed, Avro with LZ4, and (inputs) the compact shape with LZ4. */
export interface WireFigures {
  readonly jsonNone: number;
  readonly avroLz4: number;
  /** The compact shape (src/sim/compact-shape.ts) with LZ4; views and engagements only. */
  readonly compactLz4?: number | undefined;
}

export interface Measurements {
  readonly source: string;
  readonly wire: Readonly<Record<WireKind, WireFigures>> & { readonly source: string };
  /** Engagement records per view record, as the simulator sends them. */
  readonly engagementsPerView: Sourced;
  readonly joinerCpuSecondsPerMillionInputEvents: Sourced;
  /** Join state (RSS) per view inside the window. */
  readonly joinerStateBytesPerViewInFlight: Sourced;
  readonly trainerCpuSecondsPerMillionSamples: Sourced;
}

export interface Scenario {
  /** Peak rate of views, as JSON, in MB/s (10^6 bytes). */
  readonly viewsMBps: number;
  readonly retentionDays: number;
  /** labeljoin's inputs on the wire: 'avro' (its own schemas, single-object) or 'compact' (the compact shape). Default 'avro'. */
  readonly wire?: 'avro' | 'compact';
}

export const APPROACHES = ['approach1', 'approach2', 'labeljoin'] as const;
export type Approach = (typeof APPROACHES)[number];
export const APPROACH_NAMES: Readonly<Record<Approach, string>> = {
  approach1: 'Approach 1: Pub/Sub + Go job + Memcache + Redis',
  approach2: 'Approach 2: Kafka + Flink (RocksDB, checkpoints)',
  labeljoin: 'labeljoin: Kafka + labeljoin',
};

/** Table 1's components, plus the trainer (the same model in every approach). */
export const COMPONENTS = ['messaging', 'joiner', 'redis', 'trainer'] as const;
export type Component = (typeof COMPONENTS)[number];
export const COMPONENT_NAMES: Readonly<Record<Component, string>> = {
  messaging: 'Messaging system',
  joiner: 'Event joiner',
  redis: 'Redis',
  trainer: 'Trainer',
};

export interface CostLine {
  readonly approach: Approach;
  readonly component: Component;
  readonly item: string;
  readonly monthlyUsd: number;
  /** How the figure was made, with the quantities. */
  readonly how: string;
  readonly basis: Basis;
}

export interface CostReport {
  readonly scenario: Scenario;
  readonly workload: {
    readonly peakViewsPerSecond: number;
    readonly peakEngagementsPerSecond: number;
    readonly meanViewsPerSecond: number;
    /** Bytes per input event (views and engagements together) on the wire, per approach. */
    readonly inputBytesPerEvent: Readonly<Record<Approach, number>>;
    /** Cut of the input bytes against JSON: the paper's for Approach 2, measured for labeljoin. */
    readonly inputCut: Readonly<Record<Approach, number>>;
  };
  readonly lines: readonly CostLine[];
  /** Messaging alone, both carrying Approach 1's JSON bytes: Table 1's "Messaging system" row (the schema is its own row). */
  readonly messagingSameBytes: { readonly pubsub: number; readonly kafka: number };
  readonly totals: Readonly<Record<Approach, number>>;
  readonly byComponent: Readonly<Record<Component, Readonly<Record<Approach, number>>>>;
  readonly assumptions: readonly string[];
}

/** The paper's figures (Table 1) the projection is compared with. */
export const PAPER_TABLE_1 = {
  messagingSaving: 0.55,
  joinerSaving: 0.52,
  redisSaving: 1,
  schemaCut: 0.85,
} as const;

const GIB = 2 ** 30;
const TIB = 2 ** 40;
const HOURS_PER_SECOND = 1 / 3600;

export function projectCosts(m: Measurements, sheet: PriceSheet, scenario: Scenario): CostReport {
  const p = (k: PriceKey): number => sheet.prices[k].value;
  const s = (k: SizingKey): number => sheet.sizing[k].value;
  const month = s('secondsPerMonth');
  const hours = month * HOURS_PER_SECOND;
  const lines: CostLine[] = [];
  const add = (approach: Approach, component: Component, item: string, monthlyUsd: number, how: string, basis: Basis): void => {
    lines.push({ approach, component, item, monthlyUsd, how, basis });
  };

  // The workload: views at the peak JSON rate, engagements per view as simulated; the mean is the paper's daily volume.
  const peakViews = (scenario.viewsMBps * 1e6) / m.wire.views.jsonNone;
  const peakEngagements = peakViews * m.engagementsPerView.value;
  const mean = s('meanToPeak');
  const meanViews = peakViews * mean;
  const meanEngagements = peakEngagements * mean;

  // Bytes per record on the wire per approach: JSON (1), the paper's cut applied to our JSON (2), measured Avro + LZ4 (labeljoin).
  const bytes = (approach: Approach, kind: WireKind): number => {
    const w = m.wire[kind];
    if (approach === 'approach1') return w.jsonNone;
    if (approach === 'approach2') return w.jsonNone * (1 - PAPER_TABLE_1.schemaCut);
    if (scenario.wire === 'compact' && kind !== 'samples') {
      if (w.compactLz4 === undefined) throw new CostInputError(m.source, `no wire.${kind}.compactLz4, which --wire compact needs (labeljoin bench codec measures it)`);
      return w.compactLz4;
    }
    return w.avroLz4;
  };
  const inputBytesPerEvent = {} as Record<Approach, number>;
  const inputCut = {} as Record<Approach, number>;
  for (const a of APPROACHES) {
    inputBytesPerEvent[a] = (bytes(a, 'views') + m.engagementsPerView.value * bytes(a, 'engagements')) / (1 + m.engagementsPerView.value);
    inputCut[a] = 1 - inputBytesPerEvent[a] / inputBytesPerEvent.approach1;
  }
  const perMonthGiB = (bytesPerSecond: number): number => (bytesPerSecond * month) / GIB;

  // --- Messaging ------------------------------------------------------------
  type Bytes = (kind: WireKind) => number;
  type Item = { item: string; monthlyUsd: number; how: string; basis: Basis };
  const writtenWith = (b: Bytes, views: number, engagements: number): number => views * b('views') + engagements * b('engagements') + views * b('samples');
  const pubsub = (b: Bytes, what: string): Item[] => {
    const published = writtenWith(b, meanViews, meanEngagements);
    const throughputTiB = (2 * published * month) / TIB; // each byte published once and delivered once (one subscription each)
    const storedGiB = (published * scenario.retentionDays * 86_400) / GIB;
    return [
      { item: 'Pub/Sub throughput (publish + deliver)', monthlyUsd: throughputTiB * p('pubsubThroughputPerTiB'), how: `${fmt(throughputTiB)} TiB/month: views, engagements and samples ${what}, published and delivered once each`, basis: 'price sheet' },
      { item: `Pub/Sub storage (${scenario.retentionDays} days retained)`, monthlyUsd: storedGiB * p('pubsubStoragePerGiBMonth'), how: `${fmt(storedGiB)} GiB retained`, basis: 'price sheet' },
    ];
  };
  const kafka = (b: Bytes, diskBasis: Basis): Item[] => {
    const peakWire = writtenWith(b, peakViews, peakEngagements);
    const brokers = Math.max(s('kafkaMinBrokers'), Math.ceil(peakWire / 1e6 / s('kafkaPeakMBpsPerBroker') - 1e-9));
    const brokerHour = s('kafkaBrokerVcpus') * p('vcpuHour') + s('kafkaBrokerMemoryGiB') * p('memoryGiBHour');
    const meanWire = writtenWith(b, meanViews, meanEngagements);
    const diskGiB = (meanWire * scenario.retentionDays * 86_400 * s('replicationFactor')) / s('diskFill') / GIB;
    // Replication to the other zones; producers writing to, and consumers (joiner: inputs, trainer: samples) reading from, a leader in another zone.
    const zoneGiB = perMonthGiB(meanWire * (s('replicationFactor') - 1) + 2 * meanWire * s('crossZoneShare'));
    return [
      { item: 'Kafka brokers', monthlyUsd: brokers * brokerHour * hours, how: `${brokers} × ${s('kafkaBrokerVcpus')} vCPU / ${s('kafkaBrokerMemoryGiB')} GiB (peak ${fmt(peakWire / 1e6)} MB/s written, ${fmt(s('kafkaPeakMBpsPerBroker'))} MB/s per broker as the paper's 7 at 200 MB/s)`, basis: 'paper' },
      { item: `Kafka disks (${scenario.retentionDays} days × RF ${s('replicationFactor')})`, monthlyUsd: diskGiB * p('pdBalancedGiBMonth'), how: `${fmt(diskGiB)} GiB balanced PD at ${pct(s('diskFill'))} fill`, basis: diskBasis },
      { item: 'Kafka inter-zone traffic', monthlyUsd: zoneGiB * p('interZoneGiB'), how: `${fmt(zoneGiB)} GiB/month: replication to ${s('replicationFactor') - 1} other zones; produce and consume with a leader in another zone ${pct(s('crossZoneShare'))} of the time`, basis: 'assumption' },
    ];
  };
  const json: Bytes = (kind) => bytes('approach1', kind);
  for (const i of pubsub(json, 'as JSON')) add('approach1', 'messaging', i.item, i.monthlyUsd, i.how, i.basis);
  for (const i of kafka((kind) => bytes('approach2', kind), 'paper')) add('approach2', 'messaging', i.item, i.monthlyUsd, i.how, i.basis);
  for (const i of kafka((kind) => bytes('labeljoin', kind), 'measured')) add('labeljoin', 'messaging', i.item, i.monthlyUsd, i.how, i.basis);
  // Table 1 prices the messaging system and the schema separately: Pub/Sub against Kafka carrying the same JSON bytes.
  const sum = (items: readonly Item[]): number => items.reduce((t, i) => t + i.monthlyUsd, 0);
  const sameBytes = { pubsub: sum(pubsub(json, 'as JSON')), kafka: sum(kafka(json, 'paper')) };

  // --- Event joiner -----------------------------------------------------------
  const peakInputs = peakViews + peakEngagements;
  const computeMonthly = (vcpus: number, memoryGiB: number): number => (vcpus * p('vcpuHour') + memoryGiB * p('memoryGiBHour')) * hours;
  const joinerCpu = m.joinerCpuSecondsPerMillionInputEvents.value;
  {
    const vcpus = (peakInputs * joinerCpu) / 1e6 / s('cpuUtilization');
    const stateGiB = (peakViews * s('windowSeconds') * m.joinerStateBytesPerViewInFlight.value) / GIB;
    add('labeljoin', 'joiner', 'labeljoin joiner (CPU and join state in memory)', computeMonthly(vcpus, Math.max(stateGiB, vcpus * s('memoryGiBPerVcpu'))),
      `${fmt(vcpus)} vCPU (${fmt(joinerCpu)} CPU s per M input events at ${fmt(peakInputs)} events/s peak, ${pct(s('cpuUtilization'))} busy); state ${fmt(stateGiB)} GiB; no checkpoints: the state is rebuilt from Kafka at a start`, 'measured');
  }
  let flinkTotal = 0;
  {
    const vcpus = (peakInputs * joinerCpu * s('flinkCpuFactor')) / 1e6 / s('cpuUtilization');
    const taskManagers = computeMonthly(vcpus, vcpus * s('memoryGiBPerVcpu'));
    const jobManager = computeMonthly(s('flinkJobManagerVcpus'), s('flinkJobManagerVcpus') * s('memoryGiBPerVcpu'));
    add('approach2', 'joiner', 'Flink TaskManagers', taskManagers,
      `${fmt(vcpus)} vCPU: labeljoin's measured CPU per event × ${s('flinkCpuFactor')} (not measured for Flink)`, 'assumption');
    add('approach2', 'joiner', 'Flink JobManager', jobManager, `${s('flinkJobManagerVcpus')} vCPU`, 'assumption');
    const stateBytes = peakEngagements * s('windowSeconds') * s('flinkStateBytesPerEngagement');
    const rocksGiB = (stateBytes * 2) / GIB; // live SSTs plus compaction headroom
    add('approach2', 'joiner', 'RocksDB state disks', rocksGiB * p('pdBalancedGiBMonth'), `${fmt(rocksGiB)} GiB (the window's engagements, ×2 for compaction)`, 'assumption');
    const checkpoints = month / s('flinkCheckpointIntervalSeconds');
    const writes = checkpoints * Math.ceil(vcpus) * s('flinkCheckpointFilesPerVcpu');
    const storedGiB = (stateBytes * s('flinkCheckpointsRetained')) / GIB;
    const gcs = storedGiB * p('gcsStandardGiBMonth') + (writes / 1000) * p('gcsClassAPer1000');
    add('approach2', 'joiner', 'Checkpoints in GCS', gcs, `${fmt(storedGiB)} GiB kept, ${fmt(writes)} object writes/month`, 'assumption');
    flinkTotal = taskManagers + jobManager + rocksGiB * p('pdBalancedGiBMonth') + gcs;
  }
  add('approach1', 'joiner', 'Go consumer job + Memcache', flinkTotal * s('approach1JoinerToFlink'),
    `Approach 2's joiner × ${s('approach1JoinerToFlink')} (the paper: Flink 52 % cheaper; not measured)`, 'paper');

  // --- Redis (locks against concurrent updates of a user, Approach 1 only) ------
  {
    const ops = peakViews * s('redisLockOpsPerSample');
    const nodes = Math.max(1, Math.ceil(ops / s('redisOpsPerSecondPerGiBNode')));
    add('approach1', 'redis', 'Memorystore Redis (user locks)', nodes * s('redisGiBPerNode') * p('redisStandardGiBHour') * hours,
      `${nodes} × ${s('redisGiBPerNode')} GiB Standard for ${fmt(ops)} lock commands/s`, 'assumption');
    for (const a of ['approach2', 'labeljoin'] as const) add(a, 'redis', 'none: one owner per user by partition', 0, 'keyed partitions', 'paper');
  }

  // --- Trainer: the same model in every approach (measured here) --------------
  {
    const cpu = m.trainerCpuSecondsPerMillionSamples.value;
    const vcpus = (peakViews * cpu) / 1e6 / s('cpuUtilization');
    for (const a of APPROACHES) {
      add(a, 'trainer', 'Trainer (FFM, 6 signals, k = 32)', computeMonthly(vcpus, vcpus * s('memoryGiBPerVcpu')),
        `${fmt(vcpus)} vCPU (${fmt(cpu)} CPU s per M samples at ${fmt(peakViews)} samples/s peak)`, a === 'labeljoin' ? 'measured' : 'assumption');
    }
  }

  const totals = {} as Record<Approach, number>;
  const byComponent = {} as Record<Component, Record<Approach, number>>;
  for (const c of COMPONENTS) byComponent[c] = { approach1: 0, approach2: 0, labeljoin: 0 };
  for (const a of APPROACHES) totals[a] = 0;
  for (const line of lines) {
    totals[line.approach] += line.monthlyUsd;
    byComponent[line.component][line.approach] += line.monthlyUsd;
  }

  const assumptions = [
    `rate: ${scenario.viewsMBps} MB/s of views as JSON at the peak (${fmt(peakViews)} views/s of ${fmt(m.wire.views.jsonNone)} bytes), ${fmt(m.engagementsPerView.value)} engagements per view (${m.engagementsPerView.source}); mean ${pct(mean)} of the peak (${sheet.sizing.meanToPeak.source})`,
    `retention: ${scenario.retentionDays} days for every topic; one sample per view`,
    `wire bytes per record: Approach 1 JSON uncompressed and Approach 2 the paper's 85 % cut of it (Table 1), labeljoin ${scenario.wire === 'compact' ? 'inputs in the compact shape (plain Avro, user in the key, time in the record timestamp, (producer, sequence) ids) and samples in Avro' : 'Avro'} + LZ4 as measured (${m.wire.source})`,
    `prices: ${sheet.region}, ${sheet.asOf}, on demand (cost/prices.json names each page)`,
    ...SIZING_KEYS.map((k) => `${k} = ${sheet.sizing[k].value}: ${sheet.sizing[k].source}`),
    `measured: joiner ${joinerCpu} CPU s per M input events (${m.joinerCpuSecondsPerMillionInputEvents.source}); state ${m.joinerStateBytesPerViewInFlight.value} bytes per view in flight (${m.joinerStateBytesPerViewInFlight.source}); trainer ${m.trainerCpuSecondsPerMillionSamples.value} CPU s per M samples (${m.trainerCpuSecondsPerMillionSamples.source})`,
  ];
  return {
    scenario,
    workload: { peakViewsPerSecond: peakViews, peakEngagementsPerSecond: peakEngagements, meanViewsPerSecond: meanViews, inputBytesPerEvent, inputCut },
    lines,
    messagingSameBytes: sameBytes,
    totals,
    byComponent,
    assumptions,
  };
}

/** 1 − b / a: the saving of b against a, as Table 1 gives it. */
export function saving(a: number, b: number): number | undefined {
  return a === 0 ? undefined : 1 - b / a;
}

function fmt(x: number): string {
  if (x >= 100) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(1);
  return x.toPrecision(3);
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10} %`;
}
