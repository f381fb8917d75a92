/**
 * The join rule (../shared/DESIGN.md, "Join semantics"): the only module that
 * says which engagement labels which view, when an engagement is late, and how
 * a late one changes a sample's labels. The indexes offer the candidates of a
 * (user, post) (./engagement-index.ts); the outbox turns labels into records.
 *
 *   an engagement labels a view  iff  (its view_id is the view's event_id,
 *   or it has no view_id)  and  view.ts - maxSkew <= engagement.ts <= view.ts + window
 *
 *   label[t] = 1 when some engagement of type t labels the view; delay[t] is the
 *   smallest engagement.ts - view.ts among them (null when label[t] = 0).
 *
 *   an engagement is late when a view it labels was emitted before it was
 *   read; under the late policy "correct" each such view whose label of the
 *   engagement's type is 0 gets a new version with that label 1 and its delay.
 *
 * Negative downsampling (share F, 0 < F <= 1; 1 keeps everything): a view with
 * some label 1 is always emitted, with weight 1; a view whose labels are all 0
 * is emitted iff the view is kept, with weight 1 / F:
 *
 *   kept(v, F)  iff  F = 1  or  h(v) < F * 2^32
 *     h(v) = murmur3's 32-bit finaliser (fmix32) of FNV-1a 32 over the 16 bytes
 *            of the view's event id (the id the join knows the view by)
 *
 * A pure function of the view id: two runs, and a shadow comparison, keep the
 * same views; a smaller share keeps a subset of a larger one's views. A dropped
 * negative is remembered as emitted (version 0, not sent): a late engagement
 * that makes it positive under "correct" emits version 1 with weight 1, the id
 * and version a full run's correction of that view has.
 *
 * The offline re-join (src/validate/rejoin.ts), the simulator's truth
 * (src/sim/truth.ts) and the tests' brute-force truth (test/helpers/truth.ts)
 * implement this contract independently, on purpose.
 */

import { fmix32 } from '../codec/hash.js';

export interface JoinWindow {
  readonly windowMs: number;
  readonly maxSkewMs: number;
}

/** A view's labels by the rule. */
export interface ViewLabels {
  /** bit t set = label 1 for type t */
  labels: number;
  delays: Array<number | null>;
}

/**
 * The indexed engagements of one (user, post), read one at a time without an
 * object per engagement. `next()` moves to the next one (false at the end);
 * the other members describe the current one.
 */
export interface EngagementCandidates {
  next(): boolean;
  ts(): number;
  type(): number;
  /** null when the engagement names no view; else whether it names `viewId`. */
  namesView(viewId: Buffer): boolean | null;
  /** Records that the current engagement labelled a view (so it is no orphan). */
  markMatched(): void;
}

/** One engagement as the late check sees it. */
export interface EngagementRef {
  readonly ts: number;
  readonly viewId: Buffer | null;
}

/** One emitted view as the late check sees it. */
export interface EmittedRef {
  readonly viewTs: number;
  readonly viewId: Buffer;
}

export function noLabels(typeCount: number): ViewLabels {
  return { labels: 0, delays: new Array<number | null>(typeCount).fill(null) };
}

/** The time part of the rule. */
export function inWindow(engagementTs: number, viewTs: number, w: JoinWindow): boolean {
  return engagementTs >= viewTs - w.maxSkewMs && engagementTs <= viewTs + w.windowMs;
}

/** Labels a view from the candidates of its (user, post), marking those that label it. */
export function labelView(viewId: Buffer, viewTs: number, candidates: EngagementCandidates, typeCount: number, w: JoinWindow): ViewLabels {
  const out = noLabels(typeCount);
  while (candidates.next()) {
    if (candidates.namesView(viewId) === false) continue; // attributed to another view
    const ts = candidates.ts();
    if (!inWindow(ts, viewTs, w)) continue;
    addMatch(out, candidates.type(), ts - viewTs);
    candidates.markMatched();
  }
  return out;
}

/** The view times an engagement at `ts` can label: the window seen from the engagement. */
export function viewTimesFor(ts: number, w: JoinWindow): { readonly from: number; readonly to: number } {
  return { from: ts - w.windowMs, to: ts + w.maxSkewMs };
}

/** Whether an engagement labels an emitted view (the late check). */
export function labelsEmitted(e: EngagementRef, v: EmittedRef, w: JoinWindow): boolean {
  if (e.viewId !== null && !e.viewId.equals(v.viewId)) return false;
  return inWindow(e.ts, v.viewTs, w);
}

/**
 * The labels of a sample after a late engagement of `type`, `delay` ms after
 * its view: undefined when that label is 1 already (no new version).
 */
export function afterLate(previous: ViewLabels, type: number, delay: number): ViewLabels | undefined {
  if (((previous.labels >>> type) & 1) === 1) return undefined;
  const next: ViewLabels = { labels: previous.labels, delays: [...previous.delays] };
  addMatch(next, type, delay);
  return next;
}

function addMatch(out: ViewLabels, type: number, delay: number): void {
  out.labels |= 1 << type;
  const current = out.delays[type];
  if (current === null || current === undefined || delay < current) out.delays[type] = delay;
}

/** h(v) of the downsampling rule above. */
export function viewKeepHash(viewId: Buffer): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < viewId.length; i++) {
    h ^= viewId[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Whether a sample with these labels is emitted under negative share `share` (the rule above). */
export function keepsSample(labels: number, viewId: Buffer, share: number): boolean {
  return labels !== 0 || share >= 1 || viewKeepHash(viewId) < share * 2 ** 32;
}

/** The weight of an emitted sample with these labels: 1 for a positive (and for all at share 1), 1 / share for a kept negative. */
export function sampleWeight(labels: number, share: number): number {
  return labels !== 0 || share >= 1 ? 1 : 1 / share;
}
