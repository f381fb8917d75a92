/**
 * The trainer on the real broker, against both model stores (embedded LMDB and
 * a real Redis): the idempotent sink, restarts, and one owner per user.
 *
 * Samples come from the real pipeline (simulate + join); the noisy deliveries
 * are built from them the way Kafka delivers at-least-once: ranges sent again,
 * label corrections (version 1) and an older version arriving after a newer one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, type TestContext } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import type { ConsumedRecord } from '../../../src/kafka/fetcher.js';
import { KafkaProducer, type ProducedRecord } from '../../../src/kafka/producer.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import { LmdbModelStore } from '../../../src/store/lmdb-model-store.js';
import { floatsToBytes, type ModelStore } from '../../../src/store/model-store.js';
import { RedisModelStore } from '../../../src/store/redis-model-store.js';
import { featureKeys } from '../../../src/train/trainer.js';
import type { TrainSummaryJson } from '../../../src/cli/train-summary.js';
import { jsonOutput, runCli, startCli } from '../../helpers/cli.js';
import { createTestTopics, testBrokers, testConnection, uniqueTopic } from '../../helpers/kafka.js';
import { createPipeline, runJoin, runSimulate, type TestPipeline } from '../../helpers/pipeline.js';
import { startRedis } from '../../helpers/redis.js';
import { testDir } from '../../helpers/tmp.js';

const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });
type Kind = 'embedded' | 'redis';

interface Setup {
  readonly p: TestPipeline;
  readonly records: ConsumedRecord[];
  readonly storeArgs: readonly string[];
  readonly open: (model: string, topic: string) => Promise<ModelStore>;
}

async function setup(t: TestContext, kind: Kind, name: string, views = 4000): Promise<Setup> {
  const p = await createPipeline(t, name);
  await runSimulate(p, ['--views', String(views), '--users', '300', '--posts', '400', '--views-per-second', '20', '--seed', '11', '--duplicate-rate', '0.02']);
  const joined = await runJoin(p);
  assert.equal(joined.code, 0, joined.stderr);
  const records: ConsumedRecord[] = [];
  await readTopicToEnd(testConnection(), p.samples, { onRecord: (r) => records.push(r) });
  if (kind === 'embedded') {
    const dir = testDir(t, `${name}-model`);
    return { p, records, storeArgs: ['--model-dir', dir], open: async (model, topic) => new LmdbModelStore({ dir, model, topic }) };
  }
  const url = await startRedis(t);
  return { p, records, storeArgs: ['--store', 'redis', '--redis-url', url], open: (model, topic) => RedisModelStore.open({ url, model, topic }) };
}

function trainArgs(s: Setup, topic: string, model: string, extra: readonly string[] = []): string[] {
  return ['train', '--drain', '--brokers', testBrokers().join(','), '--samples-topic', topic, '--dead-letter-topic', s.p.deadLetter,
    '--model', model, '--signals', 'like,share,play', '--batch', '64', ...s.storeArgs, ...extra];
}

/** A drain run; its summary (--json). */
async function train(s: Setup, topic: string, model: string, extra: readonly string[] = []): Promise<TrainSummaryJson> {
  const r = await runCli([...trainArgs(s, topic, model, extra), '--json'], { LABELJOIN_LOG_LEVEL: 'warn' });
  assert.equal(r.code, 0, r.stderr);
  return jsonOutput<TrainSummaryJson>(r, 'train');
}

/** Every row the samples touch, as stored bytes (hex). */
async function modelRows(s: Setup, model: string, topic: string): Promise<Map<string, string>> {
  const keys = new Set<string>(['bias']);
  for (const r of s.records) for (const k of featureKeys(codec.decodeSample(r.value, r))) keys.add(k);
  const store = await s.open(model, topic);
  try {
    const rows = await store.readRows([...keys]);
    assert.equal(rows.size, keys.size, 'every touched row is stored');
    return new Map([...rows].map(([k, v]) => [k, floatsToBytes(v).toString('hex')]));
  } finally {
    await store.close();
  }
}

async function writeTopic(t: TestContext, name: string, records: readonly ProducedRecord[]): Promise<string> {
  const topic = uniqueTopic(name);
  await createTestTopics(t, [{ name: topic, partitions: 8, replicationFactor: 1 }]);
  const producer = new KafkaProducer(testConnection(), { compression: 'lz4' });
  try {
    await producer.send(records.map((r) => ({ ...r, topic })));
  } finally {
    await producer.close();
  }
  return topic;
}

function asProduced(r: ConsumedRecord): ProducedRecord {
  return { topic: '', partition: r.partition, key: r.key, value: r.value ?? Buffer.alloc(0) };
}

/** Version 1 of a sample with the like label flipped (a label correction). */
function corrected(r: ConsumedRecord): ProducedRecord {
  const s = codec.decodeSample(r.value, r);
  const v1 = { ...s, version: 1, sample_id: Buffer.from(s.sample_id).reverse(), labels: { ...s.labels, like: 1 - (s.labels['like'] ?? 0) } };
  return { topic: '', partition: r.partition, key: r.key, value: codec.encodeSample(v1, 'avro') };
}

for (const kind of ['embedded', 'redis'] as const) {
  describe(`trainer, ${kind} store, real broker`, () => {
    it('repeated and re-ordered delivery gives exactly the embeddings of one clean delivery', async (t) => {
      const s = await setup(t, kind, `train-idem-${kind}`);
      const byPartition = new Map<number, ConsumedRecord[]>();
      for (const r of s.records) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
      const clean: ProducedRecord[] = [];
      const noisy: ProducedRecord[] = [];
      let corrections = 0;
      for (const list of byPartition.values()) {
        const fixes = list.slice(0, 10);
        corrections += fixes.length;
        clean.push(...list.map(asProduced), ...fixes.map(corrected));
        // At-least-once: every 37 records, the 25 before are delivered again.
        list.forEach((r, i) => {
          noisy.push(asProduced(r));
          if (i > 0 && i % 37 === 0) noisy.push(...list.slice(Math.max(0, i - 25), i).map(asProduced));
        });
        // Corrections, then the original versions once more (older than what was applied), then the corrections again.
        noisy.push(...fixes.map(corrected), ...fixes.map(asProduced), ...fixes.map(corrected));
      }
      const cleanTopic = await writeTopic(t, 'train-clean', clean);
      const noisyTopic = await writeTopic(t, 'train-noisy', noisy);
      const cleanOut = await train(s, cleanTopic, `${cleanTopic}-m`);
      const noisyOut = await train(s, noisyTopic, `${noisyTopic}-m`);
      assert.equal(cleanOut.counters.applied, s.records.length + corrections);
      assert.equal(cleanOut.counters.corrections, corrections);
      assert.equal(noisyOut.counters.applied, s.records.length + corrections);
      assert.equal(noisyOut.counters.duplicates, noisy.length - clean.length - corrections);
      assert.equal(noisyOut.counters.stale, corrections);
      const a = await modelRows(s, `${cleanTopic}-m`, cleanTopic);
      const b = await modelRows(s, `${noisyTopic}-m`, noisyTopic);
      assert.equal(a.size, b.size);
      for (const [key, bytes] of a) assert.equal(b.get(key), bytes, `row ${key}`);
      t.diagnostic(`${s.records.length} samples, ${noisy.length - clean.length} extra deliveries, ${a.size} rows identical`);
    });

    it('kill -9 mid-run, then a restart: nothing applied twice, nothing skipped (same embeddings as one clean run)', async (t) => {
      const s = await setup(t, kind, `train-kill-${kind}`, 8000);
      const clean = await train(s, s.p.samples, `${s.p.samples}-clean`);
      assert.equal(clean.counters.applied, s.records.length);
      const model = `${s.p.samples}-killed`;
      const run = startCli(trainArgs(s, s.p.samples, model, ['--batch', '16', '--progress-every', '100ms']), { LABELJOIN_LOG_LEVEL: 'warn' });
      const progress = await run.waitForStderr(/applied [1-9]\d*/);
      // Not a wait for a condition: that progress line already shows committed batches; the pause only moves
      // the kill off the moment right after a progress line, into the batches that follow.
      await sleep(50);
      run.kill('SIGKILL');
      const killed = await run.done;
      const restarted = await train(s, s.p.samples, model);
      const second = restarted.counters.applied;
      t.diagnostic(`killed ${killed.code === 128 ? 'mid-run' : 'after the end'} (first progress: ${progress ?? 'none'}); the restart applied ${second} of ${s.records.length}`);
      assert.ok(progress !== undefined && killed.code === 128, 'the kill landed while training');
      assert.ok(second < s.records.length, 'the restart went on from the stored offsets');
      assert.equal(restarted.counters.duplicates, 0, 'what the killed run committed is not read again');
      const a = await modelRows(s, `${s.p.samples}-clean`, s.p.samples);
      const b = await modelRows(s, model, s.p.samples);
      for (const [key, bytes] of a) assert.equal(b.get(key), bytes, `row ${key}`);
    });
  });
}

describe('two trainer instances, real broker and Redis', () => {
  it('own disjoint partitions, so no user is ever updated by two instances', async (t) => {
    const s = await setup(t, 'redis', 'train-owners');
    const dir = testDir(t, 'train-owners-reports');
    const runs = [0, 1].map((n) =>
      startCli(trainArgs(s, s.p.samples, `${s.p.samples}-m`, ['--instance', String(n), '--instances', '2', '--report', join(dir, `${n}.json`)]), { LABELJOIN_LOG_LEVEL: 'warn' }));
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const reports = [0, 1].map((n) => JSON.parse(readFileSync(join(dir, `${n}.json`), 'utf8')) as { partitions: number[]; counters: { applied: number } });
    assert.deepEqual(reports[0]!.partitions, [0, 2, 4, 6]);
    assert.deepEqual(reports[1]!.partitions, [1, 3, 5, 7]);
    assert.equal(reports[0]!.counters.applied + reports[1]!.counters.applied, new Set(s.records.map((r) => codec.decodeSample(r.value, r).view_event_id.toString('hex'))).size);
    // Each user's samples are in one partition, and each partition has one owner.
    const partitionsOfUser = new Map<number, Set<number>>();
    for (const r of s.records) {
      const user = codec.decodeSample(r.value, r).user_id;
      partitionsOfUser.set(user, (partitionsOfUser.get(user) ?? new Set()).add(r.partition));
    }
    const owners = (user: number): Set<number> => new Set([...partitionsOfUser.get(user)!].map((p) => p % 2));
    const shared = [...partitionsOfUser.keys()].filter((u) => owners(u).size !== 1);
    assert.deepEqual(shared, []);
    t.diagnostic(`${partitionsOfUser.size} users, instance 0 applied ${reports[0]!.counters.applied}, instance 1 ${reports[1]!.counters.applied}`);
  });
});
