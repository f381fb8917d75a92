/**
 * `labeljoin validate` on the real broker: the joiner's samples against the
 * simulator's truth and against the offline re-join, on a simulated run with
 * every kind of disorder; two joiner outputs against each other (the late
 * policies differ exactly in the labels the truth marks late); a shadow
 * fraction that picks the same users in every process.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { shadowFilter } from '../../../src/codec/shadow.js';
import type { TruthRow } from '../../../src/codec/truth-format.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import type { ComparisonReport } from '../../../src/validate/compare.js';
import { runCli } from '../../helpers/cli.js';
import { createTestTopics } from '../../helpers/kafka.js';
import { createPipeline, runJoin, runSimulate, WINDOW_FLAGS, type TestPipeline } from '../../helpers/pipeline.js';

const DISORDER = ['--views', '6000', '--users', '600', '--posts', '400', '--views-per-second', '25', '--duplicate-rate', '0.05', '--early-rate', '0.1',
  '--late-rate', '0.03', '--late-arrival-rate', '0.03', '--skew', '1s', '--idle-partition', '3'];

async function validate(p: TestPipeline, samplesTopic: string, args: readonly string[]): Promise<{ code: number; report: ComparisonReport }> {
  const r = await runCli(['validate', ...p.inputArgs, ...WINDOW_FLAGS, '--samples', `topic:${samplesTopic}`, '--json', ...args], { LABELJOIN_LOG_LEVEL: 'warn' });
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return { code: r.code, report: JSON.parse(r.stdout) as ComparisonReport };
}

function truthRows(p: TestPipeline): TruthRow[] {
  return readFileSync(p.truth, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as TruthRow);
}

describe('labeljoin validate on the real broker', () => {
  it('the joiner\'s samples agree with the truth and with the re-join; the late policies differ exactly in the late labels', async (t) => {
    const p = await createPipeline(t, 'validate');
    await runSimulate(p, [...DISORDER, '--seed', '31']);
    const correctTopic = `${p.samples}-correct`;
    await createTestTopics(t, [{ name: correctTopic, partitions: p.partitions, replicationFactor: 1 }]);
    const drop = await runJoin(p);
    assert.equal(drop.code, 0, drop.stderr);
    const correct = await runJoin(p, ['--late-policy', 'correct', '--group', `${p.group}-correct`, '--state-dir', `${p.stateDir}-correct`], correctTopic);
    assert.equal(correct.code, 0, correct.stderr);
    const truth = truthRows(p);

    const vsTruth = await validate(p, p.samples, ['--truth', p.truth]);
    assert.equal(vsTruth.code, 0, JSON.stringify(vsTruth.report.examples));
    assert.equal(vsTruth.report.union, truth.length);
    assert.equal(vsTruth.report.agreement, 1);

    const vsRejoin = await validate(p, p.samples, ['--rejoin']);
    assert.equal(vsRejoin.code, 0, JSON.stringify(vsRejoin.report.examples));
    assert.equal(vsRejoin.report.b.samples, truth.length);
    assert.equal(vsRejoin.report.agreement, 1);

    const correctVsRejoin = await validate(p, correctTopic, ['--rejoin', '--late-policy', 'correct']);
    assert.equal(correctVsRejoin.code, 0, JSON.stringify(correctVsRejoin.report.examples));
    assert.ok(correctVsRejoin.report.a.corrections > 0);

    // "correct" against "drop": exactly the labels the truth marks late are 1 in A and 0 in B.
    const policies = await validate(p, correctTopic, ['--against', `topic:${p.samples}`]);
    assert.equal(policies.code, 1);
    assert.equal(policies.report.matched, truth.length);
    for (const type of DEFAULT_LABEL_TYPES) {
      const late = truth.filter((row) => row.late?.includes(type) === true).length;
      const k = policies.report.perLabel[type]!;
      assert.deepEqual([k.onlyA1, k.onlyB1], [late, 0], type);
    }
    const lateViews = truth.filter((row) => (row.late ?? []).length > 0).length;
    assert.ok(lateViews > 0);
    assert.equal(policies.report.union - policies.report.agreement * policies.report.union, lateViews);
    assert.equal(policies.report.schema.compared, true);
    assert.deepEqual([policies.report.schema.added, policies.report.schema.removed, policies.report.schema.changed], [[], [], []]);
    assert.equal(policies.report.schema.aReadsB.ok, true);
  });

  it('a shadow fraction compares the same hash-sampled users in every process', async (t) => {
    const p = await createPipeline(t, 'validate-shadow');
    await runSimulate(p, [...DISORDER, '--seed', '32']);
    assert.equal((await runJoin(p)).code, 0);
    const keep = shadowFilter(0.1);
    const expected = truthRows(p).filter((row) => keep(row.user_id)).length;
    const [one, two] = await Promise.all([validate(p, p.samples, ['--rejoin', '--shadow-fraction', '0.1']), validate(p, p.samples, ['--rejoin', '--shadow-fraction', '0.1'])]);
    assert.equal(one.code, 0, JSON.stringify(one.report.examples));
    assert.ok(expected > 0 && expected < 6000 * 0.3, `${expected} views of sampled users`);
    for (const r of [one.report, two.report]) {
      assert.equal(r.union, expected);
      assert.equal(r.matched, expected);
      assert.equal(r.b.samples, expected);
    }
    assert.equal(one.report.a.outsideShadow, two.report.a.outsideShadow);
  });
});
