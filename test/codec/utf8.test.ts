/**
 * Strings are valid UTF-8 or the record is bad input naming the field
 * (issue 15): every string field of views and engagements, JSON and Avro.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AvroRecordCodec } from '../../src/codec/avro-codec.js';
import { EventCodec } from '../../src/codec/codec.js';
import { BadRecordError, FieldProblem } from '../../src/codec/errors.js';
import { uuidToString, type EngagementEvent, type ViewEvent } from '../../src/codec/events.js';
import { DEFAULT_LABEL_TYPES, readSchemaFile } from '../../src/codec/schemas.js';
import { firstInvalidUtf8 } from '../../src/codec/utf8.js';
import { engagement, view } from '../helpers/events.js';

const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });
const at = { topic: 'in', partition: 1, offset: 7n };
/** Stands in for a field's text; replaced in the encoded bytes by as many invalid bytes. */
const HOLE = '@@';
/** Ill-formed sequences of two bytes: a bad continuation, overlong, a lone continuation and a lead, a surrogate's start. */
const INVALID = [[0xc3, 0x28], [0xc0, 0xaf], [0x80, 0x41], [0xed, 0xa0], [0xff, 0xfe]];

function punch(bytes: Buffer, invalid: readonly number[]): Buffer {
  const i = bytes.indexOf(HOLE);
  assert.ok(i >= 0 && bytes.indexOf(HOLE, i + 1) === -1, 'one hole');
  const out = Buffer.from(bytes);
  Buffer.from(invalid).copy(out, i);
  return out;
}

function expectInvalid(decode: () => unknown, field: string | undefined): void {
  assert.throws(decode, (error: unknown) => {
    assert.ok(error instanceof BadRecordError, String(error));
    assert.equal(error.code, 'RECORD_INVALID_UTF8');
    assert.equal(error.field, field);
    assert.equal(error.deadLetterHeaders()['labeljoin.error.field'], field);
    return true;
  });
}

/** A view whose `field` holds the hole; JSON may name any string, Avro only strings (the rest are enums). */
function viewWith(field: string): { value: ViewEvent; json?: (o: Record<string, unknown>) => void } {
  const v = view(1);
  if (field === 'event_id') return { value: v, json: (o) => (o['event_id'] = `${HOLE}${uuidToString(v.event_id).slice(2)}`) };
  const key = field.replace('context.', '') as keyof ViewEvent['context'];
  return { value: { ...v, context: { ...v.context, [key]: key === 'position' ? 0 : `IN${HOLE}` } } };
}

describe('strings are valid UTF-8', () => {
  const viewFields = { avro: ['context.region', 'context.app_version'], json: ['context.region', 'context.app_version', 'context.language', 'context.device', 'context.surface', 'event_id'] };
  for (const format of ['avro', 'json'] as const) {
    it(`views in ${format}: invalid bytes in ${viewFields[format].join(', ')} are bad input naming the field`, () => {
      for (const field of viewFields[format]) {
        const { value, json } = viewWith(field);
        let bytes: Buffer;
        if (format === 'avro') bytes = codec.encodeView(value, 'avro');
        else {
          const o = JSON.parse(codec.encodeView(value, 'json').toString()) as Record<string, unknown>;
          if (field.startsWith('context.')) (o['context'] as Record<string, unknown>)[field.slice(8)] = `IN${HOLE}`;
          json?.(o);
          bytes = Buffer.from(JSON.stringify(o));
        }
        for (const invalid of INVALID) expectInvalid(() => codec.decodeView(punch(bytes, invalid), at), field);
      }
    });

    it(`engagements in ${format}: invalid bytes in every string field are bad input naming the field`, () => {
      const fields = format === 'avro' ? ['type'] : ['type', 'event_id', 'view_id'];
      for (const field of fields) {
        const e: EngagementEvent = engagement(1, { view_id: view(1).event_id, ...(field === 'type' ? { type: `li${HOLE}` } : {}) });
        let bytes = codec.encodeEngagement(e, format);
        if (field !== 'type') {
          const o = JSON.parse(bytes.toString()) as Record<string, string>;
          o[field] = `${HOLE}${o[field]!.slice(2)}`;
          bytes = Buffer.from(JSON.stringify(o));
        }
        for (const invalid of INVALID) expectInvalid(() => codec.decodeEngagement(punch(bytes, invalid), at), field);
      }
    });

    it(`valid multi-byte text passes in ${format}, a real U+FFFD included`, () => {
      const v = view(2, { context: { ...view(2).context, region: 'IN-KA ಬೆಂಗಳೂರು \uFFFD', app_version: '2026.11.3-β 😀' } });
      assert.deepEqual(codec.decodeView(codec.encodeView(v, format), at), v);
      const e = engagement(2, { type: 'share' });
      assert.deepEqual(codec.decodeEngagement(codec.encodeEngagement(e, format), at), e);
    });
  }

  it('JSON: a lone surrogate escape is not text either', () => {
    const o = JSON.parse(codec.encodeView(view(1), 'json').toString()) as { context: Record<string, unknown> };
    const text = JSON.stringify(o).replace(/"region":"[^"]*"/, '"region":"IN-\\ud800"');
    expectInvalid(() => codec.decodeView(Buffer.from(text), at), 'context.region');
    const paired = JSON.stringify(o).replace(/"region":"[^"]*"/, '"region":"\\ud83d\\ude00"');
    assert.equal(codec.decodeView(Buffer.from(paired), at).context.region, '😀');
  });

  it('JSON: invalid bytes outside a string are bad input without a field', () => {
    const bytes = Buffer.concat([Buffer.from('{"a":1,'), Buffer.from([0xff]), Buffer.from('}')]);
    expectInvalid(() => codec.decodeView(bytes, at), undefined);
  });

  it('Avro: a string field a newer writer added is checked when read', () => {
    const withNote = structuredClone(readSchemaFile('view')) as { fields: unknown[] };
    withNote.fields.push({ name: 'note', doc: 'free text', type: 'string', default: '' });
    const writer = new AvroRecordCodec(withNote);
    const bytes = punch(writer.encode({ ...view(3), note: `x${HOLE}` }), [0xe2, 0x82]);
    assert.throws(() => writer.decode(bytes), (error: unknown) => error instanceof FieldProblem && error.code === 'RECORD_INVALID_UTF8' && error.field === 'note');
  });

  it('the validator of the rare path agrees with the native decoder', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    let state = 12345;
    /** 0..m-1 from the high bits of a linear congruential generator (its low bits cycle). */
    const next = (m: number): number => Math.floor((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 15) % m;
    let invalid = 0;
    const points = [0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xfffd, 0xffff, 0x10000, 0x10ffff, 0xe9, 0xcb2, 0x1f600];
    for (let n = 0; n < 20_000; n++) {
      const text = Array.from({ length: 1 + next(4) }, () => String.fromCodePoint(points[next(points.length)]!)).join('');
      const bytes = Uint8Array.from(Buffer.from(text));
      // Half of them get one byte changed: lone continuations, overlong leads, surrogates, cut sequences.
      if (next(2) === 0) bytes[next(bytes.length)] = next(256);
      let valid = true;
      try {
        fatal.decode(bytes);
      } catch {
        valid = false;
        invalid++;
      }
      assert.equal(firstInvalidUtf8(bytes) === -1, valid, `bytes ${Buffer.from(bytes).toString('hex')}`);
    }
    assert.ok(invalid > 2_000 && invalid < 10_000, `${invalid} invalid`);
  });
});
