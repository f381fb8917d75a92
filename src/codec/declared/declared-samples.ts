/**
 * Reading samples of declared views (the trainer): the sample schema by its
 * framing (the registry's id, or the single-object fingerprint of the schema
 * derived from the views' schema file; JSON as it is), the added fields as
 * they were written, and the view's time, user and item by the views
 * declaration (./sample-keys.ts). The trainer's context feature is the values
 * of the declared context fields, joined by "|".
 */
import type avro from 'avsc';
import type { ViewDeclaration } from '../../config/inputs.js';
import { BadRecordError, FieldProblem, type RecordOrigin } from '../errors.js';
import type { SampleRecord } from '../events.js';
import { uuidFromString } from '../events.js';
import { schemaFingerprint } from '../fingerprint.js';
import { fingerprintHex, HEADER_BYTES, isSingleObject } from '../framing.js';
import { declaredType, parseDeclaredSchema } from './avro-types.js';
import { parseJsonObject } from '../validate.js';
import { CONFLUENT_HEADER_BYTES, CONFLUENT_MAGIC, readConfluentId } from '../confluent-framing.js';
import { pathReader, type PathReader } from './record-path.js';
import { declaredSampleKeys, type SampleKeys } from './sample-keys.js';
import { fileSampleSchema } from './sample-schema.js';
import type { SchemaLookup } from './writers.js';

export class DeclaredSampleReader {
  readonly #keys: (o: Record<string, unknown>) => SampleKeys;
  readonly #lookup: SchemaLookup | undefined;
  readonly #byId = new Map<number, avro.Type | undefined>();
  readonly #byFingerprint = new Map<string, avro.Type>();
  readonly #context: ReadonlyArray<readonly [string, PathReader]>;

  constructor(views: ViewDeclaration, labelTypes: readonly string[], lookup: SchemaLookup | undefined, contextFields: readonly string[]) {
    this.#keys = declaredSampleKeys(views.fields);
    this.#lookup = lookup;
    this.#context = contextFields.map((f) => [f, pathReader(f)] as const);
    if (views.schemaFile !== undefined) {
      const derived = declaredType(fileSampleSchema(views, labelTypes));
      this.#byFingerprint.set(schemaFingerprint(derived).toString('hex'), derived);
    }
  }

  /** Looks up the sample schemas these records name (before decode). */
  async prepare(values: ReadonlyArray<Buffer | null>): Promise<void> {
    if (this.#lookup === undefined) return;
    for (const value of values) {
      const id = value === null ? undefined : readConfluentId(value);
      if (id === undefined || this.#byId.has(id)) continue;
      const text = await this.#lookup.schemaById(id);
      let type: avro.Type | undefined;
      try {
        type = text === undefined ? undefined : parseDeclaredSchema(text).type;
      } catch {
        type = undefined; // not an Avro schema: its records are bad records
      }
      this.#byId.set(id, type);
    }
  }

  decode(value: Buffer | null, origin: RecordOrigin): SampleRecord {
    try {
      return this.#decode(value);
    } catch (error) {
      if (error instanceof FieldProblem) throw new BadRecordError(error.code, origin, error.reason, error.field);
      throw new BadRecordError('RECORD_UNDECODABLE', origin, error instanceof Error ? error.message : String(error));
    }
  }

  #decode(value: Buffer | null): SampleRecord {
    if (value === null || value.length === 0) throw new FieldProblem('RECORD_UNDECODABLE', undefined, 'empty record value');
    let o: Record<string, unknown>;
    if (value[0] === CONFLUENT_MAGIC) {
      const id = readConfluentId(value);
      const type = id === undefined ? undefined : this.#byId.get(id);
      if (type === undefined) throw new FieldProblem('RECORD_UNDECODABLE', undefined, `schema id ${id ?? '(none)'} is not known to the schema registry`);
      o = type.fromBuffer(value.subarray(CONFLUENT_HEADER_BYTES)) as Record<string, unknown>;
    } else if (isSingleObject(value)) {
      const type = this.#byFingerprint.get(fingerprintHex(value));
      if (type === undefined) throw new FieldProblem('RECORD_UNDECODABLE', undefined, `writer schema fingerprint ${fingerprintHex(value)} is not the sample schema derived from the views' schema file`);
      o = type.fromBuffer(value.subarray(HEADER_BYTES)) as Record<string, unknown>;
    } else o = parseJsonObject(value);
    const k = this.#keys(o);
    return {
      sample_id: id(o, 'sample_id'),
      view_event_id: id(o, 'view_event_id'),
      user_id: k.userId,
      post_id: k.postId,
      view_ts: k.viewTs,
      labels: { ...(record(o, 'labels') as Record<string, number>) },
      delays_ms: { ...(record(o, 'delays_ms') as Record<string, number | null>) },
      context: null,
      version: Number(o['version']),
      emitted_at: Number(o['emitted_at']),
      weight: o['weight'] === undefined ? 1 : Number(o['weight']),
      contextKey: this.#context.map(([, read]) => String(read(o) ?? '')).join('|'),
    };
  }
}

function id(o: Record<string, unknown>, field: string): Buffer {
  const v = o[field];
  if (Buffer.isBuffer(v) && v.length === 16) return Buffer.from(v);
  const parsed = typeof v === 'string' ? uuidFromString(v) : undefined;
  if (parsed === undefined) throw new FieldProblem(v === undefined ? 'RECORD_MISSING_FIELD' : 'RECORD_WRONG_TYPE', field, 'expected 16 bytes or a UUID string');
  return parsed;
}

function record(o: Record<string, unknown>, field: string): object {
  const v = o[field];
  if (typeof v !== 'object' || v === null) throw new FieldProblem('RECORD_MISSING_FIELD', field, 'expected a record');
  return v;
}
