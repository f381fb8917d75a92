/**
 * The client library's clients, with one guard (docs/decisions/kafka-client.md,
 * "A node missing from the metadata").
 *
 * The library (1.35) hands `metadata.brokers.get(id)` to its connection pool
 * unchecked: when the metadata names a node — a partition's leader, the group's
 * coordinator — that its own broker list no longer has (a node of a cluster just
 * killed and fenced, before leadership moved), the pool reads the host of
 * `undefined` inside a callback and the process dies of an uncaught TypeError.
 * Here that request fails instead with a retriable network error that marks the
 * metadata stale, what the library's 2.x does (which needs Node 22). Every
 * client of labeljoin is made from these classes, never from the library's own.
 */
import { Admin, Consumer, kGetConnection, NetworkError, Producer, type Broker, type Callback, type Connection } from '@platformatic/kafka';

/** The error a request to a node missing from the metadata fails with (ours, not the library's TypeError). */
export function missingNodeError(): NetworkError {
  return new NetworkError('the node this request goes to is not in the cluster metadata (it left the cluster, or is being replaced)', { canRetry: true, hasStaleMetadata: true, missingNode: true });
}

/** Whether a library error is missingNodeError(), or a MultipleErrors of the library's retries holding it (its findBy searches the errors it holds, not `cause`). */
export function isMissingNode(error: unknown): boolean {
  const findBy = (error as { findBy?: unknown } | null)?.findBy;
  return typeof findBy === 'function' && (findBy as (key: string, value: unknown) => unknown).call(error, 'missingNode', true) != null;
}

function present(broker: Broker | undefined, callback: Callback<Connection>): broker is Broker {
  if (broker !== undefined && broker !== null) return true;
  callback(missingNodeError());
  return false;
}

export class GuardedConsumer extends Consumer {
  override [kGetConnection](broker: Broker, callback: Callback<Connection>): void {
    if (present(broker, callback)) super[kGetConnection](broker, callback);
  }
}

export class GuardedProducer extends Producer {
  override [kGetConnection](broker: Broker, callback: Callback<Connection>): void {
    if (present(broker, callback)) super[kGetConnection](broker, callback);
  }
}

export class GuardedAdmin extends Admin {
  override [kGetConnection](broker: Broker, callback: Callback<Connection>): void {
    if (present(broker, callback)) super[kGetConnection](broker, callback);
  }
}
