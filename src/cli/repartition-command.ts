/**
 * labeljoin repartition --from TOPIC --to TOPIC
 */
import { ValueError, parseTopicName } from '../config/parse.js';
import { UsageError } from '../errors.js';
import { KafkaAdmin } from '../kafka/admin.js';
import { connectionSettings } from '../kafka/connection.js';
import { KafkaError, TopicMissingError } from '../kafka/errors.js';
import { KafkaFetcher } from '../kafka/fetcher.js';
import { GroupMember } from '../kafka/group.js';
import { DEFAULT_MAX_BATCH_BYTES } from '../kafka/producer.js';
import { createTopicsCommand } from '../kafka/topics.js';
import { TransactionalOutput } from '../kafka/transactional.js';
import { Repartitioner, type RepartitionProgress, type RepartitionSummary } from '../repartition/repartitioner.js';
import { systemClock } from '../time/clock.js';
import { jsonFlag, jsonLine, type CommandSpec } from './command.js';

export interface RepartitionSummaryJson extends Omit<RepartitionSummary, 'lostToRetention'> {
  readonly group: string;
  readonly lostToRetention: string;
}

export const repartitionCommand: CommandSpec = {
  name: 'repartition',
  summary: 'Re-key a topic into a co-partitioned one: each record to the partition its key gets by --partitioner, exactly once (long-running; --drain to stop at the end).',
  details: [
    'Reads every partition of --from (read_committed) and writes each record to partition',
    'partitioner(key) mod N of --to (N: its partition count), keeping key, value (a null one too), headers',
    '(a null header value becomes empty) and timestamp; the records of one key keep their order.',
    'The source partitions are merged in record-timestamp order: a re-keyed partition follows event time',
    'as far as the record timestamps do (if not, raise the joiner\'s --out-of-orderness).',
    'A record with no key to place it by (a null key; with consistent_random an empty key too) keeps',
    'its partition number mod N: deterministic across re-runs, counted as "keyless".',
    'Exactly once: each batch is one Kafka transaction holding its records and the --from offsets of',
    'the group (--group); a reader of --to with read_committed sees every record once. After a crash it',
    'starts from the committed offsets; a restart fences the process it replaces (transactional id = the',
    'group). Run one process per group. SIGINT/SIGTERM: finish the batch, commit, exit 0.',
    '--to must exist: create it with the partition count of the views topic it is to be joined with',
    '(labeljoin topics create NAME --partitions N), then join with --engagements-topic NAME (or',
    '--views-topic NAME) and the same partitioner (--engagements-partitioner).',
  ].join('\n'),
  settings: ['kafka.brokers', 'kafka.compression', 'topics.views', 'repartition.partitioner', 'repartition.groupId', 'repartition.batchRecords', 'repartition.lingerMs', 'repartition.progressEveryMs'],
  flags: [
    { name: 'from', type: 'string', meta: 'TOPIC', doc: 'the topic to re-key (required)' },
    { name: 'to', type: 'string', meta: 'TOPIC', doc: 'the topic to write, which must exist (required)' },
    { name: 'drain', type: 'boolean', doc: 'stop at the end offsets of --from seen at the start, commit and exit 0' },
    jsonFlag('the summary at the end (records in and out, moved, keyless, partitions, transactions, seconds)'),
  ],
  async run(ctx) {
    const { config, log } = ctx;
    const from = topicFlag(ctx.flags['from'], 'from');
    const to = topicFlag(ctx.flags['to'], 'to');
    if (from === to) throw new UsageError('--from and --to must be different topics (see: labeljoin repartition --help)');
    const r = config.repartition;
    const group = r.groupId ?? `labeljoin-repartition-${from}-${to}`;
    const settings = connectionSettings(config);

    const admin = new KafkaAdmin(settings);
    let fromPartitions: number;
    let toPartitions: number;
    let maxBatchBytes: number;
    try {
      const views = config.topics.views;
      const counts = await admin.partitionCounts([from, to, views]);
      const f = counts.get(from);
      if (f === undefined) throw new KafkaError('TOPIC_MISSING', `topic ${from} not found: nothing to repartition`);
      const t = counts.get(to);
      if (t === undefined) {
        const brokers = typeof ctx.flags['brokers'] === 'string' ? config.kafka.brokers : undefined;
        throw new TopicMissingError([to], createTopicsCommand([to], counts.get(views) ?? f, brokers));
      }
      const v = counts.get(views);
      if (v !== undefined && v !== t && views !== from) {
        log.warn(`${to} has ${t} partitions but the views topic ${views} has ${v}: a joiner needs them equal`, { to, views });
      }
      fromPartitions = f;
      toPartitions = t;
      maxBatchBytes = (await admin.maxMessageBytes([to])).get(to) ?? DEFAULT_MAX_BATCH_BYTES;
    } finally {
      await admin.close();
    }

    const fetcher = new KafkaFetcher(settings, { isolation: 'read_committed', maxBytesPerPartition: r.fetchBytesPerPartition, maxWaitMs: 200 });
    const member = new GroupMember(settings, { groupId: group, topic: from, instanceId: group, log: log.child('group') });
    // A transaction begun right after the last one ended is refused (CONCURRENT_TRANSACTIONS) until the
    // coordinator has written its markers, a few ms; the client's default 250 ms between attempts would be
    // the cost of every transaction. Java's producer tries again after 20 ms too.
    const output = new TransactionalOutput(connectionSettings(config, { retryDelayMs: 20, retries: 25 }), { transactionalId: group, compression: config.kafka.compression, maxBatchBytes }, member);
    const repartitioner = new Repartitioner(
      { from, to, fromPartitions, toPartitions, partitioner: r.partitioner, drain: ctx.flags['drain'] === true, batchRecords: r.batchRecords, batchBytes: r.batchBytes, lingerMs: r.lingerMs, progressEveryMs: r.progressEveryMs },
      {
        source: fetcher,
        membership: member,
        sink: { init: () => output.init(), commit: (records, offsets) => output.commit(records, offsets) },
        clock: systemClock,
        logger: log.child('repartition'),
        progress: (report) => process.stderr.write(`repartition: ${progressLine(report)}\n`),
      },
    );
    const stop = (): void => {
      log.info('stopping: finishing the batch and committing');
      repartitioner.stop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let summary: RepartitionSummary;
    try {
      summary = await repartitioner.run();
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await member.close().catch(() => undefined);
      await output.close().catch(() => undefined);
      await fetcher.close().catch(() => undefined);
    }
    const result: RepartitionSummaryJson = { ...summary, group, lostToRetention: summary.lostToRetention.toString() };
    if (ctx.flags['json'] === true) ctx.out(jsonLine(result));
    else for (const line of summaryLines(result)) ctx.out(line);
    return 0;
  },
};

function topicFlag(value: string | boolean | undefined, flag: 'from' | 'to'): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${flag} TOPIC is required (see: labeljoin repartition --help)`);
  try {
    return parseTopicName(value);
  } catch (error) {
    if (error instanceof ValueError) throw new UsageError(`--${flag}: ${error.message}`);
    throw error;
  }
}

function progressLine(r: RepartitionProgress): string {
  return `${r.recordsIn} in, ${r.recordsOut} out, moved ${r.moved}, transactions ${r.transactions}, lag ${r.lag}`;
}

function summaryLines(s: RepartitionSummaryJson): string[] {
  return [
    `repartitioned ${s.from} (${s.partitions.from} partitions) into ${s.to} (${s.partitions.to} partitions) by ${s.partitioner}, group ${s.group}`,
    `records: ${s.recordsIn} in, ${s.recordsOut} out, ${s.moved} moved to another partition, ${s.keyless} without a key (kept their partition mod ${s.partitions.to})`,
    `transactions: ${s.transactions}; lost to retention: ${s.lostToRetention}; ${s.drained ? 'drained' : 'stopped'} after ${s.seconds.toFixed(1)} s`,
  ];
}
