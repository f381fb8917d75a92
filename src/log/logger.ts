/**
 * Structured logging.
 *
 * One record per line. In `json` mode each line is a JSON object
 * `{"level":"info","time":"<ISO-8601>","component":"kafka.local","msg":"...", ...fields}`;
 * in `pretty` mode (a terminal) the same record is printed as
 * `12:00:01.234 INFO  kafka.local  broker started port=9092`.
 *
 * Library code logs through a Logger it is given (never console.log); the CLI
 * decides where lines go and which format they take.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];
export type LogFields = Record<string, unknown>;

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(component: string): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  component?: string;
  /** Where lines go; stderr by default. */
  write?: (line: string) => void;
  /** Wall clock for the time stamp; injected so tests can fix it. */
  now?: () => number;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? Date.now;
  const minRank = LEVEL_RANK[options.level];

  const make = (component: string): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
      if (LEVEL_RANK[level] < minRank) return;
      const time = now();
      write(
        options.format === 'json'
          ? jsonLine(level, time, component, msg, fields)
          : prettyLine(level, time, component, msg, fields),
      );
    };
    return {
      debug: (msg, fields) => emit('debug', msg, fields),
      info: (msg, fields) => emit('info', msg, fields),
      warn: (msg, fields) => emit('warn', msg, fields),
      error: (msg, fields) => emit('error', msg, fields),
      child: (name) => make(component === '' ? name : `${component}.${name}`),
    };
  };
  return make(options.component ?? '');
}

/** A logger that drops everything: the default for library code used without one. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

function jsonLine(level: LogLevel, time: number, component: string, msg: string, fields?: LogFields): string {
  const record: LogFields = { level, time: new Date(time).toISOString(), component, msg, ...fields };
  return `${JSON.stringify(record, jsonReplacer)}\n`;
}

function prettyLine(level: LogLevel, time: number, component: string, msg: string, fields?: LogFields): string {
  const clock = new Date(time).toISOString().slice(11, 23);
  const extra = fields === undefined ? '' : Object.entries(fields).map(([k, v]) => ` ${k}=${formatValue(v)}`).join('');
  return `${clock} ${level.toUpperCase().padEnd(5)} ${component.padEnd(12)} ${msg}${extra}\n`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value, jsonReplacer) ?? String(value);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error && !('toJSON' in value)) return { name: value.name, message: value.message };
  return value;
}
