/**
 * Where the join of one partition number p stands: the views and engagements
 * of p handed to the operator but not processed yet (one fetch of each at
 * most, so memory is bounded by the fetch size), the next views offset not yet
 * joined, and the event times the late check and expiry need.
 */
import type { SourceRecord } from '../codec/dead-letter.js';
import type { EngagementEvent, ViewEvent } from '../codec/events.js';

/** A view handed to the operator: decoded, or null when it was bad (already dead-lettered). */
export interface HeldView {
  readonly record: SourceRecord;
  readonly view: ViewEvent | null;
}

export interface PartitionStart {
  /** The first views offset the reader will hand over. */
  readonly views: bigint;
  /**
   * After a restart: engagements older than this were read by the earlier run
   * (the last view it joined was due at this time); they are indexed again but
   * not counted again.
   */
  readonly replayBefore?: number | undefined;
  /** Event time of the newest view the earlier run joined. */
  readonly newestJoinedTs?: number | undefined;
}

export class PartitionJoin {
  readonly partition: number;
  heldViews: HeldView[] = [];
  heldEngagements: EngagementEvent[] = [];
  /** The record of each held engagement (same index), for a dead-letter copy. */
  heldEngagementRecords: SourceRecord[] = [];
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
  /** Whether the reader has handed over every engagement there is now. */
  engagementsAtEnd = false;
  /** Time of the newest view handed over: a lower bound, less view disorder, for views not handed over yet. */
  newestViewTs: number | undefined;
  /** Time of the newest view joined (or remembered as joined): engagements newer than it + window cannot be late. */
  newestEmittedTs: number | undefined;
  readonly replayBefore: number;
  /**
   * The highest finite watermark of the partition so far: the time by which
   * ids stop counting as seen (./id-memory.ts). Monotone, unlike the watermark
   * itself (an idle partition's borrowed time goes when it is active again).
   */
  timeHigh = Number.NEGATIVE_INFINITY;

  constructor(partition: number, start: PartitionStart) {
    this.partition = partition;
    this.nextView = start.views;
    this.released = start.views;
    this.replayBefore = start.replayBefore ?? Number.NEGATIVE_INFINITY;
    this.newestEmittedTs = start.newestJoinedTs;
  }

  engagementsCaughtUp(): boolean {
    return this.engagementsAtEnd && this.heldEngagements.length === 0;
  }
}
