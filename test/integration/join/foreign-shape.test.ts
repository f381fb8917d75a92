/**
 * Events of a shape labeljoin did not design (schemas/foreign/: string ids,
 * time in seconds, nested records, a map of features, two view schema
 * versions), through a real schema registry: the simulator sends them, the
 * joiner joins them by the declaration schemas/foreign/inputs.json, and the
 * samples equal the truth and carry every view field unchanged. Then what
 * bad input does: a declaration that does not fit, records of an unknown
 * schema id or with a value of the wrong type, a registry that does not answer.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readConfluentId } from '../../../src/codec/confluent-framing.js';
import { avroType } from '../../../src/codec/schemas.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { freePort } from '../../../src/kafka/local/broker.js';
import { KafkaProducer } from '../../../src/kafka/producer.js';
import type { ConsumedRecord } from '../../../src/kafka/fetcher.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import { packageRoot } from '../../../src/paths.js';
import { SchemaRegistryClient } from '../../../src/schema-registry/client.js';
import { foreignSchema } from '../../../src/sim/foreign-shape.js';
import { jsonOutput, runCli } from '../../helpers/cli.js';
import { testConnection } from '../../helpers/kafka.js';
import { createPipeline, joinSummary, runJoin, runSimulate, WINDOW_FLAGS, type TestPipeline } from '../../helpers/pipeline.js';
import { useTestSchemaRegistry } from '../../helpers/schema-registry.js';
import { testDir } from '../../helpers/tmp.js';

const INPUTS = join(packageRoot(), 'schemas', 'foreign', 'inputs.json');

interface ValidateJson {
  readonly passed: boolean;
  readonly matched: number;
  readonly onlyInA: number;
  readonly onlyInB: number;
  readonly agreement: number;
}

async function records(topic: string): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  await readTopicToEnd(testConnection(), topic, { onRecord: (r) => out.push(r) });
  return out;
}

describe('a foreign event shape through a schema registry', () => {
  const registry = useTestSchemaRegistry();
  const flags = (): string[] => ['--schema-registry', registry.url()];

  async function simulated(t: Parameters<typeof createPipeline>[0], name: string, views: number): Promise<TestPipeline> {
    const p = await createPipeline(t, name, 4);
    await runSimulate(p, ['--shape', 'foreign', ...flags(), '--views', String(views), '--users', '400', '--posts', '300', '--views-per-second', '40', '--seed', '17']);
    return p;
  }

  it('joins to 100 % agreement with the truth; every sample starts with its view, unchanged, in both schema versions', async (t) => {
    const p = await simulated(t, 'foreign-join', 4_000);
    const r = await runJoin(p, ['--config', INPUTS, ...flags()]);
    assert.equal(r.code, 0, r.stderr);
    const summary = joinSummary(r);
    assert.equal(summary.counters.samplesOut, 4_000);
    assert.equal(summary.counters.deadLettered, 0);

    const v = await runCli(['validate', '--json', '--config', INPUTS, ...flags(), '--brokers', testConnection().brokers.join(','), '--samples', `topic:${p.samples}`, '--truth', p.truth, ...WINDOW_FLAGS], { LABELJOIN_LOG_LEVEL: 'warn' });
    const report = jsonOutput<ValidateJson>(v, 'validate');
    assert.equal(v.code, 0, v.stderr);
    assert.deepEqual([report.passed, report.matched, report.onlyInA, report.onlyInB, report.agreement], [true, 4_000, 0, 0, 1]);

    // Every view field present and unchanged: the sample's body begins with its view's body, byte for byte,
    // and decodes (by the schema the registry gives its id) to the view's fields.
    const client = new SchemaRegistryClient({ url: registry.url() });
    const viewsById = new Map<string, Buffer>();
    for (const rec of await records(p.views)) {
      const type = avroType(JSON.parse(await client.getSchemaById(readConfluentId(rec.value!)!)) as Record<string, unknown>);
      const id = String((type.fromBuffer(rec.value!.subarray(5)) as { impression_id: string }).impression_id);
      viewsById.set(id, rec.value!);
    }
    const sampleSchemas = new Set<number>();
    let withExperiment = 0;
    const samples = await records(p.samples);
    assert.equal(samples.length, 4_000);
    for (const s of samples) {
      const id = readConfluentId(s.value!)!;
      sampleSchemas.add(id);
      const decoded = avroType(JSON.parse(await client.getSchemaById(id)) as Record<string, unknown>).fromBuffer(s.value!.subarray(5)) as Record<string, unknown>;
      const view = viewsById.get(String(decoded['impression_id']));
      assert.ok(view !== undefined, 'every sample is of a view that was sent');
      assert.ok(s.value!.subarray(5, view.length).equals(view.subarray(5)), "the sample's body starts with the view's body");
      const viewType = avroType(JSON.parse(await client.getSchemaById(readConfluentId(view)!)) as Record<string, unknown>);
      assert.ok(viewType.toBuffer(decoded).equals(view.subarray(5)), "the sample's view fields are the view's");
      assert.equal(String(s.key), String((decoded['user'] as { id: string }).id), 'keyed by the user as the producer keyed the view');
      if (decoded['experiment'] !== undefined) withExperiment++;
      assert.deepEqual(Object.keys(decoded['labels'] as object), DEFAULT_LABEL_TYPES);
    }
    assert.equal(sampleSchemas.size, 2, 'one sample schema per view schema version');
    assert.ok(withExperiment > 1_000 && withExperiment < 3_000, `about half the views are of version 2: ${withExperiment}`);
  });

  it('a declaration naming a field the schema lacks: join exits 2 naming the field and the schema, before reading', async (t) => {
    const p = await simulated(t, 'foreign-mapping', 200);
    const config = join(testDir(t, 'foreign-mapping'), 'inputs.json');
    const inputs = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(INPUTS, 'utf8'))) as { inputs: { views: { fields: Record<string, string> } } };
    inputs.inputs.views.fields['user'] = 'user.uid';
    writeFileSync(config, JSON.stringify(inputs));
    const r = await runJoin(p, ['--config', config, ...flags()]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /field user\.uid/);
    assert.match(r.stderr, /com\.acme\.feed\.Impression|Impression/);
    assert.match(r.stderr, /has no field "uid"/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  });

  it('a record of a schema id the registry does not know, and a mapped value of the wrong type, are dead-lettered naming why; the rest joins', async (t) => {
    const p = await simulated(t, 'foreign-bad', 600);
    const client = new SchemaRegistryClient({ url: registry.url() });
    // A third view schema version whose time is text: its records fit the schema but not the unit "s".
    const textTime = foreignSchema('impression');
    textTime['fields'] = (textTime['fields'] as Array<Record<string, unknown>>).map((f) => (f['name'] === 'shown_at_s' ? { ...f, type: 'string' } : f));
    const textId = await client.register(`${p.views}-value`, JSON.stringify(textTime));
    const record = { impression_id: '0b6a7d8e-1f1e-4c9a-9d1c-5f0e7a6b3c2d', user: { id: 'u-1', region: 'IN-KA', language: null }, item_id: 'p-2', shown_at_s: 'noon', placement: { surface: 'HOME', rank: 3 }, client: { platform: 'ios', app_version: '1' }, features: {} };
    const header = (id: number): Buffer => Buffer.from([0, id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255]);
    const producer = new KafkaProducer(testConnection(), { compression: 'none' });
    t.after(() => producer.close());
    await producer.send([
      { topic: p.views, partition: 1, key: Buffer.from('u-1'), value: Buffer.concat([header(textId), avroType(textTime).toBuffer(record)]), timestamp: 1_767_225_600_000n },
      { topic: p.views, partition: 2, key: Buffer.from('u-2'), value: Buffer.concat([header(987_654), Buffer.from('whatever')]), timestamp: 1_767_225_600_000n },
    ]);
    const r = await runJoin(p, ['--config', INPUTS, ...flags()]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(joinSummary(r).counters.samplesOut, 600);
    const dead = await records(p.deadLetter);
    assert.equal(dead.length, 2);
    const why = new Map(dead.map((d) => [String(d.key), new Map(d.headers.map(([k, v]) => [k, v.toString()]))]));
    assert.equal(why.get('u-1')?.get('labeljoin.error.code'), 'RECORD_WRONG_TYPE');
    assert.equal(why.get('u-1')?.get('labeljoin.error.field'), 'shown_at_s');
    assert.equal(why.get('u-2')?.get('labeljoin.error.code'), 'RECORD_UNDECODABLE');
    assert.match(why.get('u-2')?.get('labeljoin.error.reason') ?? '', /schema id 987654 is not known/);
  });

  it('a registry that does not answer: join retries, then stops with one clear line, and commits nothing', async (t) => {
    const p = await simulated(t, 'foreign-down', 100);
    const nobody = `http://127.0.0.1:${await freePort()}/apis/ccompat/v7`;
    const r = await runJoin(p, ['--config', INPUTS, '--schema-registry', nobody], p.samples, { LABELJOIN_SCHEMA_REGISTRY_RETRY_TIMEOUT: '3s' });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /schema registry at http:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7/);
    assert.equal((await records(p.samples)).length, 0);
    // The same joiner with the registry: everything is still there to join.
    const again = await runJoin(p, ['--config', INPUTS, ...flags()]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(joinSummary(again).counters.samplesOut, 100);
  });
});
