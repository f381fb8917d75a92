/**
 * Field paths of a declaration ("user.id") checked against a record schema
 * and read from decoded records. A path is field names joined by dots; each
 * step but the last goes into a record (or a union of null and a record).
 *
 * Two paths name the Kafka record around the value instead of a field in it:
 *   @key        the record key as UTF-8 text (user only)
 *   @timestamp  the record timestamp, ms since epoch (time only)
 * A sample keeps what they read in its own fields (./sample-schema.ts:
 * record_key, record_timestamp), so readers of samples find them there.
 */
import type avro from 'avsc';
import { RECORD_KEY, RECORD_TIMESTAMP } from '../../config/inputs.js';
import { FieldProblem } from '../errors.js';

/** What a record path reads besides the value: the Kafka record's key and timestamp. */
export interface RecordMeta {
  readonly key: Buffer | null;
  readonly timestamp: bigint;
}

/** Whether a declared path names the Kafka record (key, timestamp) rather than a field of the value. */
export function isRecordPath(path: string | undefined): path is typeof RECORD_KEY | typeof RECORD_TIMESTAMP {
  return path === RECORD_KEY || path === RECORD_TIMESTAMP;
}

/** What a mapped field may hold, by its role in the join. */
export const ROLE_TYPES = {
  key: ['int', 'long', 'string'],
  time: ['int', 'long', 'float', 'double', 'string'],
  id: ['string', 'bytes', 'fixed', 'int', 'long'],
  type: ['string', 'enum'],
} as const satisfies Record<string, readonly string[]>;
export type FieldRole = keyof typeof ROLE_TYPES;

/** A path that does not fit the schema: which step, and why. */
export class PathMismatch extends Error {}

/** Checks that `path` names a field of `type` whose type fits `role`; throws PathMismatch saying what does not. */
export function checkPath(type: avro.Type, path: string, role: FieldRole): void {
  let current: avro.Type = type;
  const steps = path.split('.');
  for (let i = 0; i < steps.length; i++) {
    const record = recordOf(current);
    const where = i === 0 ? `record ${type.name ?? '(anonymous)'}` : `${steps.slice(0, i).join('.')} (record ${record?.name ?? current.typeName})`;
    if (record === undefined) throw new PathMismatch(`${steps.slice(0, i).join('.')} is a ${current.typeName}, not a record`);
    const field = record.fields.find((f) => f.name === steps[i]);
    if (field === undefined) throw new PathMismatch(`${where} has no field "${steps[i]}" (it has ${record.fields.map((f) => f.name).join(', ')})`);
    current = field.type;
  }
  const allowed: readonly string[] = ROLE_TYPES[role];
  const leaves = leafTypes(current);
  if (!leaves.some((t) => allowed.includes(t))) throw new PathMismatch(`${path} is ${leaves.join(' | ')}; expected ${allowed.join(' or ')}`);
}

function recordOf(type: avro.Type): avro.types.RecordType | undefined {
  if (type.typeName === 'record' || type.typeName === 'error') return type as avro.types.RecordType;
  if (type.typeName.startsWith('union')) {
    const records = unionMembers(type).filter((t) => t.typeName === 'record');
    if (records.length === 1) return records[0] as avro.types.RecordType;
  }
  return undefined;
}

function leafTypes(type: avro.Type): string[] {
  // Our bigint long (./avro-types.ts) is an "abstract:long".
  const name = type.typeName.startsWith('logical:') ? underlying(type) : type.typeName.startsWith('abstract:') ? type.typeName.slice('abstract:'.length) : type.typeName;
  if (name.startsWith('union')) return unionMembers(type).flatMap(leafTypes).filter((t) => t !== 'null');
  return [name];
}

function unionMembers(type: avro.Type): avro.Type[] {
  return (type as avro.types.UnwrappedUnionType | avro.types.WrappedUnionType).types;
}

function underlying(type: avro.Type): string {
  return (type as avro.types.LogicalType).underlyingType.typeName.replace(/^abstract:/, '');
}

/** A compiled path: reads its field from a decoded record (avsc object or parsed JSON), or from the Kafka record (meta). */
export type PathReader = (record: unknown, meta?: RecordMeta) => unknown;

export function pathReader(path: string): PathReader {
  if (path === RECORD_KEY) return (_record, meta) => (meta?.key === null || meta?.key === undefined ? undefined : meta.key.toString('utf8'));
  if (path === RECORD_TIMESTAMP) return (_record, meta) => (meta === undefined ? undefined : Number(meta.timestamp));
  const steps = path.split('.');
  if (steps.length === 1) {
    const name = steps[0]!;
    return (record) => (record as Record<string, unknown>)[name];
  }
  return (record) => {
    let value: unknown = record;
    for (const step of steps) {
      if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return undefined;
      value = (value as Record<string, unknown>)[step];
    }
    return value;
  };
}

/** A path's value, which must be present. */
export function required(read: PathReader, record: unknown, path: string, meta?: RecordMeta): unknown {
  const value = read(record, meta);
  if (value === undefined || value === null) throw new FieldProblem('RECORD_MISSING_FIELD', path, 'no value');
  return value;
}
