/**
 * Prometheus metrics of the joiner and the trainer (prom-client). Counts are
 * read from the components' own counters when Prometheus scrapes (nothing on
 * the hot path); latencies and delays are histograms fed by the observer hooks
 * the components call (src/join/counters.ts JoinObserver, the trainer's
 * batchCommitted).
 *
 * The components are described here by the shape this module needs, not
 * imported (observe and join/train are one layer; the CLI wires them).
 * Every metric is listed, with its meaning, in docs/operations.md.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SampleRecord } from '../codec/events.js';
import type { Clock } from '../time/clock.js';

export interface JoinSource {
  readonly counters: {
    readonly viewsIn: number;
    readonly engagementsIn: number;
    readonly samplesOut: number;
    /** all-negative samples not emitted (negative downsampling) */
    readonly negativesDropped?: number;
    readonly positives: Readonly<Record<string, number>>;
    readonly duplicateViews: number;
    readonly duplicateEngagements: number;
    readonly late: number;
    readonly corrections: number;
    readonly orphans: number;
    readonly deadLetteredBy: Readonly<Record<string, number>>;
    readonly lostToRetention: number;
    readonly timeOutliers: { readonly views: number; readonly engagements: number };
    readonly wrongPartition: { readonly views: Readonly<Record<number, number>>; readonly engagements: Readonly<Record<number, number>> };
  };
  partitionStates(): ReadonlyArray<{
    readonly partition: number;
    readonly watermark: number;
    readonly viewsPosition: bigint;
    readonly viewsEnd: bigint;
    readonly engagements: ReadonlyArray<{ readonly position: bigint; readonly end: bigint }>;
    readonly newestJoinedTs: number | undefined;
  }>;
  indexSize(): number;
}

export interface TrainSource {
  readonly counters: {
    readonly samplesIn: number;
    readonly applied: number;
    readonly duplicates: number;
    readonly stale: number;
    readonly corrections: number;
    readonly deadLettered: number;
    readonly updates: number;
  };
  readonly validation: { readonly windows: ReadonlyArray<{ readonly window: number; readonly signals: Readonly<Record<string, { readonly auc: number; readonly logloss: number; readonly positives: number }>> }> };
  readonly positions: ReadonlyMap<number, { readonly position: bigint; readonly end: bigint }>;
}

export function newRegistry(component: 'join' | 'train', instance: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component, instance });
  collectDefaultMetrics({ register: registry });
  return registry;
}

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600];
const DELAY_BUCKETS = [0, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];
const COMMIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface JoinMetricsOptions {
  readonly labelTypes: readonly string[];
  readonly windowMs: number;
  readonly viewsTopic: string;
  readonly engagementTopics: readonly string[];
  readonly clock: Clock;
}

/** The joiner's metrics; `observer` goes into the joiner's deps, `attach` gives the joiner once it exists. */
export class JoinMetrics {
  readonly observer: { sampleEmitted(sample: SampleRecord): void; committed(durationMs: number): void };
  #source: JoinSource | undefined;

  constructor(registry: Registry, o: JoinMetricsOptions) {
    const registers = [registry];
    const src = (): JoinSource | undefined => this.#source;
    const counter = (name: string, help: string, value: (s: JoinSource) => number): void => {
      new Counter({ name, help, registers, collect() {
        const s = src();
        this.reset();
        if (s !== undefined) this.inc(value(s));
      } });
    };
    new Counter({ name: 'labeljoin_join_records_in_total', help: 'Input records joined or indexed, by input (views, engagements) and topic (duplicates included)', labelNames: ['input', 'topic'], registers, collect() {
      const s = src();
      this.reset();
      if (s === undefined) return;
      this.inc({ input: 'views', topic: o.viewsTopic }, s.counters.viewsIn);
      this.inc({ input: 'engagements', topic: o.engagementTopics.join(',') }, s.counters.engagementsIn);
    } });
    counter('labeljoin_join_samples_out_total', 'Samples emitted (first versions)', (s) => s.counters.samplesOut);
    counter('labeljoin_join_negatives_dropped_total', 'All-negative samples not emitted under negative downsampling (--negative-share)', (s) => s.counters.negativesDropped ?? 0);
    new Counter({ name: 'labeljoin_join_labels_total', help: 'Samples emitted, by label type and label value', labelNames: ['label', 'value'], registers, collect() {
      const s = src();
      this.reset();
      if (s === undefined) return;
      for (const t of o.labelTypes) {
        const ones = s.counters.positives[t] ?? 0;
        this.inc({ label: t, value: '1' }, ones);
        this.inc({ label: t, value: '0' }, s.counters.samplesOut - ones);
      }
    } });
    new Counter({ name: 'labeljoin_join_duplicates_total', help: 'Input records dropped as repeats of an event_id, by kind', labelNames: ['kind'], registers, collect() {
      const s = src();
      this.reset();
      if (s === undefined) return;
      this.inc({ kind: 'view' }, s.counters.duplicateViews);
      this.inc({ kind: 'engagement' }, s.counters.duplicateEngagements);
    } });
    counter('labeljoin_join_late_total', 'Engagements that arrived after a view they match was emitted', (s) => s.counters.late);
    counter('labeljoin_join_corrections_total', 'New sample versions emitted for late engagements (late policy correct)', (s) => s.counters.corrections);
    counter('labeljoin_join_orphans_total', 'Engagements that expired without matching any view', (s) => s.counters.orphans);
    counter('labeljoin_join_lost_to_retention_total', 'Input records deleted by retention before the joiner read them', (s) => s.counters.lostToRetention);
    new Counter({ name: 'labeljoin_join_time_outliers_total', help: 'Records whose event time their partition refuted (more than --max-jump ahead, not confirmed by the next records): never moved time; kept as data or dead-lettered by --outlier-policy, by input', labelNames: ['input'], registers, collect() {
      const s = src();
      this.reset();
      if (s === undefined) return;
      this.inc({ input: 'views' }, s.counters.timeOutliers.views);
      this.inc({ input: 'engagements' }, s.counters.timeOutliers.engagements);
    } });
    new Counter({ name: 'labeljoin_join_wrong_partition_total', help: 'Records in another partition than their key and the topic\'s partitioner give (--views-partitioner, --engagements-partitioner): dead-lettered or accepted by --wrong-partition, by input and partition', labelNames: ['input', 'partition'], registers, collect() {
      const s = src();
      this.reset();
      if (s === undefined) return;
      for (const input of ['views', 'engagements'] as const) for (const [partition, n] of Object.entries(s.counters.wrongPartition[input])) this.inc({ input, partition }, n);
    } });
    new Counter({ name: 'labeljoin_join_dead_lettered_total', help: 'Bad input records sent to the dead-letter topic, by error code', labelNames: ['code'], registers, collect() {
      const s = src();
      this.reset();
      if (s === undefined) return;
      for (const [code, n] of Object.entries(s.counters.deadLetteredBy)) this.inc({ code }, n);
    } });
    new Gauge({ name: 'labeljoin_join_index_engagements', help: 'Engagements held by the engagement index', registers, collect() {
      const s = src();
      if (s !== undefined) this.set(s.indexSize());
    } });
    new Gauge({ name: 'labeljoin_join_watermark_seconds', help: 'Engagement watermark per partition (event time, seconds since the epoch)', labelNames: ['partition'], registers, collect() {
      this.reset();
      for (const p of src()?.partitionStates() ?? []) if (Number.isFinite(p.watermark)) this.set({ partition: String(p.partition) }, p.watermark / 1000);
    } });
    new Gauge({ name: 'labeljoin_join_watermark_lag_seconds', help: 'Wall-clock time minus the engagement watermark, per partition', labelNames: ['partition'], registers, collect() {
      this.reset();
      const now = o.clock.now();
      for (const p of src()?.partitionStates() ?? []) if (Number.isFinite(p.watermark)) this.set({ partition: String(p.partition) }, (now - p.watermark) / 1000);
    } });
    new Gauge({ name: 'labeljoin_join_view_lag_beyond_window_seconds', help: 'How far the newest joined view trails the wall clock beyond the join window (views are joined a window late by design), per partition', labelNames: ['partition'], registers, collect() {
      this.reset();
      const now = o.clock.now();
      for (const p of src()?.partitionStates() ?? []) {
        // Every view of the partition joined (none read and waiting): nothing lags, however old the last view is.
        if (p.viewsEnd >= 0n && p.viewsPosition >= p.viewsEnd) this.set({ partition: String(p.partition) }, 0);
        else if (p.newestJoinedTs !== undefined) this.set({ partition: String(p.partition) }, Math.max(0, now - p.newestJoinedTs - o.windowMs) / 1000);
      }
    } });
    new Gauge({ name: 'labeljoin_join_consumer_lag_records', help: 'End offset minus reading position, per input (views, engagements), topic and partition (views include those held for their window)', labelNames: ['input', 'topic', 'partition'], registers, collect() {
      this.reset();
      for (const p of src()?.partitionStates() ?? []) {
        const partition = String(p.partition);
        if (p.viewsEnd >= 0n) this.set({ input: 'views', topic: o.viewsTopic, partition }, Number(p.viewsEnd - p.viewsPosition));
        p.engagements.forEach((lane, i) => {
          if (lane.end >= 0n) this.set({ input: 'engagements', topic: o.engagementTopics[i] ?? '', partition }, Number(lane.end - lane.position));
        });
      }
    } });
    const commit = new Histogram({ name: 'labeljoin_join_commit_seconds', help: 'Duration of a send-and-commit (samples acknowledged, then view offsets committed)', buckets: COMMIT_BUCKETS, registers });
    const latency = new Histogram({ name: 'labeljoin_join_emit_latency_seconds', help: 'Wall-clock time of emission minus the end of the view\'s window (view ts + window)', buckets: LATENCY_BUCKETS, registers });
    const delay = new Histogram({ name: 'labeljoin_join_engagement_delay_seconds', help: 'Event time of the earliest matching engagement minus the view\'s, per type, for labels equal to 1', labelNames: ['type'], buckets: DELAY_BUCKETS, registers });
    const delayOf = o.labelTypes.map((t) => delay.labels({ type: t }));
    this.observer = {
      sampleEmitted(sample) {
        latency.observe((sample.emitted_at - sample.view_ts - o.windowMs) / 1000);
        for (let i = 0; i < o.labelTypes.length; i++) {
          const d = sample.delays_ms[o.labelTypes[i]!];
          if (d !== null && d !== undefined) delayOf[i]!.observe(d / 1000);
        }
      },
      committed(ms) {
        commit.observe(ms / 1000);
      },
    };
  }

  attach(source: JoinSource): void {
    this.#source = source;
  }
}

/** The trainer's metrics; `observer` goes into the trainer's deps. */
export class TrainMetrics {
  readonly observer: { batchCommitted(durationMs: number): void };
  #source: TrainSource | undefined;

  constructor(registry: Registry, o: { readonly signals: readonly string[]; readonly samplesTopic: string }) {
    const registers = [registry];
    const src = (): TrainSource | undefined => this.#source;
    new Counter({ name: 'labeljoin_train_samples_total', help: 'Samples read by the trainer, by outcome', labelNames: ['outcome'], registers, collect() {
      const s = src();
      this.reset();
      if (s === undefined) return;
      const c = s.counters;
      this.inc({ outcome: 'applied' }, c.applied);
      this.inc({ outcome: 'duplicate' }, c.duplicates);
      this.inc({ outcome: 'older_version' }, c.stale);
      this.inc({ outcome: 'dead_lettered' }, c.deadLettered);
    } });
    new Counter({ name: 'labeljoin_train_corrections_total', help: 'Newer versions of views applied before (label corrections)', registers, collect() {
      const s = src();
      this.reset();
      if (s !== undefined) this.inc(s.counters.corrections);
    } });
    new Counter({ name: 'labeljoin_train_model_updates_total', help: 'Model steps (applied samples x signals)', registers, collect() {
      const s = src();
      this.reset();
      if (s !== undefined) this.inc(s.counters.updates);
    } });
    const last = (): ReturnType<TrainSource['validation']['windows']['at']> => {
      const w = src()?.validation.windows;
      return w === undefined ? undefined : w[w.length - 1];
    };
    new Gauge({ name: 'labeljoin_train_validation_window', help: 'Number of the last closed progressive-validation window', registers, collect() {
      this.set(last()?.window ?? 0);
    } });
    new Gauge({ name: 'labeljoin_train_auc', help: 'AUC of the live model on the last progressive-validation window, per signal (scored before learning)', labelNames: ['signal'], registers, collect() {
      this.reset();
      const w = last();
      if (w !== undefined) for (const s of o.signals) if (w.signals[s] !== undefined) this.set({ signal: s }, w.signals[s].auc);
    } });
    new Gauge({ name: 'labeljoin_train_window_positives', help: 'Samples with label 1 in the last progressive-validation window, per signal (how much its AUC can mean)', labelNames: ['signal'], registers, collect() {
      this.reset();
      const w = last();
      if (w !== undefined) for (const s of o.signals) if (w.signals[s] !== undefined) this.set({ signal: s }, w.signals[s].positives);
    } });
    new Gauge({ name: 'labeljoin_train_logloss', help: 'Logloss of the live model on the last progressive-validation window, per signal', labelNames: ['signal'], registers, collect() {
      this.reset();
      const w = last();
      if (w !== undefined) for (const s of o.signals) if (w.signals[s] !== undefined) this.set({ signal: s }, w.signals[s].logloss);
    } });
    new Gauge({ name: 'labeljoin_train_consumer_lag_records', help: 'Samples end offset minus the trainer\'s position, per partition', labelNames: ['topic', 'partition'], registers, collect() {
      this.reset();
      for (const [p, x] of src()?.positions ?? []) this.set({ topic: o.samplesTopic, partition: String(p) }, Number(x.end > x.position ? x.end - x.position : 0n));
    } });
    const commit = new Histogram({ name: 'labeljoin_train_commit_seconds', help: 'Duration of a batch\'s store read and commit (rows, de-dup entries, offsets)', buckets: COMMIT_BUCKETS, registers });
    this.observer = {
      batchCommitted(ms) {
        commit.observe(ms / 1000);
      },
    };
  }

  attach(source: TrainSource): void {
    this.#source = source;
  }
}
