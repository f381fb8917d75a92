/**
 * Declared inputs: what the views and engagements topics hold when they are a
 * user's own events, not labeljoin's (docs/inputs.md). A declaration names the
 * record format and where, in each record, the join finds what it needs:
 *
 *   {
 *     "format": "avro-confluent" | "avro-single-object" | "avro" | "json" | "labeljoin",
 *     "schemaFile": "view.avsc",          writer schema (avro, avro-single-object)
 *     "fields": {
 *       "user": "user.id",                a path: field names joined by dots; "@key": the record key (UTF-8 text)
 *       "item": "item_id",
 *       "time": "ts", "timeUnit": "ms" | "s" | "iso",   "@timestamp": the record timestamp (ms)
 *       "eventId": "id",                  optional: absent, the record's content is hashed
 *       "type": "kind",                   engagements only (or "carries" below)
 *       "viewId": "impression_id"         engagements only, optional
 *     },
 *     "types": { "LIKE": "like", ... }     engagements only, optional: type value -> label type
 *     "carries": "like",                  engagements only, instead of fields.type: the label type
 *                                         of every record of the topic (a topic per signal)
 *     "passFields": ["impression_id", ...] views only, optional: the view fields the sample carries
 *                                         (default: all; the fields of user, item, time and eventId must be among them)
 *   }
 *
 * "labeljoin" (the default) is labeljoin's own schemas (schemas/*.avsc) with
 * the codec.*Format settings; it takes no fields. With several engagement
 * topics, inputs.engagements is one declaration for all of them or an array of
 * declarations, one per topic in the order of topics.engagements.
 */
import { ValueError } from './parse.js';

export const DECLARED_FORMATS = ['labeljoin', 'avro-confluent', 'avro-single-object', 'avro', 'json'] as const;
export type DeclaredFormat = (typeof DECLARED_FORMATS)[number];
export const TIME_UNITS = ['ms', 's', 'iso'] as const;
/** Paths that name the Kafka record around the value: its key (UTF-8 text; fields.user only) and its timestamp (ms; fields.time only). */
export const RECORD_KEY = '@key';
export const RECORD_TIMESTAMP = '@timestamp';
export type TimeUnit = (typeof TIME_UNITS)[number];

export interface CommonFields {
  readonly user: string;
  readonly item: string;
  readonly time: string;
  readonly timeUnit: TimeUnit;
  readonly eventId: string | undefined;
}

export interface EngagementFields extends CommonFields {
  /** undefined: the declaration's `carries` gives the type. */
  readonly type: string | undefined;
  readonly viewId: string | undefined;
}

interface DeclarationBase {
  readonly format: Exclude<DeclaredFormat, 'labeljoin'>;
  readonly schemaFile: string | undefined;
}

export interface ViewDeclaration extends DeclarationBase {
  readonly fields: CommonFields;
  /** Top-level view fields the sample carries, in the view's order; undefined: every field. */
  readonly passFields: readonly string[] | undefined;
}

export interface EngagementDeclaration extends DeclarationBase {
  readonly fields: EngagementFields;
  /** Type value as the record has it -> label type; undefined: the value is the label type. */
  readonly types: Readonly<Record<string, string>> | undefined;
  /** The label type of every record (the record has no type field); undefined: fields.type gives it. */
  readonly carries: string | undefined;
}

/** 'labeljoin': our own schemas. */
export type ViewInput = 'labeljoin' | ViewDeclaration;
/** An array: one declaration per engagement topic. */
export type EngagementInput = 'labeljoin' | EngagementDeclaration | readonly EngagementDeclaration[];

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function parseViewInput(raw: unknown): ViewInput {
  const o = declarationObject(raw);
  if (o === 'labeljoin') return o;
  const known = new Set(['format', 'schemaFile', 'fields', 'passFields']);
  unknownKeys(o, known, '');
  const fieldsObject = objectAt(o, 'fields');
  unknownKeys(fieldsObject, new Set(['user', 'item', 'time', 'timeUnit', 'eventId']), 'fields.');
  const declared = base(o);
  const fields = commonFields(fieldsObject);
  return { ...declared, fields, passFields: passFields(o['passFields'], fields) };
}

export function parseEngagementInput(raw: unknown): EngagementInput {
  let value = raw;
  if (typeof raw === 'string' && raw.trim().startsWith('[')) {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ValueError('expected a JSON array of declarations, one per engagements topic');
    }
  }
  if (Array.isArray(value)) {
    if (value.length === 0) throw new ValueError('expected at least one declaration in the array');
    return value.map((d, i) => {
      try {
        const one = parseOneEngagementInput(d);
        if (one === 'labeljoin') throw new ValueError('"labeljoin" cannot be mixed with declarations');
        return one;
      } catch (error) {
        if (error instanceof ValueError) throw new ValueError(`[${i}]: ${error.message}`);
        throw error;
      }
    });
  }
  return parseOneEngagementInput(value);
}

function parseOneEngagementInput(raw: unknown): 'labeljoin' | EngagementDeclaration {
  const o = declarationObject(raw);
  if (o === 'labeljoin') return o;
  unknownKeys(o, new Set(['format', 'schemaFile', 'fields', 'types', 'carries']), '');
  const fieldsObject = objectAt(o, 'fields');
  unknownKeys(fieldsObject, new Set(['user', 'item', 'time', 'timeUnit', 'eventId', 'type', 'viewId']), 'fields.');
  const carries = o['carries'];
  if (carries !== undefined && (typeof carries !== 'string' || carries === '')) throw new ValueError('carries: expected a label type name');
  if (carries === undefined && fieldsObject['type'] === undefined) throw new ValueError('fields.type: missing (or "carries": the label type of every record of the topic)');
  if (carries !== undefined && fieldsObject['type'] !== undefined) throw new ValueError('give fields.type (the record\'s type field) or carries (the type of every record of the topic), not both');
  const fields: EngagementFields = { ...commonFields(fieldsObject), type: carries === undefined ? path(fieldsObject, 'type') : undefined, viewId: optionalPath(fieldsObject, 'viewId') };
  let types: Record<string, string> | undefined;
  if (o['types'] !== undefined) {
    const t = o['types'];
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new ValueError('types: expected an object of type value -> label type');
    types = {};
    for (const [from, to] of Object.entries(t)) {
      if (typeof to !== 'string' || to === '') throw new ValueError(`types.${from}: expected a label type name`);
      types[from] = to;
    }
  }
  return { ...base(o), fields, types, carries };
}

function declarationObject(raw: unknown): Record<string, unknown> | 'labeljoin' {
  let value = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === 'labeljoin') return 'labeljoin';
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ValueError('expected "labeljoin" or a JSON object declaring format and fields');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValueError('expected "labeljoin" or an object declaring format and fields');
  const o = value as Record<string, unknown>;
  if (o['format'] === 'labeljoin') {
    if (Object.keys(o).length > 1) throw new ValueError('format "labeljoin" (our own schemas) takes no other keys');
    return 'labeljoin';
  }
  return o;
}

function base(o: Record<string, unknown>): DeclarationBase {
  const format = o['format'];
  if (typeof format !== 'string' || !(DECLARED_FORMATS as readonly string[]).includes(format)) {
    throw new ValueError(`format: expected one of ${DECLARED_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  const schemaFile = o['schemaFile'];
  if (schemaFile !== undefined && (typeof schemaFile !== 'string' || schemaFile === '')) throw new ValueError('schemaFile: expected a file path');
  if ((format === 'avro' || format === 'avro-single-object') && schemaFile === undefined) {
    throw new ValueError(`format ${format} needs schemaFile (the writer schema, an .avsc file)`);
  }
  return { format: format as DeclarationBase['format'], schemaFile };
}

function passFields(raw: unknown, fields: CommonFields): string[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every((f): f is string => typeof f === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(f))) {
    throw new ValueError('passFields: expected a non-empty list of top-level field names');
  }
  for (const [role, path] of Object.entries({ user: fields.user, item: fields.item, time: fields.time, eventId: fields.eventId })) {
    if (path === RECORD_KEY || path === RECORD_TIMESTAMP) continue; // the Kafka record's, not a view field
    const top = path?.split('.')[0];
    if (top !== undefined && !raw.includes(top)) throw new ValueError(`passFields: must include "${top}" (fields.${role}): readers of the samples find the view's ${role} there`);
  }
  return raw;
}

function commonFields(f: Record<string, unknown>): CommonFields {
  const unit = f['timeUnit'] ?? 'ms';
  if (typeof unit !== 'string' || !(TIME_UNITS as readonly string[]).includes(unit)) {
    throw new ValueError(`fields.timeUnit: expected one of ${TIME_UNITS.join(', ')}, got ${JSON.stringify(unit)}`);
  }
  const fields = { user: path(f, 'user', RECORD_KEY), item: path(f, 'item'), time: path(f, 'time', RECORD_TIMESTAMP), timeUnit: unit as TimeUnit, eventId: optionalPath(f, 'eventId') };
  if (fields.time === RECORD_TIMESTAMP && unit !== 'ms') throw new ValueError(`fields.timeUnit: "@timestamp" (the record timestamp) is in ms, got ${JSON.stringify(unit)}`);
  return fields;
}

/** A required path; `record`: the Kafka record path this field may name instead ("@key" for user, "@timestamp" for time). */
function path(f: Record<string, unknown>, name: string, record?: typeof RECORD_KEY | typeof RECORD_TIMESTAMP): string {
  if (record !== undefined && f[name] === record) return record;
  const p = optionalPath(f, name);
  if (p === undefined) throw new ValueError(`fields.${name}: missing (a field path such as "user.id"${record === undefined ? '' : `, or "${record}"`})`);
  return p;
}

function optionalPath(f: Record<string, unknown>, name: string): string | undefined {
  const p = f[name];
  if (p === undefined) return undefined;
  if (p === RECORD_KEY || p === RECORD_TIMESTAMP) throw new ValueError(`fields.${name}: ${p} may name only ${p === RECORD_KEY ? 'fields.user' : 'fields.time'}`);
  if (typeof p !== 'string' || !PATH.test(p)) throw new ValueError(`fields.${name}: expected a field path such as "user.id", got ${JSON.stringify(p)}`);
  return p;
}

function objectAt(o: Record<string, unknown>, name: string): Record<string, unknown> {
  const v = o[name];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValueError(`${name}: expected an object`);
  return v as Record<string, unknown>;
}

function unknownKeys(o: Record<string, unknown>, known: ReadonlySet<string>, prefix: string): void {
  for (const key of Object.keys(o)) if (!known.has(key)) throw new ValueError(`unknown key ${prefix}${key} (known: ${[...known].join(', ')})`);
}
