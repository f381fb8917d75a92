/**
 * labeljoin join
 */
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
import { GroupMember } from '../kafka/group.js';
import { KafkaProducer } from '../kafka/producer.js';
import { TransactionalOutput } from '../kafka/transactional.js';
import { LmdbStore } from '../store/lmdb-store.js';
import { systemClock } from '../time/clock.js';
import { JoinMetrics } from '../observe/metrics.js';
import { startMetricsEndpoint } from './metrics-endpoint.js';
import type { CommandSpec } from './command.js';

export const joinCommand: CommandSpec = {
  name: 'join',
  summary: 'Join views with engagements into one labelled sample per view, in event time (long-running; --drain to stop at the end of the input).',
  details: [
    'Reads the views and engagements topics (co-partitioned), writes Avro samples keyed by user id to the',
    'samples topic, and bad records with the reason in headers to the dead-letter topic. Instances with the',
    'same --group share the partitions; partition p of views and of engagements always go together.',
    'Offsets are committed after the samples they cover are acknowledged (at-least-once; sample ids are',
    'deterministic). SIGINT/SIGTERM: finish the cycle, commit, leave the group, exit 0.',
  ].join('\n'),
  settings: [
    'kafka.brokers', 'kafka.compression', 'topics.views', 'topics.engagements', 'topics.samples', 'topics.deadLetter',
    'codec.viewsFormat', 'codec.engagementsFormat', 'codec.samplesFormat',
    'join.labelTypes', 'join.windowMs', 'join.maxSkewMs', 'join.outOfOrdernessMs', 'join.viewDisorderMs', 'join.allowedLatenessMs',
    'join.latePolicy', 'join.idleTimeoutMs', 'join.maxJumpMs', 'join.timeConfirmations', 'join.outlierPolicy', 'join.timeMode', 'join.groupId', 'join.instanceId',
    'join.orphanTopic', 'join.state', 'join.stateDir', 'join.progressEveryMs', 'join.reconnectTimeoutMs', 'observe.metricsHost', 'observe.metricsPort',
  ],
  flags: [
    { name: 'drain', type: 'boolean', doc: 'join everything in the input topics now, treat their end as the end of time, commit and exit 0' },
    { name: 'exactly-once', type: 'boolean', doc: 'commit samples and views offsets in one Kafka transaction; needs --instance-id (transactional id GROUP-INSTANCE: a restart fences the process it replaces)' },
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
    try {
      const partitions = await admin.requireCopartitioned([t.views, t.engagements]);
      const outputs = [t.samples, t.deadLetter, ...(j.orphanTopic === undefined ? [] : [j.orphanTopic])];
      const counts = await admin.partitionCounts(outputs);
      const missing = outputs.filter((o) => !counts.has(o));
      if (missing.length > 0) throw new TopicMissingError(missing);
      for (const [topic, n] of counts) {
        if (n !== partitions) throw new KafkaError('TOPICS_NOT_COPARTITIONED', `${topic} has ${n} partitions but the inputs have ${partitions}; samples must land in the partition of their users`);
      }
    } finally {
      await admin.close();
    }

    const codec = new EventCodec({ labelTypes: j.labelTypes });
    const indexTimes = { windowMs: j.windowMs, maxSkewMs: j.maxSkewMs, viewDisorderMs: j.viewDisorderMs, allowedLatenessMs: j.allowedLatenessMs };
    const index: EngagementIndex = j.state === 'memory'
      ? new MemoryEngagementIndex(indexTimes)
      : new StoreEngagementIndex(new LmdbStore({ path: joinPath(j.stateDir, `${j.groupId}-${j.instanceId ?? process.pid}`), fresh: true }), indexTimes);
    const fetcher = new KafkaFetcher(settings, { isolation: 'read_committed', maxBytesPerPartition: j.fetchBytesPerPartition, maxWaitMs: 200 });
    const group = new GroupMember(settings, { groupId: j.groupId, topic: t.views, instanceId: j.instanceId });
    let delivery: Delivery;
    let closeOutput: () => Promise<void>;
    if (exactly && j.instanceId !== undefined) {
      const transactional = new TransactionalOutput(settings, { transactionalId: `${j.groupId}-${j.instanceId}`, compression: config.kafka.compression }, group);
      delivery = exactlyOnce(transactional);
      closeOutput = () => transactional.close();
    } else {
      const producer = new KafkaProducer(settings, { compression: config.kafka.compression });
      delivery = atLeastOnce(producer, group);
      closeOutput = () => producer.close();
    }
    const drain = ctx.flags['drain'] === true;
    const endpoint = await startMetricsEndpoint(config, 'join', `${j.groupId}-${j.instanceId ?? process.pid}`, log);
    const metrics = new JoinMetrics(endpoint.registry, { labelTypes: j.labelTypes, windowMs: j.windowMs, viewsTopic: t.views, engagementsTopic: t.engagements, clock: systemClock });
    const { joiner } = createJoiner(
      {
        viewsTopic: t.views,
        engagementsTopic: t.engagements,
        samplesTopic: t.samples,
        deadLetterTopic: t.deadLetter,
        orphanTopic: j.orphanTopic,
        viewsFormat: config.codec.viewsFormat,
        engagementsFormat: config.codec.engagementsFormat,
        samplesFormat: config.codec.samplesFormat,
        labelTypes: j.labelTypes,
        windowMs: j.windowMs,
        maxSkewMs: j.maxSkewMs,
        outOfOrdernessMs: j.outOfOrdernessMs,
        viewDisorderMs: j.viewDisorderMs,
        maxJumpMs: j.maxJumpMs,
        confirmations: j.timeConfirmations,
        outlierPolicy: j.outlierPolicy,
        latePolicy: j.latePolicy,
        idleTimeoutMs: j.idleTimeoutMs,
        timeMode: j.timeMode,
        drain,
        progressEveryMs: j.progressEveryMs,
        reconnectTimeoutMs: j.reconnectTimeoutMs,
      },
      {
        log: fetcher,
        membership: group,
        delivery,
        index,
        codec,
        clock: systemClock,
        logger: log.child('join'),
        progress: (report) => process.stderr.write(`join: ${progressLine(report)}\n`),
        observer: endpoint.served ? metrics.observer : undefined,
      },
    );
    metrics.attach(joiner);
    const stop = (): void => {
      log.info('stopping: finishing the cycle and committing');
      joiner.stop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let summary;
    try {
      summary = await joiner.run();
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await group.close().catch(() => undefined);
      await closeOutput().catch(() => undefined);
      await fetcher.close().catch(() => undefined);
      await index.close().catch(() => undefined);
      await endpoint.close();
    }
    const c = summary.counters;
    const seconds = summary.elapsedMs / 1000;
    const inputs = c.viewsIn + c.engagementsIn;
    ctx.out(`join (${delivery.mode}): ${drain ? 'drained' : 'stopped'} after ${seconds.toFixed(1)} s: ${c.viewsIn} views and ${c.engagementsIn} engagements in (${Math.round(inputs / Math.max(seconds, 0.001))}/s), ${c.samplesOut} samples out, partitions ${summary.partitions.join(',')}`);
    ctx.out(`  positives ${Object.entries(c.positives).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    ctx.out(`  duplicates ${c.duplicateViews} views + ${c.duplicateEngagements} engagements, late ${c.late}, corrections ${c.corrections}, orphans ${c.orphans}, dead-lettered ${c.deadLettered}${c.deadLettered > 0 ? ` ${JSON.stringify(c.deadLetteredBy)}` : ''}${c.timeOutliers.views + c.timeOutliers.engagements > 0 ? `, time outliers ${c.timeOutliers.views} views + ${c.timeOutliers.engagements} engagements` : ''}${c.replayedEngagements > 0 ? `, engagements re-read after a restart ${c.replayedEngagements}` : ''}${c.lostToRetention > 0 ? `, LOST TO RETENTION ${c.lostToRetention}` : ''}`);
    return 0;
  },
};

/** The progress line on stderr. */
function progressLine(r: JoinProgress): string {
  const c = r.counters;
  const wm = r.watermarks.map(([p, w]) => `${p}:${Number.isFinite(w) ? new Date(w).toISOString().slice(11, 19) : w > 0 ? 'end' : '-'}`);
  return `views ${c.viewsIn} in, engagements ${c.engagementsIn} in, samples ${c.samplesOut} out, duplicates ${c.duplicateViews}+${c.duplicateEngagements}, late ${c.late}, corrections ${c.corrections}, orphans ${c.orphans}, dead-lettered ${c.deadLettered}, index ${r.indexSize}, watermarks ${wm.join(' ')}`;
}
