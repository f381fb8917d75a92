/**
 * A secured local broker for one test file, started with the CLI as a user
 * would (`labeljoin kafka start --security ssl|sasl_ssl --json`), and test
 * pipelines on it. The broker is stopped and its data removed when the file's
 * tests end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { KafkaAdmin } from '../../src/kafka/admin.js';
import type { ConnectionSettings } from '../../src/kafka/connection.js';
import { freePort, type LocalClientFiles } from '../../src/kafka/local/broker.js';
import { localClientSecurity } from '../../src/kafka/local/security-material.js';
import type { LocalSecurity } from '../../src/kafka/security-names.js';
import { jsonOutput, runCli } from './cli.js';
import { uniqueTopic } from './kafka.js';
import type { TestPipeline } from './pipeline.js';
import { testDir } from './tmp.js';

export interface SecuredBroker {
  readonly bootstrap: string;
  readonly dataDir: string;
  readonly client: LocalClientFiles;
  /** The broker's stdout of `kafka start --json`, for the leak test. */
  readonly startOutput: string;
  connection(clientId?: string): ConnectionSettings;
  stop(): Promise<void>;
}

interface StartJson {
  readonly bootstrap: string;
  readonly dataDir: string;
  readonly security: LocalSecurity;
  readonly client?: LocalClientFiles;
}

export async function startSecuredBroker(security: 'ssl' | 'sasl_ssl'): Promise<SecuredBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), `labeljoin-test-kafka-${security}-`));
  const port = await freePort();
  const r = await runCli(['kafka', 'start', '--security', security, '--port', String(port), '--data', dataDir, '--json'], { LABELJOIN_KAFKA_HEAP_MB: '512', LABELJOIN_LOG_LEVEL: 'warn' });
  if (r.code !== 0) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`kafka start --security ${security} failed (${r.code}): ${r.stderr}`);
  }
  const started = jsonOutput<StartJson>(r, 'kafka start');
  if (started.client === undefined || started.security !== security) throw new Error(`kafka start --security ${security} returned ${r.stdout}`);
  const client = started.client;
  return {
    bootstrap: started.bootstrap,
    dataDir,
    client,
    startOutput: r.stdout,
    connection: (clientId = 'labeljoin-test') => ({ brokers: [started.bootstrap], clientId, requestTimeoutMs: 15_000, security: localClientSecurity(dataDir, security) }),
    stop: async () => {
      const stopped = await runCli(['kafka', 'stop', '--data', dataDir], { LABELJOIN_LOG_LEVEL: 'warn' });
      if (process.env['LABELJOIN_TEST_KEEP_BROKER'] !== '1') rmSync(dataDir, { recursive: true, force: true });
      if (stopped.code !== 0) throw new Error(`kafka stop failed: ${stopped.stderr}`);
    },
  };
}

/** Unique topics on the secured broker (deleted when the test ends), with flags that reach it through the broker's client config file. */
export async function createSecuredPipeline(t: TestContext, broker: SecuredBroker, name: string, partitions = 4): Promise<TestPipeline> {
  const base = uniqueTopic(name);
  const p = { views: `${base}-views`, engagements: `${base}-eng`, engagementTopics: [`${base}-eng`], samples: `${base}-samples`, deadLetter: `${base}-dlq`, group: `${base}-joiner` };
  const topics = [p.views, p.engagements, p.samples, p.deadLetter];
  const admin = new KafkaAdmin(broker.connection('labeljoin-test-admin'));
  t.after(async () => {
    try {
      await admin.deleteTopics(topics);
    } finally {
      await admin.close();
    }
  });
  await admin.createTopics(topics.map((topic) => ({ name: topic, partitions, replicationFactor: 1 })));
  const dir = testDir(t, name);
  return {
    ...p,
    stateDir: join(dir, 'state'),
    truth: join(dir, 'truth.ndjson'),
    partitions,
    inputArgs: ['--config', broker.client.configFile, '--views-topic', p.views, '--engagements-topic', p.engagements],
  };
}
