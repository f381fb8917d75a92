/**
 * Counters of every outcome of the joiner, plain numbers read by the progress
 * line, the final summary and the metrics endpoint; and the hooks an observer
 * (the metrics of src/observe, wired by the CLI) gets for what is not a count.
 */
import type { SampleRecord } from '../codec/events.js';

/** Called by the joiner as things happen; must be cheap (it runs on the hot path). */
export interface JoinObserver {
  sampleEmitted(sample: SampleRecord): void;
  committed(durationMs: number): void;
}

/** Where one assigned partition stands, for metrics. */
export interface PartitionState {
  readonly partition: number;
  /** Engagement watermark (event time, ms); -Infinity before any engagement. */
  readonly watermark: number;
  /** Next views offset not yet joined, and the views end offset seen last. */
  readonly viewsPosition: bigint;
  readonly viewsEnd: bigint;
  /** Per engagement topic (in the configured order): the next offset to read, and the end offset seen last (-1: none yet). */
  readonly engagements: ReadonlyArray<{ readonly position: bigint; readonly end: bigint }>;
  /** Event time of the newest view joined. */
  readonly newestJoinedTs: number | undefined;
}

export interface JoinCounters {
  viewsIn: number;
  engagementsIn: number;
  /** engagements read again after a restart to rebuild the index (not counted in engagementsIn) */
  replayedEngagements: number;
  /** views joined again silently after a restart under late policy "correct", to rebuild their labels and versions (not in viewsIn) */
  replayedViews: number;
  samplesOut: number;
  /** all-negative samples not emitted under negative downsampling (--negative-share below 1) */
  negativesDropped: number;
  /** samples whose label t is 1, by type */
  positives: Record<string, number>;
  duplicateViews: number;
  duplicateEngagements: number;
  /** engagements that arrived after a view they match was emitted */
  late: number;
  /** new sample versions emitted for late engagements (late policy "correct") */
  corrections: number;
  /** engagements that expired without matching any view */
  orphans: number;
  deadLettered: number;
  /**
   * records whose event time their partition's data refuted (more than --max-jump ahead of
   * the partition's confirmed time, not confirmed by the next records), by input;
   * kept as data or dead-lettered by --outlier-policy, never moving time
   */
  timeOutliers: { views: number; engagements: number };
  /** views and engagements deleted (by retention) before the joiner read them */
  lostToRetention: number;
  /** dead-lettered records by error code */
  deadLetteredBy: Record<string, number>;
  /** records in another partition than their key and the topic's partitioner give, by input and partition (./partition-check.ts) */
  wrongPartition: { views: Record<number, number>; engagements: Record<number, number> };
  commits: number;
}

export function newCounters(labelTypes: readonly string[]): JoinCounters {
  return {
    viewsIn: 0,
    engagementsIn: 0,
    replayedEngagements: 0,
    replayedViews: 0,
    samplesOut: 0,
    negativesDropped: 0,
    positives: Object.fromEntries(labelTypes.map((t) => [t, 0])),
    duplicateViews: 0,
    duplicateEngagements: 0,
    late: 0,
    corrections: 0,
    orphans: 0,
    deadLettered: 0,
    timeOutliers: { views: 0, engagements: 0 },
    lostToRetention: 0,
    deadLetteredBy: {},
    wrongPartition: { views: {}, engagements: {} },
    commits: 0,
  };
}
