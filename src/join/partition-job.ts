/**
 * One assigned partition number p: the reading positions of views p and
 * engagements p, and the records fetched but not processed yet (one fetch of
 * each at most, so memory is bounded by the fetch size).
 */
import type { ViewEvent } from '../codec/events.js';
import type { ConsumedRecord } from '../kafka/fetcher.js';

/** A fetched view: decoded, or null when it was bad (already dead-lettered). */
export interface HeldView {
  readonly offset: bigint;
  readonly view: ViewEvent | null;
}

export class PartitionJob {
  readonly partition: number;
  /** Next views offset to fetch. */
  viewPos: bigint;
  /** Next views offset not yet joined: what is committed once the samples before it are acknowledged. */
  released: bigint;
  /** Last committed views offset. */
  committed: bigint;
  /** Next engagements offset to fetch. */
  engPos: bigint;
  heldViews: HeldView[] = [];
  heldEngagements: ConsumedRecord[] = [];
  /** End offsets seen by the last fetch of each topic (high watermark or LSO). */
  viewEnd = -1n;
  engEnd = -1n;
  /**
   * Live mode: whether this cycle's views fetch found no view beyond the held
   * ones. Only then may engagements go further: a view appended since could be
   * due already and needs the engagements before it, not after.
   */
  viewsAtEndThisCycle = false;
  /** Time of the newest view fetched: a lower bound, less view disorder, for views not fetched yet. */
  newestViewTs: number | undefined;
  /** Time of the newest view joined (or remembered as joined by an earlier run): engagements newer than it + window cannot be late. */
  newestEmittedTs: number | undefined;
  /** In drain mode: the end offsets at start; nothing beyond is read. */
  readonly drainViewEnd: bigint | undefined;
  readonly drainEngEnd: bigint | undefined;
  /**
   * After a restart: engagements older than the last joined view's time +
   * window were read by the earlier run (that view was due); they are indexed
   * again but not counted again.
   */
  readonly replayBefore: number;

  constructor(partition: number, start: { views: bigint; engagements: bigint; drainViewEnd?: bigint; drainEngEnd?: bigint; replayBefore?: number }) {
    this.partition = partition;
    this.viewPos = start.views;
    this.released = start.views;
    this.committed = start.views;
    this.engPos = start.engagements;
    this.drainViewEnd = start.drainViewEnd;
    this.drainEngEnd = start.drainEngEnd;
    this.replayBefore = start.replayBefore ?? Number.NEGATIVE_INFINITY;
  }

  /** Whether every view there is (up to the drain end, in drain mode) has been fetched. */
  viewsCaughtUp(): boolean {
    if (this.drainViewEnd !== undefined) return this.viewPos >= this.drainViewEnd;
    return this.viewsAtEndThisCycle;
  }

  engagementsCaughtUp(): boolean {
    if (this.drainEngEnd !== undefined) return this.engPos >= this.drainEngEnd && this.heldEngagements.length === 0;
    return this.engEnd >= 0n && this.engPos >= this.engEnd && this.heldEngagements.length === 0;
  }

  wantsViews(): boolean {
    return this.heldViews.length === 0 && (this.drainViewEnd === undefined || this.viewPos < this.drainViewEnd);
  }

  wantsEngagements(): boolean {
    return this.heldEngagements.length === 0 && (this.drainEngEnd === undefined || this.engPos < this.drainEngEnd);
  }

  /** Drain mode: every view up to the end has been joined and every engagement up to the end processed. */
  drained(): boolean {
    return this.drainViewEnd !== undefined && this.released >= this.drainViewEnd && this.heldViews.length === 0 && this.engagementsCaughtUp();
  }
}
