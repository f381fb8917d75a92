import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EventCodec } from '../../src/codec/codec.js';
import { BadRecordError } from '../../src/codec/errors.js';
import { sampleIdFor, uuidToString, type SampleRecord } from '../../src/codec/events.js';
import { AvroRecordCodec } from '../../src/codec/avro-codec.js';
import { DEFAULT_LABEL_TYPES, readSchemaFile, sampleSchema } from '../../src/codec/schemas.js';
import { packageRoot } from '../../src/paths.js';
import { engagement, T0, view } from '../helpers/events.js';

const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });
const at = (offset: number) => ({ topic: 'in', partition: 2, offset: BigInt(offset) });

function sample(): SampleRecord {
  const v = view(1);
  return {
    sample_id: sampleIdFor(v.event_id, 0),
    view_event_id: v.event_id,
    user_id: v.user_id,
    post_id: v.post_id,
    view_ts: v.ts,
    labels: { like: 1, share: 0, comment: 0, favorite: 0, play: 1, skip: 0 },
    delays_ms: { like: 4_000, share: null, comment: null, favorite: null, play: -300, skip: null },
    context: v.context,
    version: 0,
    emitted_at: T0 + 700_000,
    weight: 1,
  };
}

describe('EventCodec round trips', () => {
  for (const format of ['avro', 'json'] as const) {
    it(`views and engagements in ${format}`, () => {
      const v = view(3);
      assert.deepEqual(codec.decodeView(codec.encodeView(v, format), at(0)), v);
      for (const e of [engagement(4), engagement(5, { type: 'share', view_id: v.event_id })]) {
        assert.deepEqual(codec.decodeEngagement(codec.encodeEngagement(e, format), at(1)), e);
      }
    });

    it(`samples in ${format}`, () => {
      const s = sample();
      assert.deepEqual(codec.decodeSample(codec.encodeSample(s, format), at(2)), s);
    });
  }

  it('Avro records larger than the encoder\'s scratch buffer, and each encoding its own bytes', () => {
    const big = view(7, { context: { ...view(7).context, region: 'r'.repeat(20_000) } });
    const first = codec.encodeView(big, 'avro');
    const second = codec.encodeView(view(8), 'avro');
    assert.ok(first.length > 20_000);
    assert.deepEqual(codec.decodeView(first, at(0)), big, 'the first encoding is not overwritten by the next');
    assert.deepEqual(codec.decodeView(second, at(1)), view(8));
    assert.deepEqual(codec.decodeView(codec.encodeView(big, 'avro'), at(2)), big, 'after the scratch buffer grew');
  });

  it('Avro records carry the single-object header and are compact', () => {
    const bytes = codec.encodeView(view(3), 'avro');
    assert.deepEqual([...bytes.subarray(0, 2)], [0xc3, 0x01]);
    assert.deepEqual(bytes.subarray(2, 10), codec.views.fingerprint);
    assert.ok(bytes.length < codec.encodeView(view(3), 'json').length / 3);
  });

  it('sample ids are deterministic per view and version, and differ between versions', () => {
    const v = view(9).event_id;
    assert.deepEqual(sampleIdFor(v, 0), sampleIdFor(Buffer.from(v), 0));
    assert.notDeepEqual(sampleIdFor(v, 0), sampleIdFor(v, 1));
    assert.deepEqual(sampleIdFor(v, 0), v);
    assert.match(uuidToString(sampleIdFor(v, 1)), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notDeepEqual(sampleIdFor(v, 1), sampleIdFor(v, 2));
  });
});

describe('schemas', () => {
  it('schemas/sample.avsc is the Sample schema of the default label types', () => {
    const file = JSON.parse(readFileSync(join(packageRoot(), 'schemas', 'sample.avsc'), 'utf8')) as unknown;
    assert.deepEqual(file, sampleSchema(DEFAULT_LABEL_TYPES));
  });

  it('every field of every schema says what it means', () => {
    const missing: string[] = [];
    const visit = (schema: unknown, path: string): void => {
      if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return;
      const s = schema as { type?: unknown; fields?: Array<{ name: string; doc?: string; type: unknown }> };
      if (s.type === 'record' && Array.isArray(s.fields) && !['Labels', 'Delays'].includes(String((s as { name?: string }).name))) {
        for (const f of s.fields) {
          if (typeof f.doc !== 'string' || f.doc === '') missing.push(`${path}.${f.name}`);
          visit(f.type, `${path}.${f.name}`);
        }
      }
    };
    for (const name of ['view', 'engagement', 'sample'] as const) visit(readSchemaFile(name), name);
    assert.deepEqual(missing, []);
  });
});

describe('schema evolution', () => {
  it('a reader with a newer schema (a field added with a default) reads records of the old schema', () => {
    const old = readSchemaFile('view');
    const newer = structuredClone(old) as { fields: unknown[] };
    newer.fields.push({ name: 'experiment', doc: 'A/B bucket', type: 'string', default: 'control' });

    const oldWriter = new AvroRecordCodec(old);
    const newReader = new AvroRecordCodec(newer);
    const written = oldWriter.encode(view(7));
    assert.throws(() => newReader.decode(written), /unknown writer schema fingerprint/);
    newReader.addWriterSchema(old);
    const read = newReader.decode(written) as Record<string, unknown>;
    assert.equal(read['experiment'], 'control');
    assert.equal(read['user_id'], view(7).user_id);
  });

  it('refuses a writer schema that cannot be resolved', () => {
    const incompatible = structuredClone(readSchemaFile('view')) as { fields: Array<{ name: string; type: unknown }> };
    incompatible.fields.find((f) => f.name === 'user_id')!.type = 'string';
    assert.throws(() => new AvroRecordCodec(readSchemaFile('view')).addWriterSchema(incompatible), /cannot be read as/);
  });
});

describe('bad records', () => {
  function expectBad(run: () => unknown, code: string, field: string | undefined, reason: RegExp): void {
    assert.throws(run, (error: unknown) => {
      assert.ok(error instanceof BadRecordError, String(error));
      assert.equal(error.code, code);
      assert.equal(error.field, field);
      assert.match(error.reason, reason);
      assert.deepEqual(error.origin, at(41));
      assert.match(error.message, /^in\/2@41: /);
      const headers = error.deadLetterHeaders();
      assert.equal(headers['labeljoin.error.code'], code);
      assert.equal(headers['labeljoin.source.offset'], '41');
      return true;
    });
  }
  const json = (o: unknown) => Buffer.from(JSON.stringify(o));
  const goodView = JSON.parse(codec.encodeView(view(1), 'json').toString()) as Record<string, unknown>;

  it('undecodable: garbage, truncated Avro, empty, unknown schema', () => {
    expectBad(() => codec.decodeView(Buffer.from('not json at all'), at(41)), 'RECORD_UNDECODABLE', undefined, /not Avro and not valid JSON/);
    const avro = codec.encodeView(view(1), 'avro');
    expectBad(() => codec.decodeView(avro.subarray(0, avro.length - 3), at(41)), 'RECORD_UNDECODABLE', undefined, /does not decode/);
    expectBad(() => codec.decodeView(null, at(41)), 'RECORD_UNDECODABLE', undefined, /empty/);
    const foreign = Buffer.from(avro);
    foreign.writeUInt8(foreign[5]! ^ 0xff, 5);
    expectBad(() => codec.decodeView(foreign, at(41)), 'RECORD_UNDECODABLE', undefined, /unknown writer schema/);
    expectBad(() => codec.decodeView(json([1, 2]), at(41)), 'RECORD_UNDECODABLE', undefined, /not an object/);
  });

  it('missing fields', () => {
    const { user_id: _user, ...noUser } = goodView;
    expectBad(() => codec.decodeView(json(noUser), at(41)), 'RECORD_MISSING_FIELD', 'user_id', /missing/);
    const noPosition = { ...goodView, context: { ...(goodView['context'] as object), position: undefined } };
    expectBad(() => codec.decodeView(json(noPosition), at(41)), 'RECORD_MISSING_FIELD', 'context.position', /missing/);
  });

  it('wrong types', () => {
    expectBad(() => codec.decodeView(json({ ...goodView, ts: '2026-01-01' }), at(41)), 'RECORD_WRONG_TYPE', 'ts', /whole number/);
    expectBad(() => codec.decodeView(json({ ...goodView, event_id: 'abc' }), at(41)), 'RECORD_WRONG_TYPE', 'event_id', /UUID/);
    expectBad(() => codec.decodeView(json({ ...goodView, user_id: -5 }), at(41)), 'RECORD_WRONG_TYPE', 'user_id', /non-negative/);
    expectBad(() => codec.decodeView(json({ ...goodView, context: 'x' }), at(41)), 'RECORD_WRONG_TYPE', 'context', /object/);
  });

  it('absurd timestamps, in JSON and in Avro', () => {
    expectBad(() => codec.decodeView(json({ ...goodView, ts: 1_767_225_600 }), at(41)), 'RECORD_ABSURD_TIMESTAMP', 'ts', /between 2000 and 2100/);
    const micro = codec.encodeEngagement(engagement(1, { ts: T0 * 1000 }), 'avro');
    expectBad(() => codec.decodeEngagement(micro, at(41)), 'RECORD_ABSURD_TIMESTAMP', 'ts', /between 2000 and 2100/);
  });

  it('unknown engagement type, in JSON and in Avro', () => {
    for (const format of ['json', 'avro'] as const) {
      const bytes = codec.encodeEngagement(engagement(1, { type: 'poke' }), format);
      expectBad(() => codec.decodeEngagement(bytes, at(41)), 'RECORD_UNKNOWN_TYPE', 'type', /type \(a string of 4 characters\) is not one of like, share/);
    }
  });

  it('a reason names what a value is, never what it holds (no record content in reasons, log lines or dead-letter headers)', () => {
    const secret = 'card-4111-1111-1111-1111';
    const cases: Array<() => unknown> = [
      () => codec.decodeView(json({ ...goodView, user_id: secret }), at(41)),
      () => codec.decodeView(json({ ...goodView, ts: secret }), at(41)),
      () => codec.decodeView(json({ ...goodView, event_id: secret }), at(41)),
      () => codec.decodeView(Buffer.from(`{"user_id": ${secret}}`), at(41)),
      () => codec.decodeEngagement(codec.encodeEngagement(engagement(1, { type: secret }), 'json'), at(41)),
    ];
    for (const run of cases) {
      assert.throws(run, (error: unknown) => {
        assert.ok(error instanceof BadRecordError);
        const everything = `${error.message} ${error.reason} ${JSON.stringify(error.deadLetterHeaders())}`;
        assert.ok(!everything.includes('4111'), everything);
        return true;
      });
    }
  });

  it('is lenient where producers commonly differ: id strings, unknown enum symbols', () => {
    const v = codec.decodeView(json({ ...goodView, user_id: '1001', context: { ...(goodView['context'] as object), language: 'xx' } }), at(41));
    assert.equal(v.user_id, 1001);
    assert.equal(v.context.language, 'other');
  });
});
