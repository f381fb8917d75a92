/**
 * Views and engagements of a user's own shape (a declaration, src/config/inputs.ts)
 * decoded into what the join keys on, and samples that carry the view through.
 *
 * Decoding reads the declared fields (./record-path.ts) and derives the join's
 * ids and keys (./ids.ts); a declared view keeps its record, and its sample is
 *
 *   header | the view's body, as it came | the added fields (./sample-schema.ts)
 *
 * header: the Schema Registry framing (./framing.ts) with the id of the derived
 * sample schema, registered under "<samples topic>-value", when a registry is
 * configured; else the single-object header (../framing.ts) with the derived
 * schema's fingerprint. JSON views give JSON samples: the view object with the
 * added fields (ids as UUID strings).
 *
 * Each writer schema of the views derives its own sample schema, registered
 * the first time a view of it is read: a producer's new view schema version
 * gives a new sample schema version, and no record waits for a restart.
 */
import type avro from 'avsc';
import type { CommonFields, EngagementDeclaration, ViewDeclaration } from '../../config/inputs.js';
import { LabeljoinError } from '../../errors.js';
import { MappingError } from './errors.js';
import { BadRecordError, FieldProblem, type RecordOrigin } from '../errors.js';
import type { EngagementEvent, ViewEvent } from '../events.js';
import { uuidToString } from '../events.js';
import { schemaFingerprint } from '../fingerprint.js';
import { frameHeader, HEADER_BYTES } from '../framing.js';
import { avroType, type AvroSchema } from '../schemas.js';
import { checkEngagementType, parseJsonObject } from '../validate.js';
import { contentId, entityKey, eventIdBytes, timeMs } from './ids.js';
import { confluentHeader } from '../confluent-framing.js';
import { checkPath, isRecordPath, PathMismatch, pathReader, required, type FieldRole, type PathReader, type RecordMeta } from './record-path.js';
import { CARRIED_KEY_FIELD, CARRIED_TIMESTAMP_FIELD, carriedBy, carriedType, derivedSampleSchema, projectedView, tailType, type Carried, type SampleTail } from './sample-schema.js';
import { WriterTable, type SchemaLookup, type Writer } from './writers.js';

export { MappingError };

export interface DeclaredTopics {
  readonly views: string;
  /** One or more engagement topics, each with its declaration (./../../config/inputs.ts). */
  readonly engagements: readonly string[];
  readonly samples: string;
}

/** A declared engagement topic: its source, and how a record's label type is found. */
interface EngagementSource {
  readonly source: Source<EngagementDeclaration['fields']>;
  /** The record's type field; undefined: every record has the type `carries`. */
  readonly typeReader: PathReader | undefined;
  readonly carries: string | undefined;
  readonly types: Readonly<Record<string, string>> | undefined;
  readonly viewIdReader: PathReader | undefined;
}

interface Readers {
  readonly user: PathReader;
  readonly item: PathReader;
  readonly time: PathReader;
  readonly eventId: PathReader | undefined;
}

/** A declared source: its writers and the readers of its mapped fields. */
class Source<F extends CommonFields> {
  readonly writers: WriterTable;
  readonly readers: Readers;
  constructor(
    readonly topic: string,
    readonly declaration: { readonly format: ViewDeclaration['format']; readonly schemaFile: string | undefined; readonly fields: F },
    readonly roles: ReadonlyArray<[string | undefined, FieldRole]>,
    lookup: SchemaLookup | undefined,
  ) {
    const f = declaration.fields;
    this.readers = { user: pathReader(f.user), item: pathReader(f.item), time: pathReader(f.time), eventId: f.eventId === undefined ? undefined : pathReader(f.eventId) };
    this.writers = new WriterTable(topic, declaration.format, declaration.schemaFile, (schema, type) => mismatch(type, roles, schema), lookup);
  }

  /** The record decoded by its writer (or as JSON), with where its body starts; throws FieldProblem. */
  read(value: Buffer | null): { record: unknown; body: Buffer; writer: Writer | undefined; bodyStart: number } {
    if (value === null || value.length === 0) throw new FieldProblem('RECORD_UNDECODABLE', undefined, 'empty record value');
    const { writer, bodyStart } = this.writers.framed(value);
    const body = value.subarray(bodyStart);
    if (writer === undefined) return { record: parseJsonObject(value), body, writer, bodyStart };
    if (writer.problem !== undefined) {
      if (writer.unreadable === true) throw new FieldProblem('RECORD_UNDECODABLE', undefined, writer.problem);
      throw new FieldProblem('RECORD_MISSING_FIELD', undefined, `its writer schema does not fit the declaration of ${this.topic}: ${writer.problem}`);
    }
    let record: unknown;
    try {
      record = writer.type.fromBuffer(body);
    } catch (error) {
      throw new FieldProblem('RECORD_UNDECODABLE', undefined, `Avro body does not decode: ${(error as Error).message}`);
    }
    return { record, body, writer, bodyStart };
  }

  common(record: unknown, body: Buffer, meta: RecordMeta): { id: Buffer; user: number; item: number; ts: number; userValue: unknown } {
    const f = this.declaration.fields;
    const r = this.readers;
    const userValue = required(r.user, record, f.user, meta);
    return {
      id: r.eventId === undefined ? contentId(body) : eventIdBytes(required(r.eventId, record, f.eventId!), f.eventId!),
      user: entityKey(userValue, f.user),
      item: entityKey(required(r.item, record, f.item), f.item),
      ts: timeMs(required(r.time, record, f.time, meta), f.timeUnit, f.time),
      userValue,
    };
  }
}

interface SampleWriter {
  readonly header: Buffer;
  readonly schema: AvroSchema;
  /** With declared passFields: the view's writer type and the type of the fields kept (the body is re-encoded). */
  readonly projection: { readonly view: avro.Type; readonly kept: avro.Type } | undefined;
}

export interface DeclaredInputsOptions {
  readonly views: ViewDeclaration | undefined;
  /** One for every engagement topic, or one per topic (in their order). */
  readonly engagements: EngagementDeclaration | readonly EngagementDeclaration[] | undefined;
  readonly labelTypes: readonly string[];
  readonly topics: DeclaredTopics;
  readonly lookup: SchemaLookup | undefined;
  /** false: only decoding (an offline re-join); no sample schemas are derived or registered. Default true. */
  readonly writesSamples?: boolean;
}

export class DeclaredInputs {
  readonly views: Source<CommonFields> | undefined;
  /** By topic: the declared engagement topics (none: the engagements are labeljoin's own). */
  readonly #engagements = new Map<string, EngagementSource>();
  readonly #o: DeclaredInputsOptions;
  readonly #allowedTypes: ReadonlySet<string>;
  readonly #tail: avro.Type;
  /** What the views' samples carry of their Kafka record ("@key", "@timestamp"), and its encoder. */
  readonly #carried: Carried;
  readonly #carriedType: avro.Type | undefined;
  /** View writer key -> how its samples are written. */
  readonly #samples = new Map<string, SampleWriter>();
  /** View writer key -> why no sample schema could be made for it. */
  readonly #sampleProblems = new Map<string, string>();

  constructor(o: DeclaredInputsOptions) {
    this.#o = o;
    const lookup = o.lookup;
    if (o.views !== undefined) this.views = new Source(o.topics.views, o.views, commonRoles(o.views.fields), lookup);
    this.#allowedTypes = new Set(o.labelTypes);
    const topics = o.topics.engagements;
    const declarations = declarationList(o.engagements);
    if (declarations.length > 1 && declarations.length !== topics.length) {
      throw new MappingError(`inputs.engagements declares ${declarations.length} topics, but there are ${topics.length} engagement topics (${topics.join(', ')}): give one declaration for all, or one per topic`);
    }
    if (declarations.length > 0) {
      topics.forEach((topic, i) => {
        const e = declarations[declarations.length === 1 ? 0 : i]!;
        const where = topics.length > 1 ? ` (${topic})` : '';
        for (const [from, to] of Object.entries(e.types ?? {})) {
          if (!this.#allowedTypes.has(to)) throw new MappingError(`engagement types${where}: "${from}" is mapped to "${to}", which is not a label type (${o.labelTypes.join(', ')})`);
        }
        if (e.carries !== undefined && !this.#allowedTypes.has(e.carries)) throw new MappingError(`carries${where}: "${e.carries}" is not a label type (${o.labelTypes.join(', ')})`);
        this.#engagements.set(topic, {
          source: new Source(topic, e, [...commonRoles(e.fields), [e.fields.type, 'type'], [e.fields.viewId, 'id']], lookup),
          typeReader: e.fields.type === undefined ? undefined : pathReader(e.fields.type),
          carries: e.carries,
          types: e.types,
          viewIdReader: e.fields.viewId === undefined ? undefined : pathReader(e.fields.viewId),
        });
      });
    }
    this.#tail = tailType(o.labelTypes);
    this.#carried = o.views === undefined ? { key: false, timestamp: false } : carriedBy(o.views.fields);
    this.#carriedType = carriedType(this.#carried);
  }

  /**
   * Start-up: the declared fields checked against the schemas known now (the
   * schema file, or the latest schema of "<topic>-value" in the registry); a
   * field the schema lacks, or of a type that cannot serve, is a MappingError.
   */
  async check(): Promise<void> {
    for (const source of this.#sources()) {
      const known: Writer[] = source.writers.writers();
      if (source.writers.format === 'avro-confluent') {
        const latest = await this.#o.lookup!.latest(`${source.topic}-value`);
        if (latest !== undefined) known.push(source.writers.addRegistered(latest.id, latest.schema));
      }
      for (const w of known) {
        if (w.problem !== undefined) throw new MappingError(`the declaration of ${source.topic} does not fit its schema ${String(w.schema['name'])} (${describeWriter(w)}): ${w.problem}`);
        if (source === this.views && this.#o.writesSamples !== false) {
          try {
            await this.#sampleWriter(w);
          } catch (error) {
            if (error instanceof LabeljoinError) throw error;
            throw new MappingError(`no sample schema can be derived from the views' schema ${String(w.schema['name'])} (${describeWriter(w)}): ${(error as Error).message}`);
          }
        }
      }
    }
  }

  /**
   * Reads every schema registered under "<topic>-value" of the registry-framed inputs, for a reader that
   * decodes record by record without looking up (the offline re-join).
   */
  async preload(): Promise<void> {
    for (const source of this.#sources()) {
      if (source.writers.format !== 'avro-confluent') continue;
      for (const { id, schema } of await this.#o.lookup!.subjectSchemas(`${source.topic}-value`)) source.writers.addRegistered(id, schema);
    }
  }

  /** Looks up the schemas these view records name (and registers their sample schemas). */
  async prepareViews(values: ReadonlyArray<Buffer | null>): Promise<void> {
    if (this.views === undefined) return;
    await this.views.writers.prepare(values);
    if (this.#o.writesSamples === false) return;
    // Every writer still without a sample schema (not only those just looked up): one whose derivation or
    // registration failed on a registry that did not answer is tried again on the next batch.
    for (const w of this.views.writers.writers()) {
      if (w.problem !== undefined || this.#samples.has(w.key) || this.#sampleProblems.has(w.key)) continue;
      await this.#sampleWriter(w).catch((error: unknown) => this.#sampleProblem(w, error));
    }
  }

  /** Whether the engagements are declared (else they are labeljoin's own). */
  get declaresEngagements(): boolean {
    return this.#engagements.size > 0;
  }

  async prepareEngagements(topic: string, values: ReadonlyArray<Buffer | null>): Promise<void> {
    await this.#engagements.get(topic)?.source.writers.prepare(values);
  }

  #sources(): Array<Source<CommonFields>> {
    return [...(this.views === undefined ? [] : [this.views]), ...[...this.#engagements.values()].map((e) => e.source)];
  }

  /** A view of the declared shape; `meta`: its Kafka record's key and timestamp. */
  decodeView(value: Buffer | null, meta: RecordMeta, origin: RecordOrigin): ViewEvent {
    const source = this.views!;
    const key = meta.key;
    return withOrigin(origin, () => {
      const { record, body, writer, bodyStart } = source.read(value);
      if (writer !== undefined && this.#o.writesSamples !== false && !this.#samples.has(writer.key)) throw new FieldProblem('RECORD_UNDECODABLE', undefined, this.#sampleProblems.get(writer.key) ?? 'no sample schema for its writer schema');
      const c = source.common(record, body, meta);
      return {
        event_id: c.id,
        user_id: c.user,
        post_id: c.item,
        ts: c.ts,
        context: null,
        passed: { value: value!, bodyStart, writer: writer?.key ?? 'json', sampleKey: key ?? Buffer.from(String(c.userValue), 'utf8'), timestamp: meta.timestamp },
      };
    });
  }

  /** An engagement of the declared topic the record comes from (origin.topic); `meta`: its Kafka record's key and timestamp. */
  decodeEngagement(value: Buffer | null, meta: RecordMeta, origin: RecordOrigin): EngagementEvent {
    const e = this.#engagements.get(origin.topic);
    if (e === undefined) throw new RangeError(`no engagement declaration for topic ${origin.topic}`);
    const source = e.source;
    const fields = source.declaration.fields;
    return withOrigin(origin, () => {
      const { record, body } = source.read(value);
      const c = source.common(record, body, meta);
      let type: string;
      if (e.typeReader === undefined) type = e.carries!;
      else {
        const raw = required(e.typeReader, record, fields.type!);
        if (typeof raw !== 'string') throw new FieldProblem('RECORD_WRONG_TYPE', fields.type, `expected a string or enum, got ${typeof raw}`);
        type = e.types?.[raw] ?? raw;
        checkType(type, raw, fields.type!, this.#allowedTypes);
      }
      const viewRef = e.viewIdReader?.(record);
      return {
        event_id: c.id,
        user_id: c.user,
        post_id: c.item,
        type,
        ts: c.ts,
        view_id: viewRef === undefined || viewRef === null ? null : eventIdBytes(viewRef, fields.viewId!),
      };
    });
  }

  /** The sample of a declared view: its Kafka key and value. */
  sample(view: ViewEvent, sample: SampleTail): { key: Buffer; value: Buffer } {
    const passed = view.passed!;
    // Only the fields the sample adds (the caller may pass a whole SampleRecord: its user_id, context... are not the view's).
    const tail: SampleTail = { sample_id: sample.sample_id, view_event_id: sample.view_event_id, labels: sample.labels, delays_ms: sample.delays_ms, version: sample.version, emitted_at: sample.emitted_at, weight: sample.weight };
    const carried = this.#carriedValues(view);
    if (passed.writer === 'json') {
      const o = this.#keep(parseJsonObject(passed.value));
      const value = { ...o, ...carried, ...tail, sample_id: uuidToString(tail.sample_id), view_event_id: uuidToString(tail.view_event_id) };
      return { key: passed.sampleKey, value: Buffer.from(JSON.stringify(value)) };
    }
    const writer = this.#samples.get(passed.writer)!;
    const end = this.#tail.toBuffer(tail);
    const viewBody = passed.value.subarray(passed.bodyStart);
    const p = writer.projection;
    const body = p === undefined ? viewBody : p.kept.toBuffer(p.view.fromBuffer(viewBody));
    const middle = this.#carriedType === undefined ? EMPTY : this.#carriedType.toBuffer(carried);
    return { key: passed.sampleKey, value: Buffer.concat([writer.header, body, middle, end], writer.header.length + body.length + middle.length + end.length) };
  }

  /** The record_key and record_timestamp a view's sample carries (./sample-schema.ts); {} when the view's body has user and time. */
  #carriedValues(view: ViewEvent): Record<string, string | number> {
    const out: Record<string, string | number> = {};
    if (this.#carried.key) out[CARRIED_KEY_FIELD] = view.passed!.sampleKey.toString('utf8');
    if (this.#carried.timestamp) out[CARRIED_TIMESTAMP_FIELD] = view.ts;
    return out;
  }

  /** The derived sample schema of a view writer (registered when a registry is configured). */
  async #sampleWriter(w: Writer): Promise<SampleWriter> {
    const known = this.#samples.get(w.key);
    if (known !== undefined) return known;
    const projected = projectedView(w.schema, w.type, this.#o.views?.passFields);
    const projection = projected.kept === undefined ? undefined : { view: w.type, kept: projected.kept };
    const schema = derivedSampleSchema(projected.schema, this.#o.labelTypes, this.#carried);
    const lookup = this.#o.lookup;
    const header =
      lookup === undefined
        ? frameHeader(schemaFingerprint(avroType(schema)), Buffer.allocUnsafe(HEADER_BYTES))
        : confluentHeader(await lookup.register(`${this.#o.topics.samples}-value`, JSON.stringify(schema)));
    const writer = { header, schema, projection };
    this.#samples.set(w.key, writer);
    return writer;
  }

  /** A JSON view's object with only the declared passFields (all without). */
  #keep(o: Record<string, unknown>): Record<string, unknown> {
    const keep = this.#o.views?.passFields;
    return keep === undefined ? o : Object.fromEntries(Object.entries(o).filter(([k]) => keep.includes(k)));
  }

  /** A view writer whose sample schema cannot be derived (a field the sample adds, a passField it lacks): its views are bad records. */
  #sampleProblem(w: Writer, error: unknown): void {
    // The registry not answering, refusing the credentials or the schema: the command stops with that error
    // (nothing is skipped; a restart tries again). Only a schema that cannot be derived makes its views bad records.
    if (error instanceof LabeljoinError) throw error;
    this.#sampleProblems.set(w.key, `no sample schema for its writer schema: ${(error as Error).message}`);
  }

  /** The sample schemas derived so far, by view writer. */
  sampleSchemas(): AvroSchema[] {
    return [...this.#samples.values()].map((s) => s.schema);
  }
}

const EMPTY = Buffer.alloc(0);

function declarationList(d: EngagementDeclaration | readonly EngagementDeclaration[] | undefined): readonly EngagementDeclaration[] {
  if (d === undefined) return [];
  return isList(d) ? d : [d];
}

function isList(d: EngagementDeclaration | readonly EngagementDeclaration[]): d is readonly EngagementDeclaration[] {
  return Array.isArray(d);
}

function commonRoles(f: CommonFields): Array<[string | undefined, FieldRole]> {
  return [
    [f.user, 'key'],
    [f.item, 'key'],
    [f.time, 'time'],
    [f.eventId, 'id'],
  ];
}

function mismatch(type: avro.Type, roles: ReadonlyArray<[string | undefined, FieldRole]>, schema: AvroSchema): string | undefined {
  if (schema['type'] !== 'record') return 'the schema is not a record';
  for (const [path, role] of roles) {
    if (path === undefined || isRecordPath(path)) continue;
    try {
      checkPath(type, path, role);
    } catch (error) {
      if (error instanceof PathMismatch) return `field ${path}: ${error.message}`;
      throw error;
    }
  }
  return undefined;
}

function describeWriter(w: Writer): string {
  if (w.key.startsWith('c:')) return `registry id ${w.key.slice(2)}`;
  return 'the schema file';
}

function checkType(type: string, raw: string, field: string, allowed: ReadonlySet<string>): void {
  try {
    checkEngagementType(type, allowed);
  } catch (error) {
    if (error instanceof FieldProblem) throw new FieldProblem('RECORD_UNKNOWN_TYPE', field, `the engagement type (a string of ${raw.length} characters) is not a label type nor mapped to one`);
    throw error;
  }
}

function withOrigin<T>(origin: RecordOrigin, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof FieldProblem) throw new BadRecordError(error.code, origin, error.reason, error.field);
    throw error;
  }
}
