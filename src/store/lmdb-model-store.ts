/**
 * The embedded model store: an LMDB directory (no server), one per model name.
 * A commit is one write transaction run by lmdb-js's write thread; it resolves
 * once committed (in the OS's hands: a crash of the process keeps it), and is
 * synced to disk right after while the trainer goes on (overlappingSync; close
 * waits for the sync). A power loss may undo the last commits not synced yet,
 * always whole ones with their offsets, so the trainer redoes those batches.
 * Several trainer processes on one host may share it: LMDB serialises their
 * write transactions, and a commit's read-merge-write of every row happens
 * inside one of them.
 *
 * Tables and byte layouts (integers big-endian so keys sort by them):
 *
 *   rows     key   row key, UTF-8
 *            value Float32 little-endian parameters (src/train/ffm.ts)
 *   seen     key   partition u32 | view event id (16 bytes)            = 20 bytes
 *            value version u32 | view time f64                           = 12 bytes
 *   seen-exp key   partition u32 | view time i64 + 2^63 | view id (16)  = 28 bytes
 *            value empty        (the seen entries in time order, for forgetting)
 *   offsets  key   partition u32
 *            value next offset i64
 */
import { join } from 'node:path';
import { prefixEnd, type KvTable } from './kv.js';
import { LmdbStore } from './lmdb-store.js';
import { bytesToFloats, floatBytes, mergeRow, RowArena, type ModelCommit, type ModelStore, type SeenEntry } from './model-store.js';

const TIME_BIAS = 2n ** 63n;

export class LmdbModelStore implements ModelStore {
  readonly kind = 'embedded' as const;
  readonly #store: LmdbStore;
  readonly #rows: KvTable;
  readonly #seen: KvTable;
  readonly #seenExp: KvTable;
  readonly #offsets: KvTable;

  /** Opens (or creates) the model `model` under `dir`; the samples topic names the offsets' directory too. */
  constructor(options: { dir: string; model: string; topic: string }) {
    this.#store = new LmdbStore({ path: join(options.dir, options.model), fresh: false, durable: true });
    this.#rows = this.#store.table('rows');
    this.#seen = this.#store.table('seen');
    this.#seenExp = this.#store.table('seen-exp');
    this.#offsets = this.#store.table(`offsets:${options.topic}`);
  }

  async readRows(keys: readonly string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const arena = new RowArena();
    for (const key of keys) {
      const bytes = this.#rows.getTransient(Buffer.from(key, 'utf8'));
      if (bytes !== undefined) out.set(key, bytesToFloats(bytes, arena));
    }
    return out;
  }

  async readSeen(partition: number, viewIds: readonly Buffer[]): Promise<Map<string, SeenEntry>> {
    const out = new Map<string, SeenEntry>();
    for (const id of viewIds) {
      const value = this.#seen.get(seenKey(partition, id));
      if (value !== undefined) out.set(id.toString('hex'), { version: value.readUInt32BE(0), ts: value.readDoubleBE(4) });
    }
    return out;
  }

  async readOffsets(partitions: readonly number[]): Promise<Map<number, bigint>> {
    const out = new Map<number, bigint>();
    for (const p of partitions) {
      const value = this.#offsets.get(u32(p));
      if (value !== undefined) out.set(p, value.readBigInt64BE(0));
    }
    return out;
  }

  async commit(batch: ModelCommit): Promise<void> {
    await this.#store.transactionAsync(() => {
      // Offsets only grow (one owner per partition): a batch whose offsets are all stored was committed already.
      const done = [...batch.offsets].filter(([p, offset]) => (this.#offsets.get(u32(p))?.readBigInt64BE(0) ?? -1n) >= offset).length;
      if (batch.offsets.size > 0 && done === batch.offsets.size) return;
      for (const write of batch.rows) {
        const key = Buffer.from(write.key, 'utf8');
        // Compared as bytes: the stored row is still the one read (the usual case, one writer) or not.
        const stored = this.#rows.getTransient(key);
        const same = stored === undefined || floatBytes(write.before).equals(stored);
        this.#rows.put(key, floatBytes(same ? write.after : mergeRow(bytesToFloats(stored), write)));
      }
      // The seen values side by side in one buffer: lmdb-js looks up a value's memory address once per buffer.
      const values = Buffer.allocUnsafe(12 * batch.seen.length);
      for (let i = 0; i < batch.seen.length; i++) {
        const s = batch.seen[i]!;
        const key = seenKey(s.partition, s.viewId);
        const old = this.#seen.get(key);
        if (old !== undefined) this.#seenExp.remove(expKey(s.partition, old.readDoubleBE(4), s.viewId));
        const value = values.subarray(12 * i, 12 * i + 12);
        value.writeUInt32BE(s.version, 0);
        value.writeDoubleBE(s.ts, 4);
        this.#seen.put(key, value);
        this.#seenExp.put(expKey(s.partition, s.ts, s.viewId), Buffer.alloc(0));
      }
      for (const [p, before] of batch.forgetBefore) {
        const start = u32(p);
        const end = expKey(p, before, Buffer.alloc(0));
        const doomed = [...this.#seenExp.range(start, end)].map(([k]) => k);
        for (const k of doomed) {
          this.#seenExp.remove(k);
          this.#seen.remove(seenKey(p, k.subarray(12)));
        }
      }
      for (const [p, offset] of batch.offsets) {
        const value = Buffer.alloc(8);
        value.writeBigInt64BE(offset);
        this.#offsets.put(u32(p), value);
      }
    });
  }

  async seenCount(partition: number): Promise<number> {
    const start = u32(partition);
    let n = 0;
    for (const _ of this.#seen.range(start, prefixEnd(start))) n++;
    return n;
  }

  async close(): Promise<void> {
    await this.#store.flush();
    await this.#store.close();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function seenKey(partition: number, viewId: Buffer): Buffer {
  const key = Buffer.allocUnsafe(4 + viewId.length);
  key.writeUInt32BE(partition, 0);
  viewId.copy(key, 4);
  return key;
}

function expKey(partition: number, ts: number, viewId: Buffer): Buffer {
  const key = Buffer.alloc(12);
  key.writeUInt32BE(partition, 0);
  key.writeBigUInt64BE(BigInt(Math.trunc(ts)) + TIME_BIAS, 4);
  return Buffer.concat([key, viewId]);
}
