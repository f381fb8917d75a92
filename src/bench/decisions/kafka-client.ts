/**
 * Kafka client comparison behind docs/decisions/kafka-client.md.
 *
 * Produces N records of ~150 bytes (keyed by a user id, LZ4 batches,
 * idempotent producer, acks=all) to a fresh 8-partition topic, then consumes
 * them all from the earliest offset, and prints records/s and MB/s for each.
 * Both clients get the same topic layout, record contents and settings.
 *
 *   node build/src/bench/decisions/kafka-client.js --brokers 127.0.0.1:19092 \
 *     --client platformatic|confluent [--records 1000000] [--confluent-from DIR]
 *
 * @confluentinc/kafka-javascript is not a dependency of labeljoin; install it
 * in a scratch directory (see the decision record) and pass --confluent-from.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Consumer, Producer } from '@platformatic/kafka';
import { KafkaAdmin } from '../../kafka/admin.js';

const RECORD_BYTES = 150;
const PARTITIONS = 8;

interface Result {
  client: string;
  records: number;
  produceSeconds: number;
  consumeSeconds: number;
  /** CPU seconds (user + system) of this process over produce and consume. */
  cpuSeconds?: number;
}

/** Deterministic records that look like events: some text, some ids, some noise. */
function makeRecords(n: number): Array<{ key: Buffer; value: Buffer }> {
  const out: Array<{ key: Buffer; value: Buffer }> = [];
  let seed = 42;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  for (let i = 0; i < n; i++) {
    const user = `u${rand() % 100_000}`;
    const head = `{"user":"${user}","post":"p${rand() % 1_000_000}","ts":${1_700_000_000_000 + i},"lang":"hi","type":"view","id":"`;
    const value = Buffer.alloc(RECORD_BYTES);
    value.write(head);
    for (let j = head.length; j < RECORD_BYTES - 2; j++) value[j] = 97 + (rand() % 16);
    value.write('"}', RECORD_BYTES - 2);
    out.push({ key: Buffer.from(user), value });
  }
  return out;
}

async function benchPlatformatic(brokers: string[], topic: string, records: Array<{ key: Buffer; value: Buffer }>): Promise<Result> {
  const producer = new Producer({ clientId: 'bench-p', bootstrapBrokers: brokers, idempotent: true, acks: -1, compression: 'lz4' });
  // One send in flight at a time: the idempotent producer of this client fails
  // with OUT_OF_ORDER_SEQUENCE_NUMBER when sends to one partition overlap.
  const batch = 8_000;
  const inflight = 1;
  const t0 = process.hrtime.bigint();
  let pending: Array<Promise<unknown>> = [];
  for (let i = 0; i < records.length; i += batch) {
    const messages = records.slice(i, i + batch).map((r) => ({ topic, key: r.key, value: r.value }));
    pending.push(producer.send({ messages }));
    if (pending.length >= inflight) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
  const produceSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await producer.close();

  const consumer = new Consumer({
    clientId: 'bench-c',
    groupId: `bench-${topic}`,
    bootstrapBrokers: brokers,
    maxBytes: 8 * 1024 * 1024,
    maxWaitTime: 100,
  });
  const t1 = process.hrtime.bigint();
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxBytesPerPartition: 1024 * 1024 });
  let seen = 0;
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (message) => {
      seen++;
      bytes += message.value?.length ?? 0;
      if (seen === records.length) resolve();
    });
    stream.on('error', reject);
  });
  const consumeSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
  await stream.close();
  await consumer.close(true);
  if (bytes !== records.length * RECORD_BYTES) throw new Error(`consumed ${bytes} bytes, expected ${records.length * RECORD_BYTES}`);
  return { client: '@platformatic/kafka', records: records.length, produceSeconds, consumeSeconds };
}

// The subset of @confluentinc/kafka-javascript's (node-rdkafka style) API used here.
interface RdMessage {
  value: Buffer | null;
}
interface RdProducer {
  connect(options: object, cb: (err: unknown) => void): void;
  produce(topic: string, partition: number | null, value: Buffer, key: Buffer): void;
  setPollInterval(ms: number): void;
  on(event: 'delivery-report', cb: (err: unknown) => void): void;
  flush(timeout: number, cb: (err: unknown) => void): void;
  disconnect(cb: () => void): void;
}
interface RdConsumer {
  connect(options: object, cb: (err: unknown) => void): void;
  assign(assignments: Array<{ topic: string; partition: number; offset: number }>): void;
  consume(n: number, cb: (err: unknown, messages: RdMessage[]) => void): void;
  disconnect(cb: () => void): void;
}
interface RdKafka {
  Producer: new (conf: Record<string, unknown>) => RdProducer;
  KafkaConsumer: new (conf: Record<string, unknown>, topicConf: Record<string, unknown>) => RdConsumer;
  librdkafkaVersion: string;
}

async function benchConfluent(from: string, brokers: string[], topic: string, records: Array<{ key: Buffer; value: Buffer }>): Promise<Result> {
  const require = createRequire(join(from, 'package.json'));
  const kafka = require('@confluentinc/kafka-javascript') as RdKafka;
  const producer = new kafka.Producer({
    'metadata.broker.list': brokers.join(','),
    'enable.idempotence': true,
    acks: -1,
    'compression.codec': 'lz4',
    'linger.ms': 5,
    'batch.size': 1_000_000,
    'queue.buffering.max.messages': 2_000_000,
    'queue.buffering.max.kbytes': 2_000_000,
    partitioner: 'murmur2_random',
    dr_cb: true,
  });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  let delivered = 0;
  const done = new Promise<void>((resolve, reject) => {
    producer.on('delivery-report', (err) => {
      if (err) reject(err);
      if (++delivered === records.length) resolve();
    });
  });
  producer.setPollInterval(10);
  const t0 = process.hrtime.bigint();
  for (const r of records) producer.produce(topic, null, r.value, r.key);
  await done;
  const produceSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await new Promise<void>((resolve) => producer.disconnect(resolve));

  const consumer = new kafka.KafkaConsumer(
    { 'metadata.broker.list': brokers.join(','), 'group.id': `bench-${topic}`, 'enable.auto.commit': false, 'fetch.max.bytes': 8 * 1024 * 1024 },
    {},
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  const t1 = process.hrtime.bigint();
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, offset: -2 })));
  let seen = 0;
  let bytes = 0;
  while (seen < records.length) {
    const messages = await new Promise<RdMessage[]>((resolve, reject) => consumer.consume(10_000, (err, m) => (err ? reject(err) : resolve(m))));
    for (const m of messages) {
      seen++;
      bytes += m.value?.length ?? 0;
    }
  }
  const consumeSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
  await new Promise<void>((resolve) => consumer.disconnect(resolve));
  if (bytes !== records.length * RECORD_BYTES) throw new Error(`consumed ${bytes} bytes, expected ${records.length * RECORD_BYTES}`);
  return { client: `@confluentinc/kafka-javascript (librdkafka ${kafka.librdkafkaVersion})`, records: records.length, produceSeconds, consumeSeconds };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      brokers: { type: 'string', default: '127.0.0.1:9092' },
      client: { type: 'string', default: 'platformatic' },
      records: { type: 'string', default: '1000000' },
      'confluent-from': { type: 'string', default: '/tmp/clientbench' },
    },
  });
  const brokers = values.brokers.split(',');
  const n = Number(values.records);
  const topic = `bench-client-${values.client}-${Date.now()}`;
  const admin = new KafkaAdmin({ brokers, clientId: 'bench-admin', requestTimeoutMs: 30_000 });
  await admin.createTopics([{ name: topic, partitions: PARTITIONS, replicationFactor: 1 }]);
  const records = makeRecords(n);
  const cpu0 = process.cpuUsage();
  const result =
    values.client === 'confluent'
      ? await benchConfluent(values['confluent-from'], brokers, topic, records)
      : await benchPlatformatic(brokers, topic, records);
  const cpu = process.cpuUsage(cpu0);
  result.cpuSeconds = +((cpu.user + cpu.system) / 1e6).toFixed(2);
  await admin.deleteTopics([topic]);
  await admin.close();
  const mb = (n * RECORD_BYTES) / 1e6;
  process.stdout.write(
    `${JSON.stringify({
      ...result,
      produceRecordsPerSec: Math.round(n / result.produceSeconds),
      produceMBPerSec: +(mb / result.produceSeconds).toFixed(1),
      consumeRecordsPerSec: Math.round(n / result.consumeSeconds),
      consumeMBPerSec: +(mb / result.consumeSeconds).toFixed(1),
    })}\n`,
  );
}

await main();
