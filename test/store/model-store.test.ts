import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToFloats, floatsToBytes, mergeRow, sameFloats } from '../../src/store/model-store.js';

describe('model store row merging', () => {
  const before = Float32Array.of(1, 2, 3);
  const after = Float32Array.of(1.5, 1.25, 3.1);

  it('writes the computed row as is when nobody else changed it (or it was absent)', () => {
    assert.equal(mergeRow(Float32Array.from(before), { key: 'k', before, after }), after);
    assert.equal(mergeRow(undefined, { key: 'k', before, after }), after);
  });

  it('adds the difference to a row another instance changed meanwhile, so neither update is lost', () => {
    const stored = Float32Array.of(2, 2, 4);
    assert.deepEqual([...mergeRow(stored, { key: 'k', before, after })], [...Float32Array.of(2.5, 1.25, 4.1)]);
  });

  it('stores float32 little-endian and reads back the same bits', () => {
    const row = Float32Array.of(0.1, -3.5e-20, 7);
    const bytes = floatsToBytes(row);
    assert.equal(bytes.length, 12);
    assert.equal(bytes.readFloatLE(4), row[1]);
    assert.ok(sameFloats(bytesToFloats(bytes), row));
  });
});
