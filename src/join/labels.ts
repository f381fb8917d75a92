/**
 * The join rule (../shared/DESIGN.md, "Join semantics"), for one view and the
 * indexed engagements of its (user, post):
 *
 *   an engagement labels the view  iff  (its view_id is the view's event_id,
 *   or it has no view_id)  and  view.ts - maxSkew <= engagement.ts <= view.ts + window
 *
 * label[t] = 1 when some engagement of type t labels the view; delay[t] is the
 * smallest engagement.ts - view.ts among them (null when label[t] = 0).
 */
import type { IndexedEngagement } from './engagement-index.js';

export interface JoinWindow {
  readonly windowMs: number;
  readonly maxSkewMs: number;
}

export interface Labelled {
  /** bit t set = label 1 for type t */
  labels: number;
  delays: Array<number | null>;
  /** the candidates that labelled the view */
  matched: IndexedEngagement[];
}

export function labels(viewId: Buffer, viewTs: number, candidates: readonly IndexedEngagement[], typeCount: number, w: JoinWindow): Labelled {
  const out: Labelled = { labels: 0, delays: new Array<number | null>(typeCount).fill(null), matched: [] };
  for (const e of candidates) {
    if (!matches(viewId, viewTs, e, w)) continue;
    out.matched.push(e);
    out.labels |= 1 << e.type;
    const delay = e.ts - viewTs;
    const current = out.delays[e.type];
    if (current === null || current === undefined || delay < current) out.delays[e.type] = delay;
  }
  return out;
}

export function matches(viewId: Buffer, viewTs: number, e: IndexedEngagement, w: JoinWindow): boolean {
  if (e.viewId !== null && !e.viewId.equals(viewId)) return false;
  return e.ts >= viewTs - w.maxSkewMs && e.ts <= viewTs + w.windowMs;
}
