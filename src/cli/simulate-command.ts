/**
 * labeljoin simulate
 */
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { KafkaAdmin } from '../kafka/admin.js';
import { connectionSettings } from '../kafka/connection.js';
import { KafkaProducer } from '../kafka/producer.js';
import { compactEncoder } from '../sim/compact-shape.js';
import { foreignEncoder, type SimEncoder } from '../sim/foreign-shape.js';
import { simulate } from '../sim/simulate.js';
import { systemClock } from '../time/clock.js';
import { retryWhileUnavailable } from '../time/retry.js';
import type { CommandSpec } from './command.js';
import { requireSchemaLookup } from './schema-lookup.js';
import { workloadOptions } from './workload-options.js';

export const simulateCommand: CommandSpec = {
  name: 'simulate',
  summary: 'Send realistic, seeded views and engagements to Kafka and write the ground-truth labels of every view.',
  details: [
    'Traffic: Zipf-popular posts, user sessions, a daily load curve, engagement chances from latent',
    'user and post factors that drift, per-type delays, and disorder (late views, duplicates, a late',
    'tail, late arrivals, clock skew, an idle partition). The truth file (--truth) is NDJSON, one view',
    'per line: {"view_id","sample_id","user_id","post_id","ts","partition","labels","delays_ms","late"?},',
    'labelled by the join contract with --window and --max-skew (see src/sim/truth.ts).',
    'The same --seed and flags give byte-identical traffic and truth.',
  ].join('\n'),
  settings: [
    'kafka.brokers', 'kafka.compression', 'topics.views', 'topics.engagements', 'topics.events', 'topics.kindHeader',
    'sim.seed', 'sim.users', 'sim.posts', 'sim.views', 'sim.durationMs', 'sim.viewsPerSecond', 'sim.rate', 'sim.start',
    'sim.dayLengthMs', 'sim.driftPeriodMs', 'sim.duplicateRate', 'sim.earlyRate', 'sim.lateRate', 'sim.lateArrivalRate',
    'sim.skewMs', 'sim.viewIdRate', 'sim.idlePartition', 'sim.spike', 'sim.format', 'sim.shape',
    'registry.url', 'registry.username', 'registry.password', 'registry.passwordFile', 'registry.tlsCaFile', 'registry.retryTimeoutMs',
    'join.labelTypes', 'join.windowMs', 'join.maxSkewMs', 'join.outOfOrdernessMs', 'join.maxJumpMs', 'join.timeConfirmations', 'join.reconnectTimeoutMs',
  ],
  flags: [{ name: 'truth', type: 'string', meta: 'FILE', doc: 'write the ground truth here (NDJSON)' }],
  async run(ctx) {
    const { config } = ctx;
    const settings = connectionSettings(config);
    const admin = new KafkaAdmin(settings);
    let partitions: number;
    try {
      partitions = await admin.requireCopartitioned([...new Set([config.topics.views, ...config.topics.engagements])]);
    } finally {
      await admin.close();
    }
    const truthFile = typeof ctx.flags['truth'] === 'string' ? resolve(ctx.flags['truth']) : undefined;
    const { sim } = config;
    const producer = new KafkaProducer(settings, { compression: config.kafka.compression });
    const what = sim.views !== undefined ? `${sim.views.toLocaleString('en-US')} views` : `${((sim.durationMs ?? 0) / 1000).toFixed(0)} s of event time`;
    process.stderr.write(`simulate: seed ${sim.seed}, ${what}, ${sim.users} users, ${sim.posts} posts, ${SHAPE_LINES[sim.shape] ?? sim.format}/${config.kafka.compression} to ${inputsLine(config.topics)} (${partitions} partitions)\n`);
    if (config.topics.engagements.length > 1 && truthFile !== undefined) {
      process.stderr.write('simulate: note: the truth\'s late marks follow one engagements log per partition; with several engagement topics, check a join under --late-policy correct against it (docs/inputs.md)\n');
    }
    const t = config.topics;
    if (sim.shape !== 'labeljoin' && (t.engagements.length > 1 || t.engagements[0] === t.views)) {
      throw new UsageError(`--shape ${sim.shape} writes one views topic and one engagements topic; several engagement topics and --events-topic take --shape labeljoin`);
    }
    let encoder: SimEncoder | undefined;
    if (sim.shape === 'foreign') encoder = await foreignEncoder(requireSchemaLookup(config, ctx.log, '--shape foreign'), { views: t.views, engagements: t.engagements[0]! });
    else if (sim.shape === 'compact') {
      try {
        encoder = compactEncoder(config.join.labelTypes);
      } catch (error) {
        if (error instanceof RangeError) throw new UsageError(`--shape compact: ${error.message}; give --label-types from those`);
        throw error;
      }
    }
    const abort = new AbortController();
    const stop = (): void => {
      process.stderr.write('simulate: stopping: no new views; sending what is in flight and finishing the truth\n');
      abort.abort();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let summary;
    try {
      summary = await simulate(
        {
          ...sim,
          workload: workloadOptions(config, partitions, systemClock, { ...(encoder === undefined ? {} : { userKey: encoder.userKey }), ...(sim.shape === 'compact' ? { ids: 'sequenced' as const } : {}) }),
          encoder,
          viewsTopic: config.topics.views,
          engagementTopics: config.topics.engagements,
          kindHeader: config.topics.kindHeader,
          truthFile,
          signal: abort.signal,
        },
        // A send that fails while Kafka is away (a broker restarting, a leader failing over) is sent
        // again, as the joiner does, for up to --reconnect-timeout; the joiner drops the repeats by event id.
        { send: (records) => retryWhileUnavailable(() => producer.send(records), { what: 'a send of simulated events', service: 'Kafka', timeoutMs: config.join.reconnectTimeoutMs, clock: systemClock, log: ctx.log }) },
        systemClock,
        (p) => process.stderr.write(`simulate: ${fmt(p.sent)} sent (${fmt(p.perSecond)}/s), ${fmt(p.views)} views, ${fmt(p.engagements)} engagements, ${(p.elapsedMs / 1000).toFixed(1)} s\n`),
      );
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await producer.close();
    }
    const s = summary;
    const seconds = s.elapsedMs / 1000;
    ctx.out(`simulate: done in ${seconds.toFixed(1)} s: ${fmt(s.sent)} records (${fmt(s.sent / Math.max(seconds, 0.001))}/s, ${(s.bytes / 1e6).toFixed(1)} MB before compression)`);
    ctx.out(`  views ${fmt(s.views)}, engagements ${fmt(s.engagements)} (${fmt(s.engagementsBeforeView)} arrived before their view), duplicates sent ${fmt(s.duplicates)}`);
    ctx.out(`  late views ${fmt(s.earlyViews)}, engagements beyond the window ${fmt(s.lateTail)}, late arrivals ${fmt(s.lateArrivals)}, dropped for the idle partition ${fmt(s.idleDropped)}`);
    if (s.firstTs !== undefined && s.lastTs !== undefined) ctx.out(`  event time ${new Date(s.firstTs).toISOString()} .. ${new Date(s.lastTs).toISOString()}`);
    if (truthFile !== undefined) ctx.out(`  truth: ${fmt(s.truthRows)} views in ${truthFile} (NDJSON)`);
    return 0;
  },
};

/** The first line's word for a shape other than labeljoin's own (which says its format). */
const SHAPE_LINES: Readonly<Partial<Record<string, string>>> = { foreign: 'foreign shape (Schema Registry framing)', compact: 'compact shape (plain Avro, user in the key, time in the record timestamp)' };

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Where the events go, for the first line: "views + engagements", or "events (views and engagements, kind header labeljoin-kind)". */
function inputsLine(t: { readonly views: string; readonly engagements: readonly string[]; readonly kindHeader: string }): string {
  if (t.engagements.length === 1 && t.engagements[0] === t.views) return `${t.views} (views and engagements, kind header ${t.kindHeader})`;
  return `${t.views} + ${t.engagements.join(', ')}`;
}
