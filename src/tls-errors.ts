/**
 * What a failed TLS handshake means, from Node's error codes (OpenSSL's
 * certificate verify results, Node's host name check, the alerts a server
 * sends), for every client of ours that speaks TLS: Kafka
 * (src/kafka/connection.ts) and Redis (src/store/redis-model-store.ts). By
 * code, never by message text. None of these is an outage: trying again gives
 * the same answer.
 */

const CERT_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
]);
const CERT_DATES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const HOSTNAME_MISMATCH = 'ERR_TLS_CERT_ALTNAME_INVALID';

export interface TlsHints {
  /** Who the server is: "broker", "Redis server". */
  readonly peer: string;
  /** The setting that gives the CA: "--tls-ca-file". */
  readonly caFlag: string;
  /** What to do about a host name mismatch. */
  readonly serverName: string;
  /** What to check when the handshake itself failed. */
  readonly handshake: string;
}

/** The TLS failure among these errors as a sentence for people, or undefined when none is one. */
export function tlsFailureReason(errors: readonly unknown[], hints: TlsHints): string | undefined {
  const peer = hints.peer;
  for (const e of errors) {
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code !== 'string') continue;
    if (code === HOSTNAME_MISMATCH) return `the ${peer}'s certificate does not name the host connected to (${HOSTNAME_MISMATCH}); ${hints.serverName}`;
    if (CERT_UNTRUSTED.has(code)) return `the ${peer}'s certificate is not signed by a trusted CA (${code}); give its CA with ${hints.caFlag}`;
    if (CERT_DATES.has(code)) return `the ${peer}'s certificate is outside its validity dates (${code})`;
    // An alert from the server ends the handshake, e.g. ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED (no client
    // certificate) or ..._ALERT_UNKNOWN_CA (ours is not trusted); ERR_SSL_WRONG_VERSION_NUMBER: no TLS there.
    if (code.startsWith('ERR_SSL_')) return `the handshake failed (${code}): ${hints.handshake}`;
  }
  return undefined;
}
