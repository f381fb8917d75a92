import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { EngagementIndex } from '../../src/join/engagement-index.js';
import { labelView } from '../../src/join/labels.js';
import { MemoryEngagementIndex } from '../../src/join/memory-index.js';
import { StoreEngagementIndex } from '../../src/join/store-index.js';
import { LmdbStore } from '../../src/store/lmdb-store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { engagement, id, T0 } from '../helpers/events.js';

const root = mkdtempSync(join(tmpdir(), 'labeljoin-index-'));
after(() => rmSync(root, { recursive: true, force: true }));
let stores = 0;

const times = { windowMs: 60_000, maxSkewMs: 5_000, viewDisorderMs: 10_000, allowedLatenessMs: 30_000 };

// Every implementation of the index, one contract.
for (const [name, make] of [
  ['in-memory tables', () => new MemoryEngagementIndex(times)],
  ['key-value store in memory', () => new StoreEngagementIndex(new MemoryStore(), times)],
  ['LMDB', () => new StoreEngagementIndex(new LmdbStore({ path: join(root, `db-${stores++}`), fresh: true }), times)],
] as Array<[string, () => EngagementIndex]>) {
  describe(`EngagementIndex: ${name}`, () => {
    it('indexes by (user, post), drops repeated event ids, and finds them by pair', async () => {
      const index = make();
      const a = engagement(1, { user_id: 7, post_id: 8 });
      const b = engagement(2, { user_id: 7, post_id: 8, view_id: id(55), ts: T0 + 3 });
      const other = engagement(3, { user_id: 7, post_id: 9 });
      const added = index.batch(() => [index.addEngagement(0, a, 0), index.addEngagement(0, b, 1), index.addEngagement(0, other, 2), index.addEngagement(0, a, 0)]);
      assert.deepEqual(added, [true, true, true, false]);
      const found = index.engagementsOf(7, 8);
      assert.deepEqual(found.map((e) => [e.type, e.ts, e.viewId]).sort(), [[0, a.ts, null], [1, T0 + 3, id(55)]]);
      assert.equal(index.engagementCount(), 3);
      await index.close();
    });

    it('remembers which engagements labelled a view (the others are orphans when they expire)', async () => {
      const index = make();
      const a = engagement(1, { user_id: 7, post_id: 8, ts: T0 });
      const b = engagement(2, { user_id: 7, post_id: 8, ts: T0 + 1 });
      index.batch(() => [index.addEngagement(0, a, 0), index.addEngagement(0, b, 0)]);
      const [first] = index.engagementsOf(7, 8).filter((x) => x.eventId.equals(a.event_id));
      assert.equal(first!.matched, false);
      index.batch(() => index.markMatched(7, 8, first!.eventId));
      // Expiry returns the orphan candidates only: b, which labelled nothing.
      const expired = index.batch(() => index.expire(0, Number.MAX_SAFE_INTEGER));
      assert.deepEqual(expired.map((x) => [x.engagement.eventId.equals(b.event_id), x.engagement.matched]), [[true, false]]);
      assert.equal(index.engagementCount(), 0, 'both are gone');
      await index.close();
    });

    it('expires engagements once the watermark passes ts + maxSkew + window + view disorder', async () => {
      const index = make();
      const e = engagement(1, { ts: T0 });
      index.batch(() => index.addEngagement(2, e, 0));
      const keep = T0 + 5_000 + 60_000 + 10_000;
      assert.deepEqual(index.batch(() => index.expire(2, keep)), []);
      assert.deepEqual(index.batch(() => index.expire(1, keep + 1)), [], 'another partition expires nothing of p2');
      const gone = index.batch(() => index.expire(2, keep + 1));
      assert.equal(gone.length, 1, 'an engagement that labelled nothing expires as an orphan candidate');
      assert.equal(index.engagementsOf(e.user_id, e.post_id).length, 0);
      await index.close();
    });

    it('remembers the views emitted, by pair and time, until the partition is dropped', async () => {
      const index = make();
      assert.equal(index.wasEmitted(7, 8, T0, id(1)), false);
      index.batch(() => index.recordEmitted(0, 7, 8, T0, id(1), 0, 0b101, Buffer.from('sample')));
      assert.equal(index.wasEmitted(7, 8, T0, id(1)), true);
      const emitted = index.emittedOf(7, 8, T0 - 10, T0 + 10);
      assert.equal(emitted.length, 1);
      assert.equal(emitted[0]!.labels, 0b101);
      assert.deepEqual(emitted[0]!.viewId, id(1));
      assert.equal(emitted[0]!.kept?.toString(), 'sample');
      assert.equal(index.emittedOf(7, 8, T0 + 1, T0 + 10).length, 0);
      index.batch(() => index.dropPartition(0));
      assert.equal(index.emittedOf(7, 8, T0 - 10, T0 + 10).length, 0);
      assert.equal(index.wasEmitted(7, 8, T0, id(1)), false);
      await index.close();
    });
  });
}

describe('in-memory index against the key-value index', () => {
  it('gives the same answers to 60,000 random operations, through table growth, reuse of freed records and expiry', async () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const mem = new MemoryEngagementIndex(times);
    const kv = new StoreEngagementIndex(new MemoryStore(), times);
    const both = [mem, kv];
    // Large ids on purpose: above 2^32, where the pair hash splits them.
    const user = (): number => 2 ** 40 + rand(300);
    const post = (): number => 7 * 2 ** 33 + rand(40);
    const watermark = [T0, T0, T0];
    const canon = (xs: ReadonlyArray<{ eventId: Buffer; type: number; ts: number; viewId: Buffer | null; matched: boolean }>): string[] =>
      xs.map((e) => `${e.eventId.toString('hex')}/${e.type}/${e.ts}/${e.viewId?.toString('hex') ?? '-'}/${e.matched}`).sort();
    let n = 0;
    let peak = 0;
    let labelled = 0;
    for (let step = 0; step < 60_000; step++) {
      const p = rand(3);
      const op = rand(100);
      const u = user();
      const q = post();
      if (op < 40) {
        n++;
        const repeat = rand(10) === 0 && n > 10;
        const e = engagement(repeat ? n - 1 - rand(10) : n, { user_id: u, post_id: q, ts: watermark[p]! + rand(120_000) - 30_000, view_id: rand(3) === 0 ? id(rand(50)) : null });
        const type = rand(4);
        const got = both.map((ix) => ix.addEngagement(p, e, type));
        assert.equal(got[0], got[1], `addEngagement at step ${step}`);
      } else if (op < 55) {
        assert.deepEqual(canon(mem.engagementsOf(u, q)), canon(kv.engagementsOf(u, q)), `engagementsOf at step ${step}`);
        if (rand(2) === 0) {
          const some = kv.engagementsOf(u, q)[0];
          if (some !== undefined) for (const ix of both) ix.markMatched(u, q, some.eventId);
        } else {
          // A view of the pair: the labels, and which engagements end up matched.
          const viewTs = watermark[p]! + rand(60_000) - 30_000;
          const vid = id(rand(50));
          const got = both.map((ix) => labelView(vid, viewTs, ix.candidates(u, q), 4, times));
          assert.deepEqual(got[0], got[1], `labelView at step ${step}`);
          if (got[0]!.labels !== 0) labelled++;
          assert.deepEqual(canon(mem.engagementsOf(u, q)), canon(kv.engagementsOf(u, q)), `matched after labelView at step ${step}`);
        }
      } else if (op < 75) {
        const ts = watermark[p]! + rand(60_000) - 20_000;
        const vid = id(rand(50));
        const seen = both.map((ix) => ix.wasEmitted(u, q, ts, vid));
        assert.equal(seen[0], seen[1], `wasEmitted at step ${step}`);
        const labels = rand(16);
        const sample = rand(2) === 0 ? Buffer.from(`s${step}`) : undefined;
        if (seen[0] === false) for (const ix of both) ix.recordEmitted(p, u, q, ts, vid, 0, labels, sample);
      } else if (op < 88) {
        const from = watermark[p]! - rand(80_000);
        const to = from + rand(90_000);
        const views = both.map((ix) => ix.emittedOf(u, q, from, to));
        const show = (vs: typeof views[number]): string[] => vs.map((v) => `${v.viewTs}/${v.viewId.toString('hex')}/${v.version}/${v.labels}/${v.kept?.toString() ?? '-'}`);
        assert.deepEqual(show(views[0]!), show(views[1]!), `emittedOf at step ${step}`);
        const v = views[0]![0];
        if (v !== undefined) for (const ix of both) ix.updateEmitted(v, v.version + 1, v.labels | 1, Buffer.from(`c${step}`));
      } else if (op < 99) {
        watermark[p]! += rand(500);
        const expired = both.map((ix) => ix.expire(p, watermark[p]!).map((x) => `${x.user}/${x.post}/${canon([x.engagement])[0]}`).sort());
        assert.deepEqual(expired[0], expired[1], `expire at step ${step}`);
        for (const ix of both) ix.expireEmitted(p, watermark[p]!);
      } else if (rand(40) === 0) {
        for (const ix of both) ix.dropPartition(p);
      }
      peak = Math.max(peak, mem.engagementCount());
      if (step % 1000 === 0) {
        assert.equal(mem.engagementCount(), kv.engagementCount(), `engagements held at step ${step}`);
        assert.equal(mem.emittedCount(), kv.emittedCount(), `views held at step ${step}`);
      }
    }
    assert.ok(labelled > 100, `views got labels (${labelled})`);
    // The hash slots start at 1,024: the run goes through several doublings.
    assert.ok(peak > 4096, `the table grew past its first size (peak ${peak})`);
    await kv.close();
  });
});
