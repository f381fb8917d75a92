/**
 * Engagement time per partition: the watermark that decides when a view of
 * the same partition number may be joined (../shared/DESIGN.md, "Time").
 *
 *   own(p)        = newest engagement time confirmed in p - outOfOrderness (the operator passes
 *                   the confirmed time of ./confirmed-time.ts: one record far ahead does not move it)
 *   idle(p)       = p is caught up with its log and has had no new record (nor a failed read) for
 *                   idleTimeout of wall-clock time (the injected clock)
 *   watermark(p)  = own(p)                                 if p is not idle
 *                 = max(own(p), min own(q) over q not idle) if some q is not idle
 *                 = max(own(p), newest view time - outOfOrderness) if all are idle
 *                 = +infinity after endOfTime() (drain: the end of the log is the end of time)
 * Wall-clock time decides only whether a partition is idle, never how far a
 * watermark moves, so a backfill far behind the wall clock is joined exactly.
 *
 * Processing-time mode: watermark(p) = now - outOfOrderness for every p.
 */
import type { Clock } from './clock.js';

export interface EngagementTimeOptions {
  readonly outOfOrdernessMs: number;
  readonly idleTimeoutMs: number;
  readonly mode: 'event' | 'processing';
}

interface PartitionTime {
  newest: number;
  lastRecordAt: number;
  caughtUp: boolean;
}

export class EngagementTime {
  readonly #o: EngagementTimeOptions;
  readonly #clock: Clock;
  readonly #partitions = new Map<number, PartitionTime>();
  #viewsNewest = Number.NEGATIVE_INFINITY;
  #endOfTime = false;

  constructor(options: EngagementTimeOptions, clock: Clock) {
    this.#o = options;
    this.#clock = clock;
  }

  add(partition: number): void {
    this.#partitions.set(partition, { newest: Number.NEGATIVE_INFINITY, lastRecordAt: this.#clock.now(), caughtUp: false });
  }

  remove(partition: number): void {
    this.#partitions.delete(partition);
  }

  /**
   * An engagement of partition p was taken; ts is p's confirmed engagement time (./confirmed-time.ts).
   * record = false: the confirmed time moved without a record of p (the time p borrowed reached a
   * candidate), so p stays as idle as it was.
   */
  observe(partition: number, ts: number, record = true): void {
    const p = this.#partitions.get(partition);
    if (p === undefined) return;
    if (ts > p.newest) p.newest = ts;
    if (record) p.lastRecordAt = this.#clock.now();
  }

  /** Records arrived for p (not yet read): p is not idle. */
  activity(partition: number): void {
    const p = this.#partitions.get(partition);
    if (p === undefined) return;
    p.lastRecordAt = this.#clock.now();
    p.caughtUp = false;
  }

  /** After a fetch: whether p's reader has reached the end of its log. */
  setCaughtUp(partition: number, caughtUp: boolean): void {
    const p = this.#partitions.get(partition);
    if (p !== undefined) p.caughtUp = caughtUp;
  }

  /** A confirmed view time of some partition (the newest is used when every engagement partition is idle). */
  observeView(ts: number): void {
    if (ts > this.#viewsNewest) this.#viewsNewest = ts;
  }

  endOfTime(): void {
    this.#endOfTime = true;
  }

  get ended(): boolean {
    return this.#endOfTime;
  }

  isIdle(partition: number): boolean {
    const p = this.#partitions.get(partition);
    return p !== undefined && p.caughtUp && this.#clock.now() - p.lastRecordAt >= this.#o.idleTimeoutMs;
  }

  watermark(partition: number): number {
    if (this.#endOfTime) return Number.POSITIVE_INFINITY;
    if (this.#o.mode === 'processing') return this.#clock.now() - this.#o.outOfOrdernessMs;
    const p = this.#partitions.get(partition);
    if (p === undefined) return Number.NEGATIVE_INFINITY;
    const own = p.newest - this.#o.outOfOrdernessMs;
    if (!this.isIdle(partition)) return own;
    let others = Number.POSITIVE_INFINITY;
    for (const [q, t] of this.#partitions) {
      if (q !== partition && !this.isIdle(q)) others = Math.min(others, t.newest - this.#o.outOfOrdernessMs);
    }
    if (others !== Number.POSITIVE_INFINITY) return Math.max(own, others);
    return Math.max(own, this.#viewsNewest - this.#o.outOfOrdernessMs);
  }

}
