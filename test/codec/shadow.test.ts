import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shadowFilter, userHash } from '../../src/codec/shadow.js';

const USERS = Array.from({ length: 100_000 }, (_, i) => 1_000 + i * 7);

describe('shadow sampling of users', () => {
  it('keeps close to the fraction asked for', () => {
    for (const f of [0.001, 0.01, 0.1, 0.5]) {
      const kept = USERS.filter(shadowFilter(f)).length / USERS.length;
      assert.ok(Math.abs(kept - f) < Math.max(0.003, f * 0.1), `fraction ${f}: kept ${kept}`);
    }
  });

  it('is nested: the users of a smaller fraction are among those of a larger one', () => {
    const small = new Set(USERS.filter(shadowFilter(0.01)));
    const large = new Set(USERS.filter(shadowFilter(0.1)));
    assert.ok(small.size > 0);
    for (const u of small) assert.ok(large.has(u), `user ${u}`);
  });

  it('keeps every user at fraction 1', () => {
    assert.equal(USERS.filter(shadowFilter(1)).length, USERS.length);
  });

  it('gives the same hash in every process and version (a change would move the shadow population)', () => {
    // Pinned values: if these change, every running shadow comparison changes its users.
    assert.deepEqual([userHash(0), userHash(1), userHash(123456789)], [1693486945, 1428125071, 1152259691]);
  });
});
