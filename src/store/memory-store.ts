/**
 * An in-memory KvStore: a sorted array per table. For unit tests and small runs.
 */
import type { KvStore, KvTable } from './kv.js';

class MemoryTable implements KvTable {
  readonly #keys: Buffer[] = [];
  readonly #values: Buffer[] = [];

  #find(key: Buffer): number {
    let lo = 0;
    let hi = this.#keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Buffer.compare(this.#keys[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(key: Buffer): Buffer | undefined {
    const i = this.#find(key);
    return i < this.#keys.length && this.#keys[i]!.equals(key) ? this.#values[i] : undefined;
  }

  getTransient(key: Buffer): Uint8Array | undefined {
    return this.get(key);
  }

  has(key: Buffer): boolean {
    return this.get(key) !== undefined;
  }

  put(key: Buffer, value: Buffer): void {
    const i = this.#find(key);
    if (i < this.#keys.length && this.#keys[i]!.equals(key)) this.#values[i] = Buffer.from(value);
    else {
      this.#keys.splice(i, 0, Buffer.from(key));
      this.#values.splice(i, 0, Buffer.from(value));
    }
  }

  remove(key: Buffer): void {
    const i = this.#find(key);
    if (i < this.#keys.length && this.#keys[i]!.equals(key)) {
      this.#keys.splice(i, 1);
      this.#values.splice(i, 1);
    }
  }

  *range(start: Buffer, end: Buffer): Iterable<readonly [Buffer, Buffer]> {
    const snapshot = this.#keys.slice(this.#find(start));
    const values = this.#values.slice(this.#find(start));
    for (let i = 0; i < snapshot.length && Buffer.compare(snapshot[i]!, end) < 0; i++) yield [snapshot[i]!, values[i]!] as const;
  }

  count(): number {
    return this.#keys.length;
  }
}

export class MemoryStore implements KvStore {
  readonly #tables = new Map<string, MemoryTable>();

  table(name: string): KvTable {
    let t = this.#tables.get(name);
    if (t === undefined) {
      t = new MemoryTable();
      this.#tables.set(name, t);
    }
    return t;
  }

  transaction<T>(fn: () => T): T {
    return fn();
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.#tables.clear();
  }
}
