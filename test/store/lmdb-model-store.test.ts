import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LmdbModelStore } from '../../src/store/lmdb-model-store.js';
import { testDir } from '../helpers/tmp.js';

describe('LMDB model store', () => {
  it('writes a row exactly when the stored bytes are the ones read (adding after − before would lose the 1 here)', async (t) => {
    const store = new LmdbModelStore({ dir: testDir(t, 'lmdb-model'), model: 'm', topic: 'samples' });
    t.after(() => store.close());
    const big = Float32Array.of(1e30, 2, 3);
    await store.commit({ rows: [{ key: 'k', before: Float32Array.of(0, 0, 0), after: big }], seen: [], forgetBefore: new Map(), offsets: new Map([[0, 1n]]) });
    // stored + (after − before) = 1e30 + (1 − 1e30) = 0 in float64: only an exact write keeps 1.
    await store.commit({ rows: [{ key: 'k', before: Float32Array.from(big), after: Float32Array.of(1, 2, 3) }], seen: [], forgetBefore: new Map(), offsets: new Map([[0, 2n]]) });
    assert.deepEqual([...(await store.readRows(['k'])).get('k')!], [1, 2, 3]);
  });

  it('adds the difference to a row changed since it was read', async (t) => {
    const store = new LmdbModelStore({ dir: testDir(t, 'lmdb-model'), model: 'm', topic: 'samples' });
    t.after(() => store.close());
    await store.commit({ rows: [{ key: 'k', before: Float32Array.of(0, 0), after: Float32Array.of(2, 4) }], seen: [], forgetBefore: new Map(), offsets: new Map([[0, 1n]]) });
    await store.commit({ rows: [{ key: 'k', before: Float32Array.of(1, 1), after: Float32Array.of(1.5, 2) }], seen: [], forgetBefore: new Map(), offsets: new Map([[0, 2n]]) });
    assert.deepEqual([...(await store.readRows(['k'])).get('k')!], [2.5, 5]);
  });

  it('remembers a view\'s version and time, and skips a batch whose offsets are stored already', async (t) => {
    const store = new LmdbModelStore({ dir: testDir(t, 'lmdb-model'), model: 'm', topic: 'samples' });
    t.after(() => store.close());
    const viewId = Buffer.alloc(16, 7);
    await store.commit({ rows: [], seen: [{ partition: 3, viewId, version: 2, ts: 1234 }], forgetBefore: new Map(), offsets: new Map([[3, 5n]]) });
    await store.commit({ rows: [], seen: [{ partition: 3, viewId, version: 9, ts: 1 }], forgetBefore: new Map(), offsets: new Map([[3, 5n]]) });
    assert.deepEqual((await store.readSeen(3, [viewId])).get(viewId.toString('hex')), { version: 2, ts: 1234 });
  });
});
