/**
 * A pipeline of unique topics on the test broker, and the CLI commands run
 * against it as a user would: simulate, join, validate.
 */
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { JoinSummaryJson } from '../../src/cli/join-summary.js';
import { jsonOutput, runCli, startCli, type CliResult, type RunningCli } from './cli.js';
import { createTestTopics, testBrokers, uniqueTopic } from './kafka.js';
import { testDir } from './tmp.js';

export interface TestPipeline {
  readonly views: string;
  readonly engagements: string;
  readonly samples: string;
  readonly deadLetter: string;
  readonly group: string;
  readonly stateDir: string;
  readonly truth: string;
  readonly partitions: number;
  /** Flags naming this pipeline's broker and input topics. */
  readonly inputArgs: readonly string[];
}

export async function createPipeline(t: TestContext, name: string, partitions = 8, configs: Readonly<Record<string, string>> = {}): Promise<TestPipeline> {
  const base = uniqueTopic(name);
  const p = {
    views: `${base}-views`,
    engagements: `${base}-eng`,
    samples: `${base}-samples`,
    deadLetter: `${base}-dlq`,
    group: `${base}-joiner`,
  };
  await createTestTopics(t, [p.views, p.engagements, p.samples, p.deadLetter].map((topic) => ({ name: topic, partitions, replicationFactor: 1, configs })));
  const dir = testDir(t, name);
  return {
    ...p,
    stateDir: join(dir, 'state'),
    truth: join(dir, 'truth.ndjson'),
    partitions,
    inputArgs: ['--brokers', testBrokers().join(','), '--views-topic', p.views, '--engagements-topic', p.engagements],
  };
}

/** Join settings shared by simulate (for the truth) and join. */
export const WINDOW_FLAGS = ['--window', '1m', '--max-skew', '10s', '--out-of-orderness', '15s'] as const;

export async function runSimulate(p: TestPipeline, extra: readonly string[]): Promise<CliResult> {
  const r = await runCli(['simulate', ...p.inputArgs, ...WINDOW_FLAGS, '--truth', p.truth, ...extra], { LABELJOIN_LOG_LEVEL: 'warn' });
  if (r.code !== 0) throw new Error(`simulate failed: ${r.stderr}`);
  return r;
}

/** With --json: the summary is read with joinSummary(result). */
function joinArgs(p: TestPipeline, extra: readonly string[], samplesTopic: string): string[] {
  return ['join', '--drain', '--json', ...p.inputArgs, '--samples-topic', samplesTopic, '--dead-letter-topic', p.deadLetter, ...WINDOW_FLAGS, '--view-disorder', '60s', '--group', p.group, '--state-dir', p.stateDir, ...extra];
}

export function runJoin(p: TestPipeline, extra: readonly string[] = [], samplesTopic = p.samples, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(joinArgs(p, extra, samplesTopic), { LABELJOIN_LOG_LEVEL: 'warn', ...env });
}

export function startJoin(p: TestPipeline, extra: readonly string[] = [], env: NodeJS.ProcessEnv = {}): RunningCli {
  return startCli(joinArgs(p, extra, p.samples), { LABELJOIN_LOG_LEVEL: 'warn', ...env });
}

/** The summary a join run (runJoin, startJoin, or any join with --json) printed at its end. */
export function joinSummary(r: CliResult): JoinSummaryJson {
  return jsonOutput<JoinSummaryJson>(r, 'join');
}
