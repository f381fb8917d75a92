/**
 * The chaos run's schedule (src/bench/chaos-schedule.ts): the same seed gives the same faults,
 * the counts asked for, inside 10-85 % of the run, one node down at a time, and every fault
 * naming an instance that runs at that moment, within the instance bounds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chaosSchedule, describeFault, type ChaosPlan } from '../../src/bench/chaos-schedule.js';
import { LabeljoinError } from '../../src/errors.js';

const PLAN: ChaosPlan = {
  seed: 7,
  durationMs: 300_000,
  joinerKills: 20,
  brokerKills: 3,
  scaleChanges: 5,
  instances: 2,
  minInstances: 1,
  maxInstances: 4,
  partitions: 8,
  downMs: { min: 5_000, max: 15_000 },
  catchUpMs: 10_000,
};

describe('chaos schedule', () => {
  it('is a function of the seed', () => {
    assert.deepEqual(chaosSchedule(PLAN), chaosSchedule({ ...PLAN }));
    assert.notDeepEqual(chaosSchedule(PLAN), chaosSchedule({ ...PLAN, seed: 8 }));
  });

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
    it(`seed ${seed}: the counts, the time span, one node down at a time, instances that run`, () => {
      const faults = chaosSchedule({ ...PLAN, seed });
      const count = (kind: string): number => faults.filter((f) => f.kind === kind).length;
      assert.deepEqual([count('kill-joiner'), count('kill-leader'), count('add') + count('remove')], [20, 3, 5]);
      for (let i = 1; i < faults.length; i++) assert.ok(faults[i - 1]!.atMs <= faults[i]!.atMs, 'in time order');
      for (const f of faults) assert.ok(f.atMs >= 30_000 && f.atMs <= 255_000, `${describeFault(f)} within 10-85 %`);
      const leaders = faults.filter((f) => f.kind === 'kill-leader');
      for (let i = 1; i < leaders.length; i++) {
        const before = leaders[i - 1]!;
        assert.ok(leaders[i]!.atMs >= before.atMs + before.downMs + PLAN.catchUpMs, `${describeFault(leaders[i]!)}: the node killed before is back and caught up`);
      }
      for (const l of leaders) assert.ok(l.downMs >= 5_000 && l.downMs <= 15_000 && l.partition >= 0 && l.partition < 8);
      const running = new Set([1, 2]);
      for (const f of faults) {
        if (f.kind === 'kill-leader') continue;
        if (f.kind === 'add') {
          assert.ok(!running.has(f.instance), `${describeFault(f)}: a new instance`);
          running.add(f.instance);
        } else {
          assert.ok(running.has(f.instance), `${describeFault(f)}: an instance that runs`);
          if (f.kind === 'remove') running.delete(f.instance);
        }
        assert.ok(running.size >= 1 && running.size <= 4, `${describeFault(f)}: ${running.size} instances`);
      }
    });
  }

  it('refuses broker kills that do not fit, and instance counts out of bounds', () => {
    assert.throws(() => chaosSchedule({ ...PLAN, durationMs: 60_000, brokerKills: 3 }), (e: unknown) => e instanceof LabeljoinError && e.code === 'USAGE' && /3 broker kills need at least 100 s/.test(e.message));
    assert.throws(() => chaosSchedule({ ...PLAN, instances: 5 }), (e: unknown) => e instanceof LabeljoinError && e.code === 'USAGE');
    assert.equal(chaosSchedule({ ...PLAN, joinerKills: 0, brokerKills: 0, scaleChanges: 0 }).length, 0);
    const one = chaosSchedule({ ...PLAN, instances: 1, maxInstances: 1 });
    assert.deepEqual([...new Set(one.map((f) => f.kind))].sort(), ['kill-joiner', 'kill-leader'], 'min = max: no instance added or removed');
    assert.ok(one.every((f) => f.kind !== 'kill-joiner' || f.instance === 1));
  });
});
