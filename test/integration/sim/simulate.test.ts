/**
 * `labeljoin simulate` against the real broker: what lands in Kafka is exactly
 * what the truth describes (recomputed independently from the consumed
 * records), and the same seed reproduces the same bytes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { SETTINGS } from '../../../src/config/settings.js';
import type { EngagementEvent, ViewEvent } from '../../../src/codec/events.js';
import { partitionForKey } from '../../../src/kafka/partitioner.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import type { TruthRow } from '../../../src/sim/truth.js';
import { runCli } from '../../helpers/cli.js';
import { createTestTopics, testBrokers, testConnection, uniqueTopic } from '../../helpers/kafka.js';
import { testDir } from '../../helpers/tmp.js';
import { contractLabels, contractLate } from '../../helpers/truth.js';

const LABEL_TYPES = ['like', 'share', 'comment', 'favorite', 'play', 'skip'];
const PARTITIONS = 4;

async function simulateInto(t: TestContext, name: string, extra: string[] = []): Promise<{ views: string; engagements: string; truth: string; stdout: string }> {
  const views = uniqueTopic(`${name}-views`);
  const engagements = uniqueTopic(`${name}-eng`);
  await createTestTopics(t, [views, engagements].map((topic) => ({ name: topic, partitions: PARTITIONS, replicationFactor: 1 })));
  const truth = join(testDir(t, 'truth'), 'truth.ndjson');
  const r = await runCli([
    'simulate', '--brokers', testBrokers().join(','), '--views-topic', views, '--engagements-topic', engagements,
    '--seed', '7', '--views', '5000', '--users', '400', '--posts', '300', '--window', '2m', '--max-skew', '10s',
    '--duplicate-rate', '0.05', '--late-rate', '0.05', '--late-arrival-rate', '0.02', '--early-rate', '0.1',
    '--views-per-second', '40', '--truth', truth, ...extra,
  ], { LABELJOIN_LOG_LEVEL: 'warn' });
  assert.equal(r.code, 0, r.stderr);
  return { views, engagements, truth, stdout: r.stdout };
}

async function partitionDigests(topic: string): Promise<string[]> {
  const hashes = Array.from({ length: PARTITIONS }, () => createHash('sha256'));
  await readTopicToEnd(testConnection(), topic, { onRecord: (r) => hashes[r.partition]!.update(r.key ?? Buffer.alloc(0)).update(r.value ?? Buffer.alloc(0)).update(String(r.timestamp)) });
  return hashes.map((h) => h.digest('hex'));
}

describe('labeljoin simulate on the real broker', () => {
  it('the truth file equals the join contract recomputed from the records in Kafka, late labels from their order', async (t) => {
    const run = await simulateInto(t, 'simtruth');
    assert.match(run.stdout, /views 5,000, engagements [\d,]+ \([\d,]+ arrived before their view\), duplicates sent [\d,]+/);
    const codec = new EventCodec({ labelTypes: LABEL_TYPES });
    const views: ViewEvent[] = [];
    const engagements: EngagementEvent[] = [];
    const logs = Array.from({ length: PARTITIONS }, () => ({ views: [] as Array<[bigint, ViewEvent]>, engagements: [] as Array<[bigint, EngagementEvent]> }));
    await readTopicToEnd(testConnection(), run.views, {
      onRecord: (r) => {
        const v = codec.decodeView(r.value, r);
        assert.equal(r.partition, partitionForKey(r.key!, PARTITIONS));
        assert.equal(r.key?.toString(), String(v.user_id));
        assert.equal(r.timestamp, BigInt(v.ts));
        views.push(v);
        logs[r.partition]!.views.push([r.offset, v]);
      },
    });
    await readTopicToEnd(testConnection(), run.engagements, {
      onRecord: (r) => {
        const e = codec.decodeEngagement(r.value, r);
        assert.equal(r.partition, partitionForKey(r.key!, PARTITIONS));
        engagements.push(e);
        logs[r.partition]!.engagements.push([r.offset, e]);
      },
    });
    const inOrder = <T>(records: Array<[bigint, T]>): T[] => records.sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, x]) => x);
    const late = contractLate(logs.map((l) => ({ views: inOrder(l.views), engagements: inOrder(l.engagements) })), { labelTypes: LABEL_TYPES, windowMs: 120_000, maxSkewMs: 10_000, outOfOrdernessMs: 15_000, maxJumpMs: SETTINGS['join.maxJumpMs'].default, timeConfirmations: SETTINGS['join.timeConfirmations'].default });
    assert.ok(views.length > 5_000, 'duplicates were sent too');
    const expected = contractLabels(views, engagements, { labelTypes: LABEL_TYPES, windowMs: 120_000, maxSkewMs: 10_000 });
    const truth = readFileSync(run.truth, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TruthRow);
    assert.equal(truth.length, 5_000);
    assert.equal(expected.size, 5_000);
    for (const row of truth) {
      const e = expected.get(row.view_id.replaceAll('-', ''));
      assert.ok(e !== undefined);
      assert.deepEqual(row.labels, e.labels);
      assert.deepEqual(row.delays_ms, e.delays_ms);
      assert.deepEqual(row.late ?? [], late.get(row.view_id.replaceAll('-', '')) ?? [], `late labels of ${row.view_id}`);
    }
    assert.ok(truth.some((row) => row.late !== undefined), 'some labels are late');
  });

  it('the same seed gives byte-identical records and truth', async (t) => {
    const a = await simulateInto(t, 'simseed-a');
    const b = await simulateInto(t, 'simseed-b');
    assert.equal(readFileSync(a.truth, 'utf8'), readFileSync(b.truth, 'utf8'));
    assert.deepEqual(await partitionDigests(a.views), await partitionDigests(b.views));
    assert.deepEqual(await partitionDigests(a.engagements), await partitionDigests(b.engagements));
  });

  it('sends JSON on request, which decodes to the same events', async (t) => {
    const run = await simulateInto(t, 'simjson', ['--format', 'json', '--views', '500']);
    let first: Buffer | undefined;
    await readTopicToEnd(testConnection(), run.views, { onRecord: (r) => (first ??= r.value ?? undefined) });
    assert.ok(first !== undefined && first[0] === '{'.charCodeAt(0));
    const parsed = JSON.parse(first.toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed).sort(), ['context', 'event_id', 'post_id', 'ts', 'user_id']);
  });
});
