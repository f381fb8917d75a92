/**
 * Parsers for setting values. Each takes the raw value as it came from a
 * config file (already typed JSON) or from an environment variable or flag
 * (a string), and returns the typed value or throws a ValueError whose message
 * says what was expected. The caller adds which setting and which source.
 */

import { Secret } from './secret.js';

export class ValueError extends Error {}

export type Parser<T> = (raw: unknown) => T;

export function parseString(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new ValueError('expected a non-empty string');
  return raw.trim();
}

export function parseTopicName(raw: unknown): string {
  const name = parseString(raw);
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(name) || name === '.' || name === '..') {
    throw new ValueError(`"${name}" is not a valid Kafka topic name (letters, digits, '.', '_', '-'; at most 249)`);
  }
  return name;
}

/** One or more distinct topic names, comma-separated. */
export function parseTopicList(raw: unknown): string[] {
  const parts = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (parts === undefined || parts.length === 0) throw new ValueError(`expected topic[,topic...], got ${show(raw)}`);
  const names = parts.map((p) => parseTopicName(p));
  if (new Set(names).size !== names.length) throw new ValueError('topics must be distinct');
  return names;
}

export function optionalTopicParser(raw: unknown): string | undefined {
  return raw === undefined || raw === null || raw === '' ? undefined : parseTopicName(raw);
}

/** A Kafka record header name. */
export function parseHeaderName(raw: unknown): string {
  const name = parseString(raw);
  if (!/^[\x21-\x7e]{1,255}$/.test(name)) throw new ValueError(`"${name.slice(0, 40)}" is not a usable header name (1-255 printable ASCII characters, no spaces)`);
  return name;
}

export function intParser(min: number, max: number): Parser<number> {
  return (raw) => {
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new ValueError(`expected a whole number, got ${show(raw)}`);
    if (value < min || value > max) throw new ValueError(`expected a number from ${min} to ${max}, got ${value}`);
    return value;
  };
}

export function enumParser<T extends string>(allowed: readonly T[]): Parser<T> {
  return (raw) => {
    if (typeof raw !== 'string' || !(allowed as readonly string[]).includes(raw)) {
      throw new ValueError(`expected one of ${allowed.join(', ')}, got ${show(raw)}`);
    }
    return raw as T;
  };
}

/** "host:port,host:port" (or a JSON array of such strings). */
export function parseBrokerList(raw: unknown): string[] {
  const parts = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (parts === undefined) throw new ValueError(`expected host:port[,host:port...], got ${show(raw)}`);
  const brokers = parts.map((part) => {
    if (typeof part !== 'string') throw new ValueError(`expected host:port, got ${show(part)}`);
    const trimmed = part.trim();
    const match = /^(\[[0-9a-fA-F:]+\]|[a-zA-Z0-9.-]+):(\d{1,5})$/.exec(trimmed);
    const port = match?.[2] === undefined ? NaN : Number(match[2]);
    if (match === null || !(port > 0 && port < 65536)) throw new ValueError(`"${trimmed}" is not host:port`);
    return trimmed;
  });
  if (brokers.length === 0) throw new ValueError('expected at least one broker');
  return brokers;
}

function show(raw: unknown): string {
  return typeof raw === 'string' ? JSON.stringify(raw) : String(JSON.stringify(raw) ?? raw);
}

export function floatParser(min: number, max: number): Parser<number> {
  return (raw) => {
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValueError(`expected a number, got ${show(raw)}`);
    if (value < min || value > max) throw new ValueError(`expected a number from ${min} to ${max}, got ${value}`);
    return value;
  };
}

/** A share F with 0 < F <= 1 (a number, or its text). */
export function shareParser(raw: unknown): number {
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValueError(`expected a number, got ${show(raw)}`);
  if (!(value > 0 && value <= 1)) throw new ValueError(`expected a share above 0 and at most 1, got ${value}`);
  return value;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration in ms: a whole number of ms, or a number with a unit (500ms, 15s, 10m, 2h, 1d). */
export function durationParser(minMs: number, maxMs: number): Parser<number> {
  return (raw) => {
    let ms: number | undefined;
    if (typeof raw === 'number') ms = raw;
    else if (typeof raw === 'string') {
      const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(raw);
      if (match !== null) ms = Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']!;
    }
    if (ms === undefined || !Number.isFinite(ms)) throw new ValueError(`expected a duration such as 500ms, 15s, 10m, 2h or a number of ms, got ${show(raw)}`);
    ms = Math.round(ms);
    if (ms < minMs || ms > maxMs) throw new ValueError(`expected a duration from ${minMs} ms to ${maxMs} ms, got ${ms} ms`);
    return ms;
  };
}

/** Engagement types: comma-separated (or a JSON array of) names usable as Avro field names. */
export function parseLabelTypes(raw: unknown): string[] {
  const parts = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (parts === undefined) throw new ValueError(`expected type[,type...], got ${show(raw)}`);
  const types = parts.map((p) => (typeof p === 'string' ? p.trim() : ''));
  for (const t of types) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(t)) throw new ValueError(`"${t}" is not a valid type name (letters, digits, _; not starting with a digit)`);
  }
  if (types.length === 0) throw new ValueError('expected at least one type');
  if (new Set(types).size !== types.length) throw new ValueError('types must be distinct');
  return types;
}

/** Field paths ("a.b,c"), possibly none. */
export function parsePathList(raw: unknown): string[] {
  const parts = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',').filter((p) => p.trim() !== '') : undefined;
  if (parts === undefined) throw new ValueError(`expected field paths such as "placement.surface,client.platform", got ${show(raw)}`);
  return parts.map((p) => {
    const path = typeof p === 'string' ? p.trim() : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(path)) throw new ValueError(`"${String(p)}" is not a field path (names joined by dots)`);
    return path;
  });
}

/** A whole number, or "none" / empty for undefined. */
export function optionalIntParser(min: number, max: number): Parser<number | undefined> {
  const int = intParser(min, max);
  return (raw) => (raw === undefined || raw === null || raw === '' || raw === 'none' ? undefined : int(raw));
}

export function isoTimeOrNowParser(raw: unknown): number | 'now' {
  if (raw === 'now') return 'now';
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw;
  if (typeof raw === 'string') {
    const ms = Date.parse(raw);
    if (Number.isFinite(ms)) return ms;
  }
  throw new ValueError(`expected "now", an ISO-8601 time or ms since the epoch, got ${show(raw)}`);
}

/** An ISO-8601 time or ms since the epoch; empty or "none" for undefined. */
export function optionalTimeParser(raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '' || raw === 'none') return undefined;
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw;
  if (typeof raw === 'string') {
    const ms = /^-?\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
    if (Number.isSafeInteger(ms)) return ms;
  }
  throw new ValueError(`expected an ISO-8601 time or ms since the epoch, got ${show(raw)}`);
}

/** A TCP port, or "off". */
export function portOrOffParser(raw: unknown): number | 'off' {
  if (raw === 'off') return 'off';
  return intParser(0, 65_535)(raw);
}

/** Comma-separated http(s) URLs. */
export function parseUrlList(raw: unknown): string[] {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (items === undefined) throw new ValueError(`expected comma-separated URLs, got ${show(raw)}`);
  const urls = items.map((u) => String(u).trim()).filter((u) => u !== '');
  for (const u of urls) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(u).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new ValueError(`expected an http(s) URL, got ${show(u)}`);
  }
  if (urls.length === 0) throw new ValueError('expected at least one URL');
  return urls;
}

/** A comma-separated list of integers, each within [min, max]. */
export function parseIntList(min: number, max: number): Parser<number[]> {
  const one = intParser(min, max);
  return (raw: unknown) => {
    const parts: unknown[] = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [raw];
    if (parts.length === 0) throw new ValueError('expected at least one number');
    return parts.map((x) => one(typeof x === 'string' ? x.trim() : x));
  };
}

/**
 * An http(s) URL, or "none" / empty for undefined. A wrong value is not echoed
 * in the message: the URL may hold user:password@.
 */
export function optionalUrlParser(raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '' || raw === 'none') return undefined;
  let ok = false;
  try {
    ok = typeof raw === 'string' && ['http:', 'https:'].includes(new URL(raw.trim()).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw new ValueError('expected an http(s) URL such as http://127.0.0.1:8081/apis/ccompat/v7');
  return (raw as string).trim();
}

/** A non-empty string, or empty for undefined; a wrong value is not echoed (it may be a secret). */
export function optionalStringParser(raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw new ValueError('expected a string');
  return raw;
}

/** A secret (password) as a Secret, or empty for undefined; a wrong value is never echoed. */
export function optionalSecretParser(raw: unknown): Secret | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (raw instanceof Secret) return raw;
  if (typeof raw !== 'string') throw new ValueError('expected a string');
  return new Secret(raw);
}

/** true|false (also yes|no, on|off, 1|0). */
export function parseBoolean(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    const v = raw.trim().toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(v)) return true;
    if (['false', 'no', 'off', '0'].includes(v)) return false;
  }
  throw new ValueError(`expected true or false, got ${show(raw)}`);
}

/** One of the allowed values, or empty / "none" for undefined. */
export function optionalEnumParser<T extends string>(allowed: readonly T[]): Parser<T | undefined> {
  const one = enumParser(allowed);
  return (raw) => (raw === undefined || raw === null || raw === '' || raw === 'none' ? undefined : one(raw));
}
