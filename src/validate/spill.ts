/**
 * Hash-partitioned spill files (the partitioning step of a Grace hash join):
 * records of a fixed size are appended to one of N bucket files by a hash of
 * their key, so that a later pass can hold one bucket in memory at a time.
 * This is what bounds the memory of a comparison or a re-join of millions of
 * records: about (records / N) × a Map entry, plus N write buffers.
 *
 * File layout: <dir>/<name>-<bucket>.bin, a plain concatenation of records of
 * `recordBytes` bytes each (the record layout is the caller's; see
 * src/validate/comparable.ts and src/validate/rejoin.ts). No header: the files
 * live only for one command and are removed by `remove()`.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fmix32 } from '../codec/hash.js';

const BUFFER_BYTES = 64 * 1024;

export class BucketSpill {
  readonly buckets: number;
  readonly recordBytes: number;
  readonly #dir: string;
  readonly #name: string;
  readonly #buffers: Buffer[];
  readonly #used: number[];
  readonly #fds: Array<number | undefined>;
  readonly #counts: number[];

  constructor(dir: string, name: string, buckets: number, recordBytes: number) {
    this.buckets = buckets;
    this.recordBytes = recordBytes;
    this.#dir = dir;
    this.#name = name;
    mkdirSync(dir, { recursive: true });
    const perBuffer = Math.max(1, Math.floor(BUFFER_BYTES / recordBytes));
    this.#buffers = Array.from({ length: buckets }, () => Buffer.allocUnsafe(perBuffer * recordBytes));
    this.#used = new Array<number>(buckets).fill(0);
    this.#fds = new Array<number | undefined>(buckets).fill(undefined);
    this.#counts = new Array<number>(buckets).fill(0);
  }

  /** Appends one record to bucket `hash mod buckets`; `write` fills recordBytes bytes at `at`. */
  add(hash: number, write: (buf: Buffer, at: number) => void): void {
    const b = (hash >>> 0) % this.buckets;
    const buf = this.#buffers[b]!;
    let used = this.#used[b]!;
    if (used + this.recordBytes > buf.length) {
      this.#write(b, buf.subarray(0, used));
      used = 0;
    }
    write(buf, used);
    this.#used[b] = used + this.recordBytes;
    this.#counts[b]!++;
  }

  count(bucket: number): number {
    return this.#counts[bucket]!;
  }

  /** Flushes the write buffers and closes the files; call before reading. */
  finish(): void {
    for (let b = 0; b < this.buckets; b++) {
      if (this.#used[b]! > 0) this.#write(b, this.#buffers[b]!.subarray(0, this.#used[b]));
      this.#used[b] = 0;
      const fd = this.#fds[b];
      if (fd !== undefined) closeSync(fd);
      this.#fds[b] = undefined;
    }
  }

  /** Every record of one bucket, as one buffer (records back to back). */
  read(bucket: number): Buffer {
    const path = this.#path(bucket);
    return existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
  }

  remove(): void {
    for (let b = 0; b < this.buckets; b++) {
      const fd = this.#fds[b];
      if (fd !== undefined) closeSync(fd);
      this.#fds[b] = undefined;
      rmSync(this.#path(b), { force: true });
    }
  }

  #write(bucket: number, bytes: Buffer): void {
    let fd = this.#fds[bucket];
    if (fd === undefined) {
      fd = openSync(this.#path(bucket), 'w');
      this.#fds[bucket] = fd;
    }
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
  }

  #path(bucket: number): string {
    return join(this.#dir, `${this.#name}-${bucket}.bin`);
  }
}

/** A well-mixed 32-bit hash of 16 id bytes (ids from tests or foreign producers need not be random). */
export function hashId(id: Buffer, at = 0): number {
  const h = id.readUInt32LE(at) ^ Math.imul(id.readUInt32LE(at + 4), 0x9e3779b1) ^ Math.imul(id.readUInt32LE(at + 8), 0x85ebca6b) ^ Math.imul(id.readUInt32LE(at + 12), 0xc2b2ae35);
  return fmix32(h);
}

/** A well-mixed 32-bit hash of a (user, post) pair. */
export function hashPair(userId: number, postId: number): number {
  let h = Math.imul(userId | 0, 0x9e3779b1) ^ Math.imul(Math.floor(userId / 2 ** 32) | 0, 0x85ebca6b);
  h ^= Math.imul(postId | 0, 0xc2b2ae35) ^ Math.imul(Math.floor(postId / 2 ** 32) | 0, 0x27d4eb2f);
  return fmix32(h);
}
