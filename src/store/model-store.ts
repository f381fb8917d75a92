/**
 * The model store: where the trainer's model lives — the store is the model.
 * Two backends with one contract: embedded LMDB (./lmdb-model-store.ts, no
 * server) and Redis (./redis-model-store.ts). Both keep, per model name:
 *
 *   rows      row key (UTF-8, e.g. "u:42", "p:1000007", "c:home|3", "bias")
 *             → Float32 little-endian parameters (layout in src/train/ffm.ts)
 *   seen      (partition, view event id) → newest sample version applied,
 *             with the view time, for the idempotent sink
 *   offsets   (samples topic, partition) → next offset to read
 *
 * `commit` is atomic: the rows, the seen entries and the offsets of a batch are
 * written together or not at all, so a crash never applies a sample twice nor
 * skips one.
 *
 * Merging rows: a commit carries, per row, the value the trainer read
 * (`before`) and the value it computed (`after`). If the stored row still
 * equals `before` (or is absent), `after` is written as is; if another
 * instance changed it meanwhile (shared post and context rows), the difference
 * after − before is added to the stored value instead (Hogwild-style), so no
 * update is lost. With one writer a row is always written exactly.
 */

export interface RowWrite {
  readonly key: string;
  readonly before: Float32Array;
  readonly after: Float32Array;
}

export interface SeenWrite {
  readonly partition: number;
  /** The view event id, 16 bytes. */
  readonly viewId: Buffer;
  readonly version: number;
  /** View event time, ms. */
  readonly ts: number;
}

/** What the de-dup memory remembers of a view. */
export interface SeenEntry {
  /** The newest sample version applied. */
  readonly version: number;
  /** View event time, ms (forgetting goes by it). */
  readonly ts: number;
}

export interface ModelCommit {
  readonly rows: readonly RowWrite[];
  readonly seen: readonly SeenWrite[];
  /** Per partition: forget seen entries with a view time before this. */
  readonly forgetBefore: ReadonlyMap<number, number>;
  /** Per partition of the samples topic: the next offset to read. */
  readonly offsets: ReadonlyMap<number, bigint>;
}

export interface ModelStore {
  readonly kind: 'embedded' | 'redis';
  /** The stored rows among these keys (absent: never written). */
  readRows(keys: readonly string[]): Promise<Map<string, Float32Array>>;
  /** Newest applied version and view time per view id (hex of the 16 bytes) of one partition; absent: not seen or forgotten. */
  readSeen(partition: number, viewIds: readonly Buffer[]): Promise<Map<string, SeenEntry>>;
  readOffsets(partitions: readonly number[]): Promise<Map<number, bigint>>;
  commit(batch: ModelCommit): Promise<void>;
  /** Number of seen entries remembered for a partition (the de-dup memory's size). */
  seenCount(partition: number): Promise<number>;
  close(): Promise<void>;
}

/** The stored value a commit leaves for a row, given what is stored now (see the header). */
export function mergeRow(stored: Float32Array | undefined, write: RowWrite): Float32Array {
  if (stored === undefined || sameFloats(stored, write.before)) return write.after;
  const merged = new Float32Array(write.after.length);
  for (let i = 0; i < merged.length; i++) merged[i] = (stored[i] ?? 0) + (write.after[i]! - write.before[i]!);
  return merged;
}

export function sameFloats(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  return floatBytes(a).equals(floatBytes(b));
}

const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

/**
 * The row's bytes as stored (Float32 little-endian): on a little-endian host a
 * view of the row's own memory (no copy: it changes when the row does), else a copy.
 */
export function floatBytes(row: Float32Array): Buffer {
  return LITTLE_ENDIAN ? Buffer.from(row.buffer, row.byteOffset, row.byteLength) : floatsToBytes(row);
}

/** Float32 values as stored (little-endian bytes), in a buffer of their own. */
export function floatsToBytes(row: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(row.length * 4);
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
    return out;
  }
  for (let i = 0; i < row.length; i++) out.writeFloatLE(row[i]!, i * 4);
  return out;
}

/** The stored bytes as Float32 values, in an array of their own (the bits as stored, NaN payloads too). */
export function bytesToFloats(bytes: Uint8Array, arena?: RowArena): Float32Array {
  const out = arena === undefined ? new Float32Array(bytes.length >>> 2) : arena.take(bytes.length >>> 2);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes.subarray(0, out.length * 4));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * Rows carved out of a few large Float32Arrays instead of one backing store
 * each (a row of 6 signals is 3,120 bytes; a batch holds thousands): `take`
 * returns a zeroed view of n floats. A chunk lives as long as one of its rows does.
 */
export class RowArena {
  #chunk = new Float32Array(0);
  #used = 0;

  take(n: number): Float32Array {
    if (this.#used + n > this.#chunk.length) {
      this.#chunk = new Float32Array(Math.max(n, ARENA_CHUNK_FLOATS));
      this.#used = 0;
    }
    const row = this.#chunk.subarray(this.#used, this.#used + n);
    this.#used += n;
    return row;
  }
}

const ARENA_CHUNK_FLOATS = 1 << 18;
