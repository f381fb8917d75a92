/**
 * Which event ids a partition has seen, and a fingerprint of what each one
 * said, so that a repeated id is told apart as the same record sent again
 * (a duplicate) or a different record under a used id (a conflict: the first
 * one wins, the later one is dead-lettered).
 *
 * How long an id counts as seen is a function of the log, not of when the
 * joiner happened to expire its state: an entry's time is
 * max(record ts, the partition's watermark when it was read); entries go into
 * generations of `spanMs` of entry time, and at a check an entry counts while
 * its generation's end is after the horizon (the partition's watermark now
 * minus the keep time): kept at least the keep time, at most `spanMs` more.
 * Generations that no longer count are dropped later, whole, which changes
 * no answer.
 *
 * Layout, per partition: the generations, each an open-addressing table
 * (linear probing, power-of-two size, at most 3/4 full) of 12-byte slots
 *   key   u32 x 2   a 64-bit hash of the id (two fmix32 chains; 0,0 = empty)
 *   fp    u32       a 32-bit hash of the record's content (the fingerprints below)
 * about 20 bytes per id remembered (bench figure in docs/decisions/duplicate-ids.md).
 */
import type { EngagementEvent, ViewEvent } from '../codec/events.js';
import { fmix32 } from '../codec/hash.js';

export type IdCheck = 'new' | 'same' | 'conflict';

const INITIAL_SLOTS = 1 << 10;
const MAX_LOAD = 3 / 4;
const TWO_32 = 2 ** 32;

class Generation {
  keys: Uint32Array = new Uint32Array(2 * INITIAL_SLOTS);
  fps: Uint32Array = new Uint32Array(INITIAL_SLOTS);
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

  put(h1: number, h2: number, fp: number): void {
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
  }

  #grow(): void {
    const { keys, fps } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.fps = new Uint32Array(fps.length * 2);
    this.count = 0;
    for (let s = 0; s < fps.length; s++) {
      if (keys[2 * s] !== 0 || keys[2 * s + 1] !== 0) this.put(keys[2 * s]!, keys[2 * s + 1]!, fps[s]!);
    }
  }
}

interface Live {
  readonly g: number;
  readonly table: Generation;
}

export class IdMemory {
  readonly #spanMs: number;
  /** Per partition, its generations, oldest first. */
  readonly #parts = new Map<number, Live[]>();
  /** The id's hash, computed once per check (see hashId). */
  readonly #hash = new Uint32Array(2);

  /** `spanMs`: the event time one generation covers (a quarter of the keep time is a good choice). */
  constructor(spanMs: number) {
    this.#spanMs = Math.max(1, spanMs);
  }

  /**
   * Looks the id up in partition p. An entry counts while its generation ends after `horizon`.
   * 'new': none counts, and the id is remembered with this fingerprint at `time`;
   * 'same': it counts with the same fingerprint; 'conflict': with another.
   */
  check(partition: number, id: Buffer, fingerprint: number, time: number, horizon: number): IdCheck {
    hashId(id, this.#hash);
    const h1 = this.#hash[0]!;
    const h2 = this.#hash[1]!;
    let gens = this.#parts.get(partition);
    if (gens === undefined) this.#parts.set(partition, (gens = []));
    const span = this.#spanMs;
    for (let i = gens.length - 1; i >= 0; i--) {
      const { g, table } = gens[i]!;
      if ((g + 1) * span <= horizon) continue;
      const s = table.find(h1, h2);
      if (s < 0) continue;
      return table.fps[s] === fingerprint >>> 0 ? 'same' : 'conflict';
    }
    const g = Math.floor(time / span);
    let live: Live | undefined;
    for (let i = gens.length - 1; i >= 0 && live === undefined; i--) if (gens[i]!.g === g) live = gens[i];
    if (live === undefined) {
      live = { g, table: new Generation() };
      gens.push(live);
      gens.sort((x, y) => x.g - y.g);
    }
    live.table.put(h1, h2, fingerprint >>> 0);
    return 'new';
  }

  /** Drops the generations of partition p whose entries are all older than `before` (they no longer count). */
  forget(partition: number, before: number): void {
    const gens = this.#parts.get(partition);
    if (gens === undefined) return;
    const span = this.#spanMs;
    let drop = 0;
    while (drop < gens.length && (gens[drop]!.g + 1) * span <= before) drop++;
    if (drop > 0) gens.splice(0, drop);
  }

  dropPartition(partition: number): void {
    this.#parts.delete(partition);
  }

  /** Ids remembered (including those that no longer count but are not dropped yet). */
  size(): number {
    let n = 0;
    for (const gens of this.#parts.values()) for (const { table } of gens) n += table.count;
    return n;
  }
}

/** A 64-bit hash of an id's bytes into out[0], out[1]: two multiply-xor chains over its 4-byte words, each finished by fmix32; never 0,0. */
function hashId(id: Buffer, out: Uint32Array): void {
  let a = 0x3c6ef372 ^ id.length;
  let b = 0xa54ff53a ^ id.length;
  let i = 0;
  for (; i + 4 <= id.length; i += 4) {
    const w = id[i]! | (id[i + 1]! << 8) | (id[i + 2]! << 16) | (id[i + 3]! << 24);
    a = Math.imul(a ^ w, 0x85ebca6b);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b ^ w, 0xc2b2ae35);
    b = (b << 17) | (b >>> 15);
  }
  let tail = 0;
  for (let j = 0; i < id.length; i++, j += 8) tail |= id[i]! << j;
  out[0] = fmix32(a ^ tail) || 1;
  out[1] = fmix32(b ^ Math.imul(tail, 0x27d4eb2d));
}

const scratch = new Uint32Array(2);

/** Folds a number (an exact integer or any double) into a running 32-bit hash. */
function foldNumber(h: number, x: number): number {
  const lo = x >>> 0;
  const hi = Math.floor(x / TWO_32) | 0;
  return Math.imul((Math.imul(h ^ lo, 0x01000193) ^ hi), 0x9e3779b1);
}

function foldString(h: number, text: string): number {
  let x = h ^ text.length;
  for (let i = 0; i < text.length; i++) x = Math.imul(x ^ text.charCodeAt(i), 0x01000193);
  return x;
}

function foldBody(h: number, body: Buffer): number {
  let x = foldNumber(h, body.length);
  for (let i = 0; i < body.length; i++) x = Math.imul(x ^ body[i]!, 0x01000193);
  return x;
}

function foldBytes(h: number, b: Buffer | null): number {
  if (b === null) return foldNumber(h, -1);
  hashId(b, scratch);
  return foldNumber(foldNumber(h, scratch[0]!), scratch[1]!);
}

/** What an engagement says: user, post, type, time and view reference. */
export function engagementFingerprint(e: EngagementEvent, type: number): number {
  return fmix32(foldBytes(foldNumber(foldNumber(foldNumber(foldNumber(0x9b05688c, e.user_id), e.post_id), type), e.ts), e.view_id));
}

/** What a view says: user, post, time and its context, or a declared view's whole body (everything its sample carries). */
export function viewFingerprint(v: ViewEvent): number {
  const c = v.context;
  let h = foldNumber(foldNumber(foldNumber(0x1f83d9ab, v.user_id), v.post_id), v.ts);
  if (c === null) return fmix32(v.passed === undefined ? h : foldBody(h, v.passed.value.subarray(v.passed.bodyStart)));
  h = foldString(foldString(foldString(foldString(foldString(h, c.language), c.region), c.device), c.app_version), c.surface);
  return fmix32(foldNumber(h, c.position));
}
