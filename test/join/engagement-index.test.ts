import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EngagementIndex } from '../../src/join/engagement-index.js';
import type { KvStore } from '../../src/store/kv.js';
import { LmdbStore } from '../../src/store/lmdb-store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { engagement, id, T0 } from '../helpers/events.js';

const root = mkdtempSync(join(tmpdir(), 'labeljoin-index-'));
after(() => rmSync(root, { recursive: true, force: true }));
let stores = 0;

const times = { windowMs: 60_000, maxSkewMs: 5_000, viewDisorderMs: 10_000, allowedLatenessMs: 30_000 };

for (const [name, make] of [
  ['memory', () => new MemoryStore()],
  ['lmdb', () => new LmdbStore({ path: join(root, `db-${stores++}`), fresh: true })],
] as Array<[string, () => KvStore]>) {
  describe(`EngagementIndex on the ${name} store`, () => {
    it('indexes by (user, post), drops repeated event ids, and finds them by pair', async () => {
      const store = make();
      const index = new EngagementIndex(store, times);
      const a = engagement(1, { user_id: 7, post_id: 8 });
      const b = engagement(2, { user_id: 7, post_id: 8, view_id: id(55), ts: T0 + 3 });
      const other = engagement(3, { user_id: 7, post_id: 9 });
      const added = index.batch(() => [index.addEngagement(0, a, 0), index.addEngagement(0, b, 1), index.addEngagement(0, other, 2), index.addEngagement(0, a, 0)]);
      assert.deepEqual(added, [true, true, true, false]);
      const found = index.engagementsOf(7, 8);
      assert.deepEqual(found.map((e) => [e.type, e.ts, e.viewId]).sort(), [[0, a.ts, null], [1, T0 + 3, id(55)]]);
      assert.equal(index.engagementCount(), 3);
      await store.close();
    });

    it('remembers which engagements labelled a view (the others are orphans when they expire)', async () => {
      const store = make();
      const index = new EngagementIndex(store, times);
      const a = engagement(1, { user_id: 7, post_id: 8, ts: T0 });
      const b = engagement(2, { user_id: 7, post_id: 8, ts: T0 + 1 });
      index.batch(() => [index.addEngagement(0, a, 0), index.addEngagement(0, b, 0)]);
      const [first] = index.engagementsOf(7, 8).filter((x) => x.eventId.equals(a.event_id));
      assert.equal(first!.matched, false);
      index.batch(() => index.markMatched(first!));
      const expired = index.batch(() => index.expire(0, Number.MAX_SAFE_INTEGER));
      assert.deepEqual(expired.map((x) => [x.engagement.eventId.equals(a.event_id), x.engagement.matched]).sort(), [[false, false], [true, true]]);
      await store.close();
    });

    it('expires engagements once the watermark passes ts + maxSkew + window + view disorder', async () => {
      const store = make();
      const index = new EngagementIndex(store, times);
      const e = engagement(1, { ts: T0 });
      index.batch(() => index.addEngagement(2, e, 0));
      const keep = T0 + 5_000 + 60_000 + 10_000;
      assert.deepEqual(index.batch(() => index.expire(2, keep)), []);
      assert.deepEqual(index.batch(() => index.expire(1, keep + 1)), [], 'another partition expires nothing of p2');
      const gone = index.batch(() => index.expire(2, keep + 1));
      assert.equal(gone.length, 1);
      assert.equal(index.engagementsOf(e.user_id, e.post_id).length, 0);
      await store.close();
    });

    it('remembers the views emitted, by pair and time, until the partition is dropped', async () => {
      const store = make();
      const index = new EngagementIndex(store, times);
      assert.equal(index.wasEmitted(7, 8, T0, id(1)), false);
      index.batch(() => index.recordEmitted(0, 7, 8, T0, id(1), 0, 0b101, Buffer.from('sample')));
      assert.equal(index.wasEmitted(7, 8, T0, id(1)), true);
      const emitted = index.emittedOf(7, 8, T0 - 10, T0 + 10);
      assert.equal(emitted.length, 1);
      assert.equal(emitted[0]!.labels, 0b101);
      assert.deepEqual(emitted[0]!.viewId, id(1));
      assert.equal(emitted[0]!.sample?.toString(), 'sample');
      assert.equal(index.emittedOf(7, 8, T0 + 1, T0 + 10).length, 0);
      index.batch(() => index.dropPartition(0));
      assert.equal(index.emittedOf(7, 8, T0 - 10, T0 + 10).length, 0);
      assert.equal(index.wasEmitted(7, 8, T0, id(1)), false);
      await store.close();
    });
  });
}
