/**
 * labeljoin topics create | list
 */
import { KafkaAdmin } from '../kafka/admin.js';
import { connectionSettings } from '../kafka/connection.js';
import { ensurePipelineTopics } from '../kafka/topics.js';
import type { CommandSpec } from './command.js';

const TOPIC_SETTINGS = [
  'kafka.brokers',
  'topics.views',
  'topics.engagements',
  'topics.events',
  'topics.samples',
  'topics.deadLetter',
  'topics.partitions',
  'topics.replicationFactor',
] as const;

export const topicsCreate: CommandSpec = {
  name: 'topics create',
  summary: 'Create the views, engagements, samples and dead-letter topics, co-partitioned (same partition count), or only the TOPICs named. Idempotent.',
  details: [
    'With TOPIC names, only those are created, each with --partitions and --replication-factor: e.g.',
    '`labeljoin topics create samples --partitions 8` (the samples topic a joiner found missing;',
    'give the partition count of the input topics), or `labeljoin topics create new-samples` for a',
    'second pipeline to compare. Existing topics are kept as they are; one with a different',
    'partition count is reported and the exit code is 1.',
    'Replication: --replication-factor, else min(3, brokers in the cluster); from 3 on the topics get',
    'min.insync.replicas=2 (with the producers\' acks=all, a write survives the loss of one replica).',
  ].join('\n'),
  settings: TOPIC_SETTINGS,
  positionals: { meta: 'TOPIC...', max: 16 },
  async run(ctx) {
    const admin = new KafkaAdmin(connectionSettings(ctx.config));
    try {
      const result = await ensurePipelineTopics(admin, ctx.config, ctx.positionals);
      for (const spec of result.specs) {
        const existing = result.existing.get(spec.name);
        const state = existing === undefined ? 'created' : 'exists';
        const insync = spec.configs?.['min.insync.replicas'];
        const replication = existing === undefined ? `, replication factor ${spec.replicationFactor}${insync === undefined ? '' : `, min.insync.replicas ${insync}`}` : '';
        ctx.out(`${state.padEnd(8)}${spec.name} (${existing ?? spec.partitions} partitions${replication})`);
      }
      for (const m of result.mismatched) {
        ctx.out(`error: ${m.topic} has ${m.partitions} partitions, expected ${ctx.config.topics.partitions}; the pipeline needs co-partitioned topics`);
      }
      return result.mismatched.length === 0 ? 0 : 1;
    } finally {
      await admin.close();
    }
  },
};

export const topicsList: CommandSpec = {
  name: 'topics list',
  summary: 'List the topics of the cluster with their partition counts.',
  settings: ['kafka.brokers'],
  async run(ctx) {
    const admin = new KafkaAdmin(connectionSettings(ctx.config));
    try {
      const names = await admin.listTopics();
      const counts = await admin.partitionCounts(names);
      for (const name of names) ctx.out(`${name} (${counts.get(name) ?? '?'} partitions)`);
      return 0;
    } finally {
      await admin.close();
    }
  },
};
