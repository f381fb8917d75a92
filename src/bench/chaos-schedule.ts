/**
 * The schedule of a chaos run (`labeljoin bench chaos`, ./chaos-bench.ts): which
 * fault comes when, from a seed alone, so that a failing run can be replayed
 * with the same --seed. Pure: no processes, no clock.
 *
 *   kill-joiner  kill -9 of a running joiner instance; it is started again at
 *                once with the same instance id (as a supervisor would)
 *   kill-leader  kill -9 of the node leading a partition of the views topic; the
 *                node is started again `downMs` later
 *   add          a new joiner instance joins the group
 *   remove       a running instance is stopped (SIGTERM: it commits and leaves)
 *
 * Faults fall between 10 % and 85 % of the traffic's duration, so that the last
 * one has time to recover before the drain. Broker kills are spread evenly, one
 * node down at a time: each node is back, and has caught up, before the next
 * kill. Instances are named 1, 2, ... in the order they first start; the
 * schedule follows which ones run, so each fault names its instance.
 */
import { Random } from '../sim/random.js';
import { UsageError } from '../errors.js';

export type ChaosFault =
  | { readonly atMs: number; readonly kind: 'kill-joiner'; readonly instance: number }
  | { readonly atMs: number; readonly kind: 'kill-leader'; readonly partition: number; readonly downMs: number }
  | { readonly atMs: number; readonly kind: 'add'; readonly instance: number }
  | { readonly atMs: number; readonly kind: 'remove'; readonly instance: number };

export interface ChaosPlan {
  readonly seed: number;
  /** The live traffic's duration. */
  readonly durationMs: number;
  readonly joinerKills: number;
  readonly brokerKills: number;
  /** Instances added or removed (alternately, starting with an add). */
  readonly scaleChanges: number;
  /** Instances at the start; the run stays between min and max. */
  readonly instances: number;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly partitions: number;
  /** How long a killed node stays down, at least and at most. */
  readonly downMs: { readonly min: number; readonly max: number };
  /** After a node is back, how long before the next node may be killed (it catches up). */
  readonly catchUpMs: number;
}

/** The faults of a run, in time order (ties keep the order above: joiner kills, leaders, scale changes). */
export function chaosSchedule(p: ChaosPlan): ChaosFault[] {
  if (p.minInstances < 1 || p.instances < p.minInstances || p.instances > p.maxInstances) throw new UsageError(`bench chaos: instances ${p.instances} must be within ${p.minInstances}..${p.maxInstances} (and at least 1)`);
  const rng = new Random(p.seed);
  const from = p.durationMs * 0.1;
  const to = p.durationMs * 0.85;
  const span = to - from;
  const slot = p.brokerKills === 0 ? span : span / p.brokerKills;
  if (p.brokerKills > 0 && slot < p.downMs.max + p.catchUpMs) {
    const needS = Math.ceil(((p.downMs.max + p.catchUpMs) * p.brokerKills) / 0.75 / 1000);
    throw new UsageError(`bench chaos: ${p.brokerKills} broker kills need at least ${needS} s of traffic (one node down at a time, ${p.downMs.max / 1000} s down and ${p.catchUpMs / 1000} s to catch up each)`);
  }
  const times = (n: number): number[] => Array.from({ length: n }, () => Math.round(from + rng.next() * span)).sort((a, b) => a - b);
  const joinerKillTimes = times(p.joinerKills);
  const scaleTimes = times(p.scaleChanges);
  const leaders = Array.from({ length: p.brokerKills }, (_, i) => {
    const downMs = Math.round(p.downMs.min + rng.next() * (p.downMs.max - p.downMs.min));
    // Somewhere in its slot, leaving the node's time down and catching up inside the slot.
    const atMs = Math.round(from + i * slot + rng.next() * (slot - downMs - p.catchUpMs));
    return { atMs, kind: 'kill-leader' as const, partition: rng.int(p.partitions), downMs };
  });

  // Walk the instance changes and joiner kills in time order, so each names an instance running then.
  const marks = [
    ...joinerKillTimes.map((atMs) => ({ atMs, order: 0 as const })),
    ...scaleTimes.map((atMs, i) => ({ atMs, order: 1 as const, add: i % 2 === 0 })),
  ].sort((a, b) => a.atMs - b.atMs || a.order - b.order);
  const running = Array.from({ length: p.instances }, (_, i) => i + 1);
  let next = p.instances + 1;
  const faults: ChaosFault[] = [...leaders];
  for (const m of marks) {
    if (m.order === 0) {
      faults.push({ atMs: m.atMs, kind: 'kill-joiner', instance: rng.pick(running) });
      continue;
    }
    // An add at the maximum becomes a remove, a remove at the minimum an add; with min = max, none.
    const canAdd = running.length < p.maxInstances;
    const canRemove = running.length > p.minInstances;
    if (!canAdd && !canRemove) continue;
    if (m.add ? canAdd : !canRemove) {
      running.push(next);
      faults.push({ atMs: m.atMs, kind: 'add', instance: next++ });
    } else {
      const instance = rng.pick(running);
      running.splice(running.indexOf(instance), 1);
      faults.push({ atMs: m.atMs, kind: 'remove', instance });
    }
  }
  const rank = { 'kill-joiner': 0, 'kill-leader': 1, add: 2, remove: 2 } as const;
  return faults.sort((a, b) => a.atMs - b.atMs || rank[a.kind] - rank[b.kind]);
}

/** One line per fault, for the run's output: `at 12.3 s: kill -9 of joiner 2`. */
export function describeFault(f: ChaosFault): string {
  const at = `at ${(f.atMs / 1000).toFixed(1)} s`;
  switch (f.kind) {
    case 'kill-joiner':
      return `${at}: kill -9 of joiner ${f.instance} (started again at once)`;
    case 'kill-leader':
      return `${at}: kill -9 of the node leading views partition ${f.partition} (started again ${(f.downMs / 1000).toFixed(1)} s later)`;
    case 'add':
      return `${at}: joiner ${f.instance} added`;
    case 'remove':
      return `${at}: joiner ${f.instance} removed (SIGTERM)`;
  }
}
