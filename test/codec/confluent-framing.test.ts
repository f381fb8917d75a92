import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFLUENT_HEADER_BYTES, confluentBody, confluentHeader, readConfluentId } from '../../src/codec/confluent-framing.js';

describe('Confluent wire framing', () => {
  it('writes the magic byte and the id big-endian', () => {
    assert.deepEqual([...confluentHeader(1)], [0, 0, 0, 0, 1]);
    assert.deepEqual([...confluentHeader(0x01020304)], [0, 1, 2, 3, 4]);
    assert.deepEqual([...confluentHeader(0xffffffff)], [0, 0xff, 0xff, 0xff, 0xff]);
  });

  it('reads back every id it writes, including those above 2^31', () => {
    for (const id of [0, 1, 255, 256, 65_535, 2 ** 31 - 1, 2 ** 31, 0xffffffff]) {
      const framed = Buffer.concat([confluentHeader(id), Buffer.from([0x02, 0x04])]);
      assert.equal(readConfluentId(framed), id);
      assert.deepEqual([...confluentBody(framed)], [0x02, 0x04]);
    }
  });

  it('says undefined for values that are not Confluent-framed', () => {
    assert.equal(readConfluentId(Buffer.alloc(0)), undefined);
    assert.equal(readConfluentId(Buffer.from([0, 0, 0, 1])), undefined, 'shorter than the header');
    assert.equal(readConfluentId(Buffer.from([0xc3, 0x01, 0, 0, 0, 0, 0, 0, 0, 0])), undefined, 'Avro single-object');
    assert.equal(readConfluentId(Buffer.from('{"a":1}')), undefined, 'JSON');
    assert.equal(readConfluentId(Buffer.from([0, 0, 0, 0, 7])), 7, 'a header with an empty body is framed');
    assert.equal(CONFLUENT_HEADER_BYTES, 5);
  });

  it('refuses ids that do not fit 4 bytes', () => {
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) assert.throws(() => confluentHeader(bad), RangeError);
  });
});
