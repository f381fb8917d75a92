/**
 * The join contract computed by brute force, independently of src/sim/truth.ts:
 * for each distinct engagement, every view it labels; and, from the logs (the
 * records of each partition in order), which of those labels are late. Used
 * to check the simulator's truth against the events it actually sent.
 *
 * Late, by the contract (the view's sample was emitted before the engagement
 * came), for the joiner's reading of a partition: views in log order, each
 * emitted once the watermark (newest engagement time so far - out-of-orderness)
 * reaches its ts + window and every view before it is emitted; engagements
 * taken in once no view is due. So engagement e is late for view v when
 *   max ts of views up to v's first copy + window
 *     <= confirmed engagement time before e's first copy - outOfOrderness,
 * the confirmed time being what the records of the log vouch for
 * (docs/decisions/event-time-outliers.md; `vouchedBefore` below, computed
 * apart from both src/time/confirmed-time.ts and src/sim/truth.ts).
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

/** The records of one partition: views and engagements, each in log (offset) order, repeats included. */
export interface PartitionLog {
  readonly views: readonly ViewEvent[];
  readonly engagements: readonly EngagementEvent[];
}

export function contractLabels(views: readonly ViewEvent[], engagements: readonly EngagementEvent[], o: ContractOptions): Map<string, Expected> {
  const out = new Map<string, Expected>();
  for (const v of distinct(views)) {
    out.set(v.event_id.toString('hex'), {
      labels: Object.fromEntries(o.labelTypes.map((t) => [t, 0])),
      delays_ms: Object.fromEntries(o.labelTypes.map((t) => [t, null])),
    });
  }
  for (const [v, e] of labelling(views, engagements, o)) {
    const x = out.get(v.event_id.toString('hex'))!;
    x.labels[e.type] = 1;
    const delay = e.ts - v.ts;
    const current = x.delays_ms[e.type];
    if (current === null || current === undefined || delay < current) x.delays_ms[e.type] = delay;
  }
  return out;
}

/** Per view (event_id hex) with late labels: the types whose every labelling engagement came after the view was emitted. */
export interface TimeRule {
  readonly outOfOrdernessMs: number;
  readonly maxJumpMs: number;
  /** K (0: every record moves the time at once). */
  readonly timeConfirmations: number;
}

/**
 * For each record of an engagements log (in order, repeats included), the
 * confirmed time before it: a record at most maxJump ahead of the confirmed
 * time moves it; one further ahead counts once K later records that are not
 * repeats of it lie no more than maxJump behind it (before K others lie
 * further behind), and then so does every counted-out record in time with
 * the new confirmed time.
 */
export function vouchedBefore(log: readonly EngagementEvent[], rule: TimeRule): number[] {
  const out: number[] = [];
  let confirmed = Number.NEGATIVE_INFINITY;
  const open = new Set<number>(); // indexes of records waiting for votes
  const votes = new Map<number, { yes: number; no: number }>();
  log.forEach((e, i) => {
    out.push(confirmed);
    const id = e.event_id.toString('hex');
    let raise = Number.NEGATIVE_INFINITY;
    for (const j of [...open]) {
      const c = log[j]!;
      if (c.event_id.toString('hex') === id) continue;
      const v = votes.get(j)!;
      if (e.ts >= c.ts - rule.maxJumpMs) v.yes++;
      else v.no++;
      if (v.yes >= rule.timeConfirmations) {
        raise = Math.max(raise, c.ts);
        open.delete(j);
      } else if (v.no >= rule.timeConfirmations) open.delete(j);
    }
    confirmed = Math.max(confirmed, raise);
    if (rule.timeConfirmations === 0 || e.ts <= confirmed + rule.maxJumpMs) confirmed = Math.max(confirmed, e.ts);
    else {
      open.add(i);
      votes.set(i, { yes: 0, no: 0 });
    }
    for (let grew = true; grew; ) {
      grew = false;
      for (const j of [...open]) {
        if (log[j]!.ts <= confirmed + rule.maxJumpMs) {
          open.delete(j);
          if (log[j]!.ts > confirmed) {
            confirmed = log[j]!.ts;
            grew = true;
          }
        }
      }
    }
  });
  return out;
}

export function contractLate(logs: readonly PartitionLog[], o: ContractOptions & TimeRule): Map<string, string[]> {
  const late = new Map<string, string[]>();
  for (const log of logs) {
    const due = new Map<string, number>();
    let newest = Number.NEGATIVE_INFINITY;
    for (const v of log.views) {
      newest = Math.max(newest, v.ts);
      const id = v.event_id.toString('hex');
      if (!due.has(id)) due.set(id, newest + o.windowMs);
    }
    const watermark = new Map<string, number>();
    const known = log.engagements.filter((e) => o.labelTypes.includes(e.type)); // others are bad records: the joiner reads no time from them
    const before = vouchedBefore(known, o);
    known.forEach((e, i) => {
      const id = e.event_id.toString('hex');
      if (!watermark.has(id)) watermark.set(id, before[i]! - o.outOfOrdernessMs);
    });
    const labelled = new Map<string, Set<string>>();
    const onTime = new Map<string, Set<string>>();
    for (const [v, e] of labelling(log.views, log.engagements, o)) {
      const id = v.event_id.toString('hex');
      add(labelled, id, e.type);
      if (due.get(id)! > watermark.get(e.event_id.toString('hex'))!) add(onTime, id, e.type);
    }
    for (const [id, types] of labelled) {
      const lateTypes = o.labelTypes.filter((t) => types.has(t) && onTime.get(id)?.has(t) !== true);
      if (lateTypes.length > 0) late.set(id, lateTypes);
    }
  }
  return late;
}

/** Every (view, engagement) where the engagement labels the view; each event once however often it was sent. */
function labelling(views: readonly ViewEvent[], engagements: readonly EngagementEvent[], o: ContractOptions): Array<[ViewEvent, EngagementEvent]> {
  const byId = new Map<string, ViewEvent>();
  const byPair = new Map<string, ViewEvent[]>();
  for (const v of distinct(views)) {
    byId.set(v.event_id.toString('hex'), v);
    const key = `${v.user_id}:${v.post_id}`;
    byPair.set(key, [...(byPair.get(key) ?? []), v]);
  }
  const out: Array<[ViewEvent, EngagementEvent]> = [];
  for (const e of distinct(engagements)) {
    if (!o.labelTypes.includes(e.type)) continue;
    const candidates = e.view_id !== null ? [byId.get(e.view_id.toString('hex'))].filter((v): v is ViewEvent => v !== undefined) : (byPair.get(`${e.user_id}:${e.post_id}`) ?? []);
    for (const v of candidates) {
      if (v.user_id !== e.user_id || v.post_id !== e.post_id) continue;
      if (e.ts < v.ts - o.maxSkewMs || e.ts > v.ts + o.windowMs) continue;
      out.push([v, e]);
    }
  }
  return out;
}

/** The first copy of each event (repeated sends share the event_id). */
function distinct<T extends { readonly event_id: Buffer }>(events: readonly T[]): T[] {
  const seen = new Set<string>();
  return events.filter((x) => {
    const id = x.event_id.toString('hex');
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function add(m: Map<string, Set<string>>, key: string, value: string): void {
  let s = m.get(key);
  if (s === undefined) m.set(key, (s = new Set()));
  s.add(value);
}

/**
 * Negative downsampling by the contract, computed apart from src/join/labels.ts
 * (in BigInt arithmetic): a view with some label 1 is kept with weight 1; an
 * all-negative one iff F = 1 or fmix32(FNV-1a 32 of its 16 id bytes) / 2^32 < F,
 * with weight 1 / F (1 when F = 1).
 */
export function contractDownsample(viewId: Buffer, positive: boolean, share: number): { kept: boolean; weight: number } {
  if (positive || share === 1) return { kept: true, weight: 1 };
  const mask = (1n << 32n) - 1n;
  let h = 2166136261n;
  for (const byte of viewId) h = ((h ^ BigInt(byte)) * 16777619n) & mask;
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) & mask;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) & mask;
  h ^= h >> 16n;
  const kept = Number(h) / 2 ** 32 < share;
  return { kept, weight: kept ? 1 / share : 0 };
}
