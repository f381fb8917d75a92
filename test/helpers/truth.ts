/**
 * The join contract computed by brute force, independently of src/sim/truth.ts:
 * for each distinct engagement, every view it labels. Used to check the
 * simulator's truth against the events it actually sent.
 */
import type { EngagementEvent, ViewEvent } from '../../src/codec/events.js';

export interface ContractOptions {
  readonly labelTypes: readonly string[];
  readonly windowMs: number;
  readonly maxSkewMs: number;
}

export interface Expected {
  labels: Record<string, number>;
  delays_ms: Record<string, number | null>;
}

export function contractLabels(views: readonly ViewEvent[], engagements: readonly EngagementEvent[], o: ContractOptions): Map<string, Expected> {
  const byId = new Map<string, ViewEvent>();
  const byPair = new Map<string, ViewEvent[]>();
  const out = new Map<string, Expected>();
  for (const v of views) {
    const id = v.event_id.toString('hex');
    if (byId.has(id)) continue; // duplicate send
    byId.set(id, v);
    const key = `${v.user_id}:${v.post_id}`;
    byPair.set(key, [...(byPair.get(key) ?? []), v]);
    out.set(id, {
      labels: Object.fromEntries(o.labelTypes.map((t) => [t, 0])),
      delays_ms: Object.fromEntries(o.labelTypes.map((t) => [t, null])),
    });
  }
  const seen = new Set<string>();
  for (const e of engagements) {
    const eid = e.event_id.toString('hex');
    if (seen.has(eid)) continue;
    seen.add(eid);
    const candidates = e.view_id !== null ? [byId.get(e.view_id.toString('hex'))].filter((v): v is ViewEvent => v !== undefined) : (byPair.get(`${e.user_id}:${e.post_id}`) ?? []);
    for (const v of candidates) {
      if (v.user_id !== e.user_id || v.post_id !== e.post_id) continue;
      if (e.ts < v.ts - o.maxSkewMs || e.ts > v.ts + o.windowMs) continue;
      const x = out.get(v.event_id.toString('hex'))!;
      x.labels[e.type] = 1;
      const delay = e.ts - v.ts;
      const current = x.delays_ms[e.type];
      if (current === null || current === undefined || delay < current) x.delays_ms[e.type] = delay;
    }
  }
  return out;
}
