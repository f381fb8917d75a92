/**
 * Event time that one record cannot move (docs/decisions/event-time-outliers.md).
 *
 * One partition of one input (its views, or its engagements) has a confirmed
 * time: the newest event time the partition's own data vouches for. Records
 * are judged in log order, so the confirmed time is a function of the log,
 * never of when it is read:
 *
 *   in time    ts <= confirmed + maxJump: the confirmed time moves to max(confirmed, ts).
 *   candidate  ts >  confirmed + maxJump (every record before any time is confirmed):
 *              it does not move time. Each later record of the partition votes on it:
 *              for, when its ts >= candidate ts - maxJump; against, otherwise.
 *              K votes for: confirmed (time moves to it: a real jump, such as traffic
 *              resuming after an outage, is followed after K records);
 *              K votes against: an outlier (it never moves time).
 *              When the confirmed time moves, candidates that are in time with it are
 *              confirmed too.
 *   reach(ts)  time came from elsewhere (an idle partition borrowing the others' time, or
 *              the end of time): candidates in time with ts are confirmed.
 *
 * K = 0 turns the rule off: every record is in time (one record moves time).
 * A repeat of a candidate (the same event, sent twice) does not vote on it.
 * A candidate is resolved within 2K - 1 later records, so at most 2K - 1 are pending.
 */

export interface ConfirmationRule {
  /** How far ahead of the confirmed time a record is still in time. */
  readonly maxJumpMs: number;
  /** K: how many later records confirm (or refute) a candidate; 0: none needed, every record moves time at once. */
  readonly timeConfirmations: number;
}

export interface Resolution<T> {
  readonly item: T;
  /** Position of the record in the partition's log order (resolutions are sorted by it). */
  readonly seq: number;
  readonly ts: number;
  /** Confirmed (its time is real) or refuted (an outlier). */
  readonly confirmed: boolean;
  /** The confirmed time when the record came, before it (how far ahead it was). */
  readonly base: number;
}

export interface Judgement<T> {
  /** The record moved, or may move, time at once (it is not a candidate). */
  readonly inTime: boolean;
  /** Candidates (earlier ones, or this one) resolved by this record, in log order. */
  readonly resolved: ReadonlyArray<Resolution<T>>;
}

interface Candidate<T> {
  readonly item: T;
  readonly ts: number;
  readonly base: number;
  readonly seq: number;
  for: number;
  against: number;
}

export class ConfirmedTime<T> {
  readonly #rule: ConfirmationRule;
  #confirmed = Number.NEGATIVE_INFINITY;
  #pending: Array<Candidate<T>> = [];
  #seq = 0;

  readonly #isRepeat: (candidate: T, item: T) => boolean;

  /** isRepeat(candidate, item): whether item is the candidate's event again (it then does not vote). */
  constructor(rule: ConfirmationRule, isRepeat: (candidate: T, item: T) => boolean = () => false) {
    if (!(rule.timeConfirmations >= 0)) throw new RangeError('timeConfirmations must be at least 0');
    this.#rule = rule;
    this.#isRepeat = isRepeat;
  }

  /** The newest event time the partition's data vouches for (-Infinity before any). */
  get confirmed(): number {
    return this.#confirmed;
  }

  /** Candidates not resolved yet. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Judges the next record of the partition (in log order). */
  observe(ts: number, item: T): Judgement<T> {
    const { maxJumpMs, timeConfirmations } = this.#rule;
    const resolved: Array<Resolution<T>> = [];
    let moved = false;
    const still: Array<Candidate<T>> = [];
    for (const c of this.#pending) {
      if (this.#isRepeat(c.item, item)) {
        still.push(c);
        continue;
      }
      if (ts >= c.ts - maxJumpMs) c.for++;
      else c.against++;
      if (c.for >= timeConfirmations) {
        resolved.push({ item: c.item, seq: c.seq, ts: c.ts, confirmed: true, base: c.base });
        if (c.ts > this.#confirmed) this.#confirmed = c.ts;
        moved = true;
      } else if (c.against >= timeConfirmations) {
        resolved.push({ item: c.item, seq: c.seq, ts: c.ts, confirmed: false, base: c.base });
      } else still.push(c);
    }
    this.#pending = still;
    const inTime = timeConfirmations === 0 || ts <= this.#confirmed + maxJumpMs;
    if (inTime) {
      if (ts > this.#confirmed) {
        this.#confirmed = ts;
        moved = true;
      }
    } else {
      this.#pending.push({ item, ts, base: this.#confirmed, seq: this.#seq, for: 0, against: 0 });
    }
    this.#seq++;
    if (moved) this.#confirmInTime(resolved);
    return { inTime, resolved: resolved.length > 1 ? resolved.sort((a, b) => a.seq - b.seq) : resolved };
  }

  /** Time reached ts by other means: the candidates in time with it are confirmed (returned in log order). */
  reach(ts: number): ReadonlyArray<Resolution<T>> {
    if (this.#pending.length === 0 || ts === Number.NEGATIVE_INFINITY) return [];
    const resolved: Array<Resolution<T>> = [];
    const still: Array<Candidate<T>> = [];
    for (const c of this.#pending) {
      if (c.ts <= ts + this.#rule.maxJumpMs) {
        resolved.push({ item: c.item, seq: c.seq, ts: c.ts, confirmed: true, base: c.base });
        if (c.ts > this.#confirmed) this.#confirmed = c.ts;
      } else still.push(c);
    }
    this.#pending = still;
    return resolved;
  }

  /** Confirms the pending candidates the moved confirmed time has caught up with (until nothing changes). */
  #confirmInTime(resolved: Array<Resolution<T>>): void {
    for (let changed = true; changed; ) {
      changed = false;
      const still: Array<Candidate<T>> = [];
      for (const c of this.#pending) {
        if (c.ts <= this.#confirmed + this.#rule.maxJumpMs) {
          resolved.push({ item: c.item, seq: c.seq, ts: c.ts, confirmed: true, base: c.base });
          if (c.ts > this.#confirmed) {
            this.#confirmed = c.ts;
            changed = true;
          }
        } else still.push(c);
      }
      this.#pending = still;
    }
  }
}
