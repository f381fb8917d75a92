/**
 * What `labeljoin join` prints when it ends: one summary object, printed as
 * JSON with --json, else as the text lines made from the same object (so the
 * two always carry the same numbers).
 */
import type { JoinCounters } from '../join/counters.js';
import type { Delivery } from '../join/delivery.js';
import type { JoinSummary } from '../join/joiner.js';

export interface JoinSummaryJson {
  readonly command: 'join';
  readonly delivery: Delivery['mode'];
  /** True for a --drain run (it joined the input to its end), false for a live run stopped by a signal. */
  readonly drained: boolean;
  readonly seconds: number;
  /** Views and engagements read per second of the run. */
  readonly inputsPerSecond: number;
  /** The views partitions this instance joined. */
  readonly partitions: readonly number[];
  readonly counters: JoinCounters;
}

export function joinSummaryJson(summary: JoinSummary, mode: Delivery['mode'], drained: boolean): JoinSummaryJson {
  const c = summary.counters;
  const seconds = summary.elapsedMs / 1000;
  return {
    command: 'join',
    delivery: mode,
    drained,
    seconds,
    inputsPerSecond: Math.round((c.viewsIn + c.engagementsIn) / Math.max(seconds, 0.001)),
    partitions: summary.partitions,
    counters: c,
  };
}

export function joinSummaryLines(s: JoinSummaryJson): string[] {
  const c = s.counters;
  return [
    `join (${s.delivery}): ${s.drained ? 'drained' : 'stopped'} after ${s.seconds.toFixed(1)} s: ${c.viewsIn} views and ${c.engagementsIn} engagements in (${s.inputsPerSecond}/s), ${c.samplesOut} samples out${c.negativesDropped > 0 ? ` (${c.negativesDropped} negatives dropped by downsampling)` : ''}, partitions ${s.partitions.join(',')}`,
    `  positives ${Object.entries(c.positives).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  duplicates ${c.duplicateViews} views + ${c.duplicateEngagements} engagements, late ${c.late}, corrections ${c.corrections}, orphans ${c.orphans}, dead-lettered ${c.deadLettered}${c.deadLettered > 0 ? ` ${JSON.stringify(c.deadLetteredBy)}` : ''}${c.timeOutliers.views + c.timeOutliers.engagements > 0 ? `, time outliers ${c.timeOutliers.views} views + ${c.timeOutliers.engagements} engagements` : ''}${c.replayedEngagements > 0 ? `, engagements re-read after a restart ${c.replayedEngagements}` : ''}${c.replayedViews > 0 ? `, views joined again silently after a restart ${c.replayedViews}` : ''}${c.lostToRetention > 0 ? `, LOST TO RETENTION ${c.lostToRetention}` : ''}${wrongPartition(c)}`,
  ];
}

/** ", in the wrong partition: views 3 (partition 2), engagements ..." when any record was. */
function wrongPartition(c: JoinCounters): string {
  const parts = (['views', 'engagements'] as const)
    .map((input) => [input, Object.entries(c.wrongPartition[input])] as const)
    .filter(([, byPartition]) => byPartition.length > 0)
    .map(([input, byPartition]) => `${input} ${byPartition.reduce((n, [, k]) => n + k, 0)} (partition ${byPartition.map(([p]) => p).join(',')})`);
  return parts.length === 0 ? '' : `, IN THE WRONG PARTITION ${parts.join(', ')}`;
}
