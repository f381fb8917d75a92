/**
 * How the join turns a declared record's fields into what it keys on
 * (docs/inputs.md, "Ids and keys"). Every rule here is deterministic, so the
 * offline re-join and any run of the joiner derive the same ids.
 *
 * Event ids (16 bytes, the width of the join's id columns):
 *   a string in canonical UUID form     its 16 bytes
 *   16 bytes (Avro bytes or fixed)      as they are
 *   any other string, bytes or number   SHA-256("labeljoin-id" 0x00 || UTF-8 of the
 *                                       string, the bytes, or the decimal number), first 16 bytes
 *   no event id field declared          SHA-256("labeljoin-content" 0x00 || the record's
 *                                       body: the Avro body after the framing, or the JSON text), first 16 bytes
 *
 * User and item keys (exact numbers below 2^53, the join's key columns):
 *   an integer (int, long)              the number itself (0 <= n < 2^53, else a bad record)
 *   a string                            a 52-bit hash of its UTF-16 code units (stringKey below).
 *                                       Two strings that collide on both user and item within
 *                                       one window would share labels; at 10^8 distinct users
 *                                       the chance of any user collision is 10^16 / 2^53 ≈ 1.1 %, and
 *                                       a shared label then also needs the same item in one window.
 */
import { createHash } from 'node:crypto';
import { uuidFromString } from '../events.js';
import { FieldProblem } from '../errors.js';
import { fmix32 } from '../hash.js';
import { checkTimestamp } from '../validate.js';
import type { TimeUnit } from '../../config/inputs.js';

export function eventIdBytes(value: unknown, field: string): Buffer {
  if (typeof value === 'string') return uuidFromString(value) ?? digest('labeljoin-id', Buffer.from(value, 'utf8'));
  if (Buffer.isBuffer(value)) return value.length === 16 ? value : digest('labeljoin-id', value);
  if (typeof value === 'number' && Number.isInteger(value)) return digest('labeljoin-id', Buffer.from(String(value)));
  if (typeof value === 'bigint') return digest('labeljoin-id', Buffer.from(value.toString()));
  if (value === null || value === undefined) throw new FieldProblem('RECORD_MISSING_FIELD', field, 'no event id');
  throw new FieldProblem('RECORD_WRONG_TYPE', field, `expected a string, bytes or a whole number as event id, got ${typeName(value)}`);
}

/** The id of a record that declares none: a hash of its body. */
export function contentId(body: Buffer): Buffer {
  return digest('labeljoin-content', body);
}

function digest(domain: string, bytes: Buffer): Buffer {
  return createHash('sha256').update(domain).update(Buffer.of(0)).update(bytes).digest().subarray(0, 16);
}

export function entityKey(value: unknown, field: string): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    throw new FieldProblem('RECORD_WRONG_TYPE', field, `expected a whole number from 0 to 2^53 or a string, got ${value < 0 ? 'a negative number' : 'a number that is not a whole number below 2^53'}`);
  }
  if (typeof value === 'bigint') {
    if (value >= 0n && value < BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
    throw new FieldProblem('RECORD_WRONG_TYPE', field, `expected a whole number from 0 to 2^53 or a string, got ${value < 0n ? 'a negative long' : 'a long of 2^53 or more'}`);
  }
  if (typeof value === 'string') return stringKey(value);
  if (value === null || value === undefined) throw new FieldProblem('RECORD_MISSING_FIELD', field, 'no value');
  throw new FieldProblem('RECORD_WRONG_TYPE', field, `expected a string or a whole number, got ${typeName(value)}`);
}

/** Two 32-bit FNV-1a passes (different offsets) over the UTF-16 code units, each finished by fmix32; 32 + 20 bits. */
export function stringKey(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return fmix32(a ^ text.length) * 0x100000 + (fmix32(b) >>> 12);
}

/** Event time in ms since the epoch from a field in the declared unit. */
export function timeMs(value: unknown, unit: TimeUnit, field: string): number {
  let ms: number;
  if (unit === 'iso') {
    if (typeof value !== 'string') throw wrongOrMissing(value, field, 'an ISO-8601 time string');
    ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new FieldProblem('RECORD_WRONG_TYPE', field, `a string of ${value.length} characters that is not an ISO-8601 time`);
  } else {
    const n = typeof value === 'bigint' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n)) throw wrongOrMissing(value, field, unit === 's' ? 'seconds since the epoch' : 'ms since the epoch');
    ms = unit === 's' ? Math.round(n * 1000) : Math.round(n);
  }
  return checkTimestamp(field, ms);
}

function wrongOrMissing(value: unknown, field: string, expected: string): FieldProblem {
  if (value === null || value === undefined) return new FieldProblem('RECORD_MISSING_FIELD', field, 'no value');
  return new FieldProblem('RECORD_WRONG_TYPE', field, `expected ${expected}, got ${typeName(value)}`);
}

export function typeName(value: unknown): string {
  if (Buffer.isBuffer(value)) return 'bytes';
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}
