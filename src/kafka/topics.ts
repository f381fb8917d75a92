/**
 * The topics of a labeljoin pipeline, created together and co-partitioned:
 * views, engagements, samples and the dead-letter topic all get the same
 * partition count, so partition p of each holds the same users.
 */
import type { LabeljoinConfig } from '../config/config.js';
import type { KafkaAdmin, CreateTopicsResult, TopicSpec } from './admin.js';

export function pipelineTopicSpecs(config: LabeljoinConfig): TopicSpec[] {
  const { topics } = config;
  return [topics.views, topics.engagements, topics.samples, topics.deadLetter].map((name) => ({
    name,
    partitions: topics.partitions,
    replicationFactor: topics.replicationFactor,
  }));
}

export interface EnsureTopicsResult extends CreateTopicsResult {
  /** Existing topics whose partition count differs from the configured one. */
  readonly mismatched: ReadonlyArray<{ readonly topic: string; readonly partitions: number }>;
}

export async function ensurePipelineTopics(admin: KafkaAdmin, config: LabeljoinConfig): Promise<EnsureTopicsResult> {
  const result = await admin.createTopics(pipelineTopicSpecs(config));
  const mismatched = [...result.existing]
    .filter(([, partitions]) => partitions !== config.topics.partitions)
    .map(([topic, partitions]) => ({ topic, partitions }));
  return { ...result, mismatched };
}
