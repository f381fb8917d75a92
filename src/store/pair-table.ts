/**
 * An in-memory table of fixed-size records keyed by a (user, post) pair, with
 * per-partition expiry by time. No JavaScript object per record: the records
 * live in typed-array columns, so a table of ten million records costs the
 * garbage collector nothing and its memory is the sum of the columns below.
 *
 * Records are numbered 0..n-1 and stored in chunks of 65,536; record r is at
 * chunk r >>> 16, slot r & 0xffff of each column:
 *
 *   user   f64             the pair's user id (an exact integer < 2^53)
 *   post   f64             the pair's post id
 *   ts     f64             the record's time, ms since the epoch; expiry order
 *   ids    i32 x idWords   caller's fixed-width bytes (event ids), as int32 words
 *   ints   u32 x intWords  caller's integers (flags, versions, labels)
 *   next   i32             next record of the same hash chain; -1 ends it
 *                          (for a free record: the next free record)
 *
 * Bytes per record: 24 + 4·idWords + 4·intWords + 4, plus the hash slots
 * (i32 per slot, a slot per one to two records) and the expiry heap (i32 per
 * record). Lookup: hash(user, post) → slot → chain of records, compared on
 * user and post. Expiry: one binary min-heap of record numbers per partition,
 * ordered by ts; `expire(p, cutoff)` removes the records with ts < cutoff.
 * Freed records are reused before the table grows. Not persistent: the joiner
 * rebuilds its state from Kafka after a restart (docs/decisions/join-state.md).
 */

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;
const TWO_32 = 2 ** 32;
/** Records per hash slot before the slots double: chains of 1-2 on average, 2-4 bytes of slots per record. */
const MAX_LOAD = 2;

export class PairTable {
  readonly #idWords: number;
  readonly #intWords: number;
  readonly #user: Float64Array[] = [];
  readonly #post: Float64Array[] = [];
  readonly #ts: Float64Array[] = [];
  readonly #ids: Int32Array[] = [];
  readonly #ints: Uint32Array[] = [];
  readonly #next: Int32Array[] = [];
  #slots: Int32Array = new Int32Array(1024).fill(-1);
  #allocated = 0;
  #freeHead = -1;
  #count = 0;
  readonly #heaps = new Map<number, ExpiryHeap>();

  constructor(idWords: number, intWords: number) {
    this.#idWords = idWords;
    this.#intWords = intWords;
  }

  /** Live records. */
  get size(): number {
    return this.#count;
  }

  /** Adds a record for (user, post) in partition p expiring by ts; returns its number. Ids and ints start zeroed. */
  add(partition: number, user: number, post: number, ts: number): number {
    const r = this.#allocate();
    const c = r >>> CHUNK_BITS;
    const i = r & MASK;
    this.#user[c]![i] = user;
    this.#post[c]![i] = post;
    this.#ts[c]![i] = ts;
    this.#ids[c]!.fill(0, i * this.#idWords, (i + 1) * this.#idWords);
    this.#ints[c]!.fill(0, i * this.#intWords, (i + 1) * this.#intWords);
    if (this.#count + 1 > MAX_LOAD * this.#slots.length) this.#grow();
    const s = slotOf(user, post, this.#slots.length);
    this.#next[c]![i] = this.#slots[s]!;
    this.#slots[s] = r;
    this.#count++;
    let heap = this.#heaps.get(partition);
    if (heap === undefined) this.#heaps.set(partition, (heap = new ExpiryHeap((x) => this.ts(x))));
    heap.push(r);
    return r;
  }

  /** The first record of (user, post)'s hash chain; walk on with `next` and test with `isPair`. */
  first(user: number, post: number): number {
    return this.#slots[slotOf(user, post, this.#slots.length)]!;
  }

  next(r: number): number {
    return this.#next[r >>> CHUNK_BITS]![r & MASK]!;
  }

  isPair(r: number, user: number, post: number): boolean {
    const c = r >>> CHUNK_BITS;
    const i = r & MASK;
    return this.#user[c]![i] === user && this.#post[c]![i] === post;
  }

  user(r: number): number {
    return this.#user[r >>> CHUNK_BITS]![r & MASK]!;
  }

  post(r: number): number {
    return this.#post[r >>> CHUNK_BITS]![r & MASK]!;
  }

  ts(r: number): number {
    return this.#ts[r >>> CHUNK_BITS]![r & MASK]!;
  }

  int(r: number, k: number): number {
    return this.#ints[r >>> CHUNK_BITS]![(r & MASK) * this.#intWords + k]!;
  }

  setInt(r: number, k: number, value: number): void {
    this.#ints[r >>> CHUNK_BITS]![(r & MASK) * this.#intWords + k] = value;
  }

  /** Copies `bytes` (4·words long) into the record's ids at word `at`. */
  setIds(r: number, at: number, bytes: Buffer): void {
    const words = this.#ids[r >>> CHUNK_BITS]!;
    const base = (r & MASK) * this.#idWords + at;
    for (let w = 0; w * 4 < bytes.length; w++) words[base + w] = bytes.readInt32LE(w * 4);
  }

  /** Whether the record's ids at word `at` equal `bytes`. */
  idsEqual(r: number, at: number, bytes: Buffer): boolean {
    const words = this.#ids[r >>> CHUNK_BITS]!;
    const base = (r & MASK) * this.#idWords + at;
    for (let w = 0; w * 4 < bytes.length; w++) if (words[base + w] !== bytes.readInt32LE(w * 4)) return false;
    return true;
  }

  /** A copy of `length` bytes of the record's ids from word `at`. */
  ids(r: number, at: number, length: number): Buffer {
    const words = this.#ids[r >>> CHUNK_BITS]!;
    const base = (r & MASK) * this.#idWords + at;
    const out = Buffer.allocUnsafe(length);
    for (let w = 0; w * 4 < length; w++) out.writeInt32LE(words[base + w]!, w * 4);
    return out;
  }

  /**
   * Removes the records of partition p with ts < cutoff, oldest first; `onExpire`
   * sees each one before it is freed.
   */
  expire(partition: number, cutoff: number, onExpire?: (r: number) => void): number {
    const heap = this.#heaps.get(partition);
    if (heap === undefined) return 0;
    let removed = 0;
    while (heap.length > 0 && this.ts(heap.peek()) < cutoff) {
      const r = heap.pop();
      onExpire?.(r);
      this.#unlink(r);
      removed++;
    }
    if (heap.length === 0) this.#heaps.delete(partition);
    return removed;
  }

  #unlink(r: number): void {
    const s = slotOf(this.user(r), this.post(r), this.#slots.length);
    let prev = -1;
    for (let x = this.#slots[s]!; x !== -1; prev = x, x = this.next(x)) {
      if (x !== r) continue;
      const after = this.next(r);
      if (prev === -1) this.#slots[s] = after;
      else this.#next[prev >>> CHUNK_BITS]![prev & MASK] = after;
      break;
    }
    this.#user[r >>> CHUNK_BITS]![r & MASK] = Number.NaN; // never equal to a live pair
    this.#next[r >>> CHUNK_BITS]![r & MASK] = this.#freeHead;
    this.#freeHead = r;
    this.#count--;
  }

  #allocate(): number {
    if (this.#freeHead !== -1) {
      const r = this.#freeHead;
      this.#freeHead = this.next(r);
      return r;
    }
    const r = this.#allocated++;
    if ((r & MASK) === 0) {
      this.#user.push(new Float64Array(CHUNK));
      this.#post.push(new Float64Array(CHUNK));
      this.#ts.push(new Float64Array(CHUNK));
      this.#ids.push(new Int32Array(CHUNK * this.#idWords));
      this.#ints.push(new Uint32Array(CHUNK * this.#intWords));
      this.#next.push(new Int32Array(CHUNK));
    }
    return r;
  }

  /** Doubles the hash slots and re-links every live record. */
  #grow(): void {
    const old = this.#slots;
    const slots = new Int32Array(old.length * 2).fill(-1);
    for (let s = 0; s < old.length; s++) {
      for (let r = old[s]!; r !== -1; ) {
        const after = this.next(r);
        const t = slotOf(this.user(r), this.post(r), slots.length);
        this.#next[r >>> CHUNK_BITS]![r & MASK] = slots[t]!;
        slots[t] = r;
        r = after;
      }
    }
    this.#slots = slots;
  }
}

/** Slot of a pair in a table of `size` slots (a power of two). */
function slotOf(user: number, post: number, size: number): number {
  let h = Math.imul((user >>> 0) ^ fmix(Math.floor(user / TWO_32)), 0x9e3779b1);
  h = fmix(h ^ Math.imul((post >>> 0) ^ fmix(Math.floor(post / TWO_32) + 0x7f4a7c15), 0x85ebca6b));
  return h & (size - 1);
}

function fmix(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A binary min-heap of record numbers, ordered by the record's time. */
class ExpiryHeap {
  #a = new Int32Array(256);
  length = 0;

  constructor(readonly timeOf: (r: number) => number) {}

  peek(): number {
    return this.#a[0]!;
  }

  push(r: number): void {
    if (this.length === this.#a.length) {
      const bigger = new Int32Array(this.#a.length * 2);
      bigger.set(this.#a);
      this.#a = bigger;
    }
    const a = this.#a;
    const t = this.timeOf(r);
    let i = this.length++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.timeOf(a[parent]!) <= t) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = r;
  }

  pop(): number {
    const a = this.#a;
    const top = a[0]!;
    const last = a[--this.length]!;
    if (this.length > 0) {
      const t = this.timeOf(last);
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= this.length) break;
        const r = l + 1;
        const child = r < this.length && this.timeOf(a[r]!) < this.timeOf(a[l]!) ? r : l;
        if (this.timeOf(a[child]!) >= t) break;
        a[i] = a[child]!;
        i = child;
      }
      a[i] = last;
    }
    if (this.#a.length > 1024 && this.length < this.#a.length / 4) this.#a = this.#a.slice(0, this.#a.length / 2);
    return top;
  }
}
