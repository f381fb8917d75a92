/**
 * The one base error of labeljoin.
 *
 * Every error the project throws on purpose is a subclass of LabeljoinError with
 * a `code` from the closed set below and a `retriable` flag. Callers branch on
 * `code` or `retriable` (or `instanceof`), never on the message text, which is
 * for people. Each subsystem keeps its subclasses in its own `errors.ts`.
 */

export const ERROR_CODES = [
  // cli / config
  'USAGE',
  'CONFIG_INVALID',
  // declared inputs: a field mapping that does not fit the schema it is applied to (refused at start-up)
  'MAPPING_INVALID',
  // validate: an input that cannot be read at all (missing file, unknown topic, not a sample set)
  'INPUT_INVALID',
  // local broker
  'JAVA_MISSING',
  'MAVEN_MISSING',
  'MAVEN_FAILED',
  'PORT_IN_USE',
  'BROKER_START_FAILED',
  'BROKER_NOT_RUNNING',
  'BROKER_STOP_FAILED',
  // schema registry: the client (src/schema-registry/client.ts) and the local server
  'SCHEMA_REGISTRY_UNAVAILABLE',
  'SCHEMA_REGISTRY_REQUEST_FAILED',
  'SCHEMA_NOT_FOUND',
  'SUBJECT_NOT_FOUND',
  'SCHEMA_REGISTRY_START_FAILED',
  'SCHEMA_REGISTRY_NOT_RUNNING',
  'SCHEMA_REGISTRY_STOP_FAILED',
  // a local-broker command (kafka start/stop) given a cluster it did not and cannot start
  'BROKER_NOT_LOCAL',
  // kafka client layer
  'KAFKA_UNAVAILABLE',
  'KAFKA_REQUEST_FAILED',
  'KAFKA_TIMEOUT',
  // a secured cluster refused us: SASL credentials or mechanism refused, or the TLS handshake failed (unknown CA, hostname mismatch, client certificate refused); never retried
  'KAFKA_AUTHENTICATION_FAILED',
  'KAFKA_TLS_FAILED',
  'TOPIC_MISSING',
  'TOPICS_NOT_COPARTITIONED',
  'COMPRESSION_UNAVAILABLE',
  'OFFSET_OUT_OF_RANGE',
  // codec: bad input records (each goes to the dead-letter topic)
  'RECORD_UNDECODABLE',
  'RECORD_MISSING_FIELD',
  'RECORD_WRONG_TYPE',
  'RECORD_ABSURD_TIMESTAMP',
  'RECORD_UNKNOWN_TYPE',
  'RECORD_INVALID_UTF8',
  'RECORD_CONFLICTING_DUPLICATE',
  // a record in another partition than its key and the topic's partitioner give (--wrong-partition dead-letter)
  'RECORD_WRONG_PARTITION',
  // join: a record whose event time its partition's data never confirmed (--outlier-policy dead-letter)
  'RECORD_TIME_OUTLIER',
  // a record of a topic read for views and engagements both whose kind header says neither
  'RECORD_UNKNOWN_KIND',
  // model store (trainer)
  'STORE_UNAVAILABLE',
  'STORE_FAILED',
  'REDIS_MISSING',
  // benchmarks: a measured process failed or gave no result
  'BENCH_FAILED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface LabeljoinErrorOptions {
  cause?: unknown;
  retriable?: boolean;
}

export class LabeljoinError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: LabeljoinErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }

  /** A plain object for structured logs. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      retriable: this.retriable,
      message: this.message,
      ...(this.cause === undefined ? {} : { cause: describeCause(this.cause) }),
    };
  }
}

export class UsageError extends LabeljoinError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

export function isLabeljoinError(error: unknown): error is LabeljoinError {
  return error instanceof LabeljoinError;
}

function describeCause(cause: unknown): unknown {
  if (cause instanceof LabeljoinError) return cause.toJSON();
  if (cause instanceof Error) return { name: cause.name, message: cause.message };
  return String(cause);
}
