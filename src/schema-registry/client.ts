/**
 * A client of the Confluent Schema Registry REST API (v7), which Confluent's
 * registry serves at its root and Apicurio Registry at /apis/ccompat/v7: the
 * URL given is that base, e.g. http://127.0.0.1:8081/apis/ccompat/v7.
 *
 *   GET  /schemas/ids/{id}                  -> {"schema": "..."}          getSchemaById
 *   POST /subjects/{subject}/versions       <- {"schema": "...", "schemaType": "AVRO"}
 *                                           -> {"id": N}                  register
 *   GET  /subjects/{subject}/versions/latest -> {"subject", "version", "id", "schema"}  latestVersion
 *   GET  /subjects/{subject}/versions        -> [1, 2, ...], then each /versions/{v}    subjectVersions
 *   GET  /subjects                          -> ["subject", ...]           subjects
 *
 * Schemas by id and registrations are cached for the client's life (an id
 * names one schema forever; registering the same schema under the same subject
 * gives the same id). The latest version is not cached: it changes.
 *
 * Credentials (options or user:password@ in the URL) go into a Basic
 * Authorization header only; error messages and logs name the URL without them.
 *
 * A registry that does not answer (refused, timed out, HTTP 5xx) is retried
 * with backoff (src/time/retry.ts: 0.25 s doubling to 5 s) until
 * `retryTimeoutMs` of failures in a row, then the call fails with
 * SCHEMA_REGISTRY_UNAVAILABLE; nothing is skipped. retryTimeoutMs 0 fails at
 * the first unanswered request with the retriable SchemaRegistryUnavailableError.
 */
import { ConfigError } from '../config/config.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { systemClock, type Clock } from '../time/clock.js';
import { retryWhileUnavailable } from '../time/retry.js';
import { tlsFailureReason } from '../tls-errors.js';
import { HttpTransportError, send, type HttpAnswer } from './http.js';
import {
  SchemaNotFoundError,
  SchemaRegistryTlsError,
  SchemaRegistryRequestError,
  SchemaRegistryUnavailableError,
  SubjectNotFoundError,
} from './errors.js';

export interface SchemaRegistryCredentials {
  readonly username: string;
  readonly password: string;
}

export interface SchemaRegistryClientOptions {
  /** Base URL of the Confluent-compatible API. */
  readonly url: string;
  readonly credentials?: SchemaRegistryCredentials | undefined;
  /** PEM CA for an https URL; undefined: the system's CAs. */
  readonly tlsCa?: Buffer | undefined;
  /** One HTTP request's time limit (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** How long to keep retrying a registry that does not answer (default 30 s; 0: no retry). */
  readonly retryTimeoutMs?: number;
  readonly clock?: Clock;
  readonly log?: Logger;
}

export interface SubjectVersion {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly schema: string;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
/** Confluent's error codes for "not found" in the body of a 404. */
const SUBJECT_NOT_FOUND = 40401;
const VERSION_NOT_FOUND = 40402;
const SCHEMA_NOT_FOUND = 40403;

export class SchemaRegistryClient {
  /** The base URL without credentials: what messages and logs show. */
  readonly url: string;
  readonly #authorization: string | undefined;
  readonly #requestTimeoutMs: number;
  readonly #tlsCa: Buffer | undefined;
  readonly #retryTimeoutMs: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #byId = new Map<number, Promise<string>>();
  readonly #registered = new Map<string, Promise<number>>();

  constructor(options: SchemaRegistryClientOptions) {
    const { url, credentials } = splitCredentials(options.url);
    this.url = url;
    const creds = options.credentials ?? credentials;
    this.#authorization = creds === undefined ? undefined : `Basic ${Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64')}`;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#tlsCa = options.tlsCa;
    this.#retryTimeoutMs = options.retryTimeoutMs ?? 30_000;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? silentLogger;
  }

  /** The schema text of an id (cached). Throws SchemaNotFoundError for an id the registry does not know. */
  getSchemaById(id: number): Promise<string> {
    if (!Number.isInteger(id) || id < 0) return Promise.reject(new RangeError(`a schema id is a non-negative integer, got ${id}`));
    return cached(this.#byId, id, async () => {
      const body = await this.#call(`fetching schema ${id}`, 'GET', `/schemas/ids/${id}`, undefined, (errorCode) =>
        errorCode === SCHEMA_NOT_FOUND ? new SchemaNotFoundError(id, this.url) : undefined,
      );
      return stringField(body, 'schema', `fetching schema ${id}`);
    });
  }

  /** Registers an Avro schema under a subject (or finds it there); returns its id (cached). */
  register(subject: string, schema: string): Promise<number> {
    return cached(this.#registered, `${subject}\u0000${schema}`, async () => {
      const what = `registering a schema under subject "${subject}"`;
      const body = await this.#call(what, 'POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema, schemaType: 'AVRO' });
      const id = numberField(body, 'id', what);
      if (!this.#byId.has(id)) this.#byId.set(id, Promise.resolve(schema));
      return id;
    });
  }

  /** The newest version of a subject (not cached). Throws SubjectNotFoundError when the subject has none. */
  async latestVersion(subject: string): Promise<SubjectVersion> {
    const what = `reading the latest version of subject "${subject}"`;
    const body = await this.#call(what, 'GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`, undefined, (errorCode) =>
      errorCode === SUBJECT_NOT_FOUND || errorCode === VERSION_NOT_FOUND ? new SubjectNotFoundError(subject, this.url) : undefined,
    );
    return {
      subject: stringField(body, 'subject', what),
      version: numberField(body, 'version', what),
      id: numberField(body, 'id', what),
      schema: stringField(body, 'schema', what),
    };
  }

  /** Every version of a subject, oldest first (not cached). Throws SubjectNotFoundError when the subject has none. */
  async subjectVersions(subject: string): Promise<SubjectVersion[]> {
    const what = `listing the versions of subject "${subject}"`;
    const path = `/subjects/${encodeURIComponent(subject)}/versions`;
    const body = await this.#call(what, 'GET', path, undefined, (errorCode) => (errorCode === SUBJECT_NOT_FOUND ? new SubjectNotFoundError(subject, this.url) : undefined));
    if (!Array.isArray(body) || !body.every((v): v is number => typeof v === 'number')) throw new SchemaRegistryRequestError(what, 200, 'expected a list of version numbers');
    const out: SubjectVersion[] = [];
    for (const version of body) {
      const v = await this.#call(what, 'GET', `${path}/${version}`);
      out.push({ subject, version: numberField(v, 'version', what), id: numberField(v, 'id', what), schema: stringField(v, 'schema', what) });
    }
    return out;
  }

  /** The subjects the registry holds (not cached); also a cheap "does it answer" probe. */
  async subjects(): Promise<string[]> {
    const body = await this.#call('listing the subjects', 'GET', '/subjects');
    if (!Array.isArray(body) || !body.every((s): s is string => typeof s === 'string')) {
      throw new SchemaRegistryRequestError('listing the subjects', 200, 'the answer is not a list of names');
    }
    return body;
  }

  /**
   * One request, retried while the registry does not answer. `notFound` maps a 404 by its Confluent error_code;
   * a 404 without one (a URL that is not a registry's API) stays a SchemaRegistryRequestError.
   */
  #call(what: string, method: 'GET' | 'POST', path: string, payload?: unknown, notFound?: (errorCode: number | undefined) => Error | undefined): Promise<unknown> {
    const once = (): Promise<unknown> => this.#request(what, method, path, payload, notFound);
    if (this.#retryTimeoutMs === 0) return once();
    return retryWhileUnavailable(once, {
      what,
      service: 'the schema registry',
      timeoutMs: this.#retryTimeoutMs,
      clock: this.#clock,
      log: this.#log,
    });
  }

  async #request(what: string, method: 'GET' | 'POST', path: string, payload: unknown, notFound?: (errorCode: number | undefined) => Error | undefined): Promise<unknown> {
    const headers: Record<string, string> = { Accept: `${CONTENT_TYPE}, application/json` };
    if (payload !== undefined) headers['Content-Type'] = CONTENT_TYPE;
    if (this.#authorization !== undefined) headers['Authorization'] = this.#authorization;
    let answer: HttpAnswer;
    try {
      answer = await send(`${this.url}${path}`, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload), timeoutMs: this.#requestTimeoutMs, ca: this.#tlsCa });
    } catch (error) {
      const tls = tlsFailureReason([error, (error as { cause?: unknown }).cause], REGISTRY_TLS_HINTS);
      if (tls !== undefined) throw new SchemaRegistryTlsError(this.url, tls, error);
      throw new SchemaRegistryUnavailableError(this.url, describeTransportError(error), error);
    }
    const response = { ok: answer.status >= 200 && answer.status < 300, status: answer.status };
    const text = answer.text;
    const body = parseJson(text);
    if (response.ok) return body;
    const errorCode = numberOrUndefined(body, 'error_code');
    const message = stringOrUndefined(body, 'message') ?? text.slice(0, 200).trim();
    if (response.status >= 500) throw new SchemaRegistryUnavailableError(this.url, `HTTP ${response.status}${message === '' ? '' : `: ${message}`}`);
    if (response.status === 404 && notFound !== undefined) {
      const mapped = notFound(errorCode);
      if (mapped !== undefined) throw mapped;
    }
    throw new SchemaRegistryRequestError(what, response.status, message);
  }
}

/**
 * Splits user:password@ out of a URL. The URL returned has no credentials and
 * no trailing slash; a URL that does not parse is refused (ConfigError)
 * without echoing it (it may hold a password).
 */
export function splitCredentials(raw: string): { url: string; credentials?: SchemaRegistryCredentials } {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError('the schema registry URL is not a valid URL (expected http://host:port/path)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(`the schema registry URL must be http or https, not ${parsed.protocol}`);
  const credentials = parsed.username === '' ? undefined : { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
  parsed.username = '';
  parsed.password = '';
  const url = parsed.toString().replace(/\/+$/, '');
  return credentials === undefined ? { url } : { url, credentials };
}

function cached<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const pending = load();
  cache.set(key, pending);
  // A failure is not kept: the next call asks again.
  pending.catch(() => {
    if (cache.get(key) === pending) cache.delete(key);
  });
  return pending;
}

/** What failed, for the message: Node's code (ECONNREFUSED, ENOTFOUND) or "no answer within N ms". */
function describeTransportError(error: unknown): string {
  if (error instanceof HttpTransportError) return error.code === 'TIMEOUT' || error.code === 'ERROR' ? error.message : error.code;
  return error instanceof Error ? error.message : String(error);
}

const REGISTRY_TLS_HINTS = {
  peer: 'registry',
  caFlag: '--schema-registry-ca-file',
  serverName: 'connect by a name it carries',
  handshake: 'check that the registry speaks HTTPS on that port',
};

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

function numberOrUndefined(body: unknown, name: string): number | undefined {
  const value = field(body, name);
  return typeof value === 'number' ? value : undefined;
}

function stringOrUndefined(body: unknown, name: string): string | undefined {
  const value = field(body, name);
  return typeof value === 'string' ? value : undefined;
}

function stringField(body: unknown, name: string, what: string): string {
  const value = stringOrUndefined(body, name);
  if (value === undefined) throw new SchemaRegistryRequestError(what, 200, `the answer has no string "${name}"`);
  return value;
}

function numberField(body: unknown, name: string, what: string): number {
  const value = numberOrUndefined(body, name);
  if (value === undefined || !Number.isInteger(value)) throw new SchemaRegistryRequestError(what, 200, `the answer has no integer "${name}"`);
  return value;
}
