/**
 * Errors of the schema registry layer: the client and the local server.
 * `retriable` is true where waiting and asking again can succeed (the registry
 * is down or restarting); an id or subject the registry does not know is not.
 * Messages name the registry by its URL without credentials, never a password.
 */
import { LabeljoinError, type ErrorCode } from '../errors.js';

export class SchemaRegistryError extends LabeljoinError {
  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(code, message, options);
  }
}

/** No answer (connection refused, timeout, DNS) or a server error (HTTP 5xx). */
export class SchemaRegistryUnavailableError extends SchemaRegistryError {
  constructor(readonly url: string, detail: string, cause?: unknown) {
    super('SCHEMA_REGISTRY_UNAVAILABLE', `the schema registry at ${url} did not answer: ${detail}`, { cause, retriable: true });
  }
}

/** The registry answered and refused the request (bad schema, incompatible, unauthorized, ...). */
export class SchemaRegistryRequestError extends SchemaRegistryError {
  constructor(readonly what: string, readonly status: number, detail: string) {
    super('SCHEMA_REGISTRY_REQUEST_FAILED', `${what}: the schema registry answered HTTP ${status}${detail === '' ? '' : `: ${detail}`}`);
  }
}

/** The TLS handshake with the registry failed (an unknown CA, a host name mismatch): not retriable. */
export class SchemaRegistryTlsError extends SchemaRegistryError {
  constructor(readonly url: string, reason: string, cause?: unknown) {
    super('SCHEMA_REGISTRY_REQUEST_FAILED', `TLS with the schema registry at ${url} failed: ${reason}`, { cause });
  }
}

/** A schema id the registry does not know: a record framed with it cannot be read. */
export class SchemaNotFoundError extends SchemaRegistryError {
  constructor(readonly schemaId: number, url: string) {
    super('SCHEMA_NOT_FOUND', `the schema registry at ${url} knows no schema with id ${schemaId}`);
  }
}

export class SubjectNotFoundError extends SchemaRegistryError {
  constructor(readonly subject: string, url: string) {
    super('SUBJECT_NOT_FOUND', `the schema registry at ${url} has no version of subject "${subject}"`);
  }
}

// --- local server -------------------------------------------------------

export class SchemaRegistryStartError extends SchemaRegistryError {
  constructor(reason: string, readonly logTail: readonly string[]) {
    const tail = logTail.length === 0 ? '' : `\nlast lines of the registry log:\n${logTail.map((l) => `  ${l}`).join('\n')}`;
    super('SCHEMA_REGISTRY_START_FAILED', `the local schema registry did not come up: ${reason}${tail}`);
  }
}

export class SchemaRegistryNotRunningError extends SchemaRegistryError {
  constructor(where: string) {
    super('SCHEMA_REGISTRY_NOT_RUNNING', `no local schema registry is running (${where})`);
  }
}

export class SchemaRegistryStopError extends SchemaRegistryError {
  constructor(reason: string) {
    super('SCHEMA_REGISTRY_STOP_FAILED', `the local schema registry did not stop: ${reason}`);
  }
}
