/**
 * The join rule (../shared/DESIGN.md, "Join semantics"), for one view and the
 * indexed engagements of its (user, post):
 *
 *   an engagement labels the view  iff  (its view_id is the view's event_id,
 *   or it has no view_id)  and  view.ts - maxSkew <= engagement.ts <= view.ts + window
 *
 * label[t] = 1 when some engagement of type t labels the view; delay[t] is the
 * smallest engagement.ts - view.ts among them (null when label[t] = 0).
 * The state implementations apply it through `inWindow` and `addMatch`
 * (./memory-index.ts walks its tables; ./store-index.ts uses `labels`).
 */
import type { IndexedEngagement, ViewLabels } from './engagement-index.js';

export interface JoinWindow {
  readonly windowMs: number;
  readonly maxSkewMs: number;
}

export interface Labelled extends ViewLabels {
  /** the candidates that labelled the view */
  matched: IndexedEngagement[];
}

export function noLabels(typeCount: number): ViewLabels {
  return { labels: 0, delays: new Array<number | null>(typeCount).fill(null) };
}

/** The time part of the rule. */
export function inWindow(engagementTs: number, viewTs: number, w: JoinWindow): boolean {
  return engagementTs >= viewTs - w.maxSkewMs && engagementTs <= viewTs + w.windowMs;
}

/** Records that an engagement of `type`, `delay` ms after the view, labels it. */
export function addMatch(out: ViewLabels, type: number, delay: number): void {
  out.labels |= 1 << type;
  const current = out.delays[type];
  if (current === null || current === undefined || delay < current) out.delays[type] = delay;
}

export function matches(viewId: Buffer, viewTs: number, e: IndexedEngagement, w: JoinWindow): boolean {
  if (e.viewId !== null && !e.viewId.equals(viewId)) return false;
  return inWindow(e.ts, viewTs, w);
}

export function labels(viewId: Buffer, viewTs: number, candidates: readonly IndexedEngagement[], typeCount: number, w: JoinWindow): Labelled {
  const out: Labelled = { ...noLabels(typeCount), matched: [] };
  for (const e of candidates) {
    if (!matches(viewId, viewTs, e, w)) continue;
    out.matched.push(e);
    addMatch(out, e.type, e.ts - viewTs);
  }
  return out;
}
