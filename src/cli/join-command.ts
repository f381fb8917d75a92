/**
 * labeljoin join
 */
import { rmSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { EventCodec } from '../codec/codec.js';
import { UsageError } from '../errors.js';
import { atLeastOnce, exactlyOnce, type Delivery } from '../join/delivery.js';
import type { EngagementIndex } from '../join/engagement-index.js';
import { MemoryEngagementIndex } from '../join/memory-index.js';
import { StoreEngagementIndex } from '../join/store-index.js';
import type { JoinProgress } from '../join/joiner.js';
import { createJoiner } from '../join/wiring.js';
import { KafkaAdmin } from '../kafka/admin.js';
import { connectionSettings } from '../kafka/connection.js';
import { KafkaError, TopicMissingError } from '../kafka/errors.js';
import { KafkaFetcher } from '../kafka/fetcher.js';
import { expectedPartition } from '../kafka/partitioner.js';
import { GroupMember } from '../kafka/group.js';
import { DEFAULT_MAX_BATCH_BYTES, KafkaProducer } from '../kafka/producer.js';
import { createTopicsCommand } from '../kafka/topics.js';
import { TransactionalOutput } from '../kafka/transactional.js';
import { LmdbStore } from '../store/lmdb-store.js';
import { systemClock } from '../time/clock.js';
import { JoinMetrics } from '../observe/metrics.js';
import { openDeclaredInputs } from './declared.js';
import { startMetricsEndpoint } from './metrics-endpoint.js';
import { schemaLookup } from './schema-lookup.js';
import { jsonFlag, jsonLine, type CommandSpec } from './command.js';
import { joinSummaryJson, joinSummaryLines } from './join-summary.js';

export const joinCommand: CommandSpec = {
  name: 'join',
  summary: 'Join views with engagements into one labelled sample per view, in event time (long-running; --drain to stop at the end of the input).',
  details: [
    'Reads the views and engagements topics (co-partitioned), writes Avro samples keyed by user id to the',
    'samples topic, and bad records with the reason in headers to the dead-letter topic. Instances with the',
    'same --group share the partitions; partition p of views and of engagements always go together.',
    'Offsets are committed after the samples they cover are acknowledged (at-least-once; sample ids are',
    'deterministic). SIGINT/SIGTERM: finish the cycle, commit, leave the group, exit 0.',
    'Your own events: declare their format and fields under inputs.views / inputs.engagements in --config FILE',
    '(docs/inputs.md; an example: schemas/foreign/inputs.json); a declaration that does not fit its schema exits 2.',
  ].join('\n'),
  settings: [
    'kafka.brokers', 'kafka.compression', 'topics.views', 'topics.engagements', 'topics.events', 'topics.kindBy', 'topics.kindHeader', 'topics.samples', 'topics.deadLetter',
    'codec.viewsFormat', 'codec.engagementsFormat', 'codec.samplesFormat', 'inputs.views', 'inputs.engagements',
    'registry.url', 'registry.username', 'registry.password', 'registry.passwordFile', 'registry.tlsCaFile', 'registry.retryTimeoutMs',
    'join.viewsPartitioner', 'join.engagementsPartitioner', 'join.wrongPartition',
    'join.labelTypes', 'join.windowMs', 'join.maxSkewMs', 'join.outOfOrdernessMs', 'join.viewDisorderMs', 'join.allowedLatenessMs',
    'join.latePolicy', 'join.negativeShare', 'join.idleTimeoutMs', 'join.maxJumpMs', 'join.timeConfirmations', 'join.outlierPolicy', 'join.timeMode', 'join.groupId', 'join.instanceId',
    'join.orphanTopic', 'join.lateTopic', 'join.state', 'join.stateDir', 'join.progressEveryMs', 'join.reconnectTimeoutMs', 'join.maxRate', 'observe.metricsHost', 'observe.metricsPort', 'observe.healthTimeoutMs',
  ],
  flags: [
    { name: 'drain', type: 'boolean', doc: 'join everything in the input topics now, treat their end as the end of time, commit and exit 0' },
    { name: 'exactly-once', type: 'boolean', doc: 'commit samples and views offsets in one Kafka transaction; needs --instance-id (transactional id GROUP-INSTANCE: a restart fences the process it replaces)' },
    jsonFlag('the summary at the end (counters, seconds, rate, partitions, delivery, drained)'),
  ],
  async run(ctx) {
    const { config, log } = ctx;
    const j = config.join;
    const t = config.topics;
    const exactly = ctx.flags['exactly-once'] === true;
    if (exactly && j.instanceId === undefined) {
      throw new UsageError('--exactly-once needs --instance-id: the transactional id must stay the same across restarts so a restart fences the process it replaces (see: labeljoin join --help)');
    }
    const settings = connectionSettings(config);
    const admin = new KafkaAdmin(settings);
    const outputs = [t.samples, t.deadLetter, ...(j.orphanTopic === undefined ? [] : [j.orphanTopic]), ...(j.lateTopic === undefined ? [] : [j.lateTopic])];
    let limits: Map<string, number>;
    let partitions: number;
    try {
      // A missing topic is named with the command that creates it, with the partition count of those that exist.
      const inputs = [...new Set([t.views, ...t.engagements])];
      const needed = [...inputs, ...outputs];
      const existing = await admin.partitionCounts(needed);
      const missing = needed.filter((topic) => !existing.has(topic));
      if (missing.length > 0) {
        const like = inputs.map((topic) => existing.get(topic)).find((n) => n !== undefined) ?? [...existing.values()][0] ?? t.partitions;
        const brokers = typeof ctx.flags['brokers'] === 'string' ? config.kafka.brokers : undefined;
        throw new TopicMissingError(missing, createTopicsCommand(missing, like, brokers));
      }
      partitions = await admin.requireCopartitioned(inputs);
      const counts = await admin.partitionCounts(outputs);
      for (const [topic, n] of counts) {
        if (n !== partitions) throw new KafkaError('TOPICS_NOT_COPARTITIONED', `${topic} has ${n} partitions but the inputs have ${partitions}; samples must land in the partition of their users`);
      }
      limits = await admin.maxMessageBytes(outputs);
    } finally {
      await admin.close();
    }

    // No produce request may hold more for one partition than the smallest output topic accepts.
    const maxBatchBytes = Math.min(...outputs.map((o) => limits.get(o) ?? DEFAULT_MAX_BATCH_BYTES));
    const codec = new EventCodec({ labelTypes: j.labelTypes });
    const declared = await openDeclaredInputs(config, schemaLookup(config, log));
    // The state is rebuilt from Kafka at every start (docs/decisions/join-state.md): a disk state lives for one run.
    const statePath = joinPath(j.stateDir, `${j.groupId}-${j.instanceId ?? process.pid}`);
    const index: EngagementIndex = j.state === 'memory' ? new MemoryEngagementIndex(j) : new StoreEngagementIndex(new LmdbStore({ path: statePath, fresh: true }), j);
    const fetcher = new KafkaFetcher(settings, { isolation: 'read_committed', maxBytesPerPartition: j.fetchBytesPerPartition, maxWaitMs: 200 });
    const group = new GroupMember(settings, { groupId: j.groupId, topic: t.views, instanceId: j.instanceId, log: log.child('group') });
    let delivery: Delivery;
    let closeOutput: () => Promise<void>;
    if (exactly && j.instanceId !== undefined) {
      const transactional = new TransactionalOutput(settings, { transactionalId: `${j.groupId}-${j.instanceId}`, compression: config.kafka.compression, maxBatchBytes }, group);
      delivery = exactlyOnce(transactional);
      closeOutput = () => transactional.close();
    } else {
      const producer = new KafkaProducer(settings, { compression: config.kafka.compression, maxBatchBytes });
      delivery = atLeastOnce(producer, group);
      closeOutput = () => producer.close();
    }
    const drain = ctx.flags['drain'] === true;
    const endpoint = await startMetricsEndpoint(config, 'join', `${j.groupId}-${j.instanceId ?? process.pid}`, log);
    const metrics = new JoinMetrics(endpoint.registry, { labelTypes: j.labelTypes, windowMs: j.windowMs, viewsTopic: t.views, engagementTopics: t.engagements, clock: systemClock });
    const { joiner } = createJoiner(
      { ...j, topics: t, formats: config.codec, drain, deadLetterMaxBytes: limits.get(t.deadLetter) },
      {
        log: fetcher,
        membership: group,
        delivery,
        index,
        codec,
        declared,
        partitioners: {
          views: (key, n) => expectedPartition(j.viewsPartitioner, key, n),
          engagements: (key, n) => expectedPartition(j.engagementsPartitioner, key, n),
          partitions,
        },
        clock: systemClock,
        logger: log.child('join'),
        progress: (report) => process.stderr.write(`join: ${progressLine(report)}\n`),
        observer: endpoint.served ? metrics.observer : undefined,
      },
    );
    metrics.attach(joiner);
    endpoint.setHealth(joiner);
    const stop = (): void => {
      log.info('stopping: finishing the cycle and committing');
      joiner.stop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let summary;
    let failed = true;
    try {
      summary = await joiner.run();
      failed = false;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // After a failure (the cluster gone, say) leaving the group or closing a client could wait for a
      // broker that does not answer: give each a few seconds, then exit (a restart resumes from the commits).
      const within = failed ? FAILED_CLOSE_MS : Number.POSITIVE_INFINITY;
      await closeWithin(within, () => group.close());
      await closeWithin(within, closeOutput);
      await closeWithin(within, () => fetcher.close());
      await index.close().catch(() => undefined);
      if (j.state === 'disk') rmSync(statePath, { recursive: true, force: true });
      await endpoint.close();
    }
    const result = joinSummaryJson(summary, delivery.mode, drain);
    if (ctx.flags['json'] === true) ctx.out(jsonLine(result));
    else for (const line of joinSummaryLines(result)) ctx.out(line);
    return 0;
  },
};

/** How long each client may take to close after the joiner failed. */
const FAILED_CLOSE_MS = 5_000;

async function closeWithin(ms: number, close: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = Number.isFinite(ms) ? new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))) : new Promise<void>(() => undefined);
  await Promise.race([close().catch(() => undefined), waited]);
  clearTimeout(timer);
}

/** The progress line on stderr. */
function progressLine(r: JoinProgress): string {
  const c = r.counters;
  const wm = r.watermarks.map(([p, w]) => `${p}:${Number.isFinite(w) ? new Date(w).toISOString().slice(11, 19) : w > 0 ? 'end' : '-'}`);
  return `views ${c.viewsIn} in, engagements ${c.engagementsIn} in, samples ${c.samplesOut} out, duplicates ${c.duplicateViews}+${c.duplicateEngagements}, late ${c.late}, corrections ${c.corrections}, orphans ${c.orphans}, dead-lettered ${c.deadLettered}, index ${r.indexSize}, watermarks ${wm.join(' ')}`;
}
