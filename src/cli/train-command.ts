/**
 * labeljoin train
 */
import { writeFileSync } from 'node:fs';
import { EventCodec } from '../codec/codec.js';
import { DeclaredSampleReader } from '../codec/declared/declared-samples.js';
import { UsageError } from '../errors.js';
import { KafkaAdmin } from '../kafka/admin.js';
import { connectionSettings } from '../kafka/connection.js';
import { TopicMissingError } from '../kafka/errors.js';
import { KafkaFetcher } from '../kafka/fetcher.js';
import { KafkaProducer } from '../kafka/producer.js';
import { LmdbModelStore } from '../store/lmdb-model-store.js';
import type { ModelStore } from '../store/model-store.js';
import { RedisModelStore } from '../store/redis-model-store.js';
import { redisConnection } from '../store/redis-settings.js';
import { systemClock } from '../time/clock.js';
import { Ffm } from '../train/ffm.js';
import { Trainer, type TrainSummary } from '../train/trainer.js';
import { TrainMetrics } from '../observe/metrics.js';
import { schemaLookup } from './schema-lookup.js';
import { jsonFlag, jsonLine, type CommandSpec } from './command.js';
import { startMetricsEndpoint } from './metrics-endpoint.js';
import { trainSummaryJson, trainSummaryLines } from './train-summary.js';

export const trainCommand: CommandSpec = {
  name: 'train',
  summary: 'Train one online FFM model per signal from the samples topic, each sample once (long-running; --drain to stop at the end).',
  details: [
    'Instance N of M (--instance N --instances M, N from 0) owns the samples partitions p with p mod M = N: explicit',
    'assignment, no consumer group, so no rebalance ever moves a user between instances; samples are keyed by user,',
    'so each user is updated by one instance, in order. The model (k-dim FFM per signal over user, post and view',
    'context, AdaGrad), the de-dup memory and the read offsets live in the store (--store embedded: an LMDB',
    'directory; --store redis) and are committed together per batch: a restart goes on without re-applying any',
    'sample. A sample whose view was applied with the same or a newer version is skipped. Every sample is scored',
    'before the model learns from it (progressive validation: logloss and AUC per signal per --eval-window).',
    'Reads with read_committed. SIGINT/SIGTERM: finish the batch, commit, exit 0.',
  ].join('\n'),
  settings: [
    'kafka.brokers', 'kafka.compression', 'topics.samples', 'topics.deadLetter', 'join.labelTypes', 'inputs.views', 'train.contextFields',
    'registry.url', 'registry.username', 'registry.password', 'registry.passwordFile', 'registry.tlsCaFile', 'registry.retryTimeoutMs',
    'train.signals', 'train.instance', 'train.instances', 'train.store', 'train.stateDir', 'train.redisUrl', 'train.redisPasswordFile', 'train.redisTlsCaFile', 'train.model',
    'train.k', 'train.learningRate', 'train.l2', 'train.seed', 'train.batchSize', 'train.dedupTtlMs', 'train.evalWindow',
    'train.freezeAfter', 'train.progressEveryMs', 'train.reportFile', 'join.reconnectTimeoutMs', 'observe.metricsHost', 'observe.metricsPort', 'observe.healthTimeoutMs',
  ],
  flags: [
    { name: 'drain', type: 'boolean', doc: 'train on what the samples topic holds now, then commit and exit 0' },
    jsonFlag('the summary at the end (counters, seconds, rate, partitions, store timings, validation windows)'),
  ],
  async run(ctx) {
    const { config, log } = ctx;
    const tr = config.train;
    const topic = config.topics.samples;
    if (tr.instance >= tr.instances) throw new UsageError(`--instance ${tr.instance} is not below --instances ${tr.instances} (instances are numbered from 0; see: labeljoin train --help)`);
    const unknown = tr.signals.filter((s) => !config.join.labelTypes.includes(s));
    if (unknown.length > 0) throw new UsageError(`--signals ${unknown.join(',')}: not among the samples' label types ${config.join.labelTypes.join(',')} (see: labeljoin train --help)`);

    const settings = connectionSettings(config);
    const admin = new KafkaAdmin(settings);
    let partitionCount: number;
    try {
      const counts = await admin.partitionCounts([topic]);
      const n = counts.get(topic);
      if (n === undefined) throw new TopicMissingError([topic]);
      partitionCount = n;
    } finally {
      await admin.close();
    }
    const partitions = Array.from({ length: partitionCount }, (_, p) => p).filter((p) => p % tr.instances === tr.instance);
    if (partitions.length === 0) throw new UsageError(`instance ${tr.instance} of ${tr.instances} owns no partition: ${topic} has only ${partitionCount}`);

    const store: ModelStore =
      tr.store === 'redis' ? await RedisModelStore.open({ ...redisConnection(tr), model: tr.model, topic }) : new LmdbModelStore({ dir: tr.stateDir, model: tr.model, topic });
    const fetcher = new KafkaFetcher(settings, { isolation: 'read_committed', maxWaitMs: 200 });
    const views = config.inputs.views;
    const producer = new KafkaProducer(settings, { compression: config.kafka.compression });
    const endpoint = await startMetricsEndpoint(config, 'train', `${tr.model}-${tr.instance}`, log);
    const metrics = new TrainMetrics(endpoint.registry, { signals: tr.signals, samplesTopic: topic });
    const trainer = new Trainer(
      { ...tr, reconnectTimeoutMs: config.join.reconnectTimeoutMs, samplesTopic: topic, deadLetterTopic: config.topics.deadLetter, partitions, drain: ctx.flags['drain'] === true },
      {
        fetcher,
        codec: new EventCodec({ labelTypes: config.join.labelTypes }),
        declared: views === 'labeljoin' ? undefined : new DeclaredSampleReader(views, config.join.labelTypes, schemaLookup(config, log), tr.contextFields),
        store,
        model: new Ffm({ ...tr, signals: tr.signals.length }),
        sendDeadLetters: async (records) => {
          await producer.send(records);
        },
        clock: systemClock,
        log: log.child('train'),
        progress: (line) => process.stderr.write(`${line}\n`),
        observer: metrics.observer,
      },
    );
    metrics.attach(trainer);
    endpoint.setHealth(trainer);
    const abort = new AbortController();
    const stop = (): void => {
      log.info('stopping: finishing the batch and committing');
      abort.abort();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let summary: TrainSummary;
    try {
      summary = await trainer.run(abort.signal);
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await fetcher.close().catch(() => undefined);
      await producer.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      await endpoint.close();
    }
    const result = trainSummaryJson(summary, tr.instance, tr.instances, store.kind);
    if (ctx.flags['json'] === true) ctx.out(jsonLine(result));
    else for (const line of trainSummaryLines(result)) ctx.out(line);
    if (tr.reportFile !== undefined) writeFileSync(tr.reportFile, `${JSON.stringify({ instance: tr.instance, instances: tr.instances, store: store.kind, ...summary }, null, 2)}\n`);
    return 0;
  },
};
