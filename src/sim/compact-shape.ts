/**
 * The simulator's compact shape (schemas/compact/): the events with nothing
 * on the wire that Kafka's record already holds or that does not compress.
 *
 *   key       the user id as decimal text (as labeljoin's own shape)
 *   timestamp the event time (ms), which a record batch stores as a varint
 *             delta from its first record's
 *   value     the plain Avro body, no framing: schemas/compact/view.avsc
 *             (event_id, post_id, context) or engagement.avsc (event_id,
 *             post_id, type as an enum, view_id)
 *
 * Event ids are a producer's number and its counter (the workload's ids
 * 'sequenced', ./workload.ts), not random UUIDs: consecutive records share
 * most of their id bytes, which LZ4 then finds. bench/RESULTS.md ("Wire
 * size") measures what each of these choices saves. schemas/compact/inputs.json
 * declares the shape to the joiner ("@key", "@timestamp": docs/inputs.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type avro from 'avsc';
import { stringKey } from '../codec/declared/ids.js';
import { userKey, type EngagementEvent, type OwnViewEvent } from '../codec/events.js';
import { avroType, type AvroSchema } from '../codec/schemas.js';
import { packageRoot } from '../paths.js';
import type { SimEncoder } from './foreign-shape.js';

export function compactSchema(name: 'view' | 'engagement'): AvroSchema {
  return JSON.parse(readFileSync(join(packageRoot(), 'schemas', 'compact', `${name}.avsc`), 'utf8')) as AvroSchema;
}

/** The engagement types the compact schema's enum has. */
export function compactTypes(): string[] {
  const fields = compactSchema('engagement')['fields'] as Array<{ name: string; type: unknown }>;
  const type = fields.find((f) => f.name === 'type')!.type as { symbols: string[] };
  return type.symbols;
}

/** Throws a RangeError naming the label types the compact schema's enum lacks. */
export function compactEncoder(labelTypes: readonly string[]): SimEncoder {
  const symbols = compactTypes();
  const missing = labelTypes.filter((t) => !symbols.includes(t));
  if (missing.length > 0) throw new RangeError(`the compact shape's engagement type enum (${symbols.join(', ')}) lacks ${missing.join(', ')}`);
  const view: avro.Type = avroType(compactSchema('view'));
  const engagement: avro.Type = avroType(compactSchema('engagement'));
  return {
    userKey,
    // "@key" reads the key as text, which the join hashes like every string key (ids.ts).
    joinKeys: (user, post) => ({ user_id: stringKey(String(user)), post_id: post }),
    view: (v: OwnViewEvent) => view.toBuffer({ event_id: v.event_id, post_id: v.post_id, context: v.context }),
    engagement: (e: EngagementEvent) => engagement.toBuffer({ event_id: e.event_id, post_id: e.post_id, type: e.type, view_id: e.view_id }),
  };
}
