/**
 * The topics of a labeljoin pipeline, created together and co-partitioned:
 * views, the engagement topic(s), samples and the dead-letter topic all get the same
 * partition count, so partition p of each holds the same users. One topic
 * can be created alone (e.g. a samples topic for a second joiner).
 */
import type { LabeljoinConfig } from '../config/config.js';
import type { KafkaAdmin, CreateTopicsResult, TopicSpec } from './admin.js';

/** The topics of the pipeline (one consolidated topic counts once), or only the named ones (any name: each gets the configured partition count and replication). */
export function pipelineTopicSpecs(config: LabeljoinConfig, only?: readonly string[], brokers = 1): TopicSpec[] {
  const { topics } = config;
  const names = only !== undefined && only.length > 0 ? [...new Set(only)] : [...new Set([topics.views, ...topics.engagements, topics.samples, topics.deadLetter])];
  const replicationFactor = replicationFor(topics.replicationFactor, brokers);
  const configs = minInsyncFor(replicationFactor);
  return names.map((name) => ({
    name,
    partitions: topics.partitions,
    replicationFactor,
    ...(configs === undefined ? {} : { configs }),
  }));
}

/** The replication factor of new topics: the configured one, else min(3, brokers in the cluster). */
export function replicationFor(configured: number | undefined, brokers: number): number {
  return configured ?? Math.max(1, Math.min(3, brokers));
}

/**
 * min.insync.replicas of a new topic: 2 from replication factor 3 on (with acks=all a write then
 * survives the loss of one replica, and one broker can be down without stopping producers);
 * below that the broker's default.
 */
export function minInsyncFor(replicationFactor: number): Readonly<Record<string, string>> | undefined {
  return replicationFactor >= 3 ? { 'min.insync.replicas': '2' } : undefined;
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

/** Creates the pipeline's topics; `specs` are the ones it asked for (their replication follows the cluster's size). */
export async function ensurePipelineTopics(admin: KafkaAdmin, config: LabeljoinConfig, only?: readonly string[]): Promise<EnsureTopicsResult & { readonly specs: readonly TopicSpec[] }> {
  const brokers = config.topics.replicationFactor === undefined ? (await admin.describeCluster()).brokers.length : 1;
  const specs = pipelineTopicSpecs(config, only, brokers);
  const result = await admin.createTopics(specs);
  const mismatched = [...result.existing]
    .filter(([, partitions]) => partitions !== config.topics.partitions)
    .map(([topic, partitions]) => ({ topic, partitions }));
  return { ...result, mismatched, specs };
}
