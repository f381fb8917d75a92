/**
 * Errors of the Kafka layer: the client wrapper and the local broker.
 * `retriable` is true where waiting and trying again can succeed (the broker
 * is not up yet, a leader moved); callers branch on it, not on messages.
 */
import { LabeljoinError, type ErrorCode } from '../errors.js';

export class KafkaError extends LabeljoinError {
  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(code, message, options);
  }
}

/** No broker answered (connection refused, DNS, timeout while connecting). */
export class KafkaUnavailableError extends KafkaError {
  constructor(brokers: readonly string[], cause?: unknown) {
    super('KAFKA_UNAVAILABLE', `no Kafka broker answered at ${brokers.join(',')}${causeText(cause)}`, {
      cause,
      retriable: true,
    });
  }
}

/** A request reached a broker and failed. */
export class KafkaRequestError extends KafkaError {
  constructor(what: string, cause: unknown, retriable = false) {
    super('KAFKA_REQUEST_FAILED', `${what} failed${causeText(cause)}`, { cause, retriable });
  }
}

/**
 * The cluster refused our SASL authentication (wrong user name or password, a
 * mechanism it does not enable, a token it does not accept). Not retriable:
 * asking again with the same credentials gets the same answer. The message
 * names the cause by its protocol code, never the credentials.
 */
export class KafkaAuthenticationError extends KafkaError {
  constructor(brokers: readonly string[], reason: string, cause?: unknown) {
    super('KAFKA_AUTHENTICATION_FAILED', `Kafka at ${brokers.join(',')} refused the SASL authentication (${reason}): check --sasl-mechanism, --sasl-username and the password (LABELJOIN_KAFKA_SASL_PASSWORD or --sasl-password-file)`, { cause });
  }
}

/**
 * The TLS handshake with a broker failed: its certificate does not chain to a
 * CA we trust, does not name the host, or the broker refused our client
 * certificate (or speaks no TLS there). Not retriable.
 */
export class KafkaTlsError extends KafkaError {
  constructor(brokers: readonly string[], reason: string, cause?: unknown) {
    super('KAFKA_TLS_FAILED', `TLS with Kafka at ${brokers.join(',')} failed: ${reason}`, { cause });
  }
}

export class TopicMissingError extends KafkaError {
  /** `create`: the exact command that creates them (default: `labeljoin topics create NAME...`). */
  constructor(readonly topics: readonly string[], create = `labeljoin topics create ${topics.join(' ')}`) {
    super('TOPIC_MISSING', `topic${topics.length > 1 ? 's' : ''} ${topics.join(', ')} not found; create ${topics.length > 1 ? 'them' : 'it'} with: ${create}`);
  }
}

export class TopicsNotCopartitionedError extends KafkaError {
  constructor(readonly partitions: ReadonlyMap<string, number>) {
    const list = [...partitions].map(([topic, n]) => `${topic}=${n}`).join(', ');
    super('TOPICS_NOT_COPARTITIONED', `input topics must have the same partition count, found ${list}`);
  }
}

/**
 * A fetch asked for offsets the log no longer (or not yet) has: retention
 * deleted them while the reader was away. Carries the positions asked for, so
 * the caller can move them to the log start.
 */
export class OffsetOutOfRangeError extends KafkaError {
  constructor(readonly positions: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly offset: bigint }>, cause: unknown) {
    super('OFFSET_OUT_OF_RANGE', `offsets out of range (deleted by retention?) at ${positions.map((p) => `${p.topic}/${p.partition}@${p.offset}`).join(', ')}`, { cause });
  }
}

// --- local broker --------------------------------------------------------

export class JavaMissingError extends KafkaError {
  constructor(detail: string, purpose = 'to run the local Kafka broker') {
    super('JAVA_MISSING', `Java 17 or newer is needed ${purpose}: ${detail}`);
  }
}

export class MavenMissingError extends KafkaError {
  constructor(detail: string, purpose = 'to fetch the Kafka broker from Maven Central') {
    super('MAVEN_MISSING', `Maven (mvn) is needed ${purpose}: ${detail}`);
  }
}

export class MavenFailedError extends KafkaError {
  constructor(detail: string, what = "the Kafka broker's artifacts") {
    super('MAVEN_FAILED', `Maven could not resolve ${what}: ${detail}`, { retriable: true });
  }
}

export class PortInUseError extends KafkaError {
  constructor(readonly port: number, what = 'the broker') {
    super('PORT_IN_USE', `port ${port} on 127.0.0.1 is already in use; choose another for ${what} with --port N`);
  }
}

export class BrokerStartError extends KafkaError {
  constructor(reason: string, readonly logTail: readonly string[]) {
    const tail = logTail.length === 0 ? '' : `\nlast lines of the broker log:\n${logTail.map((l) => `  ${l}`).join('\n')}`;
    super('BROKER_START_FAILED', `the local Kafka broker did not come up: ${reason}${tail}`);
  }
}

export class BrokerNotRunningError extends KafkaError {
  constructor(where: string) {
    super('BROKER_NOT_RUNNING', `no local Kafka broker is running (${where})`);
  }
}

export class BrokerStopError extends KafkaError {
  constructor(reason: string) {
    super('BROKER_STOP_FAILED', `the local Kafka broker did not stop: ${reason}`);
  }
}

/**
 * `kafka start` or `kafka stop` given (by --brokers or LABELJOIN_BROKERS) a
 * cluster other than one loopback address: labeljoin starts and stops only
 * its own broker on 127.0.0.1. The message says what to do instead.
 */
export class BrokerNotLocalError extends KafkaError {
  constructor(message: string, cause?: unknown) {
    super('BROKER_NOT_LOCAL', message, { cause });
  }
}

function causeText(cause: unknown): string {
  if (cause instanceof Error) return `: ${cause.message}`;
  return cause === undefined ? '' : `: ${String(cause)}`;
}
