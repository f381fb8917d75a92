/**
 * What every client of ours needs to reach a cluster, and the translation of
 * the underlying client's errors into ours. This is one of the few files that
 * know which Kafka client library we use (see docs/decisions/kafka-client.md).
 */
import type { LabeljoinConfig } from '../config/config.js';
import { KafkaRequestError, KafkaUnavailableError, type KafkaError } from './errors.js';

export interface ConnectionSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  /** Attempts of a failed request before giving up (0: fail at once). */
  readonly retries?: number;
  readonly retryDelayMs?: number;
}

/** Connection settings from the config; `brokers` overrides the configured bootstrap list. */
export function connectionSettings(
  config: LabeljoinConfig,
  overrides: Partial<Pick<ConnectionSettings, 'brokers' | 'retries' | 'retryDelayMs'>> = {},
): ConnectionSettings {
  return {
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    requestTimeoutMs: config.kafka.requestTimeoutMs,
    ...overrides,
  };
}

export interface BaseClientOptions {
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

/** Turns an error of the client library into a KafkaError that says what failed. */
export function translateError(what: string, error: unknown, brokers: readonly string[]): KafkaError {
  if (isUnavailable(error)) return new KafkaUnavailableError(brokers, rootCause(error));
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
