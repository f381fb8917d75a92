/**
 * Embedded store comparison behind docs/decisions/engagement-store.md: the
 * engagement index's access pattern on lmdb and on rocksdb-native.
 *
 *   node build/src/bench/decisions/engagement-store.js --store lmdb|rocksdb [--n 500000] [--from DIR]
 *
 * 1. insert N engagements, key = user(8) post(8) event id(16), value 26 bytes,
 *    in write batches of 1,000 (the joiner writes per fetched batch);
 * 2. N prefix lookups (user, post): read every entry of the pair (a view's join);
 * 3. delete all N in batches of 1,000 (TTL expiry).
 * Neither library is a dependency of labeljoin until chosen; install them in
 * a scratch directory and pass --from DIR.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prefixEnd } from '../../store/kv.js';

interface Store {
  putBatch(entries: Array<[Buffer, Buffer]>): Promise<void>;
  prefix(prefix: Buffer): Promise<number>;
  deleteBatch(keys: Buffer[]): Promise<void>;
  close(): Promise<void>;
}

interface LmdbDb {
  put(key: Buffer, value: Buffer): Promise<boolean>;
  remove(key: Buffer): Promise<boolean>;
  transaction<T>(fn: () => T): Promise<T>;
  getRange(options: { start: Buffer; end: Buffer }): Iterable<{ key: Buffer; value: Buffer }>;
  close(): Promise<void>;
}
interface RocksBatch {
  put(key: Buffer, value: Buffer): void;
  delete(key: Buffer): void;
  flush(): Promise<void>;
}
interface RocksDb {
  ready(): Promise<void>;
  write(): RocksBatch;
  iterator(range: { gte: Buffer; lt: Buffer }): AsyncIterable<unknown>;
  close(): Promise<void>;
}

function lmdbStore(from: string, path: string): Store {
  const require = createRequire(join(from, 'package.json'));
  const { open } = require('lmdb') as { open: (o: object) => LmdbDb };
  const db = open({ path, keyEncoding: 'binary', encoding: 'binary', noSync: true });
  return {
    putBatch: async (entries) => {
      await db.transaction(() => {
        for (const [k, v] of entries) void db.put(k, v);
      });
    },
    prefix: async (prefix) => {
      let n = 0;
      for (const _ of db.getRange({ start: prefix, end: prefixEnd(prefix) })) n++;
      return n;
    },
    deleteBatch: async (keys) => {
      await db.transaction(() => {
        for (const k of keys) void db.remove(k);
      });
    },
    close: () => db.close(),
  };
}

async function rocksStore(from: string, path: string): Promise<Store> {
  const require = createRequire(join(from, 'package.json'));
  const RocksDB = require('rocksdb-native') as new (path: string) => RocksDb;
  const db = new RocksDB(path);
  await db.ready();
  return {
    putBatch: async (entries) => {
      const w = db.write();
      for (const [k, v] of entries) w.put(k, v);
      await w.flush();
    },
    prefix: async (prefix) => {
      let n = 0;
      for await (const _ of db.iterator({ gte: prefix, lt: prefixEnd(prefix) })) n++;
      return n;
    },
    deleteBatch: async (keys) => {
      const w = db.write();
      for (const k of keys) w.delete(k);
      await w.flush();
    },
    close: () => db.close(),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { store: { type: 'string', default: 'lmdb' }, n: { type: 'string', default: '500000' }, from: { type: 'string', default: '/tmp/storebench' } } });
  const n = Number(values.n);
  const dir = mkdtempSync(join(tmpdir(), 'labeljoin-storebench-'));
  const store = values.store === 'rocksdb' ? await rocksStore(values.from, dir) : lmdbStore(values.from, join(dir, 'db'));
  let seed = 7;
  const rand = (m: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % m;
  };
  const keys: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const k = Buffer.alloc(32);
    k.writeBigUInt64BE(BigInt(100_000 + rand(100_000)), 0);
    k.writeBigUInt64BE(BigInt(1_000_000 + rand(50_000)), 8);
    k.writeUInt32BE(i, 28);
    keys.push(k);
  }
  const value = Buffer.alloc(26, 1);
  const rss0 = process.memoryUsage().rss;
  const time = async (run: () => Promise<void>): Promise<number> => {
    const t0 = process.hrtime.bigint();
    await run();
    return n / (Number(process.hrtime.bigint() - t0) / 1e9);
  };
  const insert = await time(async () => {
    for (let i = 0; i < n; i += 1000) await store.putBatch(keys.slice(i, i + 1000).map((k) => [k, value]));
  });
  let found = 0;
  const lookup = await time(async () => {
    for (const k of keys) found += await store.prefix(k.subarray(0, 16));
  });
  const rss = process.memoryUsage().rss - rss0;
  const remove = await time(async () => {
    for (let i = 0; i < n; i += 1000) await store.deleteBatch(keys.slice(i, i + 1000));
  });
  process.stdout.write(`${JSON.stringify({ store: values.store, n, insertPerSec: Math.round(insert), prefixLookupPerSec: Math.round(lookup), deletePerSec: Math.round(remove), entriesSeenByLookups: found, rssGrowthMB: Math.round(rss / 1e6) })}\n`);
  // rocksdb-native 3.18.1's close() never settles here (seen in this benchmark); do not wait for it forever.
  await Promise.race([store.close(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  rmSync(dir, { recursive: true, force: true });
}

await main();
