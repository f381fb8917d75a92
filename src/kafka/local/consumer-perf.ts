/**
 * Kafka's own consumer performance tool (org.apache.kafka.tools.ConsumerPerformance
 * from the kafka-tools jar the local broker's class path already has), for the
 * benchmark's "limit of the machine": how fast the JVM consumer reads a topic
 * from the same broker.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../paths.js';
import { KafkaRequestError } from '../errors.js';
import { checkJava, javaExecutable } from './java.js';
import { resolveClassPath } from './maven.js';

export interface ConsumerPerfResult {
  readonly messages: number;
  readonly megabytes: number;
  /** Time spent fetching (the tool's fetch.time.ms), without the group join. */
  readonly fetchSeconds: number;
  readonly messagesPerSec: number;
}

/** Reads `messages` records of `topic` with the JVM consumer; one CSV line of the tool's output is parsed. */
export async function runConsumerPerformance(bootstrap: string, topic: string, messages: number, timeoutMs = 600_000): Promise<ConsumerPerfResult> {
  const java = javaExecutable();
  checkJava(java);
  const { jars } = await resolveClassPath();
  const args = [
    '-Xmx512m',
    `-Dlog4j2.configurationFile=${join(packageRoot(), 'kafka', 'log4j2.properties')}`,
    '-cp', jars.join(':'),
    'org.apache.kafka.tools.ConsumerPerformance',
    '--bootstrap-server', bootstrap,
    '--topic', topic,
    '--messages', String(messages),
    '--timeout', String(timeoutMs),
    '--hide-header',
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(java, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new KafkaRequestError('ConsumerPerformance', new Error(`exit ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`)))));
  });
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = output.trim().split('\n').filter((l) => l.includes(',')).pop();
  const cols = line?.split(',').map((c) => c.trim()) ?? [];
  const megabytes = Number(cols[2]);
  const consumed = Number(cols[4]);
  const fetchMs = Number(cols[7]);
  if (cols.length < 10 || !Number.isFinite(consumed) || !Number.isFinite(fetchMs)) throw new KafkaRequestError('ConsumerPerformance', new Error(`no result line in: ${output.trim().slice(0, 300)}`));
  return { messages: consumed, megabytes, fetchSeconds: fetchMs / 1000, messagesPerSec: fetchMs > 0 ? consumed / (fetchMs / 1000) : 0 };
}
