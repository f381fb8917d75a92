/**
 * The on-disk KvStore: one LMDB environment in a directory, one named
 * database per table, binary keys and values. Writes run in synchronous
 * transactions (`transaction(fn)`, LMDB's transactionSync), so what is written
 * is readable as soon as the transaction returns; `flush()` waits for the OS. Durability is not needed for correctness: the
 * joiner rebuilds its state from Kafka after a restart, and wipes the
 * directory when it opens it (`fresh: true`). The trainer's model store keeps
 * its directory and asks for `durable: true`.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { KvStore, KvTable } from './kv.js';

export interface LmdbStoreOptions {
  readonly path: string;
  /** Remove whatever an earlier run left in the directory. */
  readonly fresh: boolean;
  /** Largest size the map may grow to, bytes. */
  readonly mapSizeBytes?: number;
  /**
   * Sync every transaction to disk before it returns (survives a power loss,
   * not only a process crash). The joiner's state is rebuilt from Kafka and
   * does without; the trainer's model store needs it.
   */
  readonly durable?: boolean;
}

class LmdbTable implements KvTable {
  constructor(readonly db: Database<Buffer, Buffer>) {}

  get(key: Buffer): Buffer | undefined {
    return this.db.getBinary(key) ?? undefined;
  }

  getTransient(key: Buffer): Uint8Array | undefined {
    const bytes = this.db.getBinaryFast(key);
    // lmdb-js answers its whole shared buffer with an own `length` set to the value's size: cut the view to it,
    // or whatever uses the real length (Buffer.equals, set) sees the bytes after the value too.
    return bytes === undefined ? undefined : bytes.subarray(0, bytes.length);
  }

  has(key: Buffer): boolean {
    return this.db.doesExist(key);
  }

  put(key: Buffer, value: Buffer): void {
    this.db.putSync(key, value);
  }

  remove(key: Buffer): void {
    this.db.removeSync(key);
  }

  *range(start: Buffer, end: Buffer): Iterable<readonly [Buffer, Buffer]> {
    for (const { key, value } of this.db.getRange({ start, end })) yield [key, value] as const;
  }

  count(): number {
    return this.db.getCount();
  }
}

export class LmdbStore implements KvStore {
  readonly #root: RootDatabase<Buffer, Buffer>;
  readonly #tables = new Map<string, LmdbTable>();

  constructor(options: LmdbStoreOptions) {
    if (options.fresh) rmSync(options.path, { recursive: true, force: true });
    mkdirSync(options.path, { recursive: true });
    this.#root = open<Buffer, Buffer>({
      path: options.path,
      keyEncoding: 'binary',
      encoding: 'binary',
      noSync: options.durable !== true,
      maxDbs: 16,
      mapSize: options.mapSizeBytes ?? 2 ** 34,
      cache: false,
    });
  }

  table(name: string): KvTable {
    let t = this.#tables.get(name);
    if (t === undefined) {
      t = new LmdbTable(this.#root.openDB<Buffer, Buffer>({ name, keyEncoding: 'binary', encoding: 'binary', cache: false }));
      this.#tables.set(name, t);
    }
    return t;
  }

  transaction<T>(fn: () => T): T {
    return this.#root.transactionSync(fn);
  }

  /**
   * Runs fn in one write transaction started by LMDB's write thread; resolves once it is committed (visible to
   * every reader and in the OS's hands, so a crash of this process keeps it). The sync to disk happens after, while
   * the caller goes on (lmdb-js's overlappingSync, on when `durable`); `flush()` waits for it. A power loss can
   * undo the last commits that were not synced yet, never part of one: LMDB restores the last synced transaction.
   */
  transactionAsync<T>(fn: () => T): Promise<T> {
    return this.#root.transaction(fn);
  }

  async flush(): Promise<void> {
    await this.#root.flushed;
  }

  async close(): Promise<void> {
    await this.#root.close();
  }
}
