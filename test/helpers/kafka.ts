/**
 * Helpers for integration tests: the broker of this test run, unique topic
 * names, and clients whose cleanup is registered with the test that made them.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { KafkaAdmin, type TopicSpec } from '../../src/kafka/admin.js';
import type { ConnectionSettings } from '../../src/kafka/connection.js';

/** The broker started by scripts/run-tests.ts (or named by LABELJOIN_TEST_BROKERS). */
export function testBrokers(): string[] {
  const brokers = process.env['LABELJOIN_TEST_BROKERS'];
  if (brokers === undefined || brokers === '') {
    throw new Error('LABELJOIN_TEST_BROKERS is not set: run integration tests through `npm test`, which starts a broker');
  }
  return brokers.split(',');
}

export function testConnection(clientId = 'labeljoin-test'): ConnectionSettings {
  return { brokers: testBrokers(), clientId, requestTimeoutMs: 15_000 };
}

/** A topic name no other test (or earlier run) uses. */
export function uniqueTopic(prefix: string): string {
  return `test-${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * An admin client for one test. When the test ends, the named topics are
 * deleted (if they exist) and then the client is closed.
 */
export function testAdmin(t: TestContext, cleanupTopics: readonly string[] = []): KafkaAdmin {
  const admin = new KafkaAdmin(testConnection('labeljoin-test-admin'));
  t.after(async () => {
    try {
      // LABELJOIN_TEST_KEEP_TOPICS=1 keeps them for a post-mortem of a failing test.
      if (process.env['LABELJOIN_TEST_KEEP_TOPICS'] !== '1') await admin.deleteTopics(cleanupTopics);
    } finally {
      await admin.close();
    }
  });
  return admin;
}

/** Creates topics that are deleted when the test ends. */
export async function createTestTopics(t: TestContext, specs: readonly TopicSpec[]): Promise<void> {
  await testAdmin(t, specs.map((s) => s.name)).createTopics(specs);
}
