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
import type { AvroSchema } from '../schemas.js';
import { declaredType, parseDeclaredSchema } from './avro-types.js';
import { MappingError } from './errors.js';
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
  /** Why records of this writer cannot be used (the schema is no Avro schema, the mapping does not fit it), or undefined. */
  readonly problem: string | undefined;
  /** The schema itself cannot be read (its records are undecodable, not of a wrong shape). */
  readonly unreadable?: boolean;
}

/** Stands for a registry schema that does not parse: its records are bad records, never decoded with it. */
const NO_TYPE = declaredType({ type: 'record', name: 'labeljoin.Unparsed', fields: [] });

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
    if (format === 'avro-confluent' && lookup === undefined) throw new MappingError(`topic ${topic} is declared avro-confluent but no schema registry is configured (--schema-registry URL or LABELJOIN_SCHEMA_REGISTRY_URL)`);
    if (schemaFile !== undefined && format !== 'json' && format !== 'avro-confluent') {
      const schema = readSchema(schemaFile);
      let type: avro.Type;
      try {
        type = declaredType(schema);
      } catch (error) {
        throw new MappingError(`schema file ${schemaFile} is not an Avro schema: ${(error as Error).message}`);
      }
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

  /** A writer schema read from the registry under `id`; one that is no Avro schema (JSON Schema, Protobuf, references) makes its records bad records. */
  addRegistered(id: number, text: string): Writer {
    const known = this.#byKey.get(`c:${id}`);
    if (known !== undefined) return known;
    let parsed: { schema: AvroSchema; type: avro.Type };
    try {
      parsed = parseDeclaredSchema(text);
    } catch (error) {
      const writer: Writer = { key: `c:${id}`, schema: { type: 'unparsed' }, type: NO_TYPE, unreadable: true, problem: `schema id ${id} is not an Avro schema labeljoin can read: ${(error as Error).message}` };
      this.#byKey.set(writer.key, writer);
      return writer;
    }
    return this.#add(`c:${id}`, parsed.schema, parsed.type);
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

export function readSchema(path: string): AvroSchema {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MappingError(`cannot read schema file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as AvroSchema;
  } catch (error) {
    throw new MappingError(`schema file ${path} is not JSON: ${(error as Error).message}`);
  }
}
