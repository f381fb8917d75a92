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
  enumParser,
  intParser,
  parseBrokerList,
  parseString,
  parseTopicName,
  type Parser,
} from './parse.js';

export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];
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
