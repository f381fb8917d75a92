/**
 * The embedded key-value store the joiner keeps its state in: named tables of
 * byte keys in byte order, with range scans. Two backends: LMDB on disk
 * (./lmdb-store.ts, the default; see docs/decisions/engagement-store.md) and
 * an in-memory one for unit tests (./memory-store.ts). Writes happen inside
 * `transaction(fn)`, a synchronous write transaction: reads inside it see its
 * writes, and once it returns every reader does. Batch many writes into one
 * transaction; each costs a commit.
 */

export interface KvTable {
  get(key: Buffer): Buffer | undefined;
  /** Like get, but the bytes may be the store's own, valid only until the next operation on the store: read them at once. */
  getTransient(key: Buffer): Uint8Array | undefined;
  has(key: Buffer): boolean;
  put(key: Buffer, value: Buffer): void;
  remove(key: Buffer): void;
  /** Entries with start <= key < end, in key order. */
  range(start: Buffer, end: Buffer): Iterable<readonly [Buffer, Buffer]>;
  /** Number of entries (may be approximate on disk backends). */
  count(): number;
}

export interface KvStore {
  table(name: string): KvTable;
  /** Runs fn in one synchronous write transaction (puts and removes only inside one). */
  transaction<T>(fn: () => T): T;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The smallest key greater than every key that starts with `prefix`. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.concat([prefix, Buffer.from([0xff])]);
}
