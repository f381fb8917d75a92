/**
 * Where the join of one partition number p stands: the views and engagements
 * of p handed to the operator but not processed yet (one fetch of each input
 * at most, so memory is bounded by the fetch size, two while a view's time is
 * being confirmed), the next views offset not yet joined, the confirmed event
 * time of each input (../time/confirmed-time.ts) and the event times the late
 * check and expiry need.
 *
 * The engagements of p come in one lane per engagement topic (one lane when
 * there is one topic; a consolidated topic is one lane too). Each lane has its
 * own confirmed time; the operator merges the lanes (./operator.ts).
 */
import type { SourceRecord } from '../codec/dead-letter.js';
import type { EngagementEvent, ViewEvent } from '../codec/events.js';
import { ConfirmedTime, type ConfirmationRule } from '../time/confirmed-time.js';

/**
 * Where a held view's time stands:
 *   in-time  its time is confirmed: joined once the watermark passes ts + window;
 *   pending  a candidate ahead of the views' confirmed time: waits for its verdict (the next views);
 *   outlier  refuted, kept as data (policy hold): joined as a view at the time the views had when it came.
 */
export type ViewTimeState = 'in-time' | 'pending' | 'outlier';

/** A view handed to the operator: decoded, or null when it was bad (already dead-lettered). */
export interface HeldView {
  readonly offset: bigint;
  view: ViewEvent | null;
  time: ViewTimeState;
  /** The event time its due time and the expiry bound go by: ts once in time, else the views' confirmed time when it came. */
  dueTs: number;
  /** The record, while it may still go to the dead-letter topic (pending). */
  record: SourceRecord | undefined;
  /** The record it came in (undefined when remembered from an earlier run): for a conflict's dead-letter copy. */
  readonly source: SourceRecord | undefined;
  /** Read again after a restart (joined by the earlier run): it only carries the views' time on. */
  readonly remembered: boolean;
}

/** An engagement handed to the operator, with its record (an outlier may go to the dead-letter topic). */
export interface HeldEngagement {
  readonly e: EngagementEvent;
  readonly record: SourceRecord;
}

export interface PartitionStart {
  /** The first views offset the reader will hand over. */
  readonly views: bigint;
  /** How many engagement lanes (topics) p has (default 1). */
  readonly lanes?: number | undefined;
  /**
   * After a restart: engagements older than this were read by the earlier run
   * (the last view it joined was due at this time); they are indexed again but
   * not counted again.
   */
  readonly replayBefore?: number | undefined;
  /** Event time of the newest view the earlier run joined. */
  readonly newestJoinedTs?: number | undefined;
  /**
   * After a restart under the late policy "correct" (./replay.ts): the offset the
   * earlier run committed. The views before it (read again from `views` on, an
   * earlier offset) and the engagements taken while one of them is still to
   * join are joined again silently: the state gets their labels and versions,
   * nothing is output (the earlier run output it).
   */
  readonly silentBefore?: bigint | undefined;
}

/** Lanes per partition number at most: a lane's key in the engagement time is partition * MAX_LANES + lane. */
export const MAX_LANES = 64;

/** The engagements of one engagement topic of partition p. */
export class EngagementLane {
  readonly index: number;
  /** This lane's key in the engagement time (../time/watermarks.ts). */
  readonly timeKey: number;
  /** Handed over, not yet taken; held[0, taken) were taken during the current advance. */
  held: HeldEngagement[] = [];
  taken = 0;
  /** Whether the reader has handed over every engagement of the lane there is now. */
  atEnd = false;
  /** Drain: the reader has handed over everything up to the lane's drain end. */
  atFinalEnd = false;
  /** The lane's confirmed time (ts order of its log). */
  readonly time: ConfirmedTime<HeldEngagement>;

  constructor(partition: number, index: number, rule: ConfirmationRule) {
    this.index = index;
    this.timeKey = partition * MAX_LANES + index;
    this.time = new ConfirmedTime(rule, (a, b) => a.e.event_id.equals(b.e.event_id));
  }

  /** The next engagement to take, if one is held. */
  next(): HeldEngagement | undefined {
    return this.held[this.taken];
  }

  caughtUp(): boolean {
    return this.atEnd && this.held.length === this.taken;
  }

  /** Drain: nothing more will come from this lane (it no longer holds the partition's time back). */
  get final(): boolean {
    return this.atFinalEnd && this.held.length === this.taken;
  }
}

export class PartitionJoin {
  readonly partition: number;
  heldViews: HeldView[] = [];
  /** One per engagement topic, in the order the topics are configured. */
  readonly lanes: readonly EngagementLane[];
  /** Next views offset the reader will hand over. */
  nextView: bigint;
  /** Next views offset not yet joined: what may be committed once the samples before it are durable. */
  released: bigint;
  /**
   * Whether the reader has handed over every view there is now (live: this
   * cycle's fetch found no view beyond the held ones). Only then may
   * engagements go further than the held views: a view appended since could
   * be due already and needs the engagements before it, not after.
   */
  viewsCaughtUp = false;
  /** Time of the newest view handed over: a lower bound, less view disorder, for views not handed over yet. */
  newestViewTs: number | undefined;
  /** Time of the newest view joined (or remembered as joined): engagements newer than it + window cannot be late. */
  newestEmittedTs: number | undefined;
  readonly replayBefore: number;
  /** Views offsets before this were joined and output by an earlier run (-1: none): see PartitionStart. */
  readonly silentBefore: bigint;
  /** The views' confirmed time (ts order of the views log). */
  readonly viewTime: ConfirmedTime<HeldView>;

  /**
   * The highest finite watermark of the partition so far: the time by which
   * ids stop counting as seen (./id-memory.ts). Monotone, unlike the watermark
   * itself (an idle partition's borrowed time goes when it is active again).
   */
  timeHigh = Number.NEGATIVE_INFINITY;

  constructor(partition: number, start: PartitionStart, rule: ConfirmationRule) {
    this.partition = partition;
    this.viewTime = new ConfirmedTime(rule, (a, b) => a.view !== null && b.view !== null && a.view.event_id.equals(b.view.event_id));
    const lanes = start.lanes ?? 1;
    if (!Number.isInteger(lanes) || lanes < 1 || lanes > MAX_LANES) throw new RangeError(`engagement lanes: expected 1 to ${MAX_LANES}, got ${lanes}`);
    this.lanes = Array.from({ length: lanes }, (_, i) => new EngagementLane(partition, i, rule));
    this.nextView = start.views;
    this.released = start.views;
    this.replayBefore = start.replayBefore ?? Number.NEGATIVE_INFINITY;
    this.newestEmittedTs = start.newestJoinedTs;
    this.silentBefore = start.silentBefore ?? -1n;
  }

  /** Whether the partition is still replaying what an earlier run output: some view before silentBefore is not joined yet. */
  get silent(): boolean {
    return this.released < this.silentBefore;
  }

  /** Every engagement lane has handed over and taken all there is now. */
  engagementsCaughtUp(): boolean {
    for (const lane of this.lanes) if (!lane.caughtUp()) return false;
    return true;
  }

  /** Engagements handed over and not yet taken, over the lanes. */
  heldEngagementCount(): number {
    let n = 0;
    for (const lane of this.lanes) n += lane.held.length - lane.taken;
    return n;
  }
}
