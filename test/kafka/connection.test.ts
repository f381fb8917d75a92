/**
 * How the client library's errors of a secured cluster become ours, with the
 * library's own error classes shaped as its connection layer makes them
 * (src/kafka/connection.ts; the real broker: test/integration/kafka/secured.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthenticationError, MultipleErrors, NetworkError, ProtocolError, ResponseError } from '@platformatic/kafka';
import { translateError } from '../../src/kafka/connection.js';

const BROKERS = ['127.0.0.1:9093'];

function nodeError(code: string): Error {
  return Object.assign(new Error(`node says ${code}`), { code });
}

/** A failed connection as the library reports it after its retries. */
function failedConnect(cause: Error): Error {
  const attempt = new NetworkError('Connection to 127.0.0.1:9093 failed.', { cause });
  return new MultipleErrors('metadata failed 4 times.', [attempt, attempt]);
}

describe('translateError for secured clusters', () => {
  it('TLS: an unknown CA, a host name mismatch and a broker alert are KAFKA_TLS_FAILED, not retriable', () => {
    for (const [code, message] of [
      ['SELF_SIGNED_CERT_IN_CHAIN', /not signed by a trusted CA \(SELF_SIGNED_CERT_IN_CHAIN\); give its CA with --tls-ca-file/],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /not signed by a trusted CA/],
      ['ERR_TLS_CERT_ALTNAME_INVALID', /does not name the host connected to/],
      ['CERT_HAS_EXPIRED', /outside its validity dates/],
      ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', /the handshake failed \(ERR_SSL_TLSV1_ALERT_UNKNOWN_CA\)/],
    ] as const) {
      const e = translateError('metadata request', failedConnect(nodeError(code)), BROKERS);
      assert.equal(e.code, 'KAFKA_TLS_FAILED', code);
      assert.equal(e.retriable, false, code);
      assert.match(e.message, message);
      assert.match(e.message, /^TLS with Kafka at 127\.0\.0\.1:9093 failed: /);
    }
  });

  it('SASL: refused credentials are KAFKA_AUTHENTICATION_FAILED, not retriable', () => {
    const refused = new ResponseError(36, 2, { '': [58, 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512'] }, {});
    const e = translateError('metadata request', failedConnect(new AuthenticationError('SASL authentication failed.', { cause: refused })), BROKERS);
    assert.equal(e.code, 'KAFKA_AUTHENTICATION_FAILED');
    assert.equal(e.retriable, false);
    assert.match(e.message, /refused the SASL authentication \(SASL_AUTHENTICATION_FAILED\)/);
    const mechanism = translateError('x', failedConnect(new AuthenticationError('Cannot find a suitable SASL mechanism.', { cause: new ProtocolError('UNSUPPORTED_SASL_MECHANISM') })), BROKERS);
    assert.equal(mechanism.code, 'KAFKA_AUTHENTICATION_FAILED');
    assert.match(mechanism.message, /UNSUPPORTED_SASL_MECHANISM/);
  });

  it('a translated error translated again stays what it is; a refused connection is still an outage', () => {
    const tls = translateError('a', failedConnect(nodeError('ERR_TLS_CERT_ALTNAME_INVALID')), BROKERS);
    assert.equal(translateError('b', tls, BROKERS), tls);
    const refused = translateError('a', failedConnect(nodeError('ECONNREFUSED')), BROKERS);
    assert.equal(refused.code, 'KAFKA_UNAVAILABLE');
    assert.equal(refused.retriable, true);
  });
});
