/**
 * What the benchmarks share: a fresh set of pipeline topics, the simulator's
 * traffic into them, and `labeljoin` commands run as their own processes on
 * them (as a user runs them, so their CPU and memory are their own).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_KIND_HEADER } from '../config/settings.js';
import { KafkaAdmin } from '../kafka/admin.js';
import type { ConnectionSettings } from '../kafka/connection.js';
import { KafkaProducer } from '../kafka/producer.js';
import { minInsyncFor } from '../kafka/topics.js';
import { packageRoot } from '../paths.js';
import { simulate, type SimSummary, type SimulateOptions } from '../sim/simulate.js';
import type { Clock } from '../time/clock.js';

export interface BenchTopics {
  readonly views: string;
  readonly engagements: string;
  readonly samples: string;
  readonly deadLetter: string;
}

/** consolidated: views and engagements in one topic (`PREFIX-events`). */
export function benchTopics(prefix: string, consolidated = false): BenchTopics {
  const views = consolidated ? `${prefix}-events` : `${prefix}-views`;
  return { views, engagements: consolidated ? views : `${prefix}-engagements`, samples: `${prefix}-samples`, deadLetter: `${prefix}-dead-letter` };
}

/**
 * Runs `work` with the named topics of `prefix` created (fresh, `partitions`
 * each) and a temporary directory; afterwards, however it ended, deletes the
 * topics and the directory.
 */
export async function withBenchTopics<T>(
  settings: ConnectionSettings,
  prefix: string,
  partitions: number,
  which: ReadonlyArray<keyof BenchTopics>,
  work: (topics: BenchTopics, dir: string) => Promise<T>,
  consolidated = false,
  replicationFactor = 1,
): Promise<T> {
  const topics = benchTopics(prefix, consolidated);
  const names = [...new Set(which.map((k) => topics[k]))];
  const admin = new KafkaAdmin(settings);
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  try {
    const configs = minInsyncFor(replicationFactor);
    await admin.createTopics(names.map((name) => ({ name, partitions, replicationFactor, ...(configs === undefined ? {} : { configs }) })));
    return await work(topics, dir);
  } finally {
    await admin.deleteTopics(names).catch(() => undefined);
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A `labeljoin` command running as its own process. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** its exit code */
  readonly ended: Promise<number>;
  stdout(): string;
  /** the last lines written to stderr */
  stderrTail(): string;
}

/**
 * `labeljoin <args>` from this package's build, log level warn (`env` adds to the environment);
 * `onStderr` sees what it writes to stderr as it comes.
 */
export function startCliProcess(args: readonly string[], env: Readonly<Record<string, string>> = {}, onStderr?: (chunk: string) => void): CliProcess {
  const child = spawn(process.execPath, [join(packageRoot(), 'build', 'src', 'cli', 'main.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LABELJOIN_LOG_LEVEL: 'warn', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => {
    const text = c.toString();
    stderr = (stderr + text).slice(-4000);
    onStderr?.(text);
  });
  const ended = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  return { child, ended, stdout: () => stdout, stderrTail: () => stderr.trim().split('\n').slice(-3).join(' ') };
}

/** `labeljoin join` on the topics, metrics off; `flags` adds --drain, window, ...; `env` and `onStderr` as startCliProcess. */
export function startJoinerProcess(settings: ConnectionSettings, topics: BenchTopics, group: string, stateDir: string, flags: readonly string[], env: Readonly<Record<string, string>> = {}, onStderr?: (chunk: string) => void): CliProcess {
  return startCliProcess([
    'join', '--brokers', settings.brokers.join(','),
    '--views-topic', topics.views, '--engagements-topic', topics.engagements, '--samples-topic', topics.samples, '--dead-letter-topic', topics.deadLetter,
    '--group', group, '--state-dir', stateDir, '--metrics-port', 'off', ...flags,
  ], env, onStderr);
}

/** The simulator's traffic (Avro, LZ4; our schemas, or another shape's encoder) into the views and engagements topics, with a producer of its own. */
export async function simulateInto(
  settings: ConnectionSettings,
  topics: BenchTopics,
  options: Pick<SimulateOptions, 'workload' | 'rate' | 'signal' | 'encoder'>,
  clock: Clock,
): Promise<SimSummary> {
  const producer = new KafkaProducer(settings, { compression: 'lz4' });
  const workload = options.encoder === undefined ? options.workload : { ...options.workload, userKey: options.encoder.userKey };
  try {
    return await simulate({ ...options, workload, viewsTopic: topics.views, engagementTopics: [topics.engagements], kindHeader: DEFAULT_KIND_HEADER, format: 'avro', truthFile: undefined }, producer, clock);
  } finally {
    await producer.close();
  }
}
