import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COPY_OVERHEAD_BYTES, deadLetterCopy, decodeOrBad, type SourceRecord } from '../../src/codec/dead-letter.js';
import { BadRecordError } from '../../src/codec/errors.js';

const record = (value: Buffer | null, o: Partial<SourceRecord> = {}): SourceRecord => ({
  topic: 'views',
  partition: 3,
  offset: 41n,
  timestamp: 1_767_268_800_123n,
  key: Buffer.from('user-7'),
  value,
  headers: [['trace', Buffer.from('abc')], ['trace', Buffer.from('def')]],
  ...o,
});
const error = (r: SourceRecord) => new BadRecordError('RECORD_UNDECODABLE', r, 'not Avro', undefined);
const sizeOf = (c: ReturnType<typeof deadLetterCopy>): number =>
  (c.key?.length ?? 0) + (c.value?.length ?? 0) + c.headers.reduce((n, [k, v]) => n + 10 + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

describe('dead-letter copies', () => {
  it('keep key, value, timestamp and the record headers (repeated names in order), then ours', () => {
    const r = record(Buffer.from('garbage'));
    const copy = deadLetterCopy('dlq', { record: r, error: error(r) });
    assert.equal(copy.topic, 'dlq');
    assert.equal(copy.partition, 3);
    assert.deepEqual(copy.key, r.key);
    assert.deepEqual(copy.value, r.value);
    assert.equal(copy.timestamp, r.timestamp);
    const names = copy.headers.map(([k]) => k);
    assert.deepEqual(names.slice(0, 2), ['trace', 'trace']);
    assert.deepEqual(copy.headers.slice(0, 2).map(([, v]) => v.toString()), ['abc', 'def']);
    const ours = Object.fromEntries(copy.headers.slice(2).map(([k, v]) => [k, v.toString()]));
    assert.deepEqual(ours, {
      'labeljoin.error.code': 'RECORD_UNDECODABLE',
      'labeljoin.error.reason': 'not Avro',
      'labeljoin.source.topic': 'views',
      'labeljoin.source.partition': '3',
      'labeljoin.source.offset': '41',
    });
  });

  it('a tombstone stays a tombstone', () => {
    const r = record(null);
    assert.equal(deadLetterCopy('dlq', { record: r, error: error(r) }).value, null);
  });

  it('a copy that would pass the limit is cut to fit, saying how much it was', () => {
    for (const limit of [4_096, 65_536, 1_048_576]) {
      const r = record(Buffer.alloc(limit - 100, 0x61));
      const copy = deadLetterCopy('dlq', { record: r, error: error(r) }, limit);
      assert.ok(sizeOf(copy) <= limit - COPY_OVERHEAD_BYTES, `limit ${limit}: ${sizeOf(copy)}`);
      const h = new Map(copy.headers.map(([k, v]) => [k, v.toString()]));
      assert.equal(h.get('labeljoin.truncated.value-bytes'), String(limit - 100));
      assert.equal(h.get('labeljoin.source.offset'), '41');
      assert.deepEqual(copy.value, r.value!.subarray(0, copy.value!.length), 'the front of the value is kept');
      assert.ok(copy.value!.length > limit / 2, 'only what does not fit is cut');
    }
  });

  it('headers and key are cut too when the value alone is not enough', () => {
    const big = Buffer.alloc(3_000, 0x62);
    const r = record(Buffer.from('v'), { key: big, headers: [['h', big]] });
    const copy = deadLetterCopy('dlq', { record: r, error: error(r) }, 2_048);
    assert.ok(sizeOf(copy) <= 2_048 - COPY_OVERHEAD_BYTES, String(sizeOf(copy)));
    const h = new Map(copy.headers.map(([k, v]) => [k, v.toString()]));
    assert.equal(h.get('labeljoin.truncated.headers'), '1');
    assert.equal(h.get('labeljoin.truncated.key-bytes'), '3000');
    assert.equal(h.has('h'), false);
  });

  it('a copy under the limit is not cut', () => {
    const r = record(Buffer.alloc(1_000));
    const copy = deadLetterCopy('dlq', { record: r, error: error(r) }, 4_096);
    assert.equal(copy.value!.length, 1_000);
    assert.equal(copy.headers.some(([k]) => k.startsWith('labeljoin.truncated')), false);
  });

  it('decodeOrBad returns the BadRecordError and throws anything else', () => {
    const r = record(Buffer.from('x'));
    assert.ok(decodeOrBad(r, (_v, o) => { throw new BadRecordError('RECORD_UNDECODABLE', o, 'no'); }) instanceof BadRecordError);
    assert.equal(decodeOrBad(r, (v) => v!.toString()), 'x');
    assert.throws(() => decodeOrBad(r, () => { throw new RangeError('bug'); }), RangeError);
  });
});
