/**
 * The state benchmark measures what it says: the state reaches the steady size
 * the retention rules give for N views in flight, in memory and on disk alike,
 * and `labeljoin bench state` prints one line per run, each from its own process.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runState, type StateRunResult } from '../../src/bench/state-worker.js';
import { emittedKeepMs, engagementKeepMs } from '../../src/join/engagement-index.js';
import { runCli } from '../helpers/cli.js';

const times = { windowMs: 600_000, maxSkewMs: 30_000, viewDisorderMs: 60_000, allowedLatenessMs: 30_000 };

describe('state benchmark', () => {
  for (const state of ['memory', 'disk'] as const) {
    it(`${state}: the state holds what the retention rules give for 20,000 views in flight`, async () => {
      const r = await runState({ state, inFlight: 20_000, measureSteps: 5_000, times });
      // One engagement per step, kept engagementKeep after its time; a view remembered from its join (a window
      // after its time) until emittedKeep after its time. Expiry runs every 1,024 steps: up to that many more.
      const perMs = r.viewsInFlight / times.windowMs;
      const engagements = perMs * engagementKeepMs(times);
      const views = perMs * (emittedKeepMs(times) - times.windowMs);
      assert.ok(r.engagementsHeld >= engagements - 2 && r.engagementsHeld <= engagements * 1.06 + 1_100, `engagements ${r.engagementsHeld} vs ${engagements}`);
      assert.ok(r.viewsRemembered >= views - 1 && r.viewsRemembered <= views + 1_100, `views ${r.viewsRemembered} vs ${views}`);
      assert.ok(r.eventsPerSec > 0 && r.peakRssMiB > 0);
    });
  }

  it('labeljoin bench state --json: one result per run, in memory at each size and on disk at the smallest', async () => {
    const r = await runCli(['bench', 'state', '--json', '--state-views', '20000,5000'], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(r.stdout) as StateRunResult[];
    assert.deepEqual(runs.map((x) => [x.state, x.viewsInFlight]), [['memory', 5000], ['memory', 20000], ['disk', 5000]]);
    assert.ok(runs[1]!.engagementsHeld > 3 * runs[0]!.engagementsHeld, 'the larger run holds more');
  });
});
