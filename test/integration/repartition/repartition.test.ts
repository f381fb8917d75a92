/**
 * `labeljoin repartition` on the real broker (issue 17, part 1):
 *
 * - engagements produced by a client nobody here wrote, the Python
 *   confluent-kafka Producer with librdkafka's default partitioner
 *   (consistent_random: CRC32), views by murmur2: joined as they are, the
 *   misplaced engagements are dead-lettered and labels differ from those the
 *   producer script expects; re-keyed with `repartition --drain` and joined
 *   from the re-keyed topic, every expected label is right and nothing is in
 *   a wrong partition. The producer sets record timestamps to event time
 *   (`--record-timestamps event`): repartition merges the source partitions
 *   in record-timestamp order, and the joiner needs each re-keyed partition
 *   in event-time order up to --out-of-orderness;
 * - the same with record timestamps left to librdkafka (the time of sending):
 *   the re-keyed partitions are out of event-time order, labels differ at
 *   --out-of-orderness 15s and are all right at 5m (the remedy the docs give);
 * - the CLI's refusals: a missing --to topic (one line naming the command
 *   that creates it, exit 1), a missing --from flag (exit 2).
 *
 * The kill -9 test is in ./repartition-crash.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RepartitionSummaryJson } from '../../../src/cli/repartition-command.js';
import { readConfluentId } from '../../../src/codec/confluent-framing.js';
import { avroType } from '../../../src/codec/schemas.js';
import type { ConsumedRecord } from '../../../src/kafka/fetcher.js';
import { partitionForKey } from '../../../src/kafka/partitioner.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import { SchemaRegistryClient } from '../../../src/schema-registry/client.js';
import { jsonOutput, runCli } from '../../helpers/cli.js';
import { createTestTopics, testBrokers, testConnection } from '../../helpers/kafka.js';
import { createPipeline, joinSummary, runJoin } from '../../helpers/pipeline.js';
import { FOREIGN_INPUTS, FOREIGN_SCHEMAS, interopScript, pythonVenv, type ExpectedLabels } from '../../helpers/python.js';
import { useTestSchemaRegistry } from '../../helpers/schema-registry.js';
import { testDir } from '../../helpers/tmp.js';

const FOREIGN = FOREIGN_SCHEMAS;
const INPUTS = FOREIGN_INPUTS;
const SCRIPT = interopScript('confluent_client.py');
const VIEWS = 60;
const PARTITIONS = 4;
type Expected = ExpectedLabels;

/** Runs the Python script to its end (stopped after 2 min) and returns the one JSON object it printed. */
function python(exe: string, args: readonly string[]): Promise<{ views: number; engagements: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = stdout.split('\n').filter((l) => l !== '');
      if (code !== 0 || lines.length !== 1) reject(new Error(`the Python producer exited ${code}: ${stderr.trim().split('\n').slice(-8).join('\n')}`));
      else resolve(JSON.parse(lines[0]!) as { views: number; engagements: number });
    });
  });
}

async function records(topic: string): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  await readTopicToEnd(testConnection(), topic, { isolation: 'read_committed', onRecord: (r) => out.push(r) });
  return out;
}

/** Samples of a topic whose labels differ from the expected ones, and how many samples there were. */
async function labelDifferences(topic: string, expected: Record<string, Expected>, registryUrl: string): Promise<{ samples: number; differ: string[] }> {
  const client = new SchemaRegistryClient({ url: registryUrl });
  const samples = await records(topic);
  const differ: string[] = [];
  for (const s of samples) {
    const schema = JSON.parse(await client.getSchemaById(readConfluentId(s.value!)!)) as Record<string, unknown>;
    const v = avroType(schema).fromBuffer(s.value!.subarray(5)) as { impression_id: string; labels: Record<string, number>; delays_ms: Record<string, number | null> };
    const want = expected[v.impression_id];
    assert.ok(want !== undefined, `a sample of a view that was sent: ${v.impression_id}`);
    try {
      assert.deepEqual({ labels: { ...v.labels }, delays_ms: { ...v.delays_ms } }, { labels: want.labels, delays_ms: want.delays_ms });
    } catch {
      differ.push(v.impression_id);
    }
  }
  return { samples: samples.length, differ };
}

describe('labeljoin repartition', () => {
  const registry = useTestSchemaRegistry();

  it("engagements by librdkafka's default partitioner (CRC32), views by murmur2: wrong before, every expected label right after repartition", async (t) => {
    const venv = await pythonVenv();
    const p = await createPipeline(t, 'rep-py', PARTITIONS);
    const rekeyed = `${p.engagements}-rekeyed`;
    const samples2 = `${p.samples}-after`;
    const dlq2 = `${p.deadLetter}-after`;
    await createTestTopics(t, [rekeyed, samples2, dlq2].map((name) => ({ name, partitions: PARTITIONS, replicationFactor: 1 })));
    const expectedFile = join(testDir(t, 'rep-py'), 'expected.json');
    const brokers = testBrokers().join(',');
    const produced = await python(venv.python, [
      'produce', '--brokers', brokers, '--registry', registry.url(),
      '--views-topic', p.views, '--engagements-topic', p.engagements,
      '--view-schema', join(FOREIGN, 'impression.avsc'), '--engagement-schema', join(FOREIGN, 'interaction.avsc'),
      '--views', String(VIEWS), '--window-s', '60', '--skew-s', '10', '--expected', expectedFile, '--engagements-partitioner', 'consistent_random', '--record-timestamps', 'event',
    ]);
    const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as Record<string, Expected>;
    const engagements = await records(p.engagements);
    assert.equal(engagements.length, produced.engagements);
    const misplaced = engagements.filter((r) => r.partition !== partitionForKey(r.key!, PARTITIONS)).length;
    t.diagnostic(`engagements ${engagements.length}, of which ${misplaced} not where murmur2 puts their key`);
    assert.ok(misplaced > 0, 'CRC32 and murmur2 disagree on some of these keys');

    // Before: joined as produced.
    const before = await runJoin(p, ['--config', INPUTS, '--schema-registry', registry.url(), '--wrong-partition', 'dead-letter']);
    assert.equal(before.code, 0, before.stderr);
    const b = joinSummary(before).counters;
    const wrongBefore = Object.values(b.wrongPartition.engagements).reduce((x, y) => x + y, 0);
    assert.deepEqual([wrongBefore, b.deadLetteredBy['RECORD_WRONG_PARTITION']], [misplaced, misplaced], 'every misplaced engagement found and dead-lettered');
    const diffBefore = await labelDifferences(p.samples, expected, registry.url());
    t.diagnostic(`before: ${diffBefore.differ.length} of ${diffBefore.samples} samples with labels other than expected`);
    assert.equal(diffBefore.samples, VIEWS);
    assert.ok(diffBefore.differ.length > 0, 'the dead-lettered engagements are missing from some labels');

    // Re-keyed by murmur2, as the views are.
    const r = await runCli(['repartition', '--brokers', brokers, '--from', p.engagements, '--to', rekeyed, '--drain', '--json'], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(r.code, 0, r.stderr);
    const summary = jsonOutput<RepartitionSummaryJson>(r, 'repartition');
    t.diagnostic(`repartition: ${JSON.stringify(summary)}`);
    assert.deepEqual(
      [summary.recordsIn, summary.recordsOut, summary.moved, summary.keyless, summary.drained, summary.partitions, summary.partitioner, summary.group],
      [engagements.length, engagements.length, misplaced, 0, true, { from: PARTITIONS, to: PARTITIONS }, 'murmur2', `labeljoin-repartition-${p.engagements}-${rekeyed}`],
    );
    const copied = await records(rekeyed);
    assert.equal(copied.length, engagements.length);
    for (const c of copied) assert.equal(c.partition, partitionForKey(c.key!, PARTITIONS), `${String(c.key)} where murmur2 puts it`);
    // Key, value, headers and timestamp kept: the same records, as a multiset.
    const sig = (x: ConsumedRecord): string => `${x.key?.toString('hex')}|${x.value?.toString('hex')}|${x.timestamp}|${JSON.stringify(x.headers.map(([k, v]) => [k, v.toString('hex')]))}`;
    assert.deepEqual(copied.map(sig).sort(), engagements.map(sig).sort());
    // A second --drain finds nothing new: the group's offsets were committed with the records.
    const again = jsonOutput<RepartitionSummaryJson>(await runCli(['repartition', '--brokers', brokers, '--from', p.engagements, '--to', rekeyed, '--drain', '--json'], { LABELJOIN_LOG_LEVEL: 'warn' }), 'repartition');
    assert.deepEqual([again.recordsOut, again.transactions], [0, 0]);

    // After: joined from the re-keyed topic, by a new group into a new samples topic.
    const after = await runJoin(p, ['--config', INPUTS, '--schema-registry', registry.url(), '--engagements-topic', rekeyed, '--group', `${p.group}-after`, '--dead-letter-topic', dlq2], samples2);
    assert.equal(after.code, 0, after.stderr);
    const a = joinSummary(after).counters;
    t.diagnostic(`after: join counters ${JSON.stringify({ late: a.late, orphans: a.orphans, deadLettered: a.deadLettered, samplesOut: a.samplesOut })}`);
    assert.deepEqual(a.wrongPartition, { views: {}, engagements: {} });
    assert.deepEqual([a.viewsIn, a.engagementsIn, a.samplesOut, a.deadLettered], [VIEWS, produced.engagements, VIEWS, 0]);
    const diffAfter = await labelDifferences(samples2, expected, registry.url());
    t.diagnostic(`after: ${diffAfter.differ.length} of ${diffAfter.samples} samples with labels other than expected`);
    assert.deepEqual([diffAfter.samples, diffAfter.differ], [VIEWS, []]);
  });

  it("record timestamps left to librdkafka (the time of sending): the merge cannot restore event time, labels differ, and --out-of-orderness covering the disorder puts them right", async (t) => {
    const venv = await pythonVenv();
    const p = await createPipeline(t, 'rep-py-now', PARTITIONS);
    const rekeyed = `${p.engagements}-rekeyed`;
    const outs = ['a', 'b'].flatMap((x) => [`${p.samples}-${x}`, `${p.deadLetter}-${x}`]);
    await createTestTopics(t, [rekeyed, ...outs].map((name) => ({ name, partitions: PARTITIONS, replicationFactor: 1 })));
    const expectedFile = join(testDir(t, 'rep-py-now'), 'expected.json');
    const brokers = testBrokers().join(',');
    await python(venv.python, [
      'produce', '--brokers', brokers, '--registry', registry.url(),
      '--views-topic', p.views, '--engagements-topic', p.engagements,
      '--view-schema', join(FOREIGN, 'impression.avsc'), '--engagement-schema', join(FOREIGN, 'interaction.avsc'),
      '--views', String(VIEWS), '--window-s', '60', '--skew-s', '10', '--expected', expectedFile, '--engagements-partitioner', 'consistent_random',
    ]);
    const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as Record<string, Expected>;
    const r = await runCli(['repartition', '--brokers', brokers, '--from', p.engagements, '--to', rekeyed, '--drain', '--json'], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(r.code, 0, r.stderr);
    const joinFlags = ['--config', INPUTS, '--schema-registry', registry.url(), '--engagements-topic', rekeyed];
    const tight = await runJoin(p, [...joinFlags, '--group', `${p.group}-a`, '--dead-letter-topic', outs[1]!], outs[0]);
    assert.equal(tight.code, 0, tight.stderr);
    const wrong = await labelDifferences(outs[0]!, expected, registry.url());
    t.diagnostic(`--out-of-orderness 15s: ${wrong.differ.length} of ${wrong.samples} samples with labels other than expected, late ${joinSummary(tight).counters.late}`);
    assert.ok(wrong.differ.length > 0, 'engagements out of event-time order in the re-keyed partitions come late');
    // The whole input spans about 3 minutes of event time.
    const wide = await runJoin(p, [...joinFlags, '--group', `${p.group}-b`, '--dead-letter-topic', outs[3]!, '--out-of-orderness', '5m'], outs[2]);
    assert.equal(wide.code, 0, wide.stderr);
    const c = joinSummary(wide).counters;
    const right = await labelDifferences(outs[2]!, expected, registry.url());
    t.diagnostic(`--out-of-orderness 5m: ${right.differ.length} of ${right.samples} samples with labels other than expected, late ${c.late}`);
    assert.deepEqual([right.samples, right.differ, c.wrongPartition, c.deadLettered], [VIEWS, [], { views: {}, engagements: {} }, 0]);
  });

  it('a missing --to topic: one line naming the command that creates it with the views\' partition count, exit 1; a missing --from: exit 2', async (t) => {
    const p = await createPipeline(t, 'rep-missing', 3);
    const brokers = testBrokers().join(',');
    const r = await runCli(['repartition', '--brokers', brokers, '--from', p.engagements, '--to', `${p.engagements}-nope`, '--views-topic', p.views], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `labeljoin: topic ${p.engagements}-nope not found; create it with: labeljoin topics create ${p.engagements}-nope --partitions 3 --brokers ${brokers}\n`);
    const usage = await runCli(['repartition', '--brokers', brokers, '--to', 'x']);
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr, 'labeljoin: --from TOPIC is required (see: labeljoin repartition --help)\n');
  });
});
