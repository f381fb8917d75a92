/**
 * What every client of ours needs to reach a cluster, and the translation of
 * the underlying client's errors into ours. This is one of the few files that
 * know which Kafka client library we use (see docs/decisions/kafka-client.md).
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { LabeljoinConfig } from '../config/config.js';
import { KafkaAuthenticationError, KafkaRequestError, KafkaTlsError, KafkaUnavailableError, type KafkaError } from './errors.js';
import { kafkaSecurity, nodeTlsOptions, type KafkaSecurity } from './security.js';
import { tlsFailureReason } from '../tls-errors.js';

export interface ConnectionSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  /** Attempts of a failed request before giving up (0: fail at once). */
  readonly retries?: number;
  readonly retryDelayMs?: number;
  /** TLS and SASL (src/kafka/security.ts); none: plaintext. */
  readonly security?: KafkaSecurity | undefined;
}

/**
 * Connection settings from the config, security included (its files are read
 * here; settings that do not fit together fail with a ConfigError); `brokers`
 * overrides the configured bootstrap list.
 */
export function connectionSettings(
  config: LabeljoinConfig,
  overrides: Partial<Pick<ConnectionSettings, 'brokers' | 'retries' | 'retryDelayMs' | 'security'>> = {},
): ConnectionSettings {
  return {
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    requestTimeoutMs: config.kafka.requestTimeoutMs,
    security: kafkaSecurity(config.kafka),
    ...overrides,
  };
}

/** The library's SASL options (its `sasl`); secrets are handed over by functions, so the options object never holds them. */
export interface SaslClientOptions {
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';
  username?: () => string;
  password?: () => string;
  token?: () => Promise<string>;
}

/** TLS and SASL options of a connection, for the library's clients and for a ConnectionPool of our own (the fetcher's). */
export interface SecurityClientOptions {
  tls?: TlsConnectionOptions;
  sasl?: SaslClientOptions;
}

export function securityClientOptions(security: KafkaSecurity | undefined): SecurityClientOptions {
  const out: SecurityClientOptions = {};
  if (security?.tls !== undefined) out.tls = nodeTlsOptions(security.tls);
  const sasl = security?.sasl;
  if (sasl !== undefined) {
    const { username, password, token } = sasl;
    out.sasl = {
      mechanism: sasl.mechanism,
      ...(username === undefined ? {} : { username: () => username }),
      ...(password === undefined ? {} : { password: () => password.reveal() }),
      ...(token === undefined ? {} : { token }),
    };
  }
  return out;
}

export interface BaseClientOptions extends SecurityClientOptions {
  clientId: string;
  bootstrapBrokers: string[];
  timeout: number;
  connectTimeout: number;
  requestTimeout: number;
  retries: number;
  retryDelay: number;
}

export function baseClientOptions(settings: ConnectionSettings): BaseClientOptions {
  return {
    clientId: settings.clientId,
    bootstrapBrokers: [...settings.brokers],
    timeout: settings.requestTimeoutMs,
    connectTimeout: Math.min(settings.requestTimeoutMs, 10_000),
    requestTimeout: settings.requestTimeoutMs,
    retries: settings.retries ?? 3,
    retryDelay: settings.retryDelayMs ?? 250,
    ...securityClientOptions(settings.security),
  };
}

/**
 * The group rebalanced or its coordinator moved: a commit under the old
 * generation is refused. Trying again after the member has rejoined is right;
 * partitions that moved are dropped by the caller and redone by their new owner.
 */
const GROUP_MOVED = new Set([
  'ILLEGAL_GENERATION',
  'REBALANCE_IN_PROGRESS',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'CONCURRENT_TRANSACTIONS',
]);

const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE']);

const KAFKA_TLS_HINTS = {
  peer: 'broker',
  caFlag: '--tls-ca-file',
  serverName: 'connect by a name it carries, or set --tls-server-name',
  handshake: 'check that the broker speaks TLS on that port and, for mutual TLS, --tls-cert-file and --tls-key-file',
};
const SASL_REFUSED = new Set(['SASL_AUTHENTICATION_FAILED', 'UNSUPPORTED_SASL_MECHANISM', 'ILLEGAL_SASL_STATE']);

/**
 * A secured cluster refused us, or we refused it: wrong SASL credentials, an
 * unknown CA, a host name the certificate does not carry, a client
 * certificate the broker refused. Found by error codes (the library's
 * PLT_KFK_AUTHENTICATION, Kafka's protocol codes, Node's TLS codes), never by
 * message text. These are not outages: trying again gives the same answer.
 */
function securityFailure(error: unknown, brokers: readonly string[]): KafkaError | undefined {
  const chain = causeChain(error);
  const tls = tlsFailureReason(chain, KAFKA_TLS_HINTS);
  if (tls !== undefined) return new KafkaTlsError(brokers, tls, error);
  const sasl = chain.map((e) => (e as { apiId?: unknown }).apiId).find((id): id is string => typeof id === 'string' && SASL_REFUSED.has(id));
  if (sasl !== undefined) return new KafkaAuthenticationError(brokers, sasl, error);
  if (chain.some((e) => (e as { code?: unknown }).code === 'PLT_KFK_AUTHENTICATION')) return new KafkaAuthenticationError(brokers, 'authentication failed', error);
  return undefined;
}

/** Whether the error is a security failure of the cluster's (translated by translateError): never worth a retry. */
export function isSecurityFailure(error: unknown): boolean {
  return error instanceof KafkaAuthenticationError || error instanceof KafkaTlsError;
}

/**
 * TLS alerts a broker sent after the handshake, on the connections of one of
 * our clients. Under TLS 1.3 a broker refuses a client certificate (or the lack
 * of one) only after the client has finished its handshake; the library then
 * reports the connection's error to the connection's own `error` listeners and
 * fails the request with a bare "Connection closed", which alone would look
 * like an outage. Watching the connections keeps the alert, so that
 * translateError can say what it was.
 */
export class ConnectionAlerts {
  #recent: unknown[] = [];

  /** Watches the connections a client opens (its pools forward `connect` as `client:broker:connect`); a ConnectionPool of our own: event `connect`. */
  watch(emitter: { on(event: string, listener: (payload: unknown) => void): unknown }, event = 'client:broker:connect'): void {
    emitter.on(event, (payload: unknown) => {
      const connection = (payload as { connection?: { on?: (event: 'error', listener: (error: unknown) => void) => unknown } } | undefined)?.connection;
      connection?.on?.('error', (error: unknown) => {
        if (tlsFailureReason(causeChain(error), KAFKA_TLS_HINTS) === undefined) return;
        this.#recent.push(error);
        if (this.#recent.length > 8) this.#recent.shift();
      });
    });
  }

  /** The alerts seen since the last call. */
  take(): unknown[] {
    const recent = this.#recent;
    this.#recent = [];
    return recent;
  }
}

/** Turns an error of the client library into a KafkaError that says what failed; `alerts`: the client's connections' TLS alerts, for a connection that closed. */
export function translateError(what: string, error: unknown, brokers: readonly string[], alerts?: ConnectionAlerts): KafkaError {
  if (isSecurityFailure(error)) return error as KafkaError;
  const security = securityFailure(error, brokers);
  if (security !== undefined) return security;
  const recent = alerts?.take() ?? [];
  if (isUnavailable(error)) {
    const alert = tlsFailureReason(recent.flatMap((e) => causeChain(e)), KAFKA_TLS_HINTS);
    if (alert !== undefined) return new KafkaTlsError(brokers, alert, error);
    return new KafkaUnavailableError(brokers, rootCause(error));
  }
  const codes = [...new Set(causeChain(error).map((e) => (e as { apiId?: unknown }).apiId).filter((c): c is string => typeof c === 'string'))];
  const timedOut = causeChain(error).some((e) => (e as { code?: unknown }).code === 'PLT_KFK_TIMEOUT');
  const groupMoved = codes.some((c) => GROUP_MOVED.has(c));
  return new KafkaRequestError(codes.length === 0 ? what : `${what} (${codes.join(', ')})`, error, timedOut || groupMoved || isRetriableProtocolError(error));
}

/**
 * Whether the broker answered with an error code (some Kafka protocol error is
 * among the error and its causes), as opposed to the connection failing.
 */
export function isBrokerAnswer(error: unknown): boolean {
  return causeChain(error).some((e) => typeof (e as { apiId?: unknown }).apiId === 'string');
}

/** Whether a Kafka protocol error of this name (e.g. TOPIC_ALREADY_EXISTS) is among the error and its causes. */
export function hasKafkaCode(error: unknown, apiId: string): boolean {
  return causeChain(error).some((e) => (e as { apiId?: unknown }).apiId === apiId);
}

function isUnavailable(error: unknown): boolean {
  for (const e of causeChain(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_ERRNOS.has(code) || code === 'PLT_KFK_NETWORK')) return true;
  }
  return false;
}

function isRetriableProtocolError(error: unknown): boolean {
  return causeChain(error).some((e) => (e as { canRetry?: unknown }).canRetry === true);
}

function rootCause(error: unknown): unknown {
  const chain = causeChain(error);
  return chain[chain.length - 1];
}

/** The error, its causes, and the members of aggregate errors, depth first. */
function causeChain(error: unknown, seen = new Set<unknown>()): unknown[] {
  if (error === null || typeof error !== 'object' || seen.has(error)) return [];
  seen.add(error);
  const out: unknown[] = [error];
  const cause = (error as { cause?: unknown }).cause;
  out.push(...causeChain(cause, seen));
  if (error instanceof AggregateError) for (const member of error.errors) out.push(...causeChain(member, seen));
  return out;
}
