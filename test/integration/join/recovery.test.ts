/**
 * Crash recovery: the joiner is killed with SIGKILL at random moments and
 * restarted; after de-duplication by sample_id the samples equal the truth.
 * LABELJOIN_TEST_KILLS sets the number of kills (5 by default; 20 for the long run).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { Random } from '../../../src/sim/random.js';
import { compareWithTruth } from '../../../src/validate/truth-report.js';
import { KafkaFetcher } from '../../../src/kafka/fetcher.js';
import { testAdmin, testConnection } from '../../helpers/kafka.js';
import { startCli } from '../../helpers/cli.js';
import { createPipeline, joinSummary, runJoin, runSimulate, startJoin } from '../../helpers/pipeline.js';

const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });
const KILLS = Number(process.env['LABELJOIN_TEST_KILLS'] ?? '5');

describe('joiner crash recovery on the real broker', () => {
  for (const mode of ['at-least-once', 'exactly-once'] as const) {
  it(`${mode}: kill -9 at ${KILLS} random moments: nothing missing, every label right${mode === 'exactly-once' ? ', no sample twice' : ' after de-duplication'}`, async (t) => {
    const p = await createPipeline(t, `join-kill-${mode === 'exactly-once' ? 'eos' : 'alo'}`);
    const modeFlags = mode === 'exactly-once' ? ['--exactly-once'] : [];
    await runSimulate(p, ['--views', '120000', '--users', '3000', '--posts', '2000', '--views-per-second', '60', '--seed', '31',
      '--duplicate-rate', '0.05', '--early-rate', '0.1', '--late-rate', '0.03', '--late-arrival-rate', '0.02']);
    const seed = Number(process.env['LABELJOIN_TEST_SEED'] ?? Date.now() % 100_000);
    t.diagnostic(`topics ${p.views}, ${p.samples}; truth ${p.truth}`);
    t.diagnostic(`kill schedule seed ${seed}`);
    const random = new Random(seed);
    let killedMidway = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      // Small fetches make short cycles, so kills land between many commit points.
      const run = startJoin(p, ['--instance-id', `${p.group}-1`, '--progress-every', '100ms', ...modeFlags], { LABELJOIN_FETCH_BYTES: '32768' });
      // Kill while samples are flowing: after the first progress line of this run with samples out, plus a random delay.
      const progress = await run.waitForStderr(/samples [1-9]\d* out/);
      // Not a wait for a condition: the random pause is the chaos, so kills land at different points of the cycle.
      await sleep(random.int(300));
      run.kill('SIGKILL');
      const r = await run.done;
      t.diagnostic(`run ${kill + 1}: exit ${r.code}, last progress: ${r.stderr.trim().split('\n').filter((l) => l.startsWith('join: views')).at(-1)?.slice(0, 90) ?? '-'}`);
      // 128: killed (as intended); 0: it finished before the kill; anything else is a failure of the joiner.
      assert.ok(r.code === 128 || r.code === 0, `run ${kill + 1} failed by itself (exit ${r.code}): ${r.stderr.split('\n').filter((l) => !l.startsWith('join: views')).join('\n')}`);
      if (progress !== undefined && r.code === 128) killedMidway++;
    }
    const last = await runJoin(p, ['--instance-id', `${p.group}-1`, ...modeFlags]);
    assert.equal(last.code, 0, last.stderr);
    t.diagnostic(`killed mid-run ${killedMidway} of ${KILLS} times`);
    assert.ok(killedMidway >= Math.min(KILLS, 3), `only ${killedMidway} kills happened while samples were flowing`);

    const report = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'drop');
    assert.equal(report.missing, 0, JSON.stringify(report.examples));
    assert.equal(report.extra, 0);
    assert.equal(report.labelAccuracy, 1, JSON.stringify(report.examples));
    t.diagnostic(`samples read ${report.samplesRead}, repeated sample ids ${report.duplicateSampleIds}`);
    if (mode === 'exactly-once') assert.equal(report.duplicateSampleIds, 0, 'read_committed sees every sample once');
  });
  }
});

describe('joiner graceful shutdown on the real broker', () => {
  it('SIGTERM: finishes the cycle, commits, exits 0; a restart goes on from there', async (t) => {
    const p = await createPipeline(t, 'join-term');
    await runSimulate(p, ['--views', '60000', '--users', '2000', '--posts', '1500', '--views-per-second', '60', '--seed', '32']);
    // Not --drain: a long-running joiner, stopped by a signal.
    const run = startCli(
      ['join', ...p.inputArgs, '--samples-topic', p.samples, '--dead-letter-topic', p.deadLetter, '--window', '1m', '--max-skew', '10s', '--group', p.group, '--state-dir', p.stateDir, '--progress-every', '100ms', '--json'],
      { LABELJOIN_LOG_LEVEL: 'warn', LABELJOIN_FETCH_BYTES: '32768' },
    );
    assert.ok((await run.waitForStderr(/samples [1-9]\d* out/)) !== undefined);
    const signalled = Date.now();
    run.kill('SIGTERM');
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    const summary = joinSummary(r);
    assert.deepEqual([summary.delivery, summary.drained], ['at-least-once', false]);
    t.diagnostic(`exited ${Date.now() - signalled} ms after SIGTERM`);
    assert.ok(summary.counters.samplesOut > 0);

    const rest = await runJoin(p);
    assert.equal(rest.code, 0, rest.stderr);
    const report = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'drop');
    assert.equal(report.missing, 0);
    assert.equal(report.labelAccuracy, 1);
    assert.equal(report.duplicateSampleIds, 0, 'what was committed at shutdown is not joined again');
  });
});

describe('records deleted before the joiner read them', () => {
  it('goes on from the log start, and counts and reports what was lost', async (t) => {
    const p = await createPipeline(t, 'join-retention', 4);
    await runSimulate(p, ['--views', '3000', '--users', '400', '--posts', '300', '--views-per-second', '20', '--seed', '61']);
    assert.equal((await runJoin(p)).code, 0);
    const fetcher = new KafkaFetcher(testConnection());
    t.after(() => fetcher.close());
    const joinedUpTo = (await fetcher.endOffsets(p.views, [0])).get(0)!;

    // More traffic arrives while the joiner is away, and retention deletes the first 100 views of partition 0.
    await runSimulate(p, ['--views', '3000', '--users', '400', '--posts', '300', '--views-per-second', '20', '--seed', '62', '--start', '2026-01-02T00:00:00Z']);
    const admin = testAdmin(t);
    await admin.deleteRecordsBefore(p.views, new Map([[0, joinedUpTo + 100n]]));

    const r = await runJoin(p, [], p.samples, { LABELJOIN_LOG_FORMAT: 'json', LABELJOIN_LOG_LEVEL: 'error' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(joinSummary(r).counters.lostToRetention, 100);
    assert.match(r.stderr, /"msg":"records deleted before they were read[^"]*","topic":"[^"]+-views","partition":0,"from":"\d+","logStart":"\d+","lost":100/);

    const report = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'drop');
    assert.ok(report.missing > 0 && report.missing <= 100, `missing ${report.missing}: the deleted views, no more`);
    assert.equal(report.labelAccuracy, 1, JSON.stringify(report.examples));
  });
});
