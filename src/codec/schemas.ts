/**
 * The Avro schemas of labeljoin's events, from schemas/*.avsc.
 *
 * View and Engagement are fixed files. Sample has one label field and one
 * delay field per configured engagement type, so its schema is built here from
 * the type list; schemas/sample.avsc is that schema for the default types
 * (DEFAULT_LABEL_TYPES of src/config/settings.ts)
 * (a test keeps the file and this function in agreement).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { DEFAULT_LABEL_TYPES } from '../config/settings.js';
import { packageRoot } from '../paths.js';

export { DEFAULT_LABEL_TYPES };

export type AvroSchema = Record<string, unknown>;

const cache = new Map<string, AvroSchema>();

export function readSchemaFile(name: 'view' | 'engagement' | 'sample'): AvroSchema {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  const schema = JSON.parse(readFileSync(join(packageRoot(), 'schemas', `${name}.avsc`), 'utf8')) as AvroSchema;
  cache.set(name, schema);
  return schema;
}

/** The ViewContext record as declared inside view.avsc. */
export function viewContextSchema(): AvroSchema {
  const fields = readSchemaFile('view')['fields'] as Array<{ name: string; type: AvroSchema }>;
  const context = fields.find((f) => f.name === 'context');
  if (context === undefined) throw new Error('schemas/view.avsc has no context field');
  return context.type;
}

/** The Sample schema for a list of label types (each a valid Avro name). */
export function sampleSchema(labelTypes: readonly string[]): AvroSchema {
  return {
    type: 'record',
    name: 'Sample',
    namespace: 'labeljoin.events',
    doc: 'One labelled training sample per distinct view. Kafka key: user_id as decimal text, partitioned like the inputs (Java murmur2). Avro single-object encoding by default, JSON on request.',
    fields: [
      {
        name: 'sample_id',
        doc: 'Deterministic id: the view event_id for version 0; for a later version a UUID (version 8) from SHA-256 of the view event_id and the version. A repeat of the same sample has the same id.',
        type: { type: 'fixed', name: 'UUID', size: 16 },
      },
      { name: 'view_event_id', doc: 'event_id of the view this sample labels.', type: 'UUID' },
      { name: 'user_id', doc: 'The user the post was shown to.', type: 'long' },
      { name: 'post_id', doc: 'The post that was shown.', type: 'long' },
      { name: 'view_ts', doc: 'Event time of the view (ms since epoch).', type: { type: 'long', logicalType: 'timestamp-millis' } },
      {
        name: 'labels',
        doc: 'One label per configured engagement type: 1 when an engagement of that type falls in [view_ts - maxSkew, view_ts + window], else 0.',
        type: { type: 'record', name: 'Labels', fields: labelTypes.map((t) => ({ name: t, type: 'int' })) },
      },
      {
        name: 'delays_ms',
        doc: 'Per type: event time of the earliest matching engagement minus view_ts, in ms (negative under clock skew); null when the label is 0.',
        type: { type: 'record', name: 'Delays', fields: labelTypes.map((t) => ({ name: t, type: ['null', 'long'], default: null })) },
      },
      { name: 'context', doc: 'The view context, as the view carried it.', type: viewContextSchema() },
      { name: 'version', doc: '0 for the first emission; a label correction (late policy "correct") emits version + 1. Trainers keep the newest version.', type: 'int' },
      { name: 'emitted_at', doc: 'Wall-clock time the joiner emitted the sample (ms since epoch).', type: { type: 'long', logicalType: 'timestamp-millis' } },
      {
        name: 'weight',
        doc: 'Importance weight (negative downsampling, --negative-share F): 1 for a sample with a positive label and for every sample when F = 1; 1/F for a kept all-negative sample. Readers of samples written before the field read the default 1.',
        type: 'double',
        default: 1,
      },
    ],
  };
}

export function avroType(schema: AvroSchema): avro.Type {
  // avsc declares its schema parameter loosely; our schemas are plain JSON objects.
  return avro.Type.forSchema(schema as avro.Schema);
}
