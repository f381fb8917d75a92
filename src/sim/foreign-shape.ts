/**
 * The simulator's second event shape, one labeljoin did not design
 * (schemas/foreign/: a view is a com.acme.feed.Impression, an engagement an
 * Interaction): string ids ("u-123", "p-456", UUID text), time in seconds
 * with the ms in the fraction, nested records, an enum of other names, a map
 * of extra features, the engagement kind under its own names, and two
 * versions of the view schema in one topic (version 2 adds a field; a view
 * whose id's last byte is odd is written with it). Records are framed for a
 * Schema Registry (src/codec/confluent-framing.ts), the schemas registered
 * under "<topic>-value". schemas/foreign/inputs.json declares the shape to
 * the joiner. The events are the workload's own, so the truth is the same.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type avro from 'avsc';
import { confluentHeader } from '../codec/confluent-framing.js';
import { stringKey } from '../codec/declared/ids.js';
import type { SchemaLookup } from '../codec/declared/writers.js';
import type { EngagementEvent, OwnViewEvent } from '../codec/events.js';
import { uuidToString } from '../codec/events.js';
import { avroType, type AvroSchema } from '../codec/schemas.js';
import { packageRoot } from '../paths.js';

/** Encodes the workload's events for the topics: the key of a user and the record values. */
export interface SimEncoder {
  userKey(userId: number): Buffer;
  /** The user and post numbers the joiner keys on for these events (the truth file states them). */
  joinKeys(userId: number, postId: number): { user_id: number; post_id: number };
  view(v: OwnViewEvent): Buffer;
  engagement(e: EngagementEvent): Buffer;
}

/** Engagement type -> the foreign shape's kind. */
export const FOREIGN_KINDS: Readonly<Record<string, string>> = { like: 'LIKE', share: 'SHARE', comment: 'COMMENT', favorite: 'SAVE', play: 'VIDEO_PLAY', skip: 'SKIP' };

export function foreignSchema(name: 'impression' | 'impression-v2' | 'interaction'): AvroSchema {
  return JSON.parse(readFileSync(join(packageRoot(), 'schemas', 'foreign', `${name}.avsc`), 'utf8')) as AvroSchema;
}

export function foreignUserKey(userId: number): Buffer {
  return Buffer.from(`u-${userId}`, 'utf8');
}

interface Framed {
  readonly header: Buffer;
  readonly type: avro.Type;
}

export async function foreignEncoder(registry: SchemaLookup, topics: { readonly views: string; readonly engagements: string }): Promise<SimEncoder> {
  const framed = async (subject: string, schema: AvroSchema): Promise<Framed> => ({ header: confluentHeader(await registry.register(subject, JSON.stringify(schema))), type: avroType(schema) });
  const v1 = await framed(`${topics.views}-value`, foreignSchema('impression'));
  const v2 = await framed(`${topics.views}-value`, foreignSchema('impression-v2'));
  const interaction = await framed(`${topics.engagements}-value`, foreignSchema('interaction'));
  const encode = (f: Framed, value: unknown): Buffer => Buffer.concat([f.header, f.type.toBuffer(value)]);
  return {
    userKey: foreignUserKey,
    joinKeys: (user, post) => ({ user_id: stringKey(`u-${user}`), post_id: stringKey(`p-${post}`) }),
    view(v) {
      const c = v.context;
      const record: Record<string, unknown> = {
        impression_id: uuidToString(v.event_id),
        user: { id: `u-${v.user_id}`, region: c.region, language: c.language === 'other' ? null : c.language },
        item_id: `p-${v.post_id}`,
        shown_at_s: v.ts / 1000,
        placement: { surface: c.surface.toUpperCase(), rank: c.position },
        client: { platform: c.device, app_version: c.app_version },
        features: { rank_norm: Math.min(c.position, 20) / 20, hour_utc: new Date(v.ts).getUTCHours(), user_bucket: v.user_id % 7 },
      };
      const odd = (v.event_id[15]! & 1) === 1;
      return odd ? encode(v2, { ...record, experiment: `exp-${v.post_id % 3}` }) : encode(v1, record);
    },
    engagement(e) {
      return encode(interaction, {
        interaction_id: uuidToString(e.event_id),
        user_id: `u-${e.user_id}`,
        item: { id: `p-${e.post_id}` },
        kind: FOREIGN_KINDS[e.type] ?? e.type.toUpperCase(),
        at_s: e.ts / 1000,
        impression_id: e.view_id === null ? null : uuidToString(e.view_id),
      });
    },
  };
}
