/**
 * Every setting of labeljoin, with its default, its environment variable, its
 * command-line flag and what it means. This table is the only place a default
 * lives; `labeljoin <command> --help` prints from it.
 *
 * Precedence, lowest first: default < config file (--config FILE, JSON, nested
 * by the dotted key: {"kafka": {"brokers": "..."}}) < environment < flag.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  durationParser,
  enumParser,
  floatParser,
  intParser,
  isoTimeOrNowParser,
  optionalIntParser,
  parseBrokerList,
  parseLabelTypes,
  parseString,
  parseTopicName,
  type Parser,
} from './parse.js';

export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];
export const INPUT_FORMATS = ['auto', 'avro', 'json'] as const;
export const OUTPUT_FORMATS = ['avro', 'json'] as const;
export const DEFAULT_LABEL_TYPES = ['like', 'share', 'comment', 'favorite', 'play', 'skip'];
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

export interface SettingSpec<T> {
  readonly default: T;
  readonly parse: Parser<T>;
  readonly doc: string;
  readonly env?: string;
  readonly flag?: string;
  /** Value placeholder in --help, e.g. N or DIR. */
  readonly meta?: string;
}

function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

function defaultDataHome(): string {
  return process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share');
}

export const SETTINGS = {
  'kafka.brokers': setting<string[]>({
    default: ['127.0.0.1:9092'],
    parse: parseBrokerList,
    env: 'LABELJOIN_BROKERS',
    flag: 'brokers',
    meta: 'HOST:PORT,...',
    doc: 'Kafka bootstrap brokers',
  }),
  'kafka.clientId': setting<string>({
    default: 'labeljoin',
    parse: parseString,
    env: 'LABELJOIN_CLIENT_ID',
    doc: 'client id sent to the brokers',
  }),
  'kafka.compression': setting<Compression>({
    default: 'lz4',
    parse: enumParser(COMPRESSIONS),
    env: 'LABELJOIN_COMPRESSION',
    flag: 'compression',
    meta: COMPRESSIONS.join('|'),
    doc: 'compression of produced Kafka batches',
  }),
  'kafka.requestTimeoutMs': setting<number>({
    default: 30_000,
    parse: intParser(100, 600_000),
    env: 'LABELJOIN_REQUEST_TIMEOUT_MS',
    doc: 'timeout of one Kafka request',
  }),
  'topics.views': setting<string>({
    default: 'views',
    parse: parseTopicName,
    env: 'LABELJOIN_TOPIC_VIEWS',
    flag: 'views-topic',
    meta: 'NAME',
    doc: 'topic of view events',
  }),
  'topics.engagements': setting<string>({
    default: 'engagements',
    parse: parseTopicName,
    env: 'LABELJOIN_TOPIC_ENGAGEMENTS',
    flag: 'engagements-topic',
    meta: 'NAME',
    doc: 'topic of engagement events',
  }),
  'topics.samples': setting<string>({
    default: 'samples',
    parse: parseTopicName,
    env: 'LABELJOIN_TOPIC_SAMPLES',
    flag: 'samples-topic',
    meta: 'NAME',
    doc: 'topic the labelled samples are written to',
  }),
  'topics.deadLetter': setting<string>({
    default: 'labeljoin-dead-letter',
    parse: parseTopicName,
    env: 'LABELJOIN_TOPIC_DEAD_LETTER',
    flag: 'dead-letter-topic',
    meta: 'NAME',
    doc: 'topic bad input records are sent to, with the reason',
  }),
  'topics.partitions': setting<number>({
    default: 8,
    parse: intParser(1, 10_000),
    env: 'LABELJOIN_PARTITIONS',
    flag: 'partitions',
    meta: 'N',
    doc: 'partitions of each topic created by `topics create` (all the same: co-partitioned)',
  }),
  'topics.replicationFactor': setting<number>({
    default: 1,
    parse: intParser(1, 32),
    env: 'LABELJOIN_REPLICATION_FACTOR',
    flag: 'replication-factor',
    meta: 'N',
    doc: 'replication factor of topics created by `topics create`',
  }),
  'local.port': setting<number>({
    default: 9092,
    parse: intParser(1, 65_535),
    env: 'LABELJOIN_KAFKA_PORT',
    flag: 'port',
    meta: 'N',
    doc: 'port of the local broker (listens on 127.0.0.1 only)',
  }),
  'local.dataDir': setting<string>({
    default: join(defaultDataHome(), 'labeljoin', 'kafka'),
    parse: parseString,
    env: 'LABELJOIN_KAFKA_DATA',
    flag: 'data',
    meta: 'DIR',
    doc: 'data directory of the local broker (log segments, server.log)',
  }),
  'local.heapMb': setting<number>({
    default: 1024,
    parse: intParser(128, 65_536),
    env: 'LABELJOIN_KAFKA_HEAP_MB',
    doc: 'Java heap of the local broker, in MiB',
  }),
  'local.startTimeoutMs': setting<number>({
    default: 90_000,
    parse: intParser(1_000, 600_000),
    env: 'LABELJOIN_KAFKA_START_TIMEOUT_MS',
    doc: 'how long `kafka start` waits for the broker to answer',
  }),
  'codec.viewsFormat': setting<(typeof INPUT_FORMATS)[number]>({
    default: 'auto',
    parse: enumParser(INPUT_FORMATS),
    env: 'LABELJOIN_VIEWS_FORMAT',
    flag: 'views-format',
    meta: INPUT_FORMATS.join('|'),
    doc: 'encoding of the views topic; auto tells Avro (C3 01 header) from JSON per record',
  }),
  'codec.engagementsFormat': setting<(typeof INPUT_FORMATS)[number]>({
    default: 'auto',
    parse: enumParser(INPUT_FORMATS),
    env: 'LABELJOIN_ENGAGEMENTS_FORMAT',
    flag: 'engagements-format',
    meta: INPUT_FORMATS.join('|'),
    doc: 'encoding of the engagements topic',
  }),
  'codec.samplesFormat': setting<(typeof OUTPUT_FORMATS)[number]>({
    default: 'avro',
    parse: enumParser(OUTPUT_FORMATS),
    env: 'LABELJOIN_SAMPLES_FORMAT',
    flag: 'samples-format',
    meta: OUTPUT_FORMATS.join('|'),
    doc: 'encoding of the samples written',
  }),
  'join.labelTypes': setting<string[]>({
    default: DEFAULT_LABEL_TYPES,
    parse: parseLabelTypes,
    env: 'LABELJOIN_LABEL_TYPES',
    flag: 'label-types',
    meta: 'TYPE,...',
    doc: 'engagement types, one 0/1 label each; other types are bad input',
  }),
  'join.windowMs': setting<number>({
    default: 600_000,
    parse: durationParser(1_000, 7 * 86_400_000),
    env: 'LABELJOIN_WINDOW',
    flag: 'window',
    meta: 'DURATION',
    doc: 'join window: an engagement up to this long after its view labels it',
  }),
  'join.maxSkewMs': setting<number>({
    default: 30_000,
    parse: durationParser(0, 86_400_000),
    env: 'LABELJOIN_MAX_SKEW',
    flag: 'max-skew',
    meta: 'DURATION',
    doc: 'an engagement up to this long before its view (clock skew) still labels it',
  }),
  'join.outOfOrdernessMs': setting<number>({
    default: 15_000,
    parse: durationParser(0, 86_400_000),
    env: 'LABELJOIN_OUT_OF_ORDERNESS',
    flag: 'out-of-orderness',
    meta: 'DURATION',
    doc: 'bounded out-of-orderness: watermark = newest event time seen minus this',
  }),
  'join.viewDisorderMs': setting<number>({
    default: 60_000,
    parse: durationParser(0, 86_400_000),
    env: 'LABELJOIN_VIEW_DISORDER',
    flag: 'view-disorder',
    meta: 'DURATION',
    doc: 'how much older than the views before it a view may be in its partition; engagements are kept this much longer',
  }),
  'join.allowedLatenessMs': setting<number>({
    default: 300_000,
    parse: durationParser(0, 7 * 86_400_000),
    env: 'LABELJOIN_ALLOWED_LATENESS',
    flag: 'allowed-lateness',
    meta: 'DURATION',
    doc: 'how long after a sample is emitted a late engagement still counts as late for it (and is corrected under --late-policy correct)',
  }),
  'join.latePolicy': setting<'drop' | 'correct'>({
    default: 'drop',
    parse: enumParser(['drop', 'correct'] as const),
    env: 'LABELJOIN_LATE_POLICY',
    flag: 'late-policy',
    meta: 'drop|correct',
    doc: 'late engagement: count it (drop), or also emit a new version of the sample (correct)',
  }),
  'join.idleTimeoutMs': setting<number>({
    default: 10_000,
    parse: durationParser(100, 86_400_000),
    env: 'LABELJOIN_IDLE_TIMEOUT',
    flag: 'idle-timeout',
    meta: 'DURATION',
    doc: 'an engagement partition with no new records this long (wall clock) follows the other partitions\' time',
  }),
  'join.maxFutureMs': setting<number>({
    default: 3_600_000,
    parse: durationParser(0, 365 * 86_400_000),
    env: 'LABELJOIN_MAX_FUTURE',
    flag: 'max-future',
    meta: 'DURATION',
    doc: 'an event time further than this ahead of the wall clock is absurd and dead-lettered',
  }),
  'join.timeMode': setting<'event' | 'processing'>({
    default: 'event',
    parse: enumParser(['event', 'processing'] as const),
    env: 'LABELJOIN_TIME_MODE',
    flag: 'time-mode',
    meta: 'event|processing',
    doc: 'event: watermarks from event times; processing: wall clock minus out-of-orderness decides when a view is joined',
  }),
  'join.groupId': setting<string>({
    default: 'labeljoin-joiner',
    parse: parseString,
    env: 'LABELJOIN_GROUP',
    flag: 'group',
    meta: 'ID',
    doc: 'consumer group of the joiner instances (commits the views offsets)',
  }),
  'join.instanceId': setting<string | undefined>({
    default: undefined,
    parse: (raw) => (raw === undefined || raw === '' ? undefined : parseString(raw)),
    env: 'LABELJOIN_INSTANCE_ID',
    flag: 'instance-id',
    meta: 'NAME',
    doc: 'static group membership: a restarted instance with the same name gets its partitions back without a rebalance',
  }),
  'join.orphanTopic': setting<string | undefined>({
    default: undefined,
    parse: (raw) => (raw === undefined || raw === '' ? undefined : parseTopicName(raw)),
    env: 'LABELJOIN_ORPHAN_TOPIC',
    flag: 'orphan-topic',
    meta: 'NAME',
    doc: 'also write engagements that matched no view here (JSON)',
  }),
  'join.stateDir': setting<string>({
    default: join(defaultDataHome(), 'labeljoin', 'joiner'),
    parse: parseString,
    env: 'LABELJOIN_STATE_DIR',
    flag: 'state-dir',
    meta: 'DIR',
    doc: 'directory of the engagement index (LMDB); wiped and rebuilt from Kafka at start',
  }),
  'join.fetchBytesPerPartition': setting<number>({
    default: 262_144,
    parse: intParser(1_024, 64 * 1024 * 1024),
    env: 'LABELJOIN_FETCH_BYTES',
    doc: 'bytes fetched per partition and topic at a time: bounds the records in memory',
  }),
  'join.reconnectTimeoutMs': setting<number>({
    default: 300_000,
    parse: durationParser(1_000, 86_400_000),
    env: 'LABELJOIN_RECONNECT_TIMEOUT',
    flag: 'reconnect-timeout',
    meta: 'DURATION',
    doc: 'how long the joiner retries while Kafka is unavailable before it exits with an error',
  }),
  'join.progressEveryMs': setting<number>({
    default: 5_000,
    parse: durationParser(100, 3_600_000),
    env: 'LABELJOIN_PROGRESS_EVERY',
    flag: 'progress-every',
    meta: 'DURATION',
    doc: 'interval of the progress line on stderr',
  }),
  'sim.seed': setting<number>({
    default: 1,
    parse: intParser(0, 4_294_967_295),
    flag: 'seed',
    meta: 'N',
    doc: 'random seed; the same seed and flags give byte-identical traffic and truth',
  }),
  'sim.users': setting<number>({ default: 10_000, parse: intParser(1, 100_000_000), flag: 'users', meta: 'N', doc: 'number of users' }),
  'sim.posts': setting<number>({ default: 50_000, parse: intParser(1, 100_000_000), flag: 'posts', meta: 'N', doc: 'number of posts (Zipf popularity)' }),
  'sim.views': setting<number | undefined>({
    default: 100_000,
    parse: optionalIntParser(1, 10_000_000_000),
    flag: 'views',
    meta: 'N',
    doc: 'views to generate (or use --duration)',
  }),
  'sim.durationMs': setting<number | undefined>({
    default: undefined,
    parse: (raw) => (raw === undefined || raw === '' ? undefined : durationParser(1_000, 365 * 86_400_000)(raw)),
    flag: 'duration',
    meta: 'DURATION',
    doc: 'event-time span to generate instead of a number of views',
  }),
  'sim.viewsPerSecond': setting<number>({
    default: 500,
    parse: floatParser(0.001, 10_000_000),
    flag: 'views-per-second',
    meta: 'N',
    doc: 'average views per second of event time (before the daily curve)',
  }),
  'sim.rate': setting<number | undefined>({
    default: undefined,
    parse: (raw) => (raw === undefined || raw === '' || raw === 'max' ? undefined : floatParser(1, 100_000_000)(raw)),
    flag: 'rate',
    meta: 'N|max',
    doc: 'events sent per second of wall-clock time; max (default) sends as fast as possible',
  }),
  'sim.start': setting<number | 'now'>({
    default: Date.UTC(2026, 0, 1),
    parse: isoTimeOrNowParser,
    flag: 'start',
    meta: 'ISO|now',
    doc: 'event time of the first view (default 2026-01-01T00:00:00Z; "now" for live demos)',
  }),
  'sim.dayLengthMs': setting<number>({
    default: 86_400_000,
    parse: durationParser(1_000, 365 * 86_400_000),
    flag: 'day-length',
    meta: 'DURATION',
    doc: 'length of the daily load curve; shorter compresses a day into less event time',
  }),
  'sim.driftPeriodMs': setting<number>({
    default: 86_400_000,
    parse: durationParser(1_000, 3650 * 86_400_000),
    flag: 'drift-period',
    meta: 'DURATION',
    doc: 'event time over which user interests turn a full circle (concept drift)',
  }),
  'sim.duplicateRate': setting<number>({ default: 0.01, parse: floatParser(0, 1), flag: 'duplicate-rate', meta: 'P', doc: 'share of events sent twice' }),
  'sim.earlyRate': setting<number>({
    default: 0.05,
    parse: floatParser(0, 1),
    flag: 'early-rate',
    meta: 'P',
    doc: 'share of views delivered 5-60 s late, so their engagements arrive first',
  }),
  'sim.lateRate': setting<number>({
    default: 0.01,
    parse: floatParser(0, 1),
    flag: 'late-rate',
    meta: 'P',
    doc: 'share of engagements whose event time falls beyond the window (label 0)',
  }),
  'sim.lateArrivalRate': setting<number>({
    default: 0.002,
    parse: floatParser(0, 1),
    flag: 'late-arrival-rate',
    meta: 'P',
    doc: 'share of engagements delivered long after their window closed (late engagements)',
  }),
  'sim.skewMs': setting<number>({
    default: 1_000,
    parse: durationParser(0, 3_600_000),
    flag: 'skew',
    meta: 'DURATION',
    doc: 'standard deviation of device clock skew on engagement times (clamped at 5x)',
  }),
  'sim.viewIdRate': setting<number>({
    default: 0.5,
    parse: floatParser(0, 1),
    flag: 'view-id-rate',
    meta: 'P',
    doc: 'share of engagements that carry the view_id of their view',
  }),
  'sim.idlePartition': setting<number | undefined>({
    default: undefined,
    parse: optionalIntParser(0, 9_999),
    flag: 'idle-partition',
    meta: 'P|none',
    doc: 'engagement partition that gets no traffic at all',
  }),
  'sim.format': setting<(typeof OUTPUT_FORMATS)[number]>({
    default: 'avro',
    parse: enumParser(OUTPUT_FORMATS),
    flag: 'format',
    meta: OUTPUT_FORMATS.join('|'),
    doc: 'encoding of the events the simulator sends',
  }),
  'train.signals': setting<string[]>({
    default: DEFAULT_LABEL_TYPES,
    parse: parseLabelTypes,
    env: 'LABELJOIN_TRAIN_SIGNALS',
    flag: 'signals',
    meta: 'TYPE,...',
    doc: 'label types to train one FFM model each for (a subset of the joiner\'s label types)',
  }),
  'train.instance': setting<number>({
    default: 0,
    parse: intParser(0, 9_999),
    env: 'LABELJOIN_TRAIN_INSTANCE',
    flag: 'instance',
    meta: 'N',
    doc: 'this trainer\'s number, 0..M-1: it owns the samples partitions p with p mod M = N',
  }),
  'train.instances': setting<number>({
    default: 1,
    parse: intParser(1, 10_000),
    env: 'LABELJOIN_TRAIN_INSTANCES',
    flag: 'instances',
    meta: 'M',
    doc: 'how many trainer instances share the samples partitions',
  }),
  'train.store': setting<'embedded' | 'redis'>({
    default: 'embedded',
    parse: enumParser(['embedded', 'redis'] as const),
    env: 'LABELJOIN_TRAIN_STORE',
    flag: 'store',
    meta: 'embedded|redis',
    doc: 'where the model lives: an embedded LMDB directory (no server) or Redis',
  }),
  'train.stateDir': setting<string>({
    default: join(defaultDataHome(), 'labeljoin', 'model'),
    parse: parseString,
    env: 'LABELJOIN_MODEL_DIR',
    flag: 'model-dir',
    meta: 'DIR',
    doc: 'directory of the embedded model store (kept across restarts)',
  }),
  'train.redisUrl': setting<string>({
    default: 'redis://127.0.0.1:6379',
    parse: parseString,
    env: 'LABELJOIN_REDIS_URL',
    flag: 'redis-url',
    meta: 'URL',
    doc: 'Redis server of the model store (--store redis)',
  }),
  'train.model': setting<string>({
    default: 'labeljoin',
    parse: parseString,
    env: 'LABELJOIN_MODEL',
    flag: 'model',
    meta: 'NAME',
    doc: 'model name: the key prefix of its rows, de-dup memory and offsets in the store',
  }),
  'train.k': setting<number>({ default: 32, parse: intParser(1, 256), flag: 'k', meta: 'N', doc: 'latent dimensions per field pair (FFM k)' }),
  'train.learningRate': setting<number>({ default: 0.1, parse: floatParser(1e-6, 10), flag: 'learning-rate', meta: 'ETA', doc: 'AdaGrad step size' }),
  'train.l2': setting<number>({ default: 2e-5, parse: floatParser(0, 1), flag: 'l2', meta: 'LAMBDA', doc: 'L2 regularisation of every weight' }),
  'train.seed': setting<number>({ default: 1, parse: intParser(0, 2 ** 31 - 1), flag: 'init-seed', meta: 'N', doc: 'seed of the initial embeddings (a row\'s start value depends only on the seed and its key)' }),
  'train.batchSize': setting<number>({ default: 2_000, parse: intParser(1, 1_000_000), flag: 'batch', meta: 'N', doc: 'samples per store transaction (updates, de-dup memory and offsets commit together)' }),
  'train.dedupTtlMs': setting<number>({
    default: 86_400_000,
    parse: durationParser(1_000, 3650 * 86_400_000),
    env: 'LABELJOIN_DEDUP_TTL',
    flag: 'dedup-ttl',
    meta: 'DURATION',
    doc: 'how long (in view event time, behind the newest view of the partition) a sample id is remembered as applied',
  }),
  'train.evalWindow': setting<number>({ default: 20_000, parse: intParser(100, 100_000_000), flag: 'eval-window', meta: 'N', doc: 'samples per progressive-validation window (logloss and AUC per signal)' }),
  'train.freezeAfter': setting<number>({
    default: 0,
    parse: intParser(0, 1_000_000_000),
    flag: 'freeze-after',
    meta: 'N',
    doc: 'after N samples, also score a copy of the model frozen at that point (0: no frozen copy); shows what training in real time buys under drift',
  }),
  'train.progressEveryMs': setting<number>({ default: 5_000, parse: durationParser(100, 3_600_000), flag: 'progress-every', meta: 'DURATION', doc: 'interval of the progress line on stderr' }),
  'train.reportFile': setting<string | undefined>({
    default: undefined,
    parse: (raw) => (raw === undefined || raw === '' ? undefined : parseString(raw)),
    flag: 'report',
    meta: 'FILE',
    doc: 'write the summary and every validation window as JSON to FILE at exit',
  }),
  'bench.records': setting<number>({
    default: 100_000,
    parse: intParser(1_000, 100_000_000),
    flag: 'records',
    meta: 'N',
    doc: 'simulated samples the codec benchmark writes in each encoding',
  }),
  'log.level': setting<(typeof LOG_LEVELS)[number]>({
    default: 'info',
    parse: enumParser(LOG_LEVELS),
    env: 'LABELJOIN_LOG_LEVEL',
    flag: 'log-level',
    meta: LOG_LEVELS.join('|'),
    doc: 'lowest level of log lines written to stderr',
  }),
  'log.format': setting<(typeof LOG_FORMATS)[number]>({
    default: 'auto',
    parse: enumParser(LOG_FORMATS),
    env: 'LABELJOIN_LOG_FORMAT',
    flag: 'log-format',
    meta: LOG_FORMATS.join('|'),
    doc: 'log line format: json, pretty, or auto (pretty on a terminal)',
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValues = { -readonly [K in SettingKey]: (typeof SETTINGS)[K]['default'] };
