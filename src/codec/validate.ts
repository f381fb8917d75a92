/**
 * Field-by-field checks of decoded events: JSON input gets every check; Avro
 * input, which the schema already types, gets the checks a schema cannot
 * express (absurd timestamps, engagement types outside the configured set).
 * Strings are valid UTF-8 in both (./utf8.ts). Each failure is a FieldProblem
 * naming the field.
 *
 * JSON leniency, on purpose: ids may be numbers or decimal strings; a context
 * enum value outside the schema's symbols becomes "other" (the enum's Avro
 * default, as schema evolution would); unknown extra fields are ignored.
 */
import { FieldProblem } from './errors.js';
import { utf8Text, wellFormed } from './utf8.js';
import {
  DEVICES,
  LANGUAGES,
  SURFACES,
  uuidFromString,
  type EngagementEvent,
  type ViewContext,
  type OwnViewEvent,
} from './events.js';

/** Event times outside [2000-01-01, 2100-01-01) are absurd: seconds or microseconds mistaken for ms, zero, garbage. */
export const MIN_EVENT_TS = Date.UTC(2000, 0, 1);
export const MAX_EVENT_TS = Date.UTC(2100, 0, 1);

export function checkTimestamp(field: string, ts: number): number {
  if (!(ts >= MIN_EVENT_TS && ts < MAX_EVENT_TS)) {
    throw new FieldProblem('RECORD_ABSURD_TIMESTAMP', field, `${ts} is not a time between 2000 and 2100 in ms since the epoch`);
  }
  return ts;
}

export function checkEngagementType(type: string, allowed: ReadonlySet<string>): string {
  if (!allowed.has(type)) {
    throw new FieldProblem('RECORD_UNKNOWN_TYPE', 'type', `the engagement type (a string of ${type.length} characters) is not one of ${[...allowed].join(', ')}`);
  }
  return type;
}

/** Parses JSON input: its bytes must be valid UTF-8 (RECORD_INVALID_UTF8 names the field), then JSON. */
export function parseJsonObject(value: Buffer): Record<string, unknown> {
  const text = utf8Text(value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // Not the parser's message: it quotes the text around the error, and the record's content stays out of
    // reasons and log lines (the dead-letter copy holds the record itself).
    throw new FieldProblem('RECORD_UNDECODABLE', undefined, `not Avro and not valid JSON (${text.length} characters${error instanceof SyntaxError ? '' : ', unreadable'})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FieldProblem('RECORD_UNDECODABLE', undefined, 'JSON value is not an object');
  }
  return parsed as Record<string, unknown>;
}

export function viewFromJson(o: Record<string, unknown>): OwnViewEvent {
  const context = required(o, 'context');
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new FieldProblem('RECORD_WRONG_TYPE', 'context', `expected an object, got ${describe(context)}`);
  }
  return {
    event_id: uuid(o, 'event_id'),
    user_id: id(o, 'user_id'),
    post_id: id(o, 'post_id'),
    ts: checkTimestamp('ts', integer(o, 'ts')),
    context: contextFromJson(context as Record<string, unknown>),
  };
}

export function engagementFromJson(o: Record<string, unknown>, allowedTypes: ReadonlySet<string>): EngagementEvent {
  const viewId = o['view_id'];
  return {
    event_id: uuid(o, 'event_id'),
    user_id: id(o, 'user_id'),
    post_id: id(o, 'post_id'),
    type: checkEngagementType(string(o, 'type'), allowedTypes),
    ts: checkTimestamp('ts', integer(o, 'ts')),
    view_id: viewId === undefined || viewId === null ? null : uuid(o, 'view_id'),
  };
}

function contextFromJson(c: Record<string, unknown>): ViewContext {
  const position = integer(c, 'position', 'context.position');
  if (position < 0 || position > 2_147_483_647) throw new FieldProblem('RECORD_WRONG_TYPE', 'context.position', `expected 0 to 2^31-1, got ${position}`);
  return {
    language: symbol(c, 'language', LANGUAGES),
    region: string(c, 'region', 'context.region'),
    device: symbol(c, 'device', DEVICES),
    app_version: string(c, 'app_version', 'context.app_version'),
    surface: symbol(c, 'surface', SURFACES),
    position,
  };
}

function required(o: Record<string, unknown>, key: string, field = key): unknown {
  const value = o[key];
  if (value === undefined || value === null) throw new FieldProblem('RECORD_MISSING_FIELD', field, 'required field is missing');
  return value;
}

function string(o: Record<string, unknown>, key: string, field = key): string {
  const value = required(o, key, field);
  if (typeof value !== 'string') throw new FieldProblem('RECORD_WRONG_TYPE', field, `expected a string, got ${describe(value)}`);
  return wellFormed(value, field);
}

function integer(o: Record<string, unknown>, key: string, field = key): number {
  const value = required(o, key, field);
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new FieldProblem('RECORD_WRONG_TYPE', field, `expected a whole number, got ${describe(value)}`);
  }
  return value;
}

function id(o: Record<string, unknown>, key: string): number {
  const value = required(o, key);
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new FieldProblem('RECORD_WRONG_TYPE', key, `expected a non-negative whole number (or its decimal text), got ${describe(value)}`);
  }
  return n;
}

function uuid(o: Record<string, unknown>, key: string): Buffer {
  const value = required(o, key);
  const bytes = typeof value === 'string' ? uuidFromString(value) : undefined;
  if (bytes === undefined) throw new FieldProblem('RECORD_WRONG_TYPE', key, `expected a UUID string, got ${describe(value)}`);
  return bytes;
}

function symbol<T extends string>(o: Record<string, unknown>, key: string, symbols: readonly T[]): T {
  const value = string(o, key, `context.${key}`);
  return (symbols as readonly string[]).includes(value) ? (value as T) : ('other' as T);
}

/** What a value is, never what it holds (reasons and log lines carry no record content). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
