/**
 * Avro encoding of one record kind under a reader schema, with the writer
 * schemas it can read (the current one and any registered older or newer
 * ones), resolved by Avro's schema-resolution rules.
 */
import type avro from 'avsc';
import { FieldProblem } from './errors.js';
import { canonicalForm, schemaFingerprint } from './fingerprint.js';
import { fingerprintHex, frameHeader, HEADER_BYTES, isSingleObject } from './framing.js';
import { avroType, type AvroSchema } from './schemas.js';
import { invalidUtf8Field, replacementFinder, type ReplacementFinder } from './utf8.js';

interface Writer {
  readonly type: avro.Type;
  /** undefined when the writer schema is the reader schema */
  readonly resolver: ReturnType<avro.Type['createResolver']> | undefined;
}

export class AvroRecordCodec {
  readonly type: avro.Type;
  readonly fingerprint: Buffer;
  readonly #fingerprintHex: string;
  readonly #writers = new Map<string, Writer>();
  /** The entry of the reader's own schema in #writers. */
  readonly #own: Writer;
  /** Where a decoded value holds U+FFFD (which invalid UTF-8 decodes to); undefined when the schema has no strings. */
  readonly #replacement: ReplacementFinder | undefined;
  #scratch: Buffer;

  constructor(readerSchema: AvroSchema) {
    this.type = avroType(readerSchema);
    this.fingerprint = schemaFingerprint(this.type);
    this.#fingerprintHex = this.fingerprint.toString('hex');
    this.#own = { type: this.type, resolver: undefined };
    this.#replacement = replacementFinder(this.type);
    this.#writers.set(this.#fingerprintHex, this.#own);
    this.#scratch = frameHeader(this.fingerprint, Buffer.allocUnsafe(4_096));
  }

  /** Lets this codec read records written with another schema of the same record (evolution). */
  addWriterSchema(schema: AvroSchema): void {
    const writer = avroType(schema);
    const key = schemaFingerprint(writer).toString('hex');
    if (this.#writers.has(key)) return;
    try {
      this.#writers.set(key, { type: writer, resolver: this.type.createResolver(writer) });
    } catch (error) {
      throw new Error(`schema ${canonicalForm(writer)} cannot be read as ${canonicalForm(this.type)}: ${(error as Error).message}`);
    }
  }

  /** Header and body written into a scratch buffer, then copied out once. */
  /** Whether the record is single-object framed with this schema or a registered writer schema of it. */
  knows(value: Buffer): boolean {
    if (!isSingleObject(value)) return false;
    return value.compare(this.fingerprint, 0, 8, 2, HEADER_BYTES) === 0 || this.#writers.has(fingerprintHex(value));
  }

  encode(value: unknown): Buffer {
    for (;;) {
      const scratch = this.#scratch;
      const end = this.type.encode(value, scratch, HEADER_BYTES);
      if (end >= 0) return Buffer.from(scratch.subarray(0, end));
      // A negative end is minus the bytes that did not fit: grow and write again.
      this.#scratch = frameHeader(this.fingerprint, Buffer.allocUnsafe(2 * (scratch.length - end)));
    }
  }

  /**
   * Decodes a framed record; throws FieldProblem with the reason:
   * RECORD_UNDECODABLE, or RECORD_INVALID_UTF8 naming the string field (./utf8.ts).
   */
  decode(value: Buffer): unknown {
    if (!isSingleObject(value)) {
      throw new FieldProblem('RECORD_UNDECODABLE', undefined, 'not Avro single-object encoded (no C3 01 header)');
    }
    // Most records are written with the reader's own schema: compare its 8 bytes before building a map key.
    const writer = value.compare(this.fingerprint, 0, 8, 2, HEADER_BYTES) === 0 ? this.#own : this.#writers.get(fingerprintHex(value));
    if (writer === undefined) {
      throw new FieldProblem('RECORD_UNDECODABLE', undefined, `unknown writer schema fingerprint ${fingerprintHex(value)} (expected ${this.#fingerprintHex} or a registered older schema)`);
    }
    const body = value.subarray(HEADER_BYTES);
    let decoded: unknown;
    try {
      decoded = this.type.fromBuffer(body, writer.resolver);
    } catch (error) {
      throw new FieldProblem('RECORD_UNDECODABLE', undefined, `Avro body does not decode: ${(error as Error).message}`);
    }
    // Rare: a U+FFFD, from invalid bytes or a real one; the body read again by the writer schema tells which.
    if (this.#replacement?.(decoded) !== undefined) {
      const field = invalidUtf8Field(writer.type, body);
      if (field !== undefined) throw new FieldProblem('RECORD_INVALID_UTF8', field, 'string is not valid UTF-8');
    }
    return decoded;
  }
}
