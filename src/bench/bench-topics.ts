/**
 * What the benchmarks share: a fresh set of pipeline topics, and
 * `labeljoin join` run as its own process on them (as a user runs it, so its
 * CPU and memory are its own).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaAdmin } from '../kafka/admin.js';
import type { ConnectionSettings } from '../kafka/connection.js';
import { packageRoot } from '../paths.js';

export interface BenchTopics {
  readonly views: string;
  readonly engagements: string;
  readonly samples: string;
  readonly deadLetter: string;
}

export function benchTopics(prefix: string): BenchTopics {
  return { views: `${prefix}-views`, engagements: `${prefix}-engagements`, samples: `${prefix}-samples`, deadLetter: `${prefix}-dead-letter` };
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
): Promise<T> {
  const topics = benchTopics(prefix);
  const names = which.map((k) => topics[k]);
  const admin = new KafkaAdmin(settings);
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  try {
    await admin.createTopics(names.map((name) => ({ name, partitions, replicationFactor: 1 })));
    return await work(topics, dir);
  } finally {
    await admin.deleteTopics(names).catch(() => undefined);
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface JoinerProcess {
  readonly child: ChildProcess;
  readonly ended: Promise<number>;
  stdout(): string;
  /** the last lines written to stderr */
  stderrTail(): string;
}

/** `labeljoin join` on the topics, log level warn, metrics off; `flags` adds --drain, window, ... */
export function startJoinerProcess(settings: ConnectionSettings, topics: BenchTopics, group: string, stateDir: string, flags: readonly string[]): JoinerProcess {
  const child = spawn(process.execPath, [
    join(packageRoot(), 'build', 'src', 'cli', 'main.js'), 'join', '--brokers', settings.brokers.join(','),
    '--views-topic', topics.views, '--engagements-topic', topics.engagements, '--samples-topic', topics.samples, '--dead-letter-topic', topics.deadLetter,
    '--group', group, '--state-dir', stateDir, '--metrics-port', 'off', ...flags,
  ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LABELJOIN_LOG_LEVEL: 'warn' } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const ended = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  return { child, ended, stdout: () => stdout, stderrTail: () => stderr.trim().split('\n').slice(-3).join(' ') };
}
