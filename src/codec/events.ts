/**
 * The in-memory shape of labeljoin's events, one to one with schemas/*.avsc.
 * Ids that are UUIDs are 16-byte Buffers; times are ms since the epoch.
 */
import { createHash } from 'node:crypto';

export const LANGUAGES = ['hi', 'en', 'bn', 'te', 'mr', 'ta', 'gu', 'kn', 'ml', 'pa', 'or', 'other'] as const;
export const DEVICES = ['android', 'ios', 'web', 'other'] as const;
export const SURFACES = ['home', 'trending', 'following', 'video', 'search', 'profile', 'other'] as const;

export type Language = (typeof LANGUAGES)[number];
export type Device = (typeof DEVICES)[number];
export type Surface = (typeof SURFACES)[number];

export interface ViewContext {
  language: Language;
  region: string;
  device: Device;
  app_version: string;
  surface: Surface;
  position: number;
}

export interface ViewEvent {
  event_id: Buffer;
  user_id: number;
  post_id: number;
  ts: number;
  /** null for a declared view (a user's own schema): its fields are in `passed`. */
  context: ViewContext | null;
  /** A declared view: the record as it came, for its sample to carry through (src/codec/declared/). */
  passed?: PassedView;
}

/** A view of labeljoin's own schema (schemas/view.avsc). */
export interface OwnViewEvent extends ViewEvent {
  context: ViewContext;
}

/** A declared view's record, which its sample carries through unchanged. */
export interface PassedView {
  /** The record value as read (framing included). */
  readonly value: Buffer;
  /** Where the body starts in `value` (after the framing). */
  readonly bodyStart: number;
  /** The writer schema's key in the declared codec's table. */
  readonly writer: string;
  /** The samples' Kafka key: the view record's key, else the user field as text. */
  readonly sampleKey: Buffer;
  /** The view record's Kafka timestamp (ms): what a declared "@timestamp" time reads. */
  readonly timestamp: bigint;
}

export interface EngagementEvent {
  event_id: Buffer;
  user_id: number;
  post_id: number;
  type: string;
  ts: number;
  view_id: Buffer | null;
}

export interface SampleRecord {
  sample_id: Buffer;
  view_event_id: Buffer;
  user_id: number;
  post_id: number;
  view_ts: number;
  /** label type -> 0 | 1, one entry per configured type */
  labels: Record<string, number>;
  /** label type -> ms from view to the earliest matching engagement, or null */
  delays_ms: Record<string, number | null>;
  context: ViewContext | null;
  version: number;
  emitted_at: number;
  /** Importance weight under negative downsampling: 1 for a positive (and for every sample at share 1), 1 / share for a kept negative. */
  weight: number;
  /** A sample of a declared view: the view's fields as the sample carries them. */
  view?: Record<string, unknown>;
  /** A sample of a declared view: its context fields' values, joined (the trainer's ctx feature). */
  contextKey?: string;
}

/** "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" from 16 bytes. */
export function uuidToString(id: Buffer): string {
  const h = id.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const UUID_PATTERN = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** 16 bytes from a UUID string (with or without dashes), or undefined when it is not one. */
export function uuidFromString(text: string): Buffer | undefined {
  if (!UUID_PATTERN.test(text)) return undefined;
  return Buffer.from(text.replaceAll('-', ''), 'hex');
}

/**
 * The sample id of a view at a version. Version 0, the first and usually only
 * one, has the view's own event_id: a sample per distinct view makes it unique,
 * and a repeat of the field costs nothing after batch compression (measured in
 * bench/RESULTS.md: 13 bytes per sample on the log). A later version v has the
 * first 16 bytes of SHA-256("labeljoin-sample" || view event_id || v as 4-byte
 * big-endian), with the UUID version nibble set to 8 (custom) and the RFC 4122
 * variant.
 */
export function sampleIdFor(viewEventId: Buffer, version: number): Buffer {
  if (version === 0) return viewEventId; // the same bytes, not a copy
  const v = Buffer.alloc(4);
  v.writeUInt32BE(version);
  const id = createHash('sha256').update('labeljoin-sample').update(viewEventId).update(v).digest().subarray(0, 16);
  id[6] = (id[6]! & 0x0f) | 0x80;
  id[8] = (id[8]! & 0x3f) | 0x80;
  return Buffer.from(id);
}

/** The Kafka key of every event and sample: the user id as decimal text. */
export function userKey(userId: number): Buffer {
  return Buffer.from(String(userId), 'utf8');
}
