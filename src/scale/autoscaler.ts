/**
 * How many joiner instances a group needs: the desired-instances figure that a
 * supervisor (`labeljoin autoscale`) or Kubernetes' autoscalers act on. Pure:
 * observations in, a decision out, time from the observations (the caller's
 * injected clock), no I/O.
 *
 * Inputs per observation: the instances running, the views' lag beyond the
 * window (the most over the group's partitions: how far the newest joined view
 * trails the wall clock beyond the window, 0 when every view read is joined)
 * and the instances' mean CPU (share of one core).
 *
 *   trend      least-squares slope of the lag over the last TREND_WINDOW_MS (ms of lag per s),
 *              since the last change and once TREND_MIN_POINTS are there (0 before)
 *   soon       lag + max(0, trend) x upCooldown: the lag by the time a new instance helps
 *   up         soon > lagBound, or CPU > cpuHigh with lag > lagBound / 2:
 *              +1, or +ceil(n / 2) when the lag is past 2 x lagBound; at most one change
 *              per upCooldown (a new instance must join the group and be positioned)
 *   down       calm (lag < lagBound / 4, trend <= 0, CPU < cpuLow) for a whole downCooldown,
 *              and downCooldown since the last change: -1
 *   always     min <= desired <= max
 * The gap between the bands (lagBound up, lagBound / 4 down) and the calm that
 * must last a whole cool-down are the hysteresis: a rebalance's lag bump does
 * not flap the count.
 */

export interface AutoscaleRule {
  readonly min: number;
  readonly max: number;
  /** The views' lag beyond the window the group must stay under. */
  readonly lagBoundMs: number;
  /** At most one change per this long when scaling up. */
  readonly upCooldownMs: number;
  /** Calm must last this long (and as long since the last change) before one instance goes. */
  readonly downCooldownMs: number;
  /** Mean CPU per instance (share of one core) above which instances are busy, and below which they are idle. */
  readonly cpuHigh: number;
  readonly cpuLow: number;
}

export interface Observation {
  /** Wall-clock time of the observation (the caller's clock). */
  readonly at: number;
  readonly instances: number;
  /** undefined: no instance reported yet (starting, rebalancing). */
  readonly lagMs: number | undefined;
  readonly cpu: number | undefined;
}

export interface Decision {
  readonly desired: number;
  /** Why it is what it is, for the log and the timeline. */
  readonly reason: string;
  readonly trendMsPerS: number;
}

export const TREND_WINDOW_MS = 30_000;
/** Observations since the last change before the trend counts. */
export const TREND_MIN_POINTS = 5;

export class Autoscaler {
  readonly #r: AutoscaleRule;
  #desired: number | undefined;
  #lastChange = Number.NEGATIVE_INFINITY;
  #calmSince: number | undefined;
  readonly #lags: Array<{ readonly at: number; readonly lagMs: number }> = [];

  constructor(rule: AutoscaleRule) {
    if (!(rule.min >= 1 && rule.max >= rule.min)) throw new RangeError(`autoscale: expected 1 <= min <= max, got ${rule.min}..${rule.max}`);
    this.#r = rule;
  }

  observe(o: Observation): Decision {
    const r = this.#r;
    const current = this.#desired ?? clamp(o.instances, r.min, r.max);
    this.#desired = current;
    if (o.lagMs === undefined) return { desired: current, reason: 'no lag reported yet', trendMsPerS: 0 };
    this.#lags.push({ at: o.at, lagMs: o.lagMs });
    while (this.#lags.length > 0 && this.#lags[0]!.at < o.at - TREND_WINDOW_MS) this.#lags.shift();
    const trend = this.#lags.length >= TREND_MIN_POINTS ? slope(this.#lags) : 0;
    const soon = o.lagMs + Math.max(0, trend) * (r.upCooldownMs / 1000);
    const busy = o.cpu !== undefined && o.cpu > r.cpuHigh && o.lagMs > r.lagBoundMs / 2;
    const calm = o.lagMs < r.lagBoundMs / 4 && trend <= 0 && (o.cpu === undefined || o.cpu < r.cpuLow);
    this.#calmSince = calm ? (this.#calmSince ?? o.at) : undefined;

    if ((soon > r.lagBoundMs || busy) && current < r.max) {
      if (o.at - this.#lastChange < r.upCooldownMs) return { desired: current, reason: 'behind, in the cool-down after a change', trendMsPerS: trend };
      const step = o.lagMs > 2 * r.lagBoundMs ? Math.max(1, Math.ceil(current / 2)) : 1;
      const why = busy ? `CPU ${(o.cpu! * 100).toFixed(0)} % with lag ${seconds(o.lagMs)}` : `lag ${seconds(o.lagMs)}, ${seconds(soon)} soon (trend ${trend.toFixed(0)} ms/s), bound ${seconds(r.lagBoundMs)}`;
      return this.#change(Math.min(r.max, current + step), o.at, `up: ${why}`, trend);
    }
    if (calm && current > r.min && this.#calmSince !== undefined && o.at - this.#calmSince >= r.downCooldownMs && o.at - this.#lastChange >= r.downCooldownMs) {
      return this.#change(current - 1, o.at, `down: calm for ${seconds(o.at - this.#calmSince)} (lag ${seconds(o.lagMs)})`, trend);
    }
    return { desired: current, reason: calm ? 'calm' : 'within the bound', trendMsPerS: trend };
  }

  #change(desired: number, at: number, reason: string, trend: number): Decision {
    this.#desired = desired;
    this.#lastChange = at;
    this.#calmSince = undefined;
    // The group rebalances now (partitions move, their new owners rebuild state from Kafka): the lag
    // before the change says nothing of the trend after it.
    this.#lags.length = 0;
    return { desired, reason, trendMsPerS: trend };
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

/** Least-squares slope of lag over time, in ms of lag per second (0 with fewer than 2 points). */
function slope(points: ReadonlyArray<{ readonly at: number; readonly lagMs: number }>): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mt = points.reduce((s, p) => s + p.at, 0) / n;
  const ml = points.reduce((s, p) => s + p.lagMs, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.at - mt) * (p.lagMs - ml);
    den += (p.at - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 1000;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
