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
 * The offline re-join (src/validate/rejoin.ts), the simulator's truth
 * (src/sim/truth.ts) and the tests' brute-force truth (test/helpers/truth.ts)
 * implement this contract independently, on purpose.
 */

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
