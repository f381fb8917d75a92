/**
 * The desired-instances figure (src/scale/autoscaler.ts), driven by
 * observations every 2 s with times given: rises with the lag and its trend,
 * waits out its cool-downs, falls only after a whole cool-down of calm, stays
 * in min..max, and a rebalance's short lag bump does not flap it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Autoscaler, type AutoscaleRule } from '../../src/scale/autoscaler.js';

const RULE: AutoscaleRule = { min: 1, max: 4, lagBoundMs: 30_000, upCooldownMs: 20_000, downCooldownMs: 60_000, cpuHigh: 0.85, cpuLow: 0.5 };
const STEP = 2_000;

/** Runs lag(t) (ms) through the scaler every 2 s for `ms`, the instances following its figure; returns the figure at each step. */
function run(a: Autoscaler, from: number, ms: number, lag: (t: number) => number, cpu = 0.3): number[] {
  const out: number[] = [];
  let instances = 1;
  for (let t = from; t < from + ms; t += STEP) {
    instances = a.observe({ at: t, instances, lagMs: lag(t), cpu }).desired;
    out.push(instances);
  }
  return out;
}

describe('Autoscaler', () => {
  it('a growing lag adds instances, one per up cool-down, up to max; calm removes them one per down cool-down, down to min', () => {
    const a = new Autoscaler(RULE);
    const up = run(a, 0, 120_000, (t) => 5_000 + t / 2); // lag grows 0.5 s per s
    assert.equal(up[0], 1);
    assert.equal(up.at(-1), 4, 'at max');
    assert.ok(up.every((n) => n <= 4));
    const firstRaise = up.findIndex((n) => n > 1);
    const secondRaise = up.findIndex((n) => n > up[firstRaise]!);
    assert.ok(firstRaise >= 0 && secondRaise > firstRaise);
    assert.ok((secondRaise - firstRaise) * STEP >= RULE.upCooldownMs, 'no change within the up cool-down');
    const calm = run(a, 120_000, 400_000, () => 1_000, 0.2);
    assert.equal(calm.at(-1), 1, 'back at min');
    const changes = calm.map((n, i) => (i > 0 && n !== calm[i - 1] ? i : -1)).filter((i) => i >= 0);
    assert.equal(changes.length, 3, 'one instance at a time');
    assert.ok(changes[0]! * STEP >= RULE.downCooldownMs, 'only after a whole cool-down of calm');
    for (let i = 1; i < changes.length; i++) assert.ok((changes[i]! - changes[i - 1]!) * STEP >= RULE.downCooldownMs);
  });

  it('a lag under the bound but rising fast enough to pass it within a cool-down adds one; a steady one under the bound does not', () => {
    const rising = new Autoscaler(RULE);
    assert.equal(Math.max(...run(rising, 0, 12_000, (t) => 10_000 + t)), 2, 'rising 1 s per s from 10 s: past 30 s within 20 s');
    const steady = new Autoscaler(RULE);
    assert.deepEqual([...new Set(run(steady, 0, 200_000, () => 20_000))], [1], 'steady at 20 s: no change, and not calm enough to go down');
  });

  it('far behind: half as many again at once', () => {
    const a = new Autoscaler({ ...RULE, max: 10 });
    a.observe({ at: 0, instances: 4, lagMs: 100_000, cpu: 0.9 });
    assert.equal(a.observe({ at: STEP, instances: 4, lagMs: 100_000, cpu: 0.9 }).desired, 4 + 2);
  });

  it('busy instances with some lag add one; busy without lag does not; no report keeps the count', () => {
    const a = new Autoscaler(RULE);
    assert.equal(a.observe({ at: 0, instances: 1, lagMs: 20_000, cpu: 0.95 }).desired, 2);
    const b = new Autoscaler(RULE);
    assert.equal(b.observe({ at: 0, instances: 1, lagMs: 2_000, cpu: 0.95 }).desired, 1);
    const c = new Autoscaler(RULE);
    const d = c.observe({ at: 0, instances: 3, lagMs: undefined, cpu: undefined });
    assert.deepEqual([d.desired, d.reason], [3, 'no lag reported yet']);
  });

  it('a short lag bump after a rebalance does not flap the count down and up', () => {
    const a = new Autoscaler(RULE);
    const counts = run(a, 0, 300_000, (t) => (t % 60_000 < 6_000 ? 12_000 : 2_000), 0.3);
    assert.deepEqual([...new Set(counts)], [1], 'bumps to 12 s, under the bound, change nothing');
  });

  it('refuses a rule with min above max or below 1', () => {
    assert.throws(() => new Autoscaler({ ...RULE, min: 3, max: 2 }), RangeError);
    assert.throws(() => new Autoscaler({ ...RULE, min: 0 }), RangeError);
  });
});
