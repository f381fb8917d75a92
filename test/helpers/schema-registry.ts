/**
 * The schema registry of a test file: the one LABELJOIN_TEST_SCHEMA_REGISTRY
 * names (a base URL of the Confluent-compatible API, to share one registry
 * across files or runs), else a local Apicurio registry that our own code
 * (src/schema-registry/local/) starts for the file and stops after it. A start
 * costs about 3 s of CPU on a cached build, so `npm test` does not start one
 * for the whole run: only the files that use it pay for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { freePort } from '../../src/kafka/local/broker.js';
import { startLocalRegistry, stopLocalRegistry } from '../../src/schema-registry/local/server.js';

export interface TestSchemaRegistry {
  /** Base URL of the Confluent-compatible API; valid once the file's before hook ran. */
  url(): string;
}

/** Call at the top of a describe block (registers its before/after hooks). */
export function useTestSchemaRegistry(): TestSchemaRegistry {
  let url: string | undefined;
  let dataDir: string | undefined;
  before(async () => {
    const given = process.env['LABELJOIN_TEST_SCHEMA_REGISTRY'];
    if (given !== undefined && given !== '') {
      url = given;
      return;
    }
    dataDir = mkdtempSync(join(tmpdir(), 'labeljoin-test-registry-'));
    const started = await startLocalRegistry({ port: await freePort(), dataDir, heapMb: 256, startTimeoutMs: 120_000 });
    url = started.state.url;
  });
  after(async () => {
    if (dataDir === undefined) return;
    try {
      await stopLocalRegistry(dataDir);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  return {
    url: () => {
      if (url === undefined) throw new Error('the test schema registry is not up yet (use url() inside a test)');
      return url;
    },
  };
}

/** A subject name no other test (or earlier run on a shared registry) uses. */
export function uniqueSubject(prefix: string): string {
  return `test-${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}-value`;
}
