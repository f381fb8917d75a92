/**
 * Whether a bootstrap list names a broker the local-broker commands can start
 * or stop: exactly one address on this machine's loopback (127.0.0.1,
 * localhost or ::1), since the local broker listens on 127.0.0.1 only.
 */

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The port of the one loopback address in `brokers`, or undefined when the list names anything else. */
export function localBrokerPort(brokers: readonly string[]): number | undefined {
  if (brokers.length !== 1) return undefined;
  const address = brokers[0]!;
  const colon = address.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const host = address.slice(0, colon).toLowerCase();
  const port = Number(address.slice(colon + 1));
  if (!LOOPBACK.has(host) || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return port;
}
