/**
 * The writer schemas of one declared input topic, by how its records are
 * framed (byte layouts in ./framing.ts):
 *   avro-confluent      0x00 | schema id u32 big-endian | body; schemas read from the registry by id
 *   avro-single-object  C3 01 | CRC-64-AVRO fingerprint (8 bytes, little-endian) | body; the schema file's
 *   avro                the body alone; the schema file's
 *   json                a UTF-8 JSON object; no schema
 * Looking a schema up is asynchronous (the registry); decoding is not: the
 * joiner calls `prepare` on the records it fetched before it decodes them,
 * and a record whose schema the registry does not know is then a bad record.
 */
import { readFileSync } from 'node:fs';
import type avro from 'avsc';
import type { DeclaredFormat } from '../../config/inputs.js';
import { FieldProblem } from '../errors.js';
import { schemaFingerprint } from '../fingerprint.js';
import { HEADER_BYTES, isSingleObject } from '../framing.js';
import { avroType, type AvroSchema } from '../schemas.js';
import { CONFLUENT_HEADER_BYTES, readConfluentId } from '../confluent-framing.js';

/** What the schema registry gives the codec: writer schemas by id, and a subject's registrations. */
export interface SchemaLookup {
  /** The schema (JSON text) registered under `id`; undefined when the registry knows no such id. Throws when it cannot answer. */
  schemaById(id: number): Promise<string | undefined>;
  /** Registers `schema` (JSON text) under `subject`; returns its id (the same id for a schema registered before). */
  register(subject: string, schema: string): Promise<number>;
  /** The latest schema of `subject`, or undefined when nothing is registered under it. */
  latest(subject: string): Promise<{ id: number; schema: string } | undefined>;
  /** Every schema registered under `subject`, oldest first (empty when none is). */
  subjectSchemas(subject: string): Promise<Array<{ id: number; schema: string }>>;
}

export interface Writer {
  /** Key in the table: "c:<id>", "f:<fingerprint hex>", or "file". */
  readonly key: string;
  readonly schema: AvroSchema;
  readonly type: avro.Type;
  /** Why records of this writer cannot be used (the mapping does not fit it), or undefined. */
  readonly problem: string | undefined;
}

export type WriterCheck = (schema: AvroSchema, type: avro.Type) => string | undefined;

/** Where a record's body starts and which writer wrote it; undefined writer: JSON. */
export interface Framed {
  readonly writer: Writer | undefined;
  readonly bodyStart: number;
}

export class WriterTable {
  readonly format: Exclude<DeclaredFormat, 'labeljoin'>;
  readonly #byKey = new Map<string, Writer>();
  /** Registry ids looked up and not known there. */
  readonly #unknownIds = new Set<number>();
  readonly #file: Writer | undefined;
  readonly #fingerprint: string | undefined;
  readonly #check: WriterCheck;
  readonly #lookup: SchemaLookup | undefined;
  readonly #topic: string;

  constructor(topic: string, format: Exclude<DeclaredFormat, 'labeljoin'>, schemaFile: string | undefined, check: WriterCheck, lookup: SchemaLookup | undefined) {
    this.#topic = topic;
    this.format = format;
    this.#check = check;
    this.#lookup = lookup;
    if (format === 'avro-confluent' && lookup === undefined) throw new Error(`topic ${topic} is declared avro-confluent but no schema registry is configured (registry.url)`);
    if (schemaFile !== undefined && format !== 'json' && format !== 'avro-confluent') {
      const schema = readSchema(schemaFile);
      const type = avroType(schema);
      this.#fingerprint = schemaFingerprint(type).toString('hex');
      this.#file = this.#add(format === 'avro' ? 'file' : `f:${this.#fingerprint}`, schema, type);
    }
  }

  /** The schema-file writer (avro, avro-single-object). */
  get file(): Writer | undefined {
    return this.#file;
  }

  /** Every writer known so far. */
  writers(): Writer[] {
    return [...this.#byKey.values()];
  }

  get(key: string): Writer | undefined {
    return this.#byKey.get(key);
  }

  /** Looks up the registry ids of these values not known yet; returns the writers added. */
  async prepare(values: ReadonlyArray<Buffer | null>): Promise<Writer[]> {
    if (this.format !== 'avro-confluent') return [];
    const missing = new Set<number>();
    for (const value of values) {
      const id = value === null ? undefined : readConfluentId(value);
      if (id !== undefined && !this.#byKey.has(`c:${id}`) && !this.#unknownIds.has(id)) missing.add(id);
    }
    const added: Writer[] = [];
    for (const id of missing) {
      const text = await this.#lookup!.schemaById(id);
      if (text === undefined) {
        this.#unknownIds.add(id);
        continue;
      }
      added.push(this.addRegistered(id, text));
    }
    return added;
  }

  /** A writer schema read from the registry under `id`. */
  addRegistered(id: number, text: string): Writer {
    const known = this.#byKey.get(`c:${id}`);
    if (known !== undefined) return known;
    const schema = JSON.parse(text) as AvroSchema;
    return this.#add(`c:${id}`, schema, avroType(schema));
  }

  /** The writer and body of a record value; throws FieldProblem when the framing or schema is not one this topic can have. */
  framed(value: Buffer): Framed {
    switch (this.format) {
      case 'json':
        return { writer: undefined, bodyStart: 0 };
      case 'avro':
        return { writer: this.#file!, bodyStart: 0 };
      case 'avro-single-object': {
        if (!isSingleObject(value)) throw new FieldProblem('RECORD_UNDECODABLE', undefined, 'not Avro single-object encoded (no C3 01 header)');
        const fingerprint = value.toString('hex', 2, HEADER_BYTES);
        if (fingerprint !== this.#fingerprint) throw new FieldProblem('RECORD_UNDECODABLE', undefined, `writer schema fingerprint ${fingerprint} is not the one of the declared schema file (${this.#fingerprint})`);
        return { writer: this.#file!, bodyStart: HEADER_BYTES };
      }
      case 'avro-confluent': {
        const id = readConfluentId(value);
        if (id === undefined) throw new FieldProblem('RECORD_UNDECODABLE', undefined, 'not Schema Registry framed (no 0x00 byte and 4-byte schema id)');
        const writer = this.#byKey.get(`c:${id}`);
        if (writer !== undefined) return { writer, bodyStart: CONFLUENT_HEADER_BYTES };
        if (this.#unknownIds.has(id)) throw new FieldProblem('RECORD_UNDECODABLE', undefined, `schema id ${id} is not known to the schema registry`);
        throw new Error(`schema id ${id} of a record of ${this.#topic} was not looked up before decoding`);
      }
    }
  }

  #add(key: string, schema: AvroSchema, type: avro.Type): Writer {
    const writer: Writer = { key, schema, type, problem: this.#check(schema, type) };
    this.#byKey.set(key, writer);
    return writer;
  }
}

function readSchema(path: string): AvroSchema {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read schema file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as AvroSchema;
  } catch (error) {
    throw new Error(`schema file ${path} is not JSON: ${(error as Error).message}`);
  }
}
