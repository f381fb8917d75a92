/**
 * The topics of a labeljoin pipeline, created together and co-partitioned:
 * views, the engagement topic(s), samples and the dead-letter topic all get the same
 * partition count, so partition p of each holds the same users. One topic
 * can be created alone (e.g. a samples topic for a second joiner).
 */
import type { LabeljoinConfig } from '../config/config.js';
import type { KafkaAdmin, CreateTopicsResult, TopicSpec } from './admin.js';

/** The topics of the pipeline (one consolidated topic counts once), or only the named ones (any name: each gets the configured partition count and replication). */
export function pipelineTopicSpecs(config: LabeljoinConfig, only?: readonly string[]): TopicSpec[] {
  const { topics } = config;
  const names = only !== undefined && only.length > 0 ? [...new Set(only)] : [...new Set([topics.views, ...topics.engagements, topics.samples, topics.deadLetter])];
  return names.map((name) => ({
    name,
    partitions: topics.partitions,
    replicationFactor: topics.replicationFactor,
  }));
}

/**
 * The command that creates the missing topics with the partition count of the
 * pipeline they belong to, for error messages: e.g.
 * `labeljoin topics create samples --partitions 8`.
 */
export function createTopicsCommand(topics: readonly string[], partitions: number, brokers?: readonly string[]): string {
  const words = ['labeljoin', 'topics', 'create', ...topics, '--partitions', String(partitions)];
  if (brokers !== undefined) words.push('--brokers', brokers.join(','));
  return words.join(' ');
}

export interface EnsureTopicsResult extends CreateTopicsResult {
  /** Existing topics whose partition count differs from the configured one. */
  readonly mismatched: ReadonlyArray<{ readonly topic: string; readonly partitions: number }>;
}

export async function ensurePipelineTopics(admin: KafkaAdmin, config: LabeljoinConfig, only?: readonly string[]): Promise<EnsureTopicsResult> {
  const result = await admin.createTopics(pipelineTopicSpecs(config, only));
  const mismatched = [...result.existing]
    .filter(([, partitions]) => partitions !== config.topics.partitions)
    .map(([topic, partitions]) => ({ topic, partitions }));
  return { ...result, mismatched };
}
