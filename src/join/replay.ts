/**
 * Corrections across a restart (late policy "correct"; docs/operations.md,
 * "Corrections after a restart"). A late engagement corrects the sample of an
 * emitted view from what the state keeps of it: its labels and its version.
 * That state is not in Kafka, but it is a function of the logs: so a new owner
 * of partition p rebuilds it by joining again, silently, the views an earlier
 * run emitted whose correction horizon is still open at the committed offset c.
 *
 *   anchor    the event time recovery anchors on at c (./input-reader.ts)
 *   from      anchor - replayHorizonMs: every emitted view the uninterrupted run
 *             still remembers at c is at or after it (an emitted view is
 *             remembered emittedKeepMs after its time, judged by a watermark at
 *             least anchor - viewDisorder, and views come at most viewDisorder
 *             + outOfOrderness out of their time order)
 *   R         the first views offset whose record timestamp is >= from
 *             (offsets-for-times); the views reader starts at R, not c
 *   silent    views R..c-1, and the engagements taken while one of them is not
 *             joined yet, are joined as the earlier run joined them (same
 *             lockstep, same labels, same versions) and nothing is output
 *
 * From c on the output is the uninterrupted run's: same sample ids, same
 * versions. What it costs: the views of replayHorizonMs before the anchor, and
 * the engagements from their start, read again once per assignment. Bounded
 * by allowed lateness: replayHorizonMs = 2 x window + allowedLateness + maxSkew
 * + 2 x viewDisorder + outOfOrderness. Under "drop" nothing is replayed.
 */
import { emittedKeepMs, type IndexTimes } from './engagement-index.js';

export interface ReplayTimes extends IndexTimes {
  readonly outOfOrdernessMs: number;
}

/** How far before the anchor time the views are joined again after a restart under "correct". */
export function replayHorizonMs(t: ReplayTimes): number {
  return emittedKeepMs(t) + t.viewDisorderMs + t.outOfOrdernessMs;
}

/** The event time from which views are read again (never before 0). */
export function replayFrom(anchor: number, t: ReplayTimes): number {
  return Math.max(0, anchor - replayHorizonMs(t));
}
