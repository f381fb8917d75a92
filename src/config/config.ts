/**
 * The one validated config object, built from the SETTINGS table:
 * default < config file < environment < flag. A wrong value or an unknown key
 * fails with a ConfigError naming the setting and where the value came from.
 */
import { readFileSync } from 'node:fs';
import { LabeljoinError } from '../errors.js';
import { ValueError } from './parse.js';
import { SETTINGS, type Compression, type SettingKey, type SettingValues } from './settings.js';

export class ConfigError extends LabeljoinError {
  constructor(message: string, cause?: unknown) {
    super('CONFIG_INVALID', message, { cause });
  }
}

export interface LabeljoinConfig {
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly compression: Compression;
    readonly requestTimeoutMs: number;
  };
  readonly topics: {
    readonly views: string;
    readonly engagements: string;
    readonly samples: string;
    readonly deadLetter: string;
    readonly partitions: number;
    readonly replicationFactor: number;
  };
  readonly local: {
    readonly port: number;
    readonly dataDir: string;
    readonly heapMb: number;
    readonly startTimeoutMs: number;
  };
  readonly codec: {
    readonly viewsFormat: SettingValues['codec.viewsFormat'];
    readonly engagementsFormat: SettingValues['codec.engagementsFormat'];
    readonly samplesFormat: SettingValues['codec.samplesFormat'];
  };
  readonly join: {
    readonly labelTypes: readonly string[];
    readonly windowMs: number;
    readonly maxSkewMs: number;
    readonly outOfOrdernessMs: number;
    readonly viewDisorderMs: number;
    readonly allowedLatenessMs: number;
    readonly latePolicy: 'drop' | 'correct';
    readonly idleTimeoutMs: number;
    readonly maxJumpMs: number;
    readonly timeConfirmations: number;
    readonly outlierPolicy: 'hold' | 'dead-letter';
    readonly timeMode: 'event' | 'processing';
    readonly groupId: string;
    readonly instanceId: string | undefined;
    readonly orphanTopic: string | undefined;
    readonly state: 'memory' | 'disk';
    readonly stateDir: string;
    readonly fetchBytesPerPartition: number;
    readonly progressEveryMs: number;
    readonly reconnectTimeoutMs: number;
  };
  readonly sim: {
    readonly seed: number;
    readonly users: number;
    readonly posts: number;
    readonly views: number | undefined;
    readonly durationMs: number | undefined;
    readonly viewsPerSecond: number;
    readonly rate: number | 'live' | undefined;
    readonly start: number | 'now';
    readonly dayLengthMs: number;
    readonly driftPeriodMs: number;
    readonly duplicateRate: number;
    readonly earlyRate: number;
    readonly lateRate: number;
    readonly lateArrivalRate: number;
    readonly skewMs: number;
    readonly viewIdRate: number;
    readonly idlePartition: number | undefined;
    readonly format: SettingValues['sim.format'];
  };
  readonly train: {
    readonly signals: readonly string[];
    readonly instance: number;
    readonly instances: number;
    readonly store: 'embedded' | 'redis';
    readonly stateDir: string;
    readonly redisUrl: string;
    readonly model: string;
    readonly k: number;
    readonly learningRate: number;
    readonly l2: number;
    readonly seed: number;
    readonly batchSize: number;
    readonly dedupTtlMs: number;
    readonly evalWindow: number;
    readonly freezeAfter: number;
    readonly progressEveryMs: number;
    readonly reportFile: string | undefined;
  };
  readonly validate: {
    readonly minAgreement: number;
    readonly shadowFraction: number;
    readonly from: number | undefined;
    readonly to: number | undefined;
    readonly spillDir: string | undefined;
    readonly buckets: number;
  };
  readonly observe: {
    readonly metricsHost: string;
    readonly metricsPort: number | 'off';
    readonly dashboardPort: number;
    readonly targets: readonly string[];
    readonly scrapeEveryMs: number;
    readonly historyMs: number;
  };
  readonly bench: {
    readonly records: number;
    readonly views: number;
    readonly stateViews: readonly number[];
    readonly e2eRate: number;
    readonly e2eSeconds: number;
  };
  readonly log: {
    readonly level: SettingValues['log.level'];
    readonly format: SettingValues['log.format'];
  };
}

export interface ConfigSources {
  /** Path of a JSON config file (--config). */
  file?: string | undefined;
  /** Environment variables; process.env in the CLI. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Flag values by flag name (without the dashes), as the CLI parsed them. */
  flags?: Readonly<Record<string, string | undefined>>;
}

const KEYS = Object.keys(SETTINGS) as SettingKey[];

export function loadConfig(sources: ConfigSources = {}): LabeljoinConfig {
  const values = new Map<SettingKey, unknown>(KEYS.map((key) => [key, SETTINGS[key].default]));

  if (sources.file !== undefined) {
    for (const [key, raw] of readConfigFile(sources.file)) values.set(key, parseOne(key, raw, `config file ${sources.file}`));
  }
  for (const key of KEYS) {
    const envName = SETTINGS[key].env;
    const raw = envName === undefined ? undefined : sources.env?.[envName];
    if (raw !== undefined && raw !== '') values.set(key, parseOne(key, raw, `environment variable ${envName}`));
  }
  for (const key of KEYS) {
    const flag = SETTINGS[key].flag;
    const raw = flag === undefined ? undefined : sources.flags?.[flag];
    if (raw !== undefined) values.set(key, parseOne(key, raw, `flag --${flag}`));
  }
  return assemble(Object.fromEntries(values) as SettingValues);
}

function parseOne(key: SettingKey, raw: unknown, source: string): unknown {
  try {
    return SETTINGS[key].parse(raw);
  } catch (error) {
    if (error instanceof ValueError) throw new ConfigError(`invalid ${key} from ${source}: ${error.message}`);
    throw error;
  }
}

function readConfigFile(path: string): Array<[SettingKey, unknown]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`, error);
  }
  if (!isPlainObject(parsed)) throw new ConfigError(`config file ${path} must hold a JSON object`);
  const entries: Array<[SettingKey, unknown]> = [];
  flatten(parsed, '', (key, value) => {
    if (!(key in SETTINGS)) throw new ConfigError(`unknown setting "${key}" in config file ${path}`);
    entries.push([key as SettingKey, value]);
  });
  return entries;
}

function flatten(object: Record<string, unknown>, prefix: string, visit: (key: string, value: unknown) => void): void {
  for (const [name, value] of Object.entries(object)) {
    const key = prefix === '' ? name : `${prefix}.${name}`;
    if (isPlainObject(value) && !(key in SETTINGS)) flatten(value, key, visit);
    else visit(key, value);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function assemble(v: SettingValues): LabeljoinConfig {
  return {
    kafka: {
      brokers: v['kafka.brokers'],
      clientId: v['kafka.clientId'],
      compression: v['kafka.compression'],
      requestTimeoutMs: v['kafka.requestTimeoutMs'],
    },
    topics: {
      views: v['topics.views'],
      engagements: v['topics.engagements'],
      samples: v['topics.samples'],
      deadLetter: v['topics.deadLetter'],
      partitions: v['topics.partitions'],
      replicationFactor: v['topics.replicationFactor'],
    },
    local: {
      port: v['local.port'],
      dataDir: v['local.dataDir'],
      heapMb: v['local.heapMb'],
      startTimeoutMs: v['local.startTimeoutMs'],
    },
    codec: {
      viewsFormat: v['codec.viewsFormat'],
      engagementsFormat: v['codec.engagementsFormat'],
      samplesFormat: v['codec.samplesFormat'],
    },
    join: {
      labelTypes: v['join.labelTypes'],
      windowMs: v['join.windowMs'],
      maxSkewMs: v['join.maxSkewMs'],
      outOfOrdernessMs: v['join.outOfOrdernessMs'],
      viewDisorderMs: v['join.viewDisorderMs'],
      allowedLatenessMs: v['join.allowedLatenessMs'],
      latePolicy: v['join.latePolicy'],
      idleTimeoutMs: v['join.idleTimeoutMs'],
      maxJumpMs: v['join.maxJumpMs'],
      timeConfirmations: v['join.timeConfirmations'],
      outlierPolicy: v['join.outlierPolicy'],
      timeMode: v['join.timeMode'],
      groupId: v['join.groupId'],
      instanceId: v['join.instanceId'],
      orphanTopic: v['join.orphanTopic'],
      state: v['join.state'],
      stateDir: v['join.stateDir'],
      fetchBytesPerPartition: v['join.fetchBytesPerPartition'],
      progressEveryMs: v['join.progressEveryMs'],
      reconnectTimeoutMs: v['join.reconnectTimeoutMs'],
    },
    sim: {
      seed: v['sim.seed'],
      users: v['sim.users'],
      posts: v['sim.posts'],
      views: v['sim.durationMs'] === undefined ? v['sim.views'] : undefined,
      durationMs: v['sim.durationMs'],
      viewsPerSecond: v['sim.viewsPerSecond'],
      rate: v['sim.rate'],
      start: v['sim.start'],
      dayLengthMs: v['sim.dayLengthMs'],
      driftPeriodMs: v['sim.driftPeriodMs'],
      duplicateRate: v['sim.duplicateRate'],
      earlyRate: v['sim.earlyRate'],
      lateRate: v['sim.lateRate'],
      lateArrivalRate: v['sim.lateArrivalRate'],
      skewMs: v['sim.skewMs'],
      viewIdRate: v['sim.viewIdRate'],
      idlePartition: v['sim.idlePartition'],
      format: v['sim.format'],
    },
    train: {
      signals: v['train.signals'],
      instance: v['train.instance'],
      instances: v['train.instances'],
      store: v['train.store'],
      stateDir: v['train.stateDir'],
      redisUrl: v['train.redisUrl'],
      model: v['train.model'],
      k: v['train.k'],
      learningRate: v['train.learningRate'],
      l2: v['train.l2'],
      seed: v['train.seed'],
      batchSize: v['train.batchSize'],
      dedupTtlMs: v['train.dedupTtlMs'],
      evalWindow: v['train.evalWindow'],
      freezeAfter: v['train.freezeAfter'],
      progressEveryMs: v['train.progressEveryMs'],
      reportFile: v['train.reportFile'],
    },
    validate: {
      minAgreement: v['validate.minAgreement'],
      shadowFraction: v['validate.shadowFraction'],
      from: v['validate.from'],
      to: v['validate.to'],
      spillDir: v['validate.spillDir'],
      buckets: v['validate.buckets'],
    },
    observe: {
      metricsHost: v['observe.metricsHost'],
      metricsPort: v['observe.metricsPort'],
      dashboardPort: v['observe.dashboardPort'],
      targets: v['observe.targets'],
      scrapeEveryMs: v['observe.scrapeEveryMs'],
      historyMs: v['observe.historyMs'],
    },
    bench: { records: v['bench.records'], views: v['bench.views'], stateViews: v['bench.stateViews'], e2eRate: v['bench.e2eRate'], e2eSeconds: v['bench.e2eSeconds'] },
    log: { level: v['log.level'], format: v['log.format'] },
  };
}
