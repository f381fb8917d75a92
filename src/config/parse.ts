/**
 * Parsers for setting values. Each takes the raw value as it came from a
 * config file (already typed JSON) or from an environment variable or flag
 * (a string), and returns the typed value or throws a ValueError whose message
 * says what was expected. The caller adds which setting and which source.
 */

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
