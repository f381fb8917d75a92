import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DeclaredInputs, MappingError } from '../../src/codec/declared/declared-inputs.js';
import { AvroRecordCodec } from '../../src/codec/avro-codec.js';
import { readConfluentId } from '../../src/codec/confluent-framing.js';
import { contentId, entityKey, eventIdBytes, stringKey, timeMs } from '../../src/codec/declared/ids.js';
import { declaredSampleKeys } from '../../src/codec/declared/sample-keys.js';
import { BadRecordError } from '../../src/codec/errors.js';
import { declaredType } from '../../src/codec/declared/avro-types.js';
import { LabeljoinError } from '../../src/errors.js';
import { sampleIdFor, uuidFromString, uuidToString, type EngagementEvent, type OwnViewEvent } from '../../src/codec/events.js';
import { avroType, DEFAULT_LABEL_TYPES } from '../../src/codec/schemas.js';
import { parseEngagementInput, parseViewInput, type EngagementDeclaration, type ViewDeclaration } from '../../src/config/inputs.js';
import { ValueError } from '../../src/config/parse.js';
import { packageRoot } from '../../src/paths.js';
import { foreignEncoder, foreignSchema } from '../../src/sim/foreign-shape.js';
import { engagement, id, T0, view } from '../helpers/events.js';
import { MemorySchemas } from '../helpers/memory-registry.js';
import { testDir } from '../helpers/tmp.js';

const TOPICS = { views: 'imp', engagements: ['int'], samples: 'out' };
const ENCODER_TOPICS = { views: 'imp', engagements: 'int' };
const at = (offset: number) => ({ topic: 'imp', partition: 0, offset: BigInt(offset) });
const NO_META = { key: null, timestamp: 0n };
const inputs = JSON.parse(readFileSync(join(packageRoot(), 'schemas', 'foreign', 'inputs.json'), 'utf8')) as { inputs: { views: unknown; engagements: unknown } };
const views = parseViewInput(inputs.inputs.views) as ViewDeclaration;
const engagements = parseEngagementInput(inputs.inputs.engagements) as EngagementDeclaration;

async function foreign(): Promise<{ registry: MemorySchemas; declared: DeclaredInputs; encoder: Awaited<ReturnType<typeof foreignEncoder>> }> {
  const registry = new MemorySchemas();
  const encoder = await foreignEncoder(registry, ENCODER_TOPICS);
  const declared = new DeclaredInputs({ views, engagements, labelTypes: DEFAULT_LABEL_TYPES, topics: TOPICS, lookup: registry });
  await declared.check();
  return { registry, declared, encoder };
}

function viewOf(n: number, ts: number): OwnViewEvent {
  const v = view(n, { ts });
  v.event_id[15] = n; // odd n: written with version 2 of the view schema
  return v;
}

describe('declared inputs (a foreign shape through a schema registry)', () => {
  it('decodes views and engagements into the join ids, keys and ms times the workload had', async () => {
    const { declared, encoder } = await foreign();
    const sent: OwnViewEvent[] = [];
    for (let n = 0; n < 200; n++) sent.push(viewOf(n, T0 + n * 7_919 + (n % 1000)));
    const values = sent.map((v) => encoder.view(v));
    await declared.prepareViews(values);
    values.forEach((value, i) => {
      const v = declared.decodeView(value, NO_META, at(i));
      assert.deepEqual(v.event_id, sent[i]!.event_id);
      assert.equal(v.ts, sent[i]!.ts, 'seconds with the ms in the fraction give the ms back');
      assert.equal(v.user_id, stringKey(`u-${sent[i]!.user_id}`));
      assert.equal(v.post_id, stringKey(`p-${sent[i]!.post_id}`));
      assert.deepEqual(v.passed?.sampleKey, Buffer.from(`u-${sent[i]!.user_id}`));
    });
    const e: EngagementEvent = { ...engagement(3), type: 'favorite', view_id: id(77) };
    const value = encoder.engagement(e);
    await declared.prepareEngagements('int', [value]);
    const decoded = declared.decodeEngagement(value, NO_META, { ...at(1), topic: 'int' });
    assert.equal(decoded.type, 'favorite', 'SAVE is mapped to favorite');
    assert.deepEqual(decoded.view_id, id(77));
    assert.deepEqual(decoded.event_id, e.event_id);
    assert.equal(decoded.ts, e.ts);
  });

  it('a sample is the view as it came plus the labels; both view schema versions derive a sample schema in the registry', async () => {
    const { registry, declared, encoder } = await foreign();
    const pair = [viewOf(2, T0), viewOf(3, T0 + 1)].map((v) => encoder.view(v));
    await declared.prepareViews(pair);
    const sampleIds = new Set<number>();
    for (const [i, value] of pair.entries()) {
      const v = declared.decodeView(value, { key: Buffer.from('k'), timestamp: 0n }, at(i));
      const tail = { sample_id: sampleIdFor(v.event_id, 1), view_event_id: v.event_id, labels: { like: 1, share: 0, comment: 0, favorite: 0, play: 1, skip: 0 }, delays_ms: { like: 12, share: null, comment: null, favorite: null, play: -5, skip: null }, version: 1, emitted_at: T0 + 99, weight: 1 };
      const out = declared.sample(v, tail);
      assert.deepEqual(out.key, Buffer.from('k'), "the view record's key is the sample's");
      const id = readConfluentId(out.value)!;
      sampleIds.add(id);
      const sampleType = avroType(JSON.parse((await registry.schemaById(id))!) as Record<string, unknown>);
      const viewId = readConfluentId(value)!;
      const viewType = avroType(JSON.parse((await registry.schemaById(viewId))!) as Record<string, unknown>);
      const s = sampleType.fromBuffer(out.value.subarray(5)) as Record<string, unknown>;
      const original = viewType.fromBuffer(value.subarray(5)) as Record<string, unknown>;
      assert.deepEqual(viewType.toBuffer(s), value.subarray(5), "the view's fields, read from the sample, encode to the view's own bytes");
      for (const [field, fieldValue] of Object.entries(original)) assert.equal(JSON.stringify(s[field]), JSON.stringify(fieldValue), `view field ${field} passes through`);
      assert.equal(i === 1, 'experiment' in original, 'the odd view is of version 2');
      assert.deepEqual({ ...(s['labels'] as object) }, tail.labels);
      assert.deepEqual({ ...(s['delays_ms'] as object) }, tail.delays_ms);
      assert.equal(s['version'], 1);
      assert.deepEqual(s['sample_id'], tail.sample_id);
      const keys = declaredSampleKeys(views.fields)(s);
      assert.deepEqual(keys, { viewTs: v.ts, userId: v.user_id, postId: v.post_id }, 'a reader of samples finds the join keys again');
    }
    assert.equal(sampleIds.size, 2, 'one sample schema per view schema version');
    assert.equal((await registry.subjectSchemas('out-value')).length, 2);
  });

  it('a mapping that names a field the schema lacks is refused at start-up, naming the field and the schema', async () => {
    const registry = new MemorySchemas();
    await foreignEncoder(registry, ENCODER_TOPICS);
    const wrong = parseViewInput({ ...views, fields: { ...views.fields, user: 'user.uid' } }) as ViewDeclaration;
    const declared = new DeclaredInputs({ views: wrong, engagements: undefined, labelTypes: DEFAULT_LABEL_TYPES, topics: TOPICS, lookup: registry });
    await assert.rejects(declared.check(), (error: unknown) => error instanceof MappingError && error.code === 'MAPPING_INVALID' && /user\.uid/.test(error.message) && /Impression/.test(error.message) && /has no field "uid"/.test(error.message));
    const badType = parseViewInput({ ...views, fields: { ...views.fields, time: 'placement' } }) as ViewDeclaration;
    const d2 = new DeclaredInputs({ views: badType, engagements: undefined, labelTypes: DEFAULT_LABEL_TYPES, topics: TOPICS, lookup: registry });
    await assert.rejects(d2.check(), (error: unknown) => error instanceof MappingError && /placement is record/.test(error.message));
  });

  it('a record of a schema id the registry does not know is a bad record naming the id; a mapped value of the wrong type names its field', async () => {
    const { declared, encoder } = await foreign();
    const value = Buffer.from(encoder.view(viewOf(2, T0)));
    value.writeUInt32BE(999, 1);
    await declared.prepareViews([value]);
    assert.throws(() => declared.decodeView(value, NO_META, at(5)), (error: unknown) => error instanceof BadRecordError && error.code === 'RECORD_UNDECODABLE' && /schema id 999/.test(error.message) && /imp\/0@5/.test(error.message));
    const json = new DeclaredInputs({
      views: parseViewInput({ format: 'json', fields: { user: 'u', item: 'i', time: 't', timeUnit: 'iso' } }) as ViewDeclaration,
      engagements: undefined,
      labelTypes: DEFAULT_LABEL_TYPES,
      topics: TOPICS,
      lookup: undefined,
    });
    assert.throws(() => json.decodeView(Buffer.from('{"u":true,"i":"x","t":"2026-01-01T00:00:00Z"}'), NO_META, at(6)), (error: unknown) => error instanceof BadRecordError && error.code === 'RECORD_WRONG_TYPE' && error.field === 'u');
    assert.throws(() => json.decodeView(Buffer.from('{"u":"a","i":"x","t":"yesterday"}'), NO_META, at(7)), (error: unknown) => error instanceof BadRecordError && error.code === 'RECORD_WRONG_TYPE' && error.field === 't');
    const ok = json.decodeView(Buffer.from('{"u":"a","i":7,"t":"2026-01-01T00:00:00.250Z","extra":{"x":[1,2]}}'), NO_META, at(8));
    assert.equal(ok.ts, Date.UTC(2026, 0, 1, 0, 0, 0, 250));
    assert.equal(ok.post_id, 7);
    assert.deepEqual(ok.event_id, contentId(Buffer.from('{"u":"a","i":7,"t":"2026-01-01T00:00:00.250Z","extra":{"x":[1,2]}}')), 'no event id declared: the content is hashed');
    const sample = JSON.parse(json.sample(ok, { sample_id: ok.event_id, view_event_id: ok.event_id, labels: { like: 0, share: 0, comment: 0, favorite: 0, play: 0, skip: 1 }, delays_ms: { like: null, share: null, comment: null, favorite: null, play: null, skip: 40 }, version: 0, emitted_at: T0, weight: 1 }).value.toString()) as Record<string, unknown>;
    assert.deepEqual(sample['extra'], { x: [1, 2] });
    assert.equal((sample['labels'] as Record<string, number>)['skip'], 1);
  });

  it('an engagement type neither a label type nor mapped is a bad record naming the field', async () => {
    const { declared } = await foreign();
    const registry = new MemorySchemas();
    const enc = await foreignEncoder(registry, ENCODER_TOPICS);
    const d = new DeclaredInputs({ views: undefined, engagements, labelTypes: DEFAULT_LABEL_TYPES, topics: TOPICS, lookup: registry });
    const value = enc.engagement({ ...engagement(1), type: 'hover' });
    await d.prepareEngagements('int', [value]);
    assert.throws(() => d.decodeEngagement(value, NO_META, { ...at(9), topic: 'int' }), (error: unknown) => error instanceof BadRecordError && error.code === 'RECORD_UNKNOWN_TYPE' && error.field === 'kind');
    assert.ok(declared.views !== undefined);
  });

  it('schema files: single-object framing checked against the declared file; samples framed single-object with the derived schema', async (t) => {
    const dir = testDir(t, 'declared');
    const file = join(dir, 'impression.avsc');
    writeFileSync(file, JSON.stringify(foreignSchema('impression')));
    const declared = new DeclaredInputs({ views: parseViewInput({ ...views, format: 'avro', schemaFile: file }) as ViewDeclaration, engagements: undefined, labelTypes: DEFAULT_LABEL_TYPES, topics: TOPICS, lookup: undefined });
    await declared.check();
    const type = avroType(foreignSchema('impression'));
    const record = { impression_id: '0b6a7d8e-1f1e-4c9a-9d1c-5f0e7a6b3c2d', user: { id: 'u-1', region: 'IN-KA', language: null }, item_id: 'p-2', shown_at_s: T0 / 1000, placement: { surface: 'HOME', rank: 3 }, client: { platform: 'ios', app_version: '1' }, features: { a: 1.5 } };
    const v = declared.decodeView(type.toBuffer(record), NO_META, at(1));
    assert.deepEqual(v.event_id, uuidFromString(record.impression_id));
    const out = declared.sample(v, { sample_id: v.event_id, view_event_id: v.event_id, labels: { like: 1, share: 0, comment: 0, favorite: 0, play: 0, skip: 0 }, delays_ms: { like: 1, share: null, comment: null, favorite: null, play: null, skip: null }, version: 0, emitted_at: T0, weight: 1 });
    assert.equal(out.value[0], 0xc3);
    const derived = avroType(declared.sampleSchemas()[0]!);
    const s = derived.fromBuffer(out.value.subarray(10)) as Record<string, unknown>;
    assert.deepEqual({ ...(s['features'] as object) }, record.features);

    const single = new DeclaredInputs({ views: parseViewInput({ ...views, format: 'avro-single-object', schemaFile: file }) as ViewDeclaration, engagements: undefined, labelTypes: DEFAULT_LABEL_TYPES, topics: TOPICS, lookup: undefined });
    await single.check();
    const framed = new AvroRecordCodec(foreignSchema('impression')).encode(record);
    assert.deepEqual(single.decodeView(framed, NO_META, at(2)).event_id, v.event_id, 'single-object framing: the same view');
    const other = Buffer.from(framed);
    other[5] = other[5]! ^ 0xff; // another writer schema's fingerprint
    assert.throws(() => single.decodeView(other, NO_META, at(3)), (error: unknown) => error instanceof BadRecordError && error.code === 'RECORD_UNDECODABLE' && /fingerprint/.test(error.message));
  });
});

describe('declared passFields: the sample carries a subset of the view', () => {
  it('keeps the declared fields, in the view\'s order, re-encoded; the readers still find the keys', async () => {
    const registry = new MemorySchemas();
    const encoder = await foreignEncoder(registry, ENCODER_TOPICS);
    const subset = parseViewInput({ ...inputs.inputs.views as object, passFields: ['features', 'impression_id', 'user', 'item_id', 'shown_at_s'] }) as ViewDeclaration;
    const declared = new DeclaredInputs({ views: subset, engagements: undefined, labelTypes: DEFAULT_LABEL_TYPES, topics: TOPICS, lookup: registry });
    await declared.check();
    const value = encoder.view(viewOf(3, T0 + 5));
    await declared.prepareViews([value]);
    const v = declared.decodeView(value, NO_META, at(0));
    const out = declared.sample(v, { sample_id: v.event_id, view_event_id: v.event_id, labels: { like: 1, share: 0, comment: 0, favorite: 0, play: 0, skip: 0 }, delays_ms: { like: 7, share: null, comment: null, favorite: null, play: null, skip: null }, version: 0, emitted_at: T0, weight: 1 });
    const schema = JSON.parse((await registry.schemaById(readConfluentId(out.value)!))!) as { fields: Array<{ name: string }> };
    assert.deepEqual(schema.fields.map((f) => f.name), ['impression_id', 'user', 'item_id', 'shown_at_s', 'features', 'sample_id', 'view_event_id', 'labels', 'delays_ms', 'version', 'emitted_at', 'weight']);
    const s = avroType(schema as unknown as Record<string, unknown>).fromBuffer(out.value.subarray(5)) as Record<string, unknown>;
    assert.equal(s['impression_id'], uuidToString(v.event_id));
    assert.equal((s['user'] as { id: string }).id, `u-${view(3).user_id}`);
    assert.equal('placement' in s, false);
    assert.deepEqual(declaredSampleKeys(views.fields)(s), { viewTs: v.ts, userId: v.user_id, postId: v.post_id });
  });

  it('refuses a subset without the fields the readers key on, naming it', () => {
    assert.throws(() => parseViewInput({ ...inputs.inputs.views as object, passFields: ['impression_id', 'item_id', 'shown_at_s'] }), (e: unknown) => e instanceof ValueError && /must include "user" \(fields\.user\)/.test(e.message));
  });
});

describe('declared inputs when the registry or a schema is not what was hoped', () => {
  const unavailable = (): LabeljoinError => new LabeljoinError('SCHEMA_REGISTRY_UNAVAILABLE', 'the schema registry did not answer', { retriable: true });

  it('a registration that failed (registry away) is tried again with the next batch; no view is dead-lettered for it', async () => {
    const registry = new MemorySchemas();
    const encoder = await foreignEncoder(registry, ENCODER_TOPICS);
    const declared = new DeclaredInputs({ views, engagements: undefined, labelTypes: DEFAULT_LABEL_TYPES, topics: TOPICS, lookup: registry });
    const value = encoder.view(viewOf(2, T0));
    const register = registry.register.bind(registry);
    let failures = 1;
    registry.register = async (subject, schema) => {
      if (failures-- > 0) throw unavailable();
      return register(subject, schema);
    };
    await assert.rejects(declared.prepareViews([value]), (e: unknown) => e instanceof LabeljoinError && e.retriable);
    await declared.prepareViews([value]);
    assert.deepEqual(declared.decodeView(value, NO_META, at(1)).event_id, viewOf(2, T0).event_id);
  });

  it('a registry schema that is no Avro schema makes its records bad records, not a crash', async () => {
    const registry = new MemorySchemas();
    const declared = new DeclaredInputs({ views, engagements: undefined, labelTypes: DEFAULT_LABEL_TYPES, topics: TOPICS, lookup: registry });
    const id = await registry.register('imp-value', JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' }));
    const value = Buffer.concat([Buffer.from([0, 0, 0, 0, id]), Buffer.from('{}')]);
    await declared.prepareViews([value]);
    assert.throws(() => declared.decodeView(value, NO_META, at(2)), (e: unknown) => e instanceof BadRecordError && e.code === 'RECORD_UNDECODABLE' && /not an Avro schema/.test(e.message));
  });

  it('longs above 2^53 (a Snowflake id) decode exactly: the id is hashed from its exact value, other longs pass through', async (t) => {
    const file = join(testDir(t, 'long-ids'), 'v.avsc');
    const schema = { type: 'record', name: 'acme.V', fields: [{ name: 'id', type: 'long' }, { name: 'u', type: 'long' }, { name: 'p', type: 'string' }, { name: 'ts', type: 'long' }, { name: 'trace', type: 'long' }] };
    writeFileSync(file, JSON.stringify(schema));
    const declared = new DeclaredInputs({ views: parseViewInput({ format: 'avro', schemaFile: file, fields: { user: 'u', item: 'p', time: 'ts', eventId: 'id' } }) as ViewDeclaration, engagements: undefined, labelTypes: DEFAULT_LABEL_TYPES, topics: TOPICS, lookup: undefined });
    await declared.check();
    const body = (n: bigint): Buffer => declaredType(schema).toBuffer({ id: n, u: 7n, p: 'x', ts: BigInt(T0), trace: 2n ** 62n + 1n });
    const a = declared.decodeView(body(2n ** 62n + 1n), NO_META, at(3));
    const b = declared.decodeView(body(2n ** 62n + 2n), NO_META, at(4));
    assert.notDeepEqual(a.event_id, b.event_id, 'ids one apart above 2^53 stay apart');
    assert.deepEqual(a.event_id, eventIdBytes(2n ** 62n + 1n, 'id'));
    assert.equal(a.user_id, 7);
    assert.equal(a.ts, T0);
  });

  it('a JSON sample keeps the view\'s own fields: only the added ones are added', () => {
    const json = new DeclaredInputs({ views: parseViewInput({ format: 'json', fields: { user: 'user_id', item: 'post_id', time: 't', timeUnit: 'iso' } }) as ViewDeclaration, engagements: undefined, labelTypes: DEFAULT_LABEL_TYPES, topics: TOPICS, lookup: undefined });
    const raw = '{"user_id":"alice","post_id":"p1","t":"2026-01-01T00:00:00Z","context":{"surface":"home"}}';
    const v = declared(json, raw);
    const record = { sample_id: v.event_id, view_event_id: v.event_id, user_id: v.user_id, post_id: v.post_id, view_ts: v.ts, context: null, labels: { like: 0, share: 0, comment: 0, favorite: 0, play: 0, skip: 0 }, delays_ms: { like: null, share: null, comment: null, favorite: null, play: null, skip: null }, version: 0, emitted_at: T0, weight: 1 };
    const out = JSON.parse(json.sample(v, record).value.toString()) as Record<string, unknown>;
    assert.equal(out['user_id'], 'alice');
    assert.deepEqual(out['context'], { surface: 'home' });
    assert.equal(out['view_ts'], undefined);
  });
});

function declared(d: DeclaredInputs, raw: string): ReturnType<DeclaredInputs['decodeView']> {
  return d.decodeView(Buffer.from(raw), NO_META, at(9));
}

describe('declared ids and keys', () => {
  it('event ids: UUID text gives its bytes, 16 bytes stay, anything else is hashed, deterministically', () => {
    assert.deepEqual(eventIdBytes('0b6a7d8e-1f1e-4c9a-9d1c-5f0e7a6b3c2d', 'id'), Buffer.from('0b6a7d8e1f1e4c9a9d1c5f0e7a6b3c2d', 'hex'));
    assert.deepEqual(eventIdBytes(id(4), 'id'), id(4));
    assert.equal(eventIdBytes('evt-1', 'id').length, 16);
    assert.deepEqual(eventIdBytes('evt-1', 'id'), eventIdBytes('evt-1', 'id'));
    assert.notDeepEqual(eventIdBytes('evt-1', 'id'), eventIdBytes('evt-2', 'id'));
    assert.deepEqual(eventIdBytes(42, 'id'), eventIdBytes(42n, 'id'));
  });

  it('keys: integers as they are (below 2^53), strings hashed to distinct safe integers', () => {
    assert.equal(entityKey(123, 'u'), 123);
    assert.equal(entityKey(123n, 'u'), 123);
    assert.throws(() => entityKey(2n ** 60n, 'u'), /from 0 to 2\^53/);
    assert.throws(() => entityKey(-5, 'u'), /from 0 to 2\^53/);
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      const k = stringKey(`u-${i}`);
      assert.ok(Number.isSafeInteger(k) && k >= 0);
      seen.add(k);
    }
    assert.equal(seen.size, 100_000);
  });

  it('times: ms, seconds with a fraction, ISO-8601; absurd ones refused', () => {
    assert.equal(timeMs(T0, 'ms', 't'), T0);
    for (let ms = T0; ms < T0 + 5_000; ms += 7) assert.equal(timeMs(ms / 1000, 's', 't'), ms);
    assert.equal(timeMs('2026-01-01T12:00:00.001Z', 'iso', 't'), T0 + 1);
    assert.throws(() => timeMs(5, 'ms', 't'), /between 2000 and 2100/);
  });
});

describe('declarations in the config', () => {
  it('names what is wrong', () => {
    assert.equal(parseViewInput('labeljoin'), 'labeljoin');
    assert.throws(() => parseViewInput({ format: 'protobuf', fields: {} }), (e: unknown) => e instanceof ValueError && /format: expected one of/.test(e.message));
    assert.throws(() => parseViewInput({ format: 'json', fields: { user: 'u', item: 'i' } }), /fields\.time: missing/);
    assert.throws(() => parseViewInput({ format: 'avro', fields: { user: 'u', item: 'i', time: 't' } }), /needs schemaFile/);
    assert.throws(() => parseViewInput({ format: 'json', fields: { user: 'u', item: 'i', time: 't', usr: 'x' } }), /unknown key fields\.usr/);
    assert.throws(() => parseEngagementInput({ format: 'json', fields: { user: 'u', item: 'i', time: 't' } }), /fields\.type: missing/);
    assert.throws(() => new DeclaredInputs({ views: undefined, engagements: { ...engagements, types: { LIKE: 'love' } }, labelTypes: DEFAULT_LABEL_TYPES, topics: TOPICS, lookup: new MemorySchemas() }), MappingError);
  });
});

describe('declared "@key" and "@timestamp": the user and time of the Kafka record', () => {
  const compact = (name: string): string => join(packageRoot(), 'schemas', 'compact', name);
  const fields = { user: '@key', item: 'post_id', time: '@timestamp', eventId: 'event_id' };
  const sampleOf = { labels: { like: 1, share: 0, comment: 0, favorite: 0, play: 0, skip: 0 }, delays_ms: { like: 9, share: null, comment: null, favorite: null, play: null, skip: null }, version: 0, emitted_at: T0, weight: 1 };

  it('a view reads them from its record; its sample carries them between the view body and the added fields; readers find them there', async () => {
    const declaration = parseViewInput({ format: 'avro', schemaFile: compact('view.avsc'), fields }) as ViewDeclaration;
    const d = new DeclaredInputs({ views: declaration, engagements: undefined, labelTypes: DEFAULT_LABEL_TYPES, topics: TOPICS, lookup: undefined });
    await d.check();
    const body = avroType(JSON.parse(readFileSync(compact('view.avsc'), 'utf8')) as Record<string, unknown>).toBuffer({ event_id: id(7), post_id: 31, context: view(1).context });
    const v = d.decodeView(body, { key: Buffer.from('4242'), timestamp: BigInt(T0 + 17) }, at(1));
    assert.deepEqual([v.user_id, v.post_id, v.ts, v.event_id], [stringKey('4242'), 31, T0 + 17, id(7)]);
    const out = d.sample(v, { sample_id: v.event_id, view_event_id: v.event_id, ...sampleOf });
    assert.deepEqual(out.key, Buffer.from('4242'));
    assert.deepEqual(out.value.subarray(10, 10 + body.length), body, 'the view body first, unchanged');
    const schema = d.sampleSchemas()[0]! as { fields: Array<{ name: string }> };
    assert.deepEqual(schema.fields.map((f) => f.name), ['event_id', 'post_id', 'context', 'record_key', 'record_timestamp', 'sample_id', 'view_event_id', 'labels', 'delays_ms', 'version', 'emitted_at', 'weight']);
    const s = declaredType(schema as unknown as Record<string, unknown>).fromBuffer(out.value.subarray(10)) as Record<string, unknown>;
    assert.deepEqual([s['record_key'], Number(s['record_timestamp'])], ['4242', T0 + 17]);
    assert.deepEqual(declaredSampleKeys(declaration.fields)(s), { viewTs: T0 + 17, userId: stringKey('4242'), postId: 31 });
  });

  it('an engagement reads them too; a record without a key is a bad record naming "@key"', () => {
    const declaration = parseEngagementInput({ format: 'avro', schemaFile: compact('engagement.avsc'), fields: { ...fields, type: 'type', viewId: 'view_id' } }) as EngagementDeclaration;
    const d = new DeclaredInputs({ views: undefined, engagements: declaration, labelTypes: DEFAULT_LABEL_TYPES, topics: TOPICS, lookup: undefined });
    const body = avroType(JSON.parse(readFileSync(compact('engagement.avsc'), 'utf8')) as Record<string, unknown>).toBuffer({ event_id: id(8), post_id: 31, type: 'share', view_id: id(7) });
    const e = d.decodeEngagement(body, { key: Buffer.from('4242'), timestamp: BigInt(T0 + 99) }, { ...at(2), topic: 'int' });
    assert.deepEqual([e.user_id, e.post_id, e.ts, e.type, e.view_id], [stringKey('4242'), 31, T0 + 99, 'share', id(7)]);
    assert.throws(() => d.decodeEngagement(body, { key: null, timestamp: BigInt(T0) }, { ...at(3), topic: 'int' }), (error: unknown) => error instanceof BadRecordError && error.code === 'RECORD_MISSING_FIELD' && error.field === '@key');
  });

  it('refused at start-up: "@key" for another field than user, "@timestamp" for another than time or in another unit', () => {
    const base = { format: 'avro', schemaFile: compact('view.avsc') };
    assert.throws(() => parseViewInput({ ...base, fields: { ...fields, item: '@key' } }), (e: unknown) => e instanceof ValueError && /fields.item: @key may name only fields.user/.test(e.message));
    assert.throws(() => parseViewInput({ ...base, fields: { ...fields, user: '@timestamp' } }), (e: unknown) => e instanceof ValueError && /fields.user: @timestamp may name only fields.time/.test(e.message));
    assert.throws(() => parseViewInput({ ...base, fields: { ...fields, timeUnit: 's' } }), (e: unknown) => e instanceof ValueError && /"@timestamp" \(the record timestamp\) is in ms/.test(e.message));
    assert.throws(() => parseViewInput({ ...base, fields: { ...fields, eventId: '@key' } }), (e: unknown) => e instanceof ValueError && /fields.eventId/.test(e.message));
  });
});
