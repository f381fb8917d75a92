/**
 * Sample sets for comparison tests: deterministic samples, written as Avro
 * container files (under labeljoin's Sample schema or a variant of it) or as
 * NDJSON in labeljoin's JSON form.
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import avro from 'avsc';
import { uuidToString, type SampleRecord } from '../../src/codec/events.js';
import { sampleSchema, type AvroSchema } from '../../src/codec/schemas.js';
import { DEFAULT_LABEL_TYPES } from '../../src/config/settings.js';
import { id, T0 } from './events.js';

/** n samples, one per view; labels follow a fixed pattern of the index; users 100 + i % users. */
export function makeSamples(n: number, users = 50): SampleRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const labels = Object.fromEntries(DEFAULT_LABEL_TYPES.map((t, k) => [t, (i * 7 + k * 3) % 5 === 0 ? 1 : 0]));
    return {
      sample_id: id(i + 1),
      view_event_id: id(i + 1),
      user_id: 100 + (i % users),
      post_id: 9000 + (i % 37),
      view_ts: T0 + i * 1000,
      labels,
      delays_ms: Object.fromEntries(DEFAULT_LABEL_TYPES.map((t) => [t, labels[t] === 1 ? 1500 : null])),
      context: { language: 'hi', region: 'IN-KA', device: 'android', app_version: '2026.11.3', surface: 'home', position: i % 20 },
      version: 0,
      emitted_at: T0 + i * 1000 + 700_000,
      weight: 1,
    };
  });
}

export function defaultSampleSchema(): AvroSchema {
  return sampleSchema(DEFAULT_LABEL_TYPES);
}

/** The Sample schema without one field of the context record (e.g. "region"). */
export function schemaWithoutContextField(field: string): AvroSchema {
  const schema = structuredClone(defaultSampleSchema()) as { fields: Array<{ name: string; type: { fields?: Array<{ name: string }> } }> };
  const context = schema.fields.find((f) => f.name === 'context')!;
  context.type.fields = context.type.fields!.filter((f) => f.name !== field);
  return schema as unknown as AvroSchema;
}

export async function writeAvroFile(path: string, samples: readonly SampleRecord[], schema: AvroSchema = defaultSampleSchema()): Promise<void> {
  const encoder = new avro.streams.BlockEncoder(avro.Type.forSchema(schema as avro.Schema));
  const out = createWriteStream(path);
  encoder.pipe(out);
  for (const s of samples) encoder.write(s);
  encoder.end();
  await once(out, 'close');
}

export function writeNdjsonFile(path: string, samples: readonly SampleRecord[]): void {
  writeFileSync(path, samples.map((s) => JSON.stringify({ ...s, sample_id: uuidToString(s.sample_id), view_event_id: uuidToString(s.view_event_id) })).join('\n') + '\n');
}
