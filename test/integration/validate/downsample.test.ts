/**
 * Negative downsampling on the real broker (issue 20 §3): a simulated run
 * joined twice with `--negative-share 0.1` and once in full (share 1), each to
 * its own samples topic, then `labeljoin validate --json`:
 *   - the downsampled run against the simulator's truth and against the
 *     offline re-join, both downsampled by the contract: agreement 1, nothing
 *     missing or extra, no weight difference;
 *   - the downsampled run against the full run: the same;
 *   - the second downsampled run against the first: exactly the same views;
 *   - and, so that the comparison is seen to fail, the downsampled run against
 *     the full run without --negative-share: the dropped negatives missing,
 *     the kept ones with the wrong weight.
 * Counts are checked to be above 0, so an empty run cannot pass.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { TruthRow } from '../../../src/codec/truth-format.js';
import type { ComparisonReport } from '../../../src/validate/compare.js';
import { jsonOutput, runCli } from '../../helpers/cli.js';
import { createTestTopics } from '../../helpers/kafka.js';
import { createPipeline, joinSummary, runJoin, runSimulate, WINDOW_FLAGS, type TestPipeline } from '../../helpers/pipeline.js';

const SHARE = '0.1';
const VIEWS = 6_000;
const TRAFFIC = ['--views', String(VIEWS), '--users', '600', '--posts', '400', '--views-per-second', '25', '--duplicate-rate', '0.05', '--early-rate', '0.1',
  '--late-rate', '0.03', '--late-arrival-rate', '0.03', '--skew', '1s', '--seed', '41'];

async function validate(p: TestPipeline, samplesTopic: string, args: readonly string[]): Promise<ComparisonReport> {
  const r = await runCli(['validate', ...p.inputArgs, ...WINDOW_FLAGS, '--samples', `topic:${samplesTopic}`, '--json', ...args], { LABELJOIN_LOG_LEVEL: 'warn' });
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return jsonOutput<ComparisonReport>(r, 'validate');
}

/** Agreement 1: every view on both sides, every label and weight equal. */
function assertAgrees(r: ComparisonReport, samples: number, what: string): void {
  const detail = `${what}: ${JSON.stringify(r.examples)}`;
  assert.equal(r.passed, true, detail);
  assert.equal(r.agreement, 1, detail);
  assert.deepEqual([r.onlyInA, r.onlyInB, r.weightDiffs, r.keyFieldDiffs], [0, 0, 0, 0], detail);
  assert.equal(r.a.samples, samples, what);
  assert.equal(r.matched, samples, what);
  assert.equal(r.union, samples, what);
}

describe('negative downsampling on the real broker', () => {
  it('a run at share 0.1 agrees with the truth, the re-join and a full run, downsampled; a second run keeps the same views', async (t) => {
    const p = await createPipeline(t, 'validate-ds');
    await runSimulate(p, TRAFFIC);
    const truth = readFileSync(p.truth, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as TruthRow);
    assert.equal(truth.length, VIEWS);
    const fullTopic = `${p.samples}-full`;
    const againTopic = `${p.samples}-again`;
    await createTestTopics(t, [fullTopic, againTopic].map((name) => ({ name, partitions: p.partitions, replicationFactor: 1 })));

    const downRun = await runJoin(p, ['--negative-share', SHARE]);
    assert.equal(downRun.code, 0, downRun.stderr);
    const fullRun = await runJoin(p, ['--group', `${p.group}-full`, '--state-dir', `${p.stateDir}-full`], fullTopic);
    assert.equal(fullRun.code, 0, fullRun.stderr);
    const againRun = await runJoin(p, ['--negative-share', SHARE, '--group', `${p.group}-again`, '--state-dir', `${p.stateDir}-again`], againTopic);
    assert.equal(againRun.code, 0, againRun.stderr);
    const down = joinSummary(downRun).counters;
    const full = joinSummary(fullRun).counters;
    const again = joinSummary(againRun).counters;

    // The full run emits every view; the downsampled one drops most negatives, and nothing else.
    assert.deepEqual([full.samplesOut, full.negativesDropped], [VIEWS, 0]);
    assert.ok(down.negativesDropped > 0 && down.samplesOut > 0, `${down.samplesOut} samples out, ${down.negativesDropped} negatives dropped`);
    assert.equal(down.samplesOut + down.negativesDropped, VIEWS);
    assert.deepEqual([again.samplesOut, again.negativesDropped], [down.samplesOut, down.negativesDropped]);
    const samples = down.samplesOut;

    const vsTruth = await validate(p, p.samples, ['--truth', p.truth, '--negative-share', SHARE]);
    assertAgrees(vsTruth, samples, 'against the truth');
    const ds = vsTruth.downsampling;
    assert.ok(ds !== undefined, 'the report says the reference was downsampled');
    assert.equal(ds.share, 0.1);
    assert.equal(ds.negatives - ds.kept, down.negativesDropped);
    assert.ok(ds.kept > 0 && Math.abs(ds.keptShare - 0.1) < 0.03, `kept ${ds.kept} of ${ds.negatives} negatives`);
    // the positives (weight 1) and the kept negatives (weight 10) are both there
    assert.ok(samples - ds.kept > 0, 'some positives');

    const vsRejoin = await validate(p, p.samples, ['--rejoin', '--negative-share', SHARE]);
    assertAgrees(vsRejoin, samples, 'against the re-join');
    assert.deepEqual([vsRejoin.downsampling?.negatives, vsRejoin.downsampling?.kept], [ds.negatives, ds.kept]);

    const vsFull = await validate(p, p.samples, ['--against', `topic:${fullTopic}`, '--negative-share', SHARE]);
    assertAgrees(vsFull, samples, 'against the full run');
    assert.equal(vsFull.b.samples, samples);
    // The same comparison without the share fails: the dropped negatives are missing, the kept ones weigh 10, not 1.
    const undeclared = await validate(p, p.samples, ['--against', `topic:${fullTopic}`]);
    assert.equal(undeclared.passed, false);
    assert.deepEqual([undeclared.onlyInA, undeclared.onlyInB, undeclared.weightDiffs], [0, down.negativesDropped, ds.kept]);

    // Two runs keep the same views: the second against the first, as they are (no downsampling of the reference).
    const twoRuns = await validate(p, againTopic, ['--against', `topic:${p.samples}`]);
    assertAgrees(twoRuns, samples, 'second run against the first');
    assert.equal(twoRuns.downsampling, undefined);
    t.diagnostic(`${VIEWS} views: ${samples} samples out at share ${SHARE} (${samples - ds.kept} positive, ${ds.kept} of ${ds.negatives} negatives kept, share ${ds.keptShare.toFixed(4)})`);
  });
});
