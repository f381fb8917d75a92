/**
 * The sample schema derived from a view schema: the view's fields, unchanged
 * and in their order, then the fields the join adds. Avro writes a record as
 * its fields' encodings one after another, so a sample's body is
 *
 *   the view's Avro body, as the producer wrote it | the tail below
 *
 * and the joiner copies the view's body instead of decoding and encoding it.
 * The tail (the added fields, in this order):
 *   sample_id      fixed(16) labeljoin.SampleId   the view's join id at version 0, else
 *                                                 derived from it and the version (sampleIdFor)
 *   view_event_id  labeljoin.SampleId             the id the join knows the view by (ids.ts)
 *   labels         record labeljoin.SampleLabels  one int (0/1) per label type
 *   delays_ms      record labeljoin.SampleDelays  per type: null or long ms from view to engagement
 *   version        int                            0, then +1 per correction
 *   emitted_at     long (timestamp-millis)        wall-clock time of emission
 *   weight         double, default 1              1, or 1 / share for a kept negative under
 *                                                 negative downsampling (--negative-share)
 * When the views declaration takes the user from the record key or the time
 * from the record timestamp (fields "@key", "@timestamp"), the view's body
 * lacks them, and the sample carries them between the view's fields and the
 * tail, so that it stands on its own:
 *   record_key        string                      the view record's key (UTF-8), when fields.user is "@key"
 *   record_timestamp  long (timestamp-millis)     the view record's timestamp, when fields.time is "@timestamp"
 * The record is named after the view record with "Sample" appended, in the
 * view's namespace, so the view's own named types keep their names.
 * A new version of the view schema derives a new sample schema the same way:
 * it is compatible with the earlier one exactly when the view schemas are.
 */
import avro from 'avsc';
import { RECORD_KEY, RECORD_TIMESTAMP, type CommonFields, type ViewDeclaration } from '../../config/inputs.js';
import type { AvroSchema } from '../schemas.js';
import { declaredType } from './avro-types.js';
import { readSchema } from './writers.js';

export const ADDED_FIELDS = ['sample_id', 'view_event_id', 'labels', 'delays_ms', 'version', 'emitted_at', 'weight'] as const;
/** The sample fields that keep what a view's "@key" and "@timestamp" read. */
export const CARRIED_KEY_FIELD = 'record_key';
export const CARRIED_TIMESTAMP_FIELD = 'record_timestamp';

/** Which parts of the Kafka record a views declaration reads, which its samples therefore carry. */
export interface Carried {
  readonly key: boolean;
  readonly timestamp: boolean;
}

export function carriedBy(fields: CommonFields): Carried {
  return { key: fields.user === RECORD_KEY, timestamp: fields.time === RECORD_TIMESTAMP };
}

/** The carried fields, as Avro field declarations (none when the view's body has user and time). */
export function carriedFields(c: Carried): AvroSchema[] {
  return [
    ...(c.key ? [{ name: CARRIED_KEY_FIELD, type: 'string', doc: 'labeljoin: the view record\'s key' }] : []),
    ...(c.timestamp ? [{ name: CARRIED_TIMESTAMP_FIELD, type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'labeljoin: the view record\'s timestamp' }] : []),
  ];
}

/** Encodes the carried fields alone; undefined when there are none. */
export function carriedType(c: Carried): avro.Type | undefined {
  const fields = carriedFields(c);
  return fields.length === 0 ? undefined : avro.Type.forSchema({ type: 'record', name: 'labeljoin.SampleCarried', fields } as avro.Schema);
}

export interface SampleTail {
  sample_id: Buffer;
  view_event_id: Buffer;
  labels: Record<string, number>;
  delays_ms: Record<string, number | null>;
  version: number;
  emitted_at: number;
  weight: number;
}

/** The added fields, as Avro field declarations. */
export function tailFields(labelTypes: readonly string[]): AvroSchema[] {
  return [
    { name: 'sample_id', type: { type: 'fixed', name: 'labeljoin.SampleId', size: 16 }, doc: 'labeljoin: the sample id; repeats of one sample share it' },
    { name: 'view_event_id', type: 'labeljoin.SampleId', doc: 'labeljoin: the id the join knows the view by' },
    { name: 'labels', type: { type: 'record', name: 'labeljoin.SampleLabels', fields: labelTypes.map((t) => ({ name: t, type: 'int' })) }, doc: 'labeljoin: 1 when an engagement of the type labels the view' },
    {
      name: 'delays_ms',
      type: { type: 'record', name: 'labeljoin.SampleDelays', fields: labelTypes.map((t) => ({ name: t, type: ['null', 'long'], default: null })) },
      doc: 'labeljoin: ms from the view to the earliest labelling engagement, per type',
    },
    { name: 'version', type: 'int', doc: 'labeljoin: 0, then one more per label correction; keep the newest' },
    { name: 'emitted_at', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'labeljoin: when the joiner emitted it (wall clock)' },
    { name: 'weight', type: 'double', default: 1, doc: 'labeljoin: importance weight, 1 / share for a kept negative under negative downsampling, else 1' },
  ];
}

/** The view schema's record with the carried and added fields after its own; throws naming a view field that one of them would hide. */
export function derivedSampleSchema(view: AvroSchema, labelTypes: readonly string[], carried: Carried): AvroSchema {
  if (view['type'] !== 'record') throw new Error('the view schema is not a record');
  const fields = view['fields'] as AvroSchema[];
  const extra = [...carriedFields(carried), ...tailFields(labelTypes)];
  const names = extra.map((f) => String(f['name']));
  const clash = fields.find((f) => names.includes(String(f['name'])));
  if (clash !== undefined) throw new Error(`the view schema has a field "${String(clash['name'])}", which the sample adds (${names.join(', ')})`);
  const fullName = String(view['name']);
  const dot = fullName.lastIndexOf('.');
  const namespace = dot >= 0 ? fullName.slice(0, dot) : (view['namespace'] as string | undefined);
  const name = `${dot >= 0 ? fullName.slice(dot + 1) : fullName}Sample`;
  return {
    type: 'record',
    name,
    ...(namespace === undefined ? {} : { namespace }),
    doc: `A view of ${fullName} with the labels labeljoin joined to it.`,
    fields: [...fields, ...extra],
  };
}

/** Encodes the tail alone (a record of the added fields writes exactly their encodings). */
export function tailType(labelTypes: readonly string[]): avro.Type {
  return avro.Type.forSchema({ type: 'record', name: 'labeljoin.SampleTail', fields: tailFields(labelTypes) } as avro.Schema);
}

/** The view schema's fields kept by `passFields` (all without), as a record type in the view's order; throws naming a missing one. */
export function projectedView(viewSchema: AvroSchema, viewType: avro.Type, passFields: readonly string[] | undefined): { readonly schema: AvroSchema; readonly kept: avro.Type | undefined } {
  if (passFields === undefined) return { schema: viewSchema, kept: undefined };
  const record = viewType as avro.types.RecordType;
  const missing = passFields.filter((f) => !record.fields.some((x) => x.name === f));
  if (missing.length > 0) throw new Error(`passFields ${missing.join(', ')} not in the view schema ${String(viewSchema['name'])}`);
  const fields = record.fields.filter((f) => passFields.includes(f.name)).map((f) => ({ name: f.name, type: f.type }));
  const namespace = viewSchema['namespace'];
  const kept = avro.Type.forSchema({ type: 'record', name: String(viewSchema['name']), ...(namespace === undefined ? {} : { namespace }), fields } as unknown as avro.Schema);
  return { schema: kept.schema({ exportAttrs: true }) as AvroSchema, kept };
}

/** The sample schema the joiner derives from a views declaration's schema file (passFields applied): what readers of its single-object samples need. */
export function fileSampleSchema(views: ViewDeclaration, labelTypes: readonly string[]): AvroSchema {
  const schema = readSchema(views.schemaFile!);
  return derivedSampleSchema(projectedView(schema, declaredType(schema), views.passFields).schema, labelTypes, carriedBy(views.fields));
}
