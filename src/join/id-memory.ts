/**
 * Which event ids a partition has seen, and a fingerprint of what each one
 * said, so that a repeated id is told apart as the same record sent again
 * (a duplicate) or a different record under a used id (a conflict: the first
 * one wins, the later one is dead-lettered).
 *
 * How long an id counts as seen is a function of the log, not of when the
 * joiner happened to expire its state: an entry's time is
 * max(record ts, the partition's watermark when it was read), and at a check
 * an entry counts only while that time >= the partition's watermark now
 * minus the keep time. Entries that no longer count are dropped later, in
 * whole generations, which changes no answer.
 *
 * Layout, per partition: generations of `spanMs` of entry time; each an
 * open-addressing table (linear probing, power-of-two size, at most 5/8 full)
 * of slots
 *   key   u32 x 2   a 64-bit hash of the id (two fmix32 chains; 0,0 = empty)
 *   fp    u32       a 32-bit hash of the record's content (./fingerprints below)
 *   time  f64       the entry's time, ms
 * = 20 bytes a slot, about 32 bytes per id remembered.
 */
import type { EngagementEvent, ViewEvent } from '../codec/events.js';
import { fmix32 } from '../codec/hash.js';

export type IdCheck = 'new' | 'same' | 'conflict';

const INITIAL_SLOTS = 1 << 10;
const MAX_LOAD = 5 / 8;
const TWO_32 = 2 ** 32;

class Generation {
  keys: Uint32Array = new Uint32Array(2 * INITIAL_SLOTS);
  fps: Uint32Array = new Uint32Array(INITIAL_SLOTS);
  times: Float64Array = new Float64Array(INITIAL_SLOTS);
  count = 0;

  /** Slot of the key, or -1. */
  find(h1: number, h2: number): number {
    const mask = this.fps.length - 1;
    for (let s = (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask; ; s = (s + 1) & mask) {
      const k1 = this.keys[2 * s]!;
      const k2 = this.keys[2 * s + 1]!;
      if (k1 === 0 && k2 === 0) return -1;
      if (k1 === h1 && k2 === h2) return s;
    }
  }

  put(h1: number, h2: number, fp: number, time: number): void {
    if (this.count + 1 > MAX_LOAD * this.fps.length) this.#grow();
    const mask = this.fps.length - 1;
    let s = (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask;
    while (this.keys[2 * s] !== 0 || this.keys[2 * s + 1] !== 0) {
      if (this.keys[2 * s] === h1 && this.keys[2 * s + 1] === h2) break;
      s = (s + 1) & mask;
    }
    if (this.keys[2 * s] === 0 && this.keys[2 * s + 1] === 0) this.count++;
    this.keys[2 * s] = h1;
    this.keys[2 * s + 1] = h2;
    this.fps[s] = fp;
    this.times[s] = time;
  }

  #grow(): void {
    const { keys, fps, times } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.fps = new Uint32Array(fps.length * 2);
    this.times = new Float64Array(times.length * 2);
    this.count = 0;
    for (let s = 0; s < fps.length; s++) {
      if (keys[2 * s] !== 0 || keys[2 * s + 1] !== 0) this.put(keys[2 * s]!, keys[2 * s + 1]!, fps[s]!, times[s]!);
    }
  }
}

export class IdMemory {
  readonly #spanMs: number;
  readonly #parts = new Map<number, Map<number, Generation>>();

  /** `spanMs`: the event time one generation covers (a quarter of the keep time is a good choice). */
  constructor(spanMs: number) {
    this.#spanMs = Math.max(1, spanMs);
  }

  /**
   * Looks the id up in partition p. An entry counts when its time >= `horizon`.
   * 'new': none counts, and the id is remembered with this fingerprint at `time`;
   * 'same': it counts with the same fingerprint; 'conflict': with another.
   */
  check(partition: number, id: Buffer, fingerprint: number, time: number, horizon: number): IdCheck {
    const h1 = hashId(id, 0x3c6ef372) || 1;
    const h2 = hashId(id, 0xa54ff53a);
    let gens = this.#parts.get(partition);
    if (gens === undefined) this.#parts.set(partition, (gens = new Map()));
    for (const gen of gens.values()) {
      const s = gen.find(h1, h2);
      if (s < 0 || gen.times[s]! < horizon) continue;
      return gen.fps[s] === fingerprint >>> 0 ? 'same' : 'conflict';
    }
    const g = Math.floor(time / this.#spanMs);
    let gen = gens.get(g);
    if (gen === undefined) gens.set(g, (gen = new Generation()));
    gen.put(h1, h2, fingerprint >>> 0, time);
    return 'new';
  }

  /** Drops the generations of partition p whose entries are all older than `before` (they no longer count). */
  forget(partition: number, before: number): void {
    const gens = this.#parts.get(partition);
    if (gens === undefined) return;
    for (const g of gens.keys()) if ((g + 1) * this.#spanMs <= before) gens.delete(g);
  }

  dropPartition(partition: number): void {
    this.#parts.delete(partition);
  }

  /** Ids remembered (including those that no longer count but are not dropped yet). */
  size(): number {
    let n = 0;
    for (const gens of this.#parts.values()) for (const gen of gens.values()) n += gen.count;
    return n;
  }
}

/** 32 bits of an id's bytes, by a seeded chain of fmix32 over its 4-byte words. */
function hashId(id: Buffer, seed: number): number {
  let h = seed ^ id.length;
  let i = 0;
  for (; i + 4 <= id.length; i += 4) h = fmix32(h ^ id.readUInt32LE(i)) + 0x6b43a9b5;
  let tail = 0;
  for (let j = 0; i < id.length; i++, j += 8) tail |= id[i]! << j;
  return fmix32(h ^ tail ^ Math.imul(id.length, 0x27d4eb2d));
}

/** Folds a number (an exact integer or any double) into a running 32-bit hash. */
function foldNumber(h: number, x: number): number {
  const lo = x >>> 0;
  const hi = Math.floor(x / TWO_32) | 0;
  return fmix32(fmix32(h ^ lo) ^ hi);
}

function foldString(h: number, text: string): number {
  let x = h ^ text.length;
  for (let i = 0; i < text.length; i++) x = Math.imul(x ^ text.charCodeAt(i), 0x01000193);
  return fmix32(x);
}

function foldBytes(h: number, b: Buffer | null): number {
  return b === null ? foldNumber(h, -1) : foldNumber(h, hashId(b, 0x510e527f));
}

/** What an engagement says: user, post, type, time and view reference. */
export function engagementFingerprint(e: EngagementEvent, type: number): number {
  return foldBytes(foldNumber(foldNumber(foldNumber(foldNumber(0x9b05688c, e.user_id), e.post_id), type), e.ts), e.view_id);
}

/** What a view says: user, post, time and its context (everything its sample carries). */
export function viewFingerprint(v: ViewEvent): number {
  const c = v.context;
  let h = foldNumber(foldNumber(foldNumber(0x1f83d9ab, v.user_id), v.post_id), v.ts);
  h = foldString(foldString(foldString(foldString(foldString(h, c.language), c.region), c.device), c.app_version), c.surface);
  return foldNumber(h, c.position);
}
