/**
 * The ground truth: the labels every view must get under the join contract
 * (../shared/DESIGN.md, "Join semantics"), computed from the events exactly as
 * the simulator sends them (reported, possibly skewed, times; duplicates
 * counted once; events never sent not counted).
 *
 *   label_t(v) = 1  iff some engagement e of type t, with e.view_id = v.event_id
 *                   or (e.view_id null and e.user_id, e.post_id = v's),
 *                   has v.ts - maxSkew <= e.ts <= v.ts + window
 *
 * Late labels, from the logs (the order of the records in each partition),
 * never from wall-clock or arrival times. A late engagement is one that comes
 * after its view's sample was emitted, and in partition p:
 *
 *   the sample of v is emitted once the watermark of p reaches due(v):
 *     due(v) = window + the newest view time in the views log of p up to v's
 *              first copy (the delayed reader reads views in log order, so a
 *              view waits for every view before it)
 *   the engagement e is taken in once every view due at W(e) is emitted:
 *     W(e)   = the confirmed engagement time of p before e's first copy -
 *              outOfOrderness (-infinity when there is none), where the
 *              confirmed time follows the records of the engagements log of p,
 *              every copy in order (docs/decisions/event-time-outliers.md):
 *              a record at most maxJump ahead of it moves it; one further
 *              ahead waits until K later records (not copies of it) are at
 *              most maxJump behind it, then moves it (and any waiting record
 *              now in time with it), or is set aside by K that are further
 *              behind; K = 0: every record moves it
 *   e is late for v  iff  due(v) <= W(e)
 * (the simulator's views come at most a few seconds apart in a partition, so
 * none is ever a candidate that the same rule would set aside for views).
 *
 * late_t(v): label_t(v) = 1 and every engagement behind it is late for v. At
 * the end of the logs (a drain) every engagement has been taken in before the
 * last views are emitted, which this rule gives as well.
 *
 * The rows are written as the truth file (format: src/codec/truth-format.ts),
 * in the order views are finalised: by view time, except that a view waits
 * for the delivery of the engagements that label it (late arrivals).
 */
import { sampleIdFor, uuidToString, type EngagementEvent, type ViewEvent } from '../codec/events.js';
import type { TruthRow } from '../codec/truth-format.js';

export type { TruthRow };

export interface TruthOptions {
  readonly labelTypes: readonly string[];
  readonly windowMs: number;
  readonly maxSkewMs: number;
  /** The joiner's bounded out-of-orderness: its watermark is the newest engagement time less this. */
  readonly outOfOrdernessMs: number;
  /** Largest clock skew of any engagement time (either way), for finalising views. */
  readonly maxClockSkewMs: number;
  /** The joiner's event-time rule: how far ahead a record is in time, and K (0: off). */
  readonly maxJumpMs: number;
  readonly timeConfirmations: number;
}

/** A view being tracked; the workload hands it back to `deliverView` when its first copy is sent. */
export interface TrackedView {
  readonly view: ViewEvent;
  readonly idHex: string;
  readonly partition: number;
  readonly labels: Uint8Array;
  readonly delays: Array<number | null>;
  /** The engagements that label it (most views have none: allocated on the first). */
  by: TrackedEngagement[] | undefined;
  /** due(v) once its first copy is in the log. */
  dueAt: number | undefined;
  /** Deliveries still to come that decide its late labels: its own, and those of the engagements in `by`. */
  outstanding: number;
  /** No engagement still to be generated can label it. */
  closed: boolean;
}

/** An engagement being tracked; handed back to `deliverEngagement` when its first copy is sent. */
export interface TrackedEngagement {
  readonly ts: number;
  /** Its event id (hex): a repeat of a record waiting for the time rule does not vote on it. */
  readonly idHex: string;
  readonly type: number;
  readonly partition: number;
  /** W(e) once its first copy is in the log. */
  watermark: number | undefined;
  /** Views it labels that wait for its delivery (allocated on the first). */
  waiting: TrackedView[] | undefined;
}

interface Pair {
  views: TrackedView[];
  /** engagements without view_id, kept while a later view could still match them */
  engagements: TrackedEngagement[];
}

/** The newest view time and the confirmed engagement time of one partition's logs. */
interface PartitionLogs {
  newestView: number;
  engagementTime: VouchedTime;
}

/**
 * The confirmed time of a log (the rule in the header), written here apart
 * from the joiner's src/time/confirmed-time.ts, on purpose.
 */
class VouchedTime {
  value = Number.NEGATIVE_INFINITY;
  #waiting: Array<{ readonly ts: number; readonly id: string; yes: number; no: number }> = [];
  readonly #jump: number;
  readonly #k: number;

  constructor(jumpMs: number, k: number) {
    this.#jump = jumpMs;
    this.#k = k;
  }

  /** The next record of the log (a first copy or a repeat), with its event id. */
  next(ts: number, id: string): void {
    let moved = false;
    const still = [];
    for (const w of this.#waiting) {
      if (w.id !== id) {
        if (ts >= w.ts - this.#jump) w.yes++;
        else w.no++;
      }
      if (w.yes >= this.#k && w.id !== id) {
        if (w.ts > this.value) this.value = w.ts;
        moved = true;
      } else if (!(w.no >= this.#k && w.id !== id)) still.push(w);
    }
    this.#waiting = still;
    if (this.#k === 0 || ts <= this.value + this.#jump) {
      if (ts > this.value) {
        this.value = ts;
        moved = true;
      }
    } else this.#waiting.push({ ts, id, yes: 0, no: 0 });
    while (moved) {
      moved = false;
      this.#waiting = this.#waiting.filter((w) => {
        if (w.ts > this.value + this.#jump) return true;
        if (w.ts > this.value) {
          this.value = w.ts;
          moved = true;
        }
        return false;
      });
    }
  }
}

export class TruthTracker {
  readonly #o: TruthOptions;
  readonly #typeIndex: Map<string, number>;
  readonly #pairs = new Map<string, Pair>();
  readonly #logs = new Map<number, PartitionLogs>();
  readonly #pending: TrackedView[] = [];
  #pendingHead = 0;
  readonly #emit: (row: TruthRow) => void;
  #sinceSweep = 0;
  #frontier = Number.NEGATIVE_INFINITY;

  constructor(options: TruthOptions, emit: (row: TruthRow) => void) {
    this.#o = options;
    this.#typeIndex = new Map(options.labelTypes.map((t, i) => [t, i]));
    this.#emit = emit;
  }

  get pendingViews(): number {
    return this.#pending.length - this.#pendingHead;
  }

  /** A view as generated; `deliverView` follows when its first copy is sent. */
  addView(view: ViewEvent, partition: number): TrackedView {
    const n = this.#o.labelTypes.length;
    const state: TrackedView = {
      view,
      idHex: view.event_id.toString('hex'),
      partition,
      labels: new Uint8Array(n),
      delays: new Array<number | null>(n).fill(null),
      by: undefined,
      dueAt: undefined,
      outstanding: 1,
      closed: false,
    };
    const pair = this.#pair(view.user_id, view.post_id);
    pair.views.push(state);
    for (const e of pair.engagements) this.#apply(state, e);
    this.#pending.push(state);
    return state;
  }

  /**
   * An engagement as generated; `deliverEngagement` follows when its first
   * copy is sent. Undefined for a type that is not a label (the joiner
   * dead-letters it: it labels nothing and moves no watermark).
   */
  addEngagement(e: EngagementEvent, partition: number): TrackedEngagement | undefined {
    const type = this.#typeIndex.get(e.type);
    if (type === undefined) return undefined;
    const state: TrackedEngagement = { ts: e.ts, idHex: e.event_id.toString('hex'), type, partition, watermark: undefined, waiting: undefined };
    const pair = this.#pair(e.user_id, e.post_id);
    if (e.view_id !== null) {
      const idHex = e.view_id.toString('hex');
      const target = pair.views.find((v) => v.idHex === idHex);
      if (target !== undefined) this.#apply(target, state);
      return state;
    }
    for (const v of pair.views) this.#apply(v, state);
    pair.engagements.push(state);
    return state;
  }

  /** The view's first copy is appended to the views log of its partition. */
  deliverView(v: TrackedView): void {
    if (v.dueAt !== undefined) return;
    const logs = this.#logsOf(v.partition);
    if (v.view.ts > logs.newestView) logs.newestView = v.view.ts;
    v.dueAt = logs.newestView + this.#o.windowMs;
    this.#delivered(v);
  }

  /** A repeated copy of an engagement is appended to the engagements log of its partition (it counts for the time rule). */
  deliverRepeat(e: EngagementEvent, partition: number): void {
    if (!this.#typeIndex.has(e.type)) return; // a bad record: the joiner does not read its time
    this.#logsOf(partition).engagementTime.next(e.ts, e.event_id.toString('hex'));
  }

  /** The engagement's first copy is appended to the engagements log of its partition. */
  deliverEngagement(e: TrackedEngagement): void {
    if (e.watermark !== undefined) return;
    const logs = this.#logsOf(e.partition);
    e.watermark = logs.engagementTime.value - this.#o.outOfOrdernessMs;
    logs.engagementTime.next(e.ts, e.idHex);
    const waiting = e.waiting;
    e.waiting = undefined;
    for (const v of waiting ?? []) this.#delivered(v);
  }

  /** Closes every view no engagement generated after `frontier` can match; each is finalised once its deliveries are in. */
  advance(frontier: number): void {
    this.#frontier = frontier;
    const horizon = frontier - this.#o.windowMs - this.#o.maxClockSkewMs;
    while (this.#pendingHead < this.#pending.length && this.#pending[this.#pendingHead]!.view.ts < horizon) {
      const v = this.#pending[this.#pendingHead++]!;
      v.closed = true;
      if (v.outstanding === 0) this.#finalize(v);
    }
    if (this.#pendingHead > 65_536) {
      this.#pending.splice(0, this.#pendingHead);
      this.#pendingHead = 0;
    }
    if (++this.#sinceSweep >= 100_000) {
      this.#sinceSweep = 0;
      this.#sweep(frontier);
    }
  }

  /**
   * The end of the traffic: every view is finalised. The workload has
   * delivered everything by then; anything not delivered counts as never
   * emitted (a view) or taken in before every emission (an engagement).
   */
  finish(): void {
    this.#frontier = Number.POSITIVE_INFINITY;
    const left = new Set<TrackedView>(this.#pending.slice(this.#pendingHead));
    for (const pair of this.#pairs.values()) for (const v of pair.views) left.add(v);
    for (const v of left) this.#finalize(v);
    this.#pending.length = 0;
    this.#pendingHead = 0;
    this.#pairs.clear();
  }

  #apply(v: TrackedView, e: TrackedEngagement): void {
    const vts = v.view.ts;
    if (e.ts < vts - this.#o.maxSkewMs || e.ts > vts + this.#o.windowMs) return;
    v.labels[e.type] = 1;
    const delay = e.ts - vts;
    const current = v.delays[e.type];
    if (current === null || current === undefined || delay < current) v.delays[e.type] = delay;
    (v.by ??= []).push(e);
    if (e.watermark === undefined) {
      v.outstanding++;
      (e.waiting ??= []).push(v);
    }
  }

  #delivered(v: TrackedView): void {
    v.outstanding--;
    if (v.outstanding === 0 && v.closed) this.#finalize(v);
  }

  #finalize(v: TrackedView): void {
    const onTime = new Uint8Array(this.#o.labelTypes.length);
    for (const e of v.by ?? []) {
      // Late: the view was emitted before the engagement was taken in.
      const late = v.dueAt !== undefined && e.watermark !== undefined && v.dueAt <= e.watermark;
      if (!late) onTime[e.type] = 1;
    }
    const labels: Record<string, number> = {};
    const delays: Record<string, number | null> = {};
    const late: string[] = [];
    this.#o.labelTypes.forEach((t, i) => {
      labels[t] = v.labels[i]!;
      delays[t] = v.delays[i] ?? null;
      if (v.labels[i] === 1 && onTime[i] === 0) late.push(t);
    });
    const row: TruthRow = {
      view_id: uuidToString(v.view.event_id),
      sample_id: uuidToString(sampleIdFor(v.view.event_id, 0)),
      user_id: v.view.user_id,
      post_id: v.view.post_id,
      ts: v.view.ts,
      partition: v.partition,
      labels,
      delays_ms: delays,
      ...(late.length > 0 ? { late } : {}),
    };
    this.#emit(row);
    const key = pairKey(v.view.user_id, v.view.post_id);
    const pair = this.#pairs.get(key);
    if (pair !== undefined) {
      pair.views = pair.views.filter((x) => x !== v);
      this.#prune(key, pair, this.#frontier);
    }
  }

  #pair(user: number, post: number): Pair {
    const key = pairKey(user, post);
    let pair = this.#pairs.get(key);
    if (pair === undefined) {
      pair = { views: [], engagements: [] };
      this.#pairs.set(key, pair);
    }
    return pair;
  }

  #logsOf(partition: number): PartitionLogs {
    let logs = this.#logs.get(partition);
    if (logs === undefined) {
      logs = { newestView: Number.NEGATIVE_INFINITY, engagementTime: new VouchedTime(this.#o.maxJumpMs, this.#o.timeConfirmations) };
      this.#logs.set(partition, logs);
    }
    return logs;
  }

  /** Drops engagements no future view can match: future views have ts >= frontier. */
  #prune(key: string, pair: Pair, frontier: number): void {
    const oldest = frontier - this.#o.maxSkewMs;
    if (pair.engagements.some((e) => e.ts < oldest)) pair.engagements = pair.engagements.filter((e) => e.ts >= oldest);
    if (pair.views.length === 0 && pair.engagements.length === 0) this.#pairs.delete(key);
  }

  #sweep(frontier: number): void {
    for (const [key, pair] of this.#pairs) this.#prune(key, pair, frontier);
  }
}

function pairKey(user: number, post: number): string {
  return `${user}:${post}`;
}
