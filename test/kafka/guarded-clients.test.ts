/**
 * The guard of src/kafka/guarded-clients.ts: a request to a node the metadata does not have
 * fails with a retriable error that marks the metadata stale, not with a TypeError thrown
 * inside the client library. No broker: the guard answers before a connection is opened.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kGetConnection, MultipleErrors, type Broker, type Connection } from '@platformatic/kafka';
import { GuardedAdmin, GuardedConsumer, GuardedProducer, isMissingNode, missingNodeError } from '../../src/kafka/guarded-clients.js';

const options = { clientId: 'guard-test', bootstrapBrokers: ['127.0.0.1:1'] };

function connectTo(client: { [kGetConnection](broker: Broker, callback: (error: Error | null, c?: Connection) => void): void }, broker: Broker | undefined): Promise<Error | null> {
  return new Promise((resolve) => client[kGetConnection](broker as Broker, (error) => resolve(error)));
}

describe('clients guarded against a node missing from the metadata', () => {
  for (const [name, make] of [
    ['consumer', () => new GuardedConsumer({ ...options, groupId: 'guard-test' })],
    ['producer', () => new GuardedProducer(options)],
    ['admin', () => new GuardedAdmin(options)],
  ] as const) {
    it(`${name}: a request to an unknown node fails retriable, with the metadata marked stale`, async () => {
      const client = make();
      try {
        const error = await connectTo(client, undefined);
        assert.ok(error !== null, 'an error, not a throw');
        assert.equal((error as { canRetry?: unknown }).canRetry, true);
        assert.equal((error as { hasStaleMetadata?: unknown }).hasStaleMetadata, true);
        assert.ok(isMissingNode(error));
      } finally {
        await client.close();
      }
    });
  }

  it('tells its error apart, also inside the library\'s retries', () => {
    assert.ok(isMissingNode(new MultipleErrors('produce failed 3 times.', [new Error('first'), missingNodeError()])));
    assert.equal(isMissingNode(new MultipleErrors('produce failed 3 times.', [new Error('first')])), false);
    assert.equal(isMissingNode(new Error('plain')), false);
    assert.equal(isMissingNode(undefined), false);
  });
});
