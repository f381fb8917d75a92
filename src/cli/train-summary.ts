/**
 * What `labeljoin train` prints when it ends: one summary object, printed as
 * JSON with --json, else as the text lines made from the same object (so the
 * two always carry the same numbers).
 */
import type { WindowReport } from '../train/evaluation.js';
import type { TrainCounters, TrainSummary } from '../train/trainer.js';

export interface TrainSummaryJson {
  readonly command: 'train';
  readonly instance: number;
  readonly instances: number;
  /** "embedded" or "redis". */
  readonly store: string;
  readonly seconds: number;
  readonly samplesPerSecond: number;
  /** The samples partitions this instance owns. */
  readonly partitions: readonly number[];
  readonly counters: TrainCounters;
  /** Mean time of one store commit (one batch). */
  readonly storeMsPerBatch: number;
  /** Views the de-dup memory remembered at exit, over all owned partitions. */
  readonly dedupViews: number;
  /** Progressive validation per --eval-window samples; an AUC that is not defined (one class only) is NaN, null in JSON. */
  readonly windows: readonly WindowReport[];
}

export function trainSummaryJson(summary: TrainSummary, instance: number, instances: number, store: string): TrainSummaryJson {
  const c = summary.counters;
  const seconds = summary.elapsedMs / 1000;
  return {
    command: 'train',
    instance,
    instances,
    store,
    seconds,
    samplesPerSecond: Math.round(c.samplesIn / Math.max(seconds, 0.001)),
    partitions: summary.partitions,
    counters: c,
    storeMsPerBatch: c.storeCommits === 0 ? 0 : c.storeMsTotal / c.storeCommits,
    dedupViews: Object.values(summary.dedupEntries).reduce((a, b) => a + b, 0),
    windows: summary.windows,
  };
}

export function trainSummaryLines(s: TrainSummaryJson): string[] {
  const c = s.counters;
  const lines = [
    `train (instance ${s.instance} of ${s.instances}, ${s.store} store): ${s.seconds.toFixed(1)} s, partitions ${s.partitions.join(',')}: ${c.samplesIn} samples in (${s.samplesPerSecond}/s), applied ${c.applied}, duplicates skipped ${c.duplicates}, older versions skipped ${c.stale}, corrections ${c.corrections}, dead-lettered ${c.deadLettered}`,
    `  model steps ${c.updates}; store ${c.storeCommits} batches, ${s.storeMsPerBatch.toFixed(1)} ms per batch (max ${c.storeMsMax.toFixed(0)}); de-dup memory ${s.dedupViews} views`,
  ];
  if (s.windows.length > 0) {
    lines.push('  progressive validation (scored before learning): window, samples, per signal AUC / logloss [frozen AUC / logloss]');
    for (const w of s.windows) {
      const cells = Object.entries(w.signals).map(([name, v]) => `${name} ${fmt(v.auc)}/${fmt(v.logloss)}${v.frozenAuc === undefined ? '' : ` [${fmt(v.frozenAuc)}/${fmt(v.frozenLogloss ?? Number.NaN)}]`}`);
      lines.push(`  ${String(w.window).padStart(4)} ${String(w.samples).padStart(8)}  ${cells.join('  ')}`);
    }
  }
  return lines;
}

function fmt(x: number): string {
  return Number.isNaN(x) ? '-' : x.toFixed(3);
}
