/**
 * `labeljoin repartition` killed with SIGKILL mid-run and restarted: a reader
 * of the re-keyed topic with read_committed sees every source record exactly
 * once, in the partition murmur2 gives its key. The source is a simulated
 * engagements topic (murmur2 over 4 partitions) re-keyed into 3 partitions,
 * so that most records move. Also SIGTERM: the batch committed, exit 0.
 * LABELJOIN_TEST_KILLS sets the number of kills (3).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { RepartitionSummaryJson } from '../../../src/cli/repartition-command.js';
import type { ConsumedRecord } from '../../../src/kafka/fetcher.js';
import { partitionForKey } from '../../../src/kafka/partitioner.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import { Random } from '../../../src/sim/random.js';
import { jsonOutput, runCli, startCli } from '../../helpers/cli.js';
import { createTestTopics, testBrokers, testConnection } from '../../helpers/kafka.js';
import { createPipeline, runSimulate } from '../../helpers/pipeline.js';

const KILLS = Number(process.env['LABELJOIN_TEST_KILLS'] ?? '3');
const TO_PARTITIONS = 3;

async function signatures(topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<{ sigs: string[]; records: ConsumedRecord[] }> {
  const records: ConsumedRecord[] = [];
  await readTopicToEnd(testConnection(), topic, { isolation, onRecord: (r) => records.push(r) });
  const sigs = records.map((x) => `${x.key?.toString('hex')}|${x.value?.toString('hex')}|${x.timestamp}|${JSON.stringify(x.headers.map(([k, v]) => [k, v.toString('hex')]))}`);
  return { sigs, records };
}

describe('labeljoin repartition crash recovery on the real broker', () => {
  it(`kill -9 at ${KILLS} random moments, then --drain: every record exactly once for a read_committed reader`, async (t) => {
    const p = await createPipeline(t, 'rep-kill', 4);
    const to = `${p.engagements}-rekeyed`;
    await createTestTopics(t, [{ name: to, partitions: TO_PARTITIONS, replicationFactor: 1 }]);
    await runSimulate(p, ['--views', '150000', '--users', '5000', '--posts', '3000', '--views-per-second', '60', '--seed', '41', '--duplicate-rate', '0.02']);
    const source = await signatures(p.engagements, 'read_committed');
    t.diagnostic(`source: ${source.sigs.length} engagements in 4 partitions`);
    const brokers = testBrokers().join(',');
    const args = ['repartition', '--brokers', brokers, '--from', p.engagements, '--to', to, '--group', `${p.group}-rep`, '--drain', '--json', '--progress-every', '100ms', '--batch-records', '500'];
    const env = { LABELJOIN_LOG_LEVEL: 'warn', LABELJOIN_REPARTITION_FETCH_BYTES: '32768' };
    const seed = Number(process.env['LABELJOIN_TEST_SEED'] ?? Date.now() % 100_000);
    t.diagnostic(`kill schedule seed ${seed}`);
    const random = new Random(seed);
    // Long-running (no --drain), stopped by SIGTERM: finishes its batch, commits, exits 0.
    const follow = startCli(args.filter((a) => a !== '--drain'), env);
    assert.ok((await follow.waitForStderr(/^repartition: \d+ in, [1-9]\d* out/)) !== undefined);
    follow.kill('SIGTERM');
    const stopped = await follow.done;
    assert.equal(stopped.code, 0, stopped.stderr);
    const first = jsonOutput<RepartitionSummaryJson>(stopped, 'repartition');
    t.diagnostic(`SIGTERM: exit 0 after ${first.recordsOut} records in ${first.transactions} transactions`);
    assert.deepEqual([first.drained, first.recordsIn === first.recordsOut, first.recordsOut > 0], [false, true, true]);
    let killedMidway = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const run = startCli(args, env);
      const progress = await run.waitForStderr(/^repartition: \d+ in, [1-9]\d* out/);
      await sleep(random.int(300)); // the chaos: kills land at different points of a transaction
      run.kill('SIGKILL');
      const r = await run.done;
      const last = r.stderr.trim().split('\n').filter((l) => l.startsWith('repartition: ')).at(-1) ?? '-';
      t.diagnostic(`run ${kill + 1}: exit ${r.code}, last progress: ${last}`);
      assert.ok(r.code === 128 || r.code === 0, `run ${kill + 1} failed by itself (exit ${r.code}): ${r.stderr.split('\n').filter((l) => !l.startsWith('repartition: ')).join('\n')}`);
      if (progress !== undefined && r.code === 128) killedMidway++;
    }
    const final = await runCli(args, env);
    assert.equal(final.code, 0, final.stderr);
    const summary = jsonOutput<RepartitionSummaryJson>(final, 'repartition');
    t.diagnostic(`last run: ${summary.recordsOut} out in ${summary.transactions} transactions, ${summary.seconds.toFixed(1)} s; killed mid-run ${killedMidway} of ${KILLS} times`);
    assert.equal(summary.drained, true);
    assert.ok(killedMidway >= Math.min(KILLS, 2), `only ${killedMidway} kills happened while records were flowing`);

    const copied = await signatures(to, 'read_committed');
    const everything = await signatures(to, 'read_uncommitted');
    t.diagnostic(`target: ${copied.sigs.length} records read_committed, ${everything.sigs.length} read_uncommitted (${everything.sigs.length - copied.sigs.length} in transactions the kills left open, aborted)`);
    assert.equal(copied.sigs.length, source.sigs.length, 'as many records as the source');
    assert.deepEqual(copied.sigs.sort(), source.sigs.sort(), 'each source record exactly once (duplicates the simulator sent stay two)');
    for (const r of copied.records) assert.equal(r.partition, partitionForKey(r.key!, TO_PARTITIONS));
    const moved = source.records.filter((r) => partitionForKey(r.key!, TO_PARTITIONS) !== r.partition).length;
    t.diagnostic(`moved to another partition number: ${moved} of ${source.records.length}`);
    assert.ok(moved > source.records.length / 2);
  });
});
