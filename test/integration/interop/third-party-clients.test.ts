/**
 * Interop with clients nobody here wrote (issue 16, part 5):
 *
 * - input produced by librdkafka: confluent-kafka's Producer and AvroSerializer
 *   (Python, from PyPI, in a virtual environment this run makes) send views
 *   and engagements of the foreign shape through the schema registry; `join
 *   --drain --config schemas/foreign/inputs.json` gives every label the
 *   producer script expects by the join rule, written there independently;
 * - the samples read by a standard Confluent Avro deserializer
 *   (AvroDeserializer, fastavro underneath) that knows only the registry;
 * - the samples read by Kafka's own console consumer (the kafka-tools jar of
 *   the class path the local broker runs on).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readConfluentId } from '../../../src/codec/confluent-framing.js';
import { avroType } from '../../../src/codec/schemas.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import type { ConsumedRecord } from '../../../src/kafka/fetcher.js';
import { checkJava, javaExecutable } from '../../../src/kafka/local/java.js';
import { resolveClassPath } from '../../../src/kafka/local/maven.js';
import { partitionForKey } from '../../../src/kafka/partitioner.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import { packageRoot } from '../../../src/paths.js';
import { SchemaRegistryClient } from '../../../src/schema-registry/client.js';
import { testBrokers, testConnection } from '../../helpers/kafka.js';
import { createPipeline, joinSummary, runJoin } from '../../helpers/pipeline.js';
import { FOREIGN_INPUTS, FOREIGN_SCHEMAS, interopScript, pythonVenv, type ExpectedLabels, PYTHON_PACKAGES } from '../../helpers/python.js';
import { useTestSchemaRegistry } from '../../helpers/schema-registry.js';
import { testDir } from '../../helpers/tmp.js';

const FOREIGN = FOREIGN_SCHEMAS;
const INPUTS = FOREIGN_INPUTS;
const SCRIPT = interopScript('confluent_client.py');
const VIEWS = 60;
const PARTITIONS = 4;
type Expected = ExpectedLabels;

interface PythonSample {
  readonly key: string;
  readonly partition: number;
  readonly schema_id: number;
  readonly value: Record<string, unknown> & {
    readonly impression_id: string;
    readonly user: { readonly id: string };
    readonly item_id: string;
    readonly features: Record<string, number>;
    readonly labels: Record<string, number>;
    readonly delays_ms: Record<string, number | null>;
    readonly version: number;
    readonly sample_id: string;
    readonly view_event_id: string;
    readonly emitted_at: number;
  };
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end, stopped after `timeoutMs`; stderr lines are passed on as they come when `echo` names a prefix. */
function run(command: string, args: readonly string[], timeoutMs: number, echo?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (echo !== undefined) process.stderr.write(c.toString().split('\n').filter((l) => l !== '').map((l) => `${echo}: ${l}\n`).join(''));
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr: signal === null ? stderr : `${stderr}\n(stopped by ${signal} after ${timeoutMs} ms)` });
    });
  });
}

/** The one JSON object a script printed on stdout. */
function oneJson<T>(r: Run, what: string): T {
  assert.equal(r.code, 0, `${what} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-8).join('\n')}`);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `${what} printed ${lines.length} lines, not one JSON object: ${r.stdout.slice(0, 500)}`);
  return JSON.parse(lines[0]!) as T;
}

async function records(topic: string): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  await readTopicToEnd(testConnection(), topic, { onRecord: (r) => out.push(r) });
  return out;
}

describe('clients nobody here wrote: confluent-kafka (librdkafka) and fastavro from PyPI, Kafka\'s console consumer', () => {
  const registry = useTestSchemaRegistry();

  it(`a Python virtual environment with ${PYTHON_PACKAGES.slice(0, 2).join(' and ')} from PyPI, made by the test run (reused when it has them)`, async () => {
    const venv = await pythonVenv();
    process.stderr.write(`python venv: ${venv.created ? 'created' : 'reused'} ${venv.dir} in ${(venv.ms / 1000).toFixed(1)} s\n`);
    assert.equal(venv.versions.confluentKafka, '2.16.1');
    assert.equal(venv.versions.fastavro, '1.13.1');
    assert.match(venv.versions.librdkafka, /^2\./);
  });

  it('librdkafka produces the input, join labels it as expected; a Confluent AvroDeserializer and Kafka\'s ConsoleConsumer read the samples', async (t) => {
    const venv = await pythonVenv();
    const p = await createPipeline(t, 'interop', PARTITIONS);
    const expectedFile = join(testDir(t, 'interop'), 'expected.json');
    const brokers = testBrokers().join(',');

    let expected: Record<string, Expected> = {};
    await t.test('a Python Producer with AvroSerializer (murmur2_random) sends the views and engagements; join --drain gives every expected label', async () => {
      const produced = oneJson<{ views: number; engagements: number }>(await run(venv.python, [
        SCRIPT, 'produce', '--brokers', brokers, '--registry', registry.url(),
        '--views-topic', p.views, '--engagements-topic', p.engagements,
        '--view-schema', join(FOREIGN, 'impression.avsc'), '--engagement-schema', join(FOREIGN, 'interaction.avsc'),
        '--views', String(VIEWS), '--window-s', '60', '--skew-s', '10', '--expected', expectedFile,
      ], 120_000, 'python produce'), 'the Python producer');
      assert.equal(produced.views, VIEWS);
      expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as Record<string, Expected>;
      assert.equal(Object.keys(expected).length, VIEWS);
      // The cases the script makes: some views with no label, labels after the window or naming another view left out.
      const labelled = Object.values(expected).filter((e) => Object.values(e.labels).some((l) => l === 1)).length;
      assert.ok(labelled > 0 && labelled < VIEWS, `some views are labelled, not all: ${labelled}`);

      // librdkafka's murmur2_random put each key where Java's murmur2 (and so labeljoin) would.
      for (const r of [...await records(p.views), ...await records(p.engagements)]) {
        assert.equal(r.partition, partitionForKey(r.key!, PARTITIONS), `key ${String(r.key)} in partition ${r.partition}`);
      }

      const joined = await runJoin(p, ['--config', INPUTS, '--schema-registry', registry.url()]);
      assert.equal(joined.code, 0, joined.stderr);
      const summary = joinSummary(joined);
      assert.deepEqual(
        [summary.counters.viewsIn, summary.counters.engagementsIn, summary.counters.samplesOut, summary.counters.duplicateEngagements, summary.counters.late, summary.counters.deadLettered],
        [VIEWS, produced.engagements, VIEWS, 1, 0, 0],
        'every record read, the engagement sent twice counted once, nothing late or dead-lettered',
      );

      // Our own reading of the samples (the registry's schema by the record's id), label by label.
      const client = new SchemaRegistryClient({ url: registry.url() });
      const samples = await records(p.samples);
      assert.equal(samples.length, VIEWS);
      for (const s of samples) {
        const schema = JSON.parse(await client.getSchemaById(readConfluentId(s.value!)!)) as Record<string, unknown>;
        const v = avroType(schema).fromBuffer(s.value!.subarray(5)) as { impression_id: string; labels: Record<string, number>; delays_ms: Record<string, number | null> };
        const want = expected[v.impression_id];
        assert.ok(want !== undefined, `a sample of a view that was sent: ${v.impression_id}`);
        assert.deepEqual({ labels: { ...v.labels }, delays_ms: { ...v.delays_ms } }, { labels: want.labels, delays_ms: want.delays_ms }, `the labels of ${v.impression_id}`);
      }
    });

    await t.test('a Python Consumer with AvroDeserializer, knowing only the registry, reads every sample: the view\'s fields and the expected labels', async () => {
      const read = oneJson<{ samples: PythonSample[] }>(await run(venv.python, [
        SCRIPT, 'consume', '--brokers', brokers, '--registry', registry.url(), '--topic', p.samples, '--group', `${p.group}-python`,
      ], 120_000, 'python consume'), 'the Python consumer');
      assert.equal(read.samples.length, VIEWS);
      const ids = new Set<string>();
      for (const { key, value: s } of read.samples) {
        ids.add(s.impression_id);
        const want = expected[s.impression_id];
        assert.ok(want !== undefined, `a sample of a view that was sent: ${s.impression_id}`);
        assert.equal(key, s.user.id, 'keyed by the user as the producer keyed the view');
        assert.equal(s.user.id, want.user);
        assert.match(s.item_id, /^p-\d+$/);
        const i = Number(s.impression_id.slice(-12));
        assert.deepEqual(s.features, { ctr_7d: i / 100, dwell_s: i * 3 }, 'the map of features passed through');
        assert.deepEqual({ labels: s.labels, delays_ms: s.delays_ms }, { labels: want.labels, delays_ms: want.delays_ms }, `the labels of ${s.impression_id}`);
        assert.deepEqual(Object.keys(s.labels), DEFAULT_LABEL_TYPES);
        assert.equal(s.version, 0);
        assert.match(s.sample_id, /^[0-9a-f]{32}$/, 'sample_id: fixed(16), as bytes');
        assert.match(s.view_event_id, /^[0-9a-f]{32}$/);
        assert.ok(s.emitted_at > Date.now() - 3_600_000 && s.emitted_at <= Date.now(), 'emitted_at: timestamp-millis, read as a date');
      }
      assert.equal(ids.size, VIEWS, 'one sample per view');
    });

    await t.test('Kafka\'s ConsoleConsumer (org.apache.kafka.tools.consumer) reads every sample with its key, in the partition of its view', async () => {
      const java = javaExecutable();
      checkJava(java);
      const { jars } = await resolveClassPath();
      const logs = testDir(t, 'console-consumer');
      const r = await run(java, [
        '-Xmx256m', `-Dkafka.logs.dir=${logs}`, `-Dlog4j2.configurationFile=${join(packageRoot(), 'kafka', 'log4j2.properties')}`,
        '-cp', jars.join(':'), 'org.apache.kafka.tools.consumer.ConsoleConsumer',
        '--bootstrap-server', brokers, '--topic', p.samples, '--from-beginning', '--max-messages', String(VIEWS), '--timeout-ms', '30000',
        '--formatter-property', 'print.key=true', '--formatter-property', 'print.partition=true', '--formatter-property', 'print.value=false', '--formatter-property', 'key.separator=\t',
      ], 120_000);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`Processed a total of ${VIEWS} messages`));
      const lines = r.stdout.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, VIEWS, r.stdout.slice(0, 500));
      const perUser = new Map<string, number>();
      for (const line of lines) {
        const m = /^Partition:(\d+)\t(u-\d+)$/.exec(line);
        assert.ok(m !== null, `a partition and a key "u-…": ${JSON.stringify(line)}`);
        const [, partition, key] = m;
        assert.equal(Number(partition), partitionForKey(key!, PARTITIONS), `${key} in the partition of its views`);
        perUser.set(key!, (perUser.get(key!) ?? 0) + 1);
      }
      const sentPerUser = new Map<string, number>();
      for (const e of Object.values(expected)) sentPerUser.set(e.user, (sentPerUser.get(e.user) ?? 0) + 1);
      assert.deepEqual(new Map([...perUser].sort()), new Map([...sentPerUser].sort()), 'as many samples per user as views');
    });
  });
  it("engagements from librdkafka's default partitioner (CRC32) next to views by murmur2: the joiner finds every misplaced record, dead-letters it naming where it belongs, and says so", async (t) => {
    const venv = await pythonVenv();
    const p = await createPipeline(t, 'interop-crc32', PARTITIONS);
    const expectedFile = join(testDir(t, 'interop-crc32'), 'expected.json');
    const brokers = testBrokers().join(',');
    oneJson<{ views: number; engagements: number }>(await run(venv.python, [
      SCRIPT, 'produce', '--brokers', brokers, '--registry', registry.url(),
      '--views-topic', p.views, '--engagements-topic', p.engagements,
      '--view-schema', join(FOREIGN, 'impression.avsc'), '--engagement-schema', join(FOREIGN, 'interaction.avsc'),
      '--views', String(VIEWS), '--window-s', '60', '--skew-s', '10', '--expected', expectedFile, '--engagements-partitioner', 'consistent_random',
    ], 120_000, 'python produce'), 'the Python producer');
    const misplaced = new Map<number, number>();
    for (const r of await records(p.engagements)) if (r.partition !== partitionForKey(r.key!, PARTITIONS)) misplaced.set(r.partition, (misplaced.get(r.partition) ?? 0) + 1);
    const total = [...misplaced.values()].reduce((a, b) => a + b, 0);
    assert.ok(total > 0, 'CRC32 and murmur2 disagree on some of these keys');

    const joined = await runJoin(p, ['--config', INPUTS, '--schema-registry', registry.url(), '--wrong-partition', 'dead-letter']);
    assert.equal(joined.code, 0, joined.stderr);
    const c = joinSummary(joined).counters;
    assert.deepEqual(c.wrongPartition, { views: {}, engagements: Object.fromEntries([...misplaced].map(([k, v]) => [String(k), v])) });
    assert.equal(c.deadLetteredBy['RECORD_WRONG_PARTITION'], total);
    assert.match(joined.stderr, /records in another partition than their key gives/);
    const dead = await records(p.deadLetter);
    assert.equal(dead.length, total);
    for (const d of dead) {
      const h = new Map(d.headers.map(([k, v]) => [k, v.toString()]));
      assert.equal(h.get('labeljoin.error.code'), 'RECORD_WRONG_PARTITION');
      assert.match(h.get('labeljoin.error.reason') ?? '', new RegExp(`belongs in partition ${partitionForKey(d.key!, PARTITIONS)} of ${PARTITIONS} by murmur2`));
    }
  });
});
