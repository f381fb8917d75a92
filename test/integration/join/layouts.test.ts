/**
 * Input layouts on the real broker, through the CLI as a user runs it: the
 * same simulated events as (a) views + one engagements topic, (b) views +
 * three engagement topics (the paper's one topic per signal), (c) one
 * consolidated topic (--events-topic, the kind header). Each join agrees with
 * the truth, and the three sample sets are the same (validate --against).
 * Then kill -9 and restart on (b) and (c): nothing missing, every label right.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { Random } from '../../../src/sim/random.js';
import type { ComparisonReport } from '../../../src/validate/compare.js';
import { compareWithTruth } from '../../../src/validate/truth-report.js';
import { runCli } from '../../helpers/cli.js';
import { testConnection } from '../../helpers/kafka.js';
import { createPipeline, joinSummary, runJoin, runSimulate, startJoin, WINDOW_FLAGS, type InputLayout, type TestPipeline } from '../../helpers/pipeline.js';

const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });
const LAYOUTS: readonly InputLayout[] = ['two-topics', 'three-engagement-topics', 'consolidated'];
const EVENTS = ['--views', '8000', '--users', '800', '--posts', '500', '--views-per-second', '30', '--seed', '41', '--duplicate-rate', '0.05', '--early-rate', '0.1',
  '--late-rate', '0.03', '--late-arrival-rate', '0.03', '--skew', '1s'];

describe('input layouts on the real broker', () => {
  it('the same events as two topics, as views + three engagement topics, and as one consolidated topic: each agrees with the truth, the samples of the three are the same', async (t) => {
    const pipelines: TestPipeline[] = [];
    for (const layout of LAYOUTS) {
      const p = await createPipeline(t, `layout-${layout}`, 4, {}, layout);
      await runSimulate(p, EVENTS);
      // Under "correct" a label is the contract's whatever order the engagement topics were merged in
      // (which engagements come late depends on the topics: docs/inputs.md).
      const r = await runJoin(p, ['--late-policy', 'correct']);
      assert.equal(r.code, 0, r.stderr);
      const summary = joinSummary(r);
      t.diagnostic(`${layout}: ${summary.counters.viewsIn} views, ${summary.counters.engagementsIn} engagements, ${summary.counters.late} late, ${summary.counters.corrections} corrections, ${summary.counters.deadLettered} dead-lettered`);
      assert.equal(summary.counters.deadLettered, 0);
      const report = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'correct');
      assert.ok(report.expected > 7_000, `${report.expected} views in the truth`);
      assert.equal(report.missing, 0, JSON.stringify(report.examples));
      assert.equal(report.extra, 0);
      assert.equal(report.labelAccuracy, 1, `${layout}: ${JSON.stringify(report.examples)}`);
      pipelines.push(p);
    }
    const [a, ...others] = pipelines;
    for (const other of others) {
      const r = await runCli(['validate', ...a!.inputArgs, ...WINDOW_FLAGS, '--samples', `topic:${other.samples}`, '--against', `topic:${a!.samples}`, '--json'], { LABELJOIN_LOG_LEVEL: 'warn' });
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as ComparisonReport;
      t.diagnostic(`${other.views} vs ${a!.views}: union ${report.union}, agreement ${report.agreement}`);
      assert.ok(report.union > 7_000);
      assert.deepEqual([report.matched, report.agreement, report.keyFieldDiffs], [report.union, 1, 0]);
    }
  });

  // (b) under "drop": which engagements are late depends on how the topics are merged, which the
  // truth does not model (it follows one log per partition), so these events have no late arrivals;
  // (c) keeps the engagements' order of (a), so the truth's late marks hold with late arrivals too.
  const KILLED: ReadonlyArray<{ readonly layout: InputLayout; readonly lateArrivals: string }> = [
    { layout: 'three-engagement-topics', lateArrivals: '0' },
    { layout: 'consolidated', lateArrivals: '0.02' },
  ];
  for (const { layout, lateArrivals } of KILLED) {
    it(`${layout}: kill -9 at 3 random moments and restart: nothing missing, every label right after de-duplication`, async (t) => {
      const p = await createPipeline(t, `layout-kill-${layout}`, 4, {}, layout);
      await runSimulate(p, ['--views', '40000', '--users', '2000', '--posts', '1500', '--views-per-second', '60', '--seed', '43', '--duplicate-rate', '0.05',
        '--early-rate', '0.1', '--late-rate', '0.03', '--late-arrival-rate', lateArrivals]);
      const seed = Number(process.env['LABELJOIN_TEST_SEED'] ?? Date.now() % 100_000);
      t.diagnostic(`kill schedule seed ${seed}`);
      const random = new Random(seed);
      let killedMidway = 0;
      for (let kill = 0; kill < 3; kill++) {
        const run = startJoin(p, ['--instance-id', `${p.group}-1`, '--progress-every', '100ms'], { LABELJOIN_FETCH_BYTES: '32768' });
        const progress = await run.waitForStderr(/samples [1-9]\d* out/);
        // Not a wait for a condition: the random pause is the chaos, so kills land at different points of the cycle.
        await sleep(random.int(300));
        run.kill('SIGKILL');
        const r = await run.done;
        assert.ok(r.code === 128 || r.code === 0, `run ${kill + 1} failed by itself (exit ${r.code}): ${r.stderr.slice(-2000)}`);
        if (progress !== undefined && r.code === 128) killedMidway++;
      }
      const last = await runJoin(p, ['--instance-id', `${p.group}-1`]);
      assert.equal(last.code, 0, last.stderr);
      assert.ok(killedMidway >= 2, `only ${killedMidway} kills happened while samples were flowing`);
      const report = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'drop');
      t.diagnostic(`${layout}: views expected ${report.expected}, samples read ${report.samplesRead}, repeated sample ids ${report.duplicateSampleIds}`);
      assert.ok(report.expected > 35_000);
      assert.equal(report.missing, 0, JSON.stringify(report.examples));
      assert.equal(report.extra, 0);
      assert.equal(report.labelAccuracy, 1, JSON.stringify(report.examples));
    });
  }
});
