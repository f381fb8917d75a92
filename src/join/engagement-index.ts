/**
 * The joiner's state, as the joiner sees it: engagements by (user, post), and
 * the views already emitted (to recognise repeated views, late engagements,
 * corrections and orphans). Everything expires by event time, per partition:
 *
 *   an engagement  once the partition's watermark passes ts + maxSkew + window + viewDisorder
 *   an emitted view once it passes view ts + window + allowedLateness + maxSkew + viewDisorder + window
 *                  (long enough to tell late engagements and orphans apart, and
 *                  to recognise a repeated view: same user, post, time and event id)
 *
 * Two implementations with the same contract (test/join/engagement-index.test.ts
 * runs both): ./memory-index.ts (the default, `--state memory`: typed-array
 * tables, no per-record objects) and ./store-index.ts (`--state disk`: LMDB,
 * for states larger than memory). Neither needs to survive a restart: the
 * joiner rebuilds its state from Kafka (docs/decisions/join-state.md).
 */
import type { EngagementEvent } from '../codec/events.js';
import type { EngagementCandidates } from './labels.js';

export interface IndexedEngagement {
  readonly eventId: Buffer;
  readonly type: number;
  readonly ts: number;
  readonly viewId: Buffer | null;
  /** Whether it has labelled a view (an engagement that never does is an orphan). */
  readonly matched: boolean;
}

export interface EmittedView {
  readonly user: number;
  readonly post: number;
  readonly viewTs: number;
  readonly viewId: Buffer;
  readonly version: number;
  readonly labels: number;
  /** What the outbox keeps to build a correction (./outbox.ts; late policy "correct" only). */
  readonly kept: Buffer | undefined;
}

export interface IndexTimes {
  readonly windowMs: number;
  readonly maxSkewMs: number;
  readonly viewDisorderMs: number;
  readonly allowedLatenessMs: number;
}

export interface ExpiredEngagement {
  readonly user: number;
  readonly post: number;
  readonly engagement: IndexedEngagement;
}

export interface EngagementIndex {
  /** Runs fn as one batch of changes (one write transaction on disk). */
  batch<T>(fn: () => T): T;
  /** Adds an engagement; false when its event_id was seen before for this pair (a duplicate). */
  addEngagement(partition: number, e: EngagementEvent, type: number): boolean;
  /** Records that the engagement labelled a view, so it is no orphan when it expires. */
  markMatched(user: number, post: number, eventId: Buffer): void;
  /**
   * The engagements of (user, post), for the join rule (./labels.ts) to read
   * and mark; valid until the next call on the index.
   */
  candidates(user: number, post: number): EngagementCandidates;
  /** Every indexed engagement of (user, post). */
  engagementsOf(user: number, post: number): IndexedEngagement[];
  /** Whether this view was emitted already (a repeated send of it). */
  wasEmitted(user: number, post: number, viewTs: number, viewId: Buffer): boolean;
  recordEmitted(partition: number, user: number, post: number, viewTs: number, viewId: Buffer, version: number, labels: number, kept: Buffer | undefined): void;
  /** Emitted views of (user, post) with fromTs <= view ts <= toTs, by view time then id. */
  emittedOf(user: number, post: number, fromTs: number, toTs: number): EmittedView[];
  updateEmitted(view: EmittedView, version: number, labels: number, kept: Buffer | undefined): void;
  /**
   * Removes the engagements partition p no longer needs at watermark w and
   * returns those that never labelled a view (the orphan candidates; the
   * caller decides, then calls expireEmitted).
   */
  expire(partition: number, watermark: number): ExpiredEngagement[];
  /** Forgets the emitted views of partition p past their expiry at `watermark`; call after the orphan checks. */
  expireEmitted(partition: number, watermark: number): void;
  /** Drops everything of partition p (the partition moved to another instance). */
  dropPartition(partition: number): void;
  engagementCount(): number;
  /** Emitted views remembered. */
  emittedCount(): number;
  close(): Promise<void>;
}

/** Candidates read from a list of engagements; `mark` is called for each one the rule marks as matched. */
export function listCandidates(list: readonly IndexedEngagement[], mark: (e: IndexedEngagement) => void): EngagementCandidates {
  let i = -1;
  return {
    next: () => ++i < list.length,
    ts: () => list[i]!.ts,
    type: () => list[i]!.type,
    namesView: (viewId) => {
      const named = list[i]!.viewId;
      return named === null ? null : named.equals(viewId);
    },
    markMatched: () => mark(list[i]!),
  };
}

/** How long after its own time an engagement is kept. */
export function engagementKeepMs(t: IndexTimes): number {
  return t.maxSkewMs + t.windowMs + t.viewDisorderMs;
}

/** How long after the view's time an emitted view is remembered. */
export function emittedKeepMs(t: IndexTimes): number {
  return 2 * t.windowMs + t.allowedLatenessMs + t.maxSkewMs + t.viewDisorderMs;
}
