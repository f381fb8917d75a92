/**
 * The joiner's state in an embedded key-value store (src/store/kv.ts; LMDB on
 * disk with `--state disk`): the same contract as the in-memory index
 * (./memory-index.ts), for states larger than memory: engagements by
 * (user, post), and the views already emitted (duplicate views, late
 * engagements, corrections, orphans). Everything expires by
 * event time, per partition. All integers big-endian, so byte order is
 * numeric order; times are ms since the epoch as unsigned 64-bit.
 *
 * Table "eng"     key   user_id u64 | post_id u64 | event_id [16]              (32 bytes)
 *                 value type u8 | flags u8 (bit 0: has view_id, bit 1: matched a view) | ts u64 | view_id [16]?  (10 or 26 bytes)
 * Table "eng-exp" key   partition u16 | ts u64 | user_id u64 | post_id u64 | event_id [16]   (42 bytes), value empty
 *                 expires the "eng" entry once the partition's watermark passes ts + maxSkew + window + viewDisorder
 * Table "out"     key   user_id u64 | post_id u64 | view ts u64 | view event_id [16]   (48 bytes)
 *                 value version u32 | labels bitmask u32 | [what the outbox keeps for a correction, late policy "correct" only]
 * Table "out-exp" key   partition u16 | expiry u64 | out key [48], value empty
 *                 expiry = view ts + window + allowedLateness + maxSkew + viewDisorder + window
 *                 (kept long enough to tell late engagements and orphans apart, and
 *                 to recognise a repeated view: same user, post, time and event id)
 */
import type { EngagementEvent } from '../codec/events.js';
import { prefixEnd, type KvStore, type KvTable } from '../store/kv.js';
import type { EngagementCandidates } from './labels.js';
import { emittedKeepMs, engagementKeepMs, listCandidates, type EmittedView, type EngagementIndex, type ExpiredEngagement, type IndexedEngagement, type IndexTimes } from './engagement-index.js';

export class StoreEngagementIndex implements EngagementIndex {
  readonly #store: KvStore;
  readonly #eng: KvTable;
  readonly #engExp: KvTable;
  readonly #out: KvTable;
  readonly #outExp: KvTable;
  readonly #t: IndexTimes;

  constructor(store: KvStore, times: IndexTimes) {
    this.#store = store;
    this.#eng = store.table('eng');
    this.#engExp = store.table('eng-exp');
    this.#out = store.table('out');
    this.#outExp = store.table('out-exp');
    this.#t = times;
  }

  /** Runs fn in one write transaction of the store. */
  batch<T>(fn: () => T): T {
    return this.#store.transaction(fn);
  }

  /** Adds an engagement; false when its event_id was seen before (a duplicate). */
  addEngagement(partition: number, e: EngagementEvent, type: number): boolean {
    const key = engKey(e.user_id, e.post_id, e.event_id);
    if (this.#eng.has(key)) return false;
    const value = Buffer.alloc(e.view_id === null ? 10 : 26);
    value[0] = type;
    value[1] = e.view_id === null ? 0 : 1;
    writeU64(value, e.ts, 2);
    if (e.view_id !== null) e.view_id.copy(value, 10);
    this.#eng.put(key, value);
    this.#engExp.put(expKey(partition, e.ts, key), EMPTY);
    return true;
  }

  markMatched(user: number, post: number, eventId: Buffer): void {
    const key = engKey(user, post, eventId);
    const value = this.#eng.get(key);
    if (value === undefined || (value[1]! & 2) !== 0) return;
    const next = Buffer.from(value);
    next[1] = value[1]! | 2;
    this.#eng.put(key, next);
  }

  candidates(user: number, post: number): EngagementCandidates {
    return listCandidates(this.engagementsOf(user, post), (e) => {
      if (!e.matched) this.markMatched(user, post, e.eventId);
    });
  }

  /** Every indexed engagement of (user, post). */
  engagementsOf(user: number, post: number): IndexedEngagement[] {
    const prefix = pairKey(user, post, 0);
    const out: IndexedEngagement[] = [];
    for (const [key, value] of this.#eng.range(prefix, prefixEnd(prefix))) out.push(decodeEngagement(key, value));
    return out;
  }

  /** Whether this view was emitted already (a repeated send of it). */
  wasEmitted(user: number, post: number, viewTs: number, viewId: Buffer): boolean {
    return this.#out.has(outKey(user, post, viewTs, viewId));
  }

  recordEmitted(partition: number, user: number, post: number, viewTs: number, viewId: Buffer, version: number, labels: number, kept: Buffer | undefined): void {
    const key = outKey(user, post, viewTs, viewId);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(version, 0);
    head.writeUInt32BE(labels >>> 0, 4);
    this.#out.put(key, kept === undefined ? head : Buffer.concat([head, kept]));
    const expiry = viewTs + emittedKeepMs(this.#t);
    this.#outExp.put(expKey(partition, expiry, key), EMPTY);
  }

  /** Emitted views of (user, post) with fromTs <= view ts <= toTs. */
  emittedOf(user: number, post: number, fromTs: number, toTs: number): EmittedView[] {
    const start = pairKey(user, post, 8);
    writeU64(start, fromTs, 16);
    const end = pairKey(user, post, 8);
    writeU64(end, toTs + 1, 16);
    const out: EmittedView[] = [];
    for (const [key, value] of this.#out.range(start, end)) {
      out.push({
        user,
        post,
        viewTs: readU64(key, 16),
        viewId: Buffer.from(key.subarray(24, 40)),
        version: value.readUInt32BE(0),
        labels: value.readUInt32BE(4),
        kept: value.length > 8 ? Buffer.from(value.subarray(8)) : undefined,
      });
    }
    return out;
  }

  updateEmitted(view: EmittedView, version: number, labels: number, kept: Buffer | undefined): void {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(version, 0);
    head.writeUInt32BE(labels >>> 0, 4);
    this.#out.put(outKey(view.user, view.post, view.viewTs, view.viewId), kept === undefined ? head : Buffer.concat([head, kept]));
  }

  /**
   * Removes the engagements partition p no longer needs at
   * watermark w and returns the expired engagements (the caller decides which
   * were orphans, then calls expireEmitted).
   */
  expire(partition: number, watermark: number): ExpiredEngagement[] {
    const p = u16(partition);
    const expired: ExpiredEngagement[] = [];
    const engCutoff = watermark - engagementKeepMs(this.#t);
    // Keys are collected before removing: a store iterator must not outlive changes to its table.
    for (const expKey of keysIn(this.#engExp, p, engCutoff)) {
      const key = expKey.subarray(10);
      const value = this.#eng.get(key);
      if (value !== undefined) {
        if ((value[1]! & 2) === 0) expired.push({ user: readU64(key, 0), post: readU64(key, 8), engagement: decodeEngagement(key, value) });
        this.#eng.remove(key);
      }
      this.#engExp.remove(expKey);
    }
    return expired;
  }

  /** Forgets the emitted views of partition p whose expiry time is before `watermark`; call after the orphan checks. */
  expireEmitted(partition: number, watermark: number): void {
    for (const expKey of keysIn(this.#outExp, u16(partition), watermark)) {
      this.#out.remove(expKey.subarray(10));
      this.#outExp.remove(expKey);
    }
  }

  /** Drops everything of partition p (the partition moved to another instance). */
  dropPartition(partition: number): void {
    this.expire(partition, Number.MAX_SAFE_INTEGER);
    this.expireEmitted(partition, Number.MAX_SAFE_INTEGER);
  }

  engagementCount(): number {
    return this.#eng.count();
  }

  emittedCount(): number {
    return this.#out.count();
  }

  async close(): Promise<void> {
    await this.#store.close();
  }
}

const EMPTY = Buffer.alloc(0);

/** Keys of an expiry table for partition p with time < cutoff. */
function keysIn(table: KvTable, p: Buffer, cutoff: number): Buffer[] {
  const keys: Buffer[] = [];
  for (const [key] of table.range(Buffer.concat([p, u64(0)]), Buffer.concat([p, u64(cutoff)]))) keys.push(Buffer.from(key));
  return keys;
}

const TWO_32 = 2 ** 32;

/** An unsigned 64-bit big-endian integer at `at`, without BigInt (values are safe integers). */
function writeU64(b: Buffer, n: number, at: number): void {
  const v = Math.max(0, Math.min(Number.MAX_SAFE_INTEGER, Math.floor(n)));
  b.writeUInt32BE(Math.floor(v / TWO_32), at);
  b.writeUInt32BE(v >>> 0, at + 4);
}

function readU64(b: Buffer, at: number): number {
  return b.readUInt32BE(at) * TWO_32 + b.readUInt32BE(at + 4);
}

function u64(n: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  writeU64(b, n, 0);
  return b;
}

function u16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(n);
  return b;
}

/** user u64 | post u64, followed by `extra` bytes for the caller to fill. */
function pairKey(user: number, post: number, extra: number): Buffer {
  const b = Buffer.allocUnsafe(16 + extra);
  writeU64(b, user, 0);
  writeU64(b, post, 8);
  return b;
}

function engKey(user: number, post: number, eventId: Buffer): Buffer {
  const b = pairKey(user, post, 16);
  eventId.copy(b, 16);
  return b;
}

function outKey(user: number, post: number, viewTs: number, viewId: Buffer): Buffer {
  const b = pairKey(user, post, 24);
  writeU64(b, viewTs, 16);
  viewId.copy(b, 24);
  return b;
}

/** partition u16 | time u64 | key */
function expKey(partition: number, time: number, key: Buffer): Buffer {
  const b = Buffer.allocUnsafe(10 + key.length);
  b.writeUInt16BE(partition, 0);
  writeU64(b, time, 2);
  key.copy(b, 10);
  return b;
}

function decodeEngagement(key: Buffer, value: Buffer): IndexedEngagement {
  return {
    eventId: Buffer.from(key.subarray(16, 32)), // the store may reuse its buffers on the next read
    type: value[0]!,
    ts: readU64(value, 2),
    viewId: (value[1]! & 1) === 1 ? Buffer.from(value.subarray(10, 26)) : null,
    matched: (value[1]! & 2) !== 0,
  };
}
