/**
 * The part of a sample a comparison looks at, whatever the side it came from
 * (a topic, an Avro or NDJSON file, the simulator's truth, an offline re-join),
 * and its fixed-size byte layout in the spill files (src/validate/spill.ts).
 *
 * Byte layout of one spilled record (COMPARABLE_BYTES = 76, little-endian):
 *   offset 0   16 bytes  view event id (the sample's identity: one sample per view)
 *   offset 16  16 bytes  sample id (repeats of one sample have the same id)
 *   offset 32   8 bytes  view time, int64 ms since the epoch
 *   offset 40   8 bytes  user id, int64
 *   offset 48   8 bytes  post id, int64
 *   offset 56   4 bytes  version, uint32 (0 first; a late-policy correction is +1)
 *   offset 60   4 bytes  labels bitmask, bit i = label of labelTypes[i]
 *   offset 64   4 bytes  absent bitmask, bit i = the side has no label field for labelTypes[i]
 *   offset 68   8 bytes  weight, float64 (1 when the side has no weight field; 1/F for a kept
 *                        negative under negative downsampling)
 */
import { FieldProblem } from '../codec/errors.js';
import type { SampleKeys } from '../codec/declared/sample-keys.js';
import { uuidFromString } from '../codec/events.js';

export const COMPARABLE_BYTES = 76;

export interface Comparable {
  readonly viewId: Buffer;
  readonly sampleId: Buffer;
  readonly viewTs: number;
  readonly userId: number;
  readonly postId: number;
  readonly version: number;
  readonly labels: number;
  readonly absent: number;
  readonly weight: number;
}

export function writeComparable(c: Comparable, out: Buffer, at: number): void {
  c.viewId.copy(out, at, 0, 16);
  c.sampleId.copy(out, at + 16, 0, 16);
  out.writeBigInt64LE(BigInt(c.viewTs), at + 32);
  out.writeBigInt64LE(BigInt(c.userId), at + 40);
  out.writeBigInt64LE(BigInt(c.postId), at + 48);
  out.writeUInt32LE(c.version >>> 0, at + 56);
  out.writeUInt32LE(c.labels >>> 0, at + 60);
  out.writeUInt32LE(c.absent >>> 0, at + 64);
  out.writeDoubleLE(c.weight, at + 68);
}

export function readComparable(buf: Buffer, at: number): Comparable {
  return {
    viewId: buf.subarray(at, at + 16),
    sampleId: buf.subarray(at + 16, at + 32),
    viewTs: Number(buf.readBigInt64LE(at + 32)),
    userId: Number(buf.readBigInt64LE(at + 40)),
    postId: Number(buf.readBigInt64LE(at + 48)),
    version: buf.readUInt32LE(at + 56),
    labels: buf.readUInt32LE(at + 60),
    absent: buf.readUInt32LE(at + 64),
    weight: buf.readDoubleLE(at + 68),
  };
}

/**
 * A decoded sample of any schema (an Avro generic record or a parsed JSON
 * object) as a Comparable. Throws FieldProblem naming the field that is
 * missing or of the wrong type. Label fields missing from the record are
 * marked absent, not an error: a schema without one is reported by the schema
 * comparison, and every comparison of that label disagrees.
 */
export function comparableFromObject(o: Record<string, unknown>, labelTypes: readonly string[], keys: ((o: Record<string, unknown>) => SampleKeys) | undefined = undefined): Comparable {
  const labelsField = o['labels'];
  if (labelsField === null || typeof labelsField !== 'object') throw new FieldProblem(labelsField === undefined ? 'RECORD_MISSING_FIELD' : 'RECORD_WRONG_TYPE', 'labels', 'expected a record of 0/1 labels');
  const labelValues = labelsField as Record<string, unknown>;
  let labels = 0;
  let absent = 0;
  labelTypes.forEach((t, i) => {
    const v = labelValues[t];
    if (v === undefined) absent |= 1 << i;
    else if (v === 1) labels |= 1 << i;
    else if (v !== 0) throw new FieldProblem('RECORD_WRONG_TYPE', `labels.${t}`, `expected 0 or 1, got ${JSON.stringify(v)}`);
  });
  const version = o['version'] === undefined ? 0 : integer(o, 'version');
  if (version < 0) throw new FieldProblem('RECORD_WRONG_TYPE', 'version', `expected a version >= 0, got ${version}`);
  const k = keys === undefined ? { viewTs: integer(o, 'view_ts'), userId: integer(o, 'user_id'), postId: integer(o, 'post_id') } : keys(o);
  return {
    viewId: uuid(o, 'view_event_id'),
    sampleId: uuid(o, 'sample_id'),
    ...k,
    version,
    labels,
    absent,
    weight: weightOf(o),
  };
}

function weightOf(o: Record<string, unknown>): number {
  const v = o['weight'];
  if (v === undefined || v === null) return 1; // a sample written before the field
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  throw new FieldProblem('RECORD_WRONG_TYPE', 'weight', `expected a positive number, got ${JSON.stringify(v)}`);
}

function uuid(o: Record<string, unknown>, field: string): Buffer {
  const v = o[field];
  if (v === undefined || v === null) throw new FieldProblem('RECORD_MISSING_FIELD', field, 'required');
  if (Buffer.isBuffer(v) && v.length === 16) return v;
  if (typeof v === 'string') {
    const id = uuidFromString(v);
    if (id !== undefined) return id;
  }
  throw new FieldProblem('RECORD_WRONG_TYPE', field, 'expected a UUID (16 bytes or its text form)');
}

function integer(o: Record<string, unknown>, field: string): number {
  const v = o[field];
  if (v === undefined || v === null) throw new FieldProblem('RECORD_MISSING_FIELD', field, 'required');
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  if (v instanceof Date) return v.getTime();
  throw new FieldProblem('RECORD_WRONG_TYPE', field, `expected an integer, got ${JSON.stringify(v)}`);
}
