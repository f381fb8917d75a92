/**
 * Corrections survive restarts (src/join/replay.ts) on the real broker: under
 * --late-policy correct the joiner is killed with SIGKILL while samples flow,
 * so views it emitted still have late engagements ahead of them in the log;
 * the restarted joiner must correct them. Checked: the newest version of each
 * view equals the truth under "correct", and some view whose only version 0
 * came from a killed run got its correction from a later run.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import type { SampleRecord } from '../../../src/codec/events.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { KafkaFetcher } from '../../../src/kafka/fetcher.js';
import { Random } from '../../../src/sim/random.js';
import { compareWithTruth } from '../../../src/validate/truth-report.js';
import { testConnection } from '../../helpers/kafka.js';
import { createPipeline, joinSummary, runJoin, runSimulate, startJoin } from '../../helpers/pipeline.js';

const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });
const PARTITIONS = 4;
const KILLS = 3;

async function readSamples(fetcher: KafkaFetcher, topic: string): Promise<SampleRecord[]> {
  const parts = Array.from({ length: PARTITIONS }, (_, p) => p);
  const ends = await fetcher.endOffsets(topic, parts);
  const out: SampleRecord[] = [];
  for (const p of parts) {
    let offset = 0n;
    const end = ends.get(p) ?? 0n;
    while (offset < end) {
      const [batch] = await fetcher.fetch([{ topic, partition: p, offset }]);
      if (batch === undefined || batch.nextOffset <= offset) break;
      for (const r of batch.records) if (r.offset >= offset && r.value !== null) out.push(codec.decodeSample(r.value, r));
      offset = batch.nextOffset;
    }
  }
  return out;
}

describe('corrections after a restart on the real broker (--late-policy correct)', () => {
  it(`kill -9 ${KILLS} times between views' emission and their late engagements: every correction comes, newest versions equal the truth`, async (t) => {
    const p = await createPipeline(t, 'join-corrections', PARTITIONS);
    await runSimulate(p, ['--views', '30000', '--users', '1500', '--posts', '1000', '--views-per-second', '40', '--seed', '47', '--late-arrival-rate', '0.05', '--duplicate-rate', '0.02']);
    const seed = Number(process.env['LABELJOIN_TEST_SEED'] ?? Date.now() % 100_000);
    t.diagnostic(`topics ${p.views}, ${p.samples}; kill schedule seed ${seed}`);
    const random = new Random(seed);
    const flags = ['--late-policy', 'correct', '--instance-id', `${p.group}-1`, '--progress-every', '100ms'];
    const kills: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const run = startJoin(p, flags, { LABELJOIN_FETCH_BYTES: '16384' });
      assert.ok((await run.waitForStderr(/samples [1-9]\d* out/)) !== undefined, `run ${kill + 1} emitted samples`);
      // Not a wait for a condition: the random pause is the chaos, so kills land at different points.
      await sleep(random.int(400));
      kills.push(Date.now());
      run.kill('SIGKILL');
      const r = await run.done;
      assert.equal(r.code, 128, `run ${kill + 1} was killed mid-run (exit ${r.code}): ${r.stderr.split('\n').filter((l) => !l.startsWith('join: views')).join('\n')}`);
    }
    const restarted = Date.now();
    const last = await runJoin(p, ['--late-policy', 'correct', '--instance-id', `${p.group}-1`]);
    assert.equal(last.code, 0, last.stderr);
    const summary = joinSummary(last);
    const c = summary.counters;
    t.diagnostic(`last run: ${summary.seconds.toFixed(2)} s (${Date.now() - restarted} ms with process start), views in ${c.viewsIn}, views joined again silently ${c.replayedViews}, engagements re-read ${c.replayedEngagements}, engagements in ${c.engagementsIn}, corrections ${c.corrections}`);

    const report = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'correct');
    t.diagnostic(`samples read ${report.samplesRead}, repeated sample ids ${report.duplicateSampleIds}, accuracy ${report.labelAccuracy}`);
    assert.equal(report.missing, 0, JSON.stringify(report.examples));
    assert.equal(report.extra, 0);
    assert.equal(report.labelAccuracy, 1, JSON.stringify(report.examples));
    assert.ok(c.replayedViews > 0, 'the restart joined the emitted views again');

    // A view emitted (version 0) only before a kill, and corrected only after it: the restarted run
    // did not join it again, it corrected it from the state it rebuilt.
    const fetcher = new KafkaFetcher(testConnection());
    t.after(() => fetcher.close());
    const byView = new Map<string, SampleRecord[]>();
    for (const s of await readSamples(fetcher, p.samples)) {
      const key = s.view_event_id.toString('hex');
      byView.set(key, [...(byView.get(key) ?? []), s]);
    }
    let correctedAcrossKill = 0;
    for (const samples of byView.values()) {
      const across = kills.some((at) => samples.every((s) => s.version > 0 || s.emitted_at < at) && samples.some((s) => s.version > 0) && samples.filter((s) => s.version > 0).every((s) => s.emitted_at > at));
      if (across) correctedAcrossKill++;
    }
    t.diagnostic(`views corrected by a later run than the one that emitted them: ${correctedAcrossKill}`);
    assert.ok(correctedAcrossKill > 0, 'some correction was made across a kill');

    // What recovery costs: a restart with nothing new to join is recovery alone.
    const idle = { correct: joinSummary(await runJoin(p, ['--late-policy', 'correct'])), drop: joinSummary(await runJoin(p, ['--late-policy', 'drop'])) };
    for (const [policy, s] of Object.entries(idle)) {
      t.diagnostic(`restart with nothing new, ${policy}: ${s.seconds.toFixed(2)} s, views joined again silently ${s.counters.replayedViews}, engagements re-read ${s.counters.replayedEngagements + s.counters.engagementsIn}, samples out ${s.counters.samplesOut}, corrections ${s.counters.corrections}`);
      assert.equal(s.counters.samplesOut, 0, `${policy}: no view joined again is sent again`);
    }
    assert.ok(idle.correct.counters.replayedViews > 0 && idle.drop.counters.replayedViews === 0, 'only "correct" joins views again');
    const after = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'correct');
    assert.equal(after.samplesRead - report.samplesRead, idle.correct.counters.corrections, 'what the idle restart sent is its corrections only');
    assert.equal(after.labelAccuracy, 1);
    assert.equal(after.samplesRead - after.duplicateSampleIds, report.samplesRead - report.duplicateSampleIds, 'they repeat sample ids the earlier runs sent (same versions): the trainer drops them');
  });
});
