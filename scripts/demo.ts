/**
 * `npm run demo`: the pipeline end to end on a local broker, in a few readable lines.
 *
 * Today (before the joiner exists) it:
 *   1. starts a local Apache Kafka broker (data in .labeljoin/demo, a free port),
 *   2. creates the pipeline topics (views, engagements, samples, dead letter),
 *   3. sends a record to the views topic and reads it back,
 *   4. stops the broker (pass --keep to leave it running).
 * With LABELJOIN_BROKERS set it uses that cluster and starts nothing.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.js';
import { KafkaAdmin } from '../src/kafka/admin.js';
import { connectionSettings } from '../src/kafka/connection.js';
import { freePort, startLocalBroker, stopLocalBroker } from '../src/kafka/local/broker.js';
import { KafkaProducer, keyedRecord } from '../src/kafka/producer.js';
import { readTopicToEnd } from '../src/kafka/read-all.js';
import { ensurePipelineTopics } from '../src/kafka/topics.js';
import { createLogger } from '../src/log/logger.js';
import { packageRoot } from '../src/paths.js';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
  const log = createLogger({ level: 'warn', format: 'pretty' });
  const external = process.env['LABELJOIN_BROKERS'];
  const dataDir = join(packageRoot(), '.labeljoin', 'demo', 'kafka');

  let brokers: string[];
  if (external !== undefined && external !== '') {
    brokers = external.split(',');
    say(`1. using the Kafka cluster at ${external}`);
  } else {
    const port = await freePort();
    const started = await startLocalBroker({ port, dataDir, heapMb: 1024, startTimeoutMs: 120_000, log });
    brokers = [started.state.bootstrap];
    const how = started.resolvedJars ? 'first start: jars resolved from Maven Central' : 'cached jars';
    say(`1. Kafka ${started.state.kafkaVersion} broker up at ${started.state.bootstrap} in ${(started.elapsedMs / 1000).toFixed(1)} s (${how}; data ${dataDir})`);
  }

  const config = loadConfig({ env: { ...process.env, LABELJOIN_BROKERS: brokers.join(',') } });
  const settings = connectionSettings(config);
  try {
    const admin = new KafkaAdmin(settings);
    try {
      const topics = await ensurePipelineTopics(admin, config);
      const names = [config.topics.views, config.topics.engagements, config.topics.samples, config.topics.deadLetter];
      say(`2. topics ${names.join(', ')}: ${topics.created.length} created, ${topics.existing.size} already there, ${config.topics.partitions} partitions each`);
    } finally {
      await admin.close();
    }

    const producer = new KafkaProducer(settings, { compression: config.kafka.compression });
    const marker = `demo-${Date.now()}`;
    try {
      await producer.send([keyedRecord(config.topics.views, config.topics.partitions, 'demo-user', Buffer.from(JSON.stringify({ marker })))]);
    } finally {
      await producer.close();
    }
    let found: { partition: number; offset: bigint } | undefined;
    await readTopicToEnd(settings, config.topics.views, {
      onRecord: (r) => {
        if (r.value?.toString().includes(marker) === true) found = { partition: r.partition, offset: r.offset };
      },
    });
    if (found === undefined) {
      say('3. FAILED: the record sent to the views topic was not read back');
      return 1;
    }
    say(`3. sent a record to ${config.topics.views} (${config.kafka.compression}) and read it back from partition ${found.partition}, offset ${found.offset}`);
    say('4. the joiner, simulator and trainer are not built yet; this demo will run them as they land');
  } finally {
    if (external === undefined || external === '') {
      if (values.keep === true) say(`   broker left running; stop it with: npx labeljoin kafka stop --data ${dataDir}`);
      else {
        await stopLocalBroker(dataDir, log);
        say('   broker stopped');
      }
    }
  }
  return 0;
}

process.exitCode = await main();
