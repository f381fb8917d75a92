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
 * The rows are written as the truth file (format: src/codec/truth-format.ts).
 */
import { sampleIdFor, uuidToString, type EngagementEvent, type ViewEvent } from '../codec/events.js';
import type { TruthRow } from '../codec/truth-format.js';

export type { TruthRow };

export interface TruthOptions {
  readonly labelTypes: readonly string[];
  readonly windowMs: number;
  readonly maxSkewMs: number;
  /** An engagement delivered later than max(view.ts, view arrival) + window + this is late. */
  readonly lateAfterMs: number;
  /** Largest clock skew of any engagement time (either way), for finalising views. */
  readonly maxClockSkewMs: number;
}

interface ViewState {
  readonly view: ViewEvent;
  readonly idHex: string;
  readonly partition: number;
  /** When the joiner can close the view's window at the earliest: its time, or its arrival when it arrives late. */
  readonly closesFrom: number;
  readonly labels: Uint8Array;
  readonly onTime: Uint8Array;
  readonly delays: Array<number | null>;
}

interface EngagementState {
  readonly ts: number;
  readonly type: number;
  readonly arrival: number;
}

interface Pair {
  views: ViewState[];
  /** engagements without view_id, kept while a later view could still match them */
  engagements: EngagementState[];
}

export class TruthTracker {
  readonly #o: TruthOptions;
  readonly #typeIndex: Map<string, number>;
  readonly #pairs = new Map<string, Pair>();
  readonly #pending: ViewState[] = [];
  #pendingHead = 0;
  readonly #emit: (row: TruthRow) => void;
  #sinceSweep = 0;

  constructor(options: TruthOptions, emit: (row: TruthRow) => void) {
    this.#o = options;
    this.#typeIndex = new Map(options.labelTypes.map((t, i) => [t, i]));
    this.#emit = emit;
  }

  get pendingViews(): number {
    return this.#pending.length - this.#pendingHead;
  }

  /**
   * `arrival`: when the view is delivered (default: its time). A view delivered
   * late is joined after the views delivered before it (the joiner reads in
   * order), so its window closes later: lateness counts from max(ts, arrival).
   */
  addView(view: ViewEvent, partition: number, arrival = view.ts): void {
    const n = this.#o.labelTypes.length;
    const state: ViewState = {
      view,
      idHex: view.event_id.toString('hex'),
      partition,
      closesFrom: Math.max(view.ts, arrival),
      labels: new Uint8Array(n),
      onTime: new Uint8Array(n),
      delays: new Array<number | null>(n).fill(null),
    };
    const pair = this.#pair(view.user_id, view.post_id);
    pair.views.push(state);
    for (const e of pair.engagements) this.#apply(state, e);
    this.#pending.push(state);
  }

  addEngagement(e: EngagementEvent, arrival: number): void {
    const type = this.#typeIndex.get(e.type);
    if (type === undefined) return;
    const state: EngagementState = { ts: e.ts, type, arrival };
    const pair = this.#pair(e.user_id, e.post_id);
    if (e.view_id !== null) {
      const idHex = e.view_id.toString('hex');
      const target = pair.views.find((v) => v.idHex === idHex);
      if (target !== undefined) this.#apply(target, state);
      return;
    }
    for (const v of pair.views) this.#apply(v, state);
    pair.engagements.push(state);
  }

  /** Finalises every view no engagement generated after `frontier` can still match. */
  advance(frontier: number): void {
    const horizon = frontier - this.#o.windowMs - this.#o.maxClockSkewMs;
    while (this.#pendingHead < this.#pending.length && this.#pending[this.#pendingHead]!.view.ts < horizon) {
      this.#finalize(this.#pending[this.#pendingHead++]!, frontier);
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

  finish(): void {
    while (this.#pendingHead < this.#pending.length) this.#finalize(this.#pending[this.#pendingHead++]!, Number.POSITIVE_INFINITY);
    this.#pending.length = 0;
    this.#pendingHead = 0;
    this.#pairs.clear();
  }

  #apply(v: ViewState, e: EngagementState): void {
    const vts = v.view.ts;
    if (e.ts < vts - this.#o.maxSkewMs || e.ts > vts + this.#o.windowMs) return;
    v.labels[e.type] = 1;
    const delay = e.ts - vts;
    const current = v.delays[e.type];
    if (current === null || current === undefined || delay < current) v.delays[e.type] = delay;
    if (e.arrival <= v.closesFrom + this.#o.windowMs + this.#o.lateAfterMs) v.onTime[e.type] = 1;
  }

  #finalize(v: ViewState, frontier: number): void {
    const labels: Record<string, number> = {};
    const delays: Record<string, number | null> = {};
    const late: string[] = [];
    this.#o.labelTypes.forEach((t, i) => {
      labels[t] = v.labels[i]!;
      delays[t] = v.delays[i] ?? null;
      if (v.labels[i] === 1 && v.onTime[i] === 0) late.push(t);
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
      this.#prune(key, pair, frontier);
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
