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
  /** The (first) engagements topic; with one consolidated topic, the views topic. */
  readonly engagements: string;
  /** Every engagements topic, in order. */
  readonly engagementTopics: readonly string[];
  readonly samples: string;
  readonly deadLetter: string;
  readonly group: string;
  readonly stateDir: string;
  readonly truth: string;
  readonly partitions: number;
  /** Flags naming this pipeline's broker and input topics. */
  readonly inputArgs: readonly string[];
}

/**
 * The input topics: views and one engagements topic (default), views and three engagement
 * topics (the simulator sends each engagement to the topic of its type's index modulo 3),
 * or one consolidated topic of both (--events-topic).
 */
export type InputLayout = 'two-topics' | 'three-engagement-topics' | 'consolidated';

export async function createPipeline(
  t: TestContext,
  name: string,
  partitions = 8,
  configs: Readonly<Record<string, string>> = {},
  layout: InputLayout = 'two-topics',
): Promise<TestPipeline> {
  const base = uniqueTopic(name);
  const views = layout === 'consolidated' ? `${base}-events` : `${base}-views`;
  const engagementTopics = layout === 'consolidated' ? [views] : layout === 'three-engagement-topics' ? ['a', 'b', 'c'].map((x) => `${base}-eng-${x}`) : [`${base}-eng`];
  const p = {
    views,
    engagements: engagementTopics[0]!,
    engagementTopics,
    samples: `${base}-samples`,
    deadLetter: `${base}-dlq`,
    group: `${base}-joiner`,
  };
  const topics = [...new Set([views, ...engagementTopics, p.samples, p.deadLetter])];
  await createTestTopics(t, topics.map((topic) => ({ name: topic, partitions, replicationFactor: 1, configs })));
  const dir = testDir(t, name);
  const inputs = layout === 'consolidated' ? ['--events-topic', views] : ['--views-topic', views, '--engagements-topic', engagementTopics.join(',')];
  return {
    ...p,
    stateDir: join(dir, 'state'),
    truth: join(dir, 'truth.ndjson'),
    partitions,
    inputArgs: ['--brokers', testBrokers().join(','), ...inputs],
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
