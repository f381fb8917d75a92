/**
 * Strings are valid UTF-8, or the record is bad input (RECORD_INVALID_UTF8,
 * naming the field): decoders that replace invalid bytes with U+FFFD would
 * otherwise hand the sample a field of replacement characters.
 *
 * JSON: the record's bytes are decoded with a fatal decoder before parsing
 *   (as fast as Buffer#toString, which replaces); only when that fails are
 *   they searched for the field. A JSON escape cannot smuggle invalid text in
 *   either: a lone surrogate (\ud800) is refused by `wellFormed`.
 * Avro: avsc decodes strings with replacement. After decoding, the strings of
 *   the value are looked at for U+FFFD (a few ns a string; invalid bytes always
 *   become one). Only then is the body read again, a field at a time by the
 *   writer schema, to tell invalid bytes from a real U+FFFD and name the field
 *   (the first string of the record, as written, that is not valid UTF-8).
 *   A string the reader skips (a field only the writer has) reaches no sample
 *   and is not checked unless that second reading happens.
 */
import avro from 'avsc';
import { FieldProblem } from './errors.js';

const REPLACEMENT = '\uFFFD';
const fatal = new TextDecoder('utf-8', { fatal: true });

/** The text of JSON input; FieldProblem(RECORD_INVALID_UTF8) naming the field when it is not valid UTF-8. */
export function utf8Text(bytes: Buffer): string {
  try {
    return fatal.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const field = jsonFieldAt(bytes, at);
    throw new FieldProblem('RECORD_INVALID_UTF8', field, `invalid UTF-8 at byte ${at}${field === undefined ? '' : ' (in a string)'}`);
  }
}

/** A string from JSON is well-formed Unicode (no lone surrogate from a \u escape), or FieldProblem. */
export function wellFormed(value: string, field: string): string {
  if (LONE_SURROGATE.test(value)) throw new FieldProblem('RECORD_INVALID_UTF8', field, 'a lone UTF-16 surrogate (\\ud800-\\udfff escape) is not text');
  return value;
}

const LONE_SURROGATE = /\p{Cs}/u;

/** Finds, in a decoded Avro value, the path of the first string holding U+FFFD; undefined when none does. */
export type ReplacementFinder = (value: unknown) => string | undefined;

/** The finder for values of `type`; undefined when the type holds no strings. */
export function replacementFinder(type: avro.Type): ReplacementFinder | undefined {
  const leaves: StringLeaf[] = [];
  collectStrings(type, [], leaves, new Set());
  if (leaves.length === 0) return undefined;
  // Generated, as avsc generates its readers: constant property names are named loads (~10 ns a record,
  // where a loop over the keys took ~50). A value of the type has every record field, so no guards.
  const checks = leaves.map((leaf, i) => {
    const at = `v${leaf.keys.map((k) => `[${JSON.stringify(k)}]`).join('')}`;
    return leaf.deep ? `if (deep(${at})) return paths[${i}];` : `if (${at}.includes(R)) return paths[${i}];`;
  });
  const make = new Function('deep', 'paths', 'R', `return (v) => {\n${checks.join('\n')}\nreturn undefined;\n};`) as (
    deep: (v: unknown) => boolean,
    paths: readonly string[],
    replacement: string,
  ) => ReplacementFinder;
  return make(deepReplacement, leaves.map((l) => l.path), REPLACEMENT);
}

/** Where strings are in a value: at `keys` (fields of nested records), a string, or (deep) anything holding strings. */
interface StringLeaf {
  readonly keys: readonly string[];
  readonly path: string;
  readonly deep: boolean;
}

function collectStrings(type: avro.Type, keys: readonly string[], out: StringLeaf[], open: Set<avro.Type>): void {
  if (type instanceof avro.types.StringType) out.push({ keys, path: keys.join('.'), deep: false });
  else if (type instanceof avro.types.RecordType && !open.has(type)) {
    open.add(type);
    for (const f of type.fields) collectStrings(f.type, [...keys, f.name], out, open);
    open.delete(type);
  } else if (holdsStrings(type, new Set())) {
    // Arrays, maps, unions, logical types, recursive records: any string inside, by a walk of the value.
    out.push({ keys, path: keys.join('.'), deep: true });
  }
}

/**
 * The path of the first string in an Avro body written with `writer` that is
 * not valid UTF-8, reading the body a field at a time; undefined when every
 * string is valid (the U+FFFD was real) or the body does not parse.
 */
export function invalidUtf8Field(writer: avro.Type, body: Buffer): string | undefined {
  try {
    return new BodyReader(body).walk(writer, '');
  } catch (error) {
    if (error instanceof RangeError) return undefined; // avsc decoded it, so this cannot happen; nothing to name
    throw error;
  }
}

function holdsStrings(type: avro.Type, seen: Set<avro.Type>): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  if (type instanceof avro.types.StringType || type instanceof avro.types.MapType) return true; // map keys are strings
  if (type instanceof avro.types.RecordType) return type.fields.some((f) => holdsStrings(f.type, seen));
  if (type instanceof avro.types.ArrayType) return holdsStrings(type.itemsType, seen);
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) return type.types.some((t) => holdsStrings(t, seen));
  if (type instanceof avro.types.LogicalType) return holdsStrings(type.underlyingType, seen);
  return false;
}

function deepReplacement(v: unknown): boolean {
  if (typeof v === 'string') return v.includes(REPLACEMENT);
  if (typeof v !== 'object' || v === null || Buffer.isBuffer(v)) return false;
  if (Array.isArray(v)) return v.some(deepReplacement);
  return Object.entries(v).some(([k, x]) => k.includes(REPLACEMENT) || deepReplacement(x));
}

/** Reads an Avro binary body by its writer type, only to check its strings (https://avro.apache.org/docs/current/specification/#binary-encoding). */
class BodyReader {
  readonly #buf: Buffer;
  #pos = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  /** The path of the first invalid string from the current position on, reading no further once one is found. */
  walk(type: avro.Type, path: string): string | undefined {
    const t = avro.types;
    if (type instanceof t.StringType) return firstInvalidUtf8(this.#bytes()) === -1 ? undefined : path;
    if (type instanceof t.RecordType) {
      for (const f of type.fields) {
        const found = this.walk(f.type, join(path, f.name));
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (type instanceof t.UnwrappedUnionType || type instanceof t.WrappedUnionType) return this.walk(this.#at(type.types, this.#long()), path);
    if (type instanceof t.ArrayType) return this.#blocks((i) => this.walk(type.itemsType, `${path}[${i}]`));
    if (type instanceof t.MapType) {
      return this.#blocks(() => {
        const key = this.#bytes();
        const name = join(path, key.toString('utf8'));
        return firstInvalidUtf8(key) === -1 ? this.walk(type.valuesType as avro.Type, name) : name;
      });
    }
    if (type instanceof t.LogicalType) return this.walk(type.underlyingType, path);
    if (type instanceof t.BytesType) this.#bytes();
    else if (type instanceof t.FixedType) this.#skip(type.size);
    else if (type instanceof t.IntType || type instanceof t.LongType || type instanceof t.EnumType) this.#long();
    else if (type instanceof t.FloatType) this.#skip(4);
    else if (type instanceof t.DoubleType) this.#skip(8);
    else if (type instanceof t.BooleanType) this.#skip(1);
    return undefined;
  }

  /** A length-prefixed byte string (bytes, string, map key). */
  #bytes(): Buffer {
    const length = this.#long();
    const start = this.#pos;
    this.#skip(length);
    return this.#buf.subarray(start, this.#pos);
  }

  /** Array and map blocks: a count (negative: followed by the block's size in bytes), 0 ends. */
  #blocks(item: (index: number) => string | undefined): string | undefined {
    let index = 0;
    for (;;) {
      let count = this.#long();
      if (count === 0) return undefined;
      if (count < 0) {
        count = -count;
        this.#long();
      }
      for (let i = 0; i < count; i++) {
        const found = item(index++);
        if (found !== undefined) return found;
      }
    }
  }

  #at(types: readonly avro.Type[], index: number): avro.Type {
    const type = types[index];
    if (type === undefined) throw new RangeError(`union branch ${index} does not exist`);
    return type;
  }

  /** A zig-zag varint; exact up to 2^53, which lengths, counts and branch numbers are. */
  #long(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.#buf[this.#pos++];
      if (b === undefined) throw new RangeError('truncated');
      n += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) break;
      scale *= 128;
    }
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  #skip(n: number): void {
    if (n < 0 || this.#pos + n > this.#buf.length) throw new RangeError('truncated');
    this.#pos += n;
  }
}

/**
 * Offset of the first byte that does not start a well-formed UTF-8 sequence
 * (Unicode Table 3-7: no overlong forms, no surrogates, nothing above
 * U+10FFFF), or -1 when all are well-formed. For the rare path only; the hot
 * path uses the native decoder.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= n) return i; // cut short
    const second = b[i + 1]!;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const x = b[i + k]!;
      if (x < 0x80 || x > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * The field of a JSON text whose string holds the byte at `offset`: the bytes
 * before it are valid, so a marker put there and the rest decoded with
 * replacement parse as before, and the marker shows which string it is in.
 */
function jsonFieldAt(bytes: Buffer, offset: number): string | undefined {
  const lossy = bytes.toString('utf8');
  const mark = MARKS.find((m) => !lossy.includes(m));
  if (mark === undefined || offset < 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8', 0, offset) + mark + bytes.toString('utf8', offset));
  } catch {
    return undefined; // not JSON either: nothing to name
  }
  return pathOf(parsed, mark, '');
}

/** Unicode noncharacters, as markers: valid in a JSON string and rare in data. */
const MARKS = Array.from({ length: 32 }, (_, i) => String.fromCharCode(0xfdd0 + i));

function pathOf(value: unknown, mark: string, path: string): string | undefined {
  if (typeof value === 'string') return value.includes(mark) ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = pathOf(value[i], mark, `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, x] of Object.entries(value)) {
    const p = join(path, key.replace(mark, ''));
    if (key.includes(mark)) return p;
    const found = pathOf(x, mark, p);
    if (found !== undefined) return found;
  }
  return undefined;
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}
