/**
 * `npm run demo`: the pipeline end to end on a local broker, in a few readable lines.
 *
 *   1. start a local Apache Kafka broker (data in .labeljoin/demo, a free port),
 *   2. create this run's topics (views, engagements, samples, dead letter; 8 partitions),
 *   3. simulate 50,000 views with their engagements and write the ground truth,
 *   4. join them (labeljoin join --drain),
 *   5. validate the samples against the truth,
 *   6. train online FFM models on the samples (labeljoin train --drain, embedded store),
 *   7. delete the topics and stop the broker (--keep leaves both).
 * Each step runs the real `labeljoin` command. With LABELJOIN_BROKERS set it
 * uses that cluster and starts nothing.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KafkaAdmin } from '../src/kafka/admin.js';
import { freePort, startLocalBroker, stopLocalBroker } from '../src/kafka/local/broker.js';
import { createLogger } from '../src/log/logger.js';
import { packageRoot } from '../src/paths.js';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function labeljoin(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const main = join(packageRoot(), 'build', 'src', 'cli', 'main.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function step(what: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await labeljoin(args, env);
  if (r.code !== 0 && !(args[0] === 'validate' && r.code === 1)) {
    throw new Error(`${what} failed (labeljoin ${args.join(' ')}):\n${r.stderr.trim().split('\n').slice(-10).join('\n')}`);
  }
  return r.stdout;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false }, views: { type: 'string', default: '50000' } } });
  const log = createLogger({ level: 'warn', format: 'pretty' });
  const external = process.env['LABELJOIN_BROKERS'];
  const demoDir = join(packageRoot(), '.labeljoin', 'demo');
  const dataDir = join(demoDir, 'kafka');
  const run = `demo-${Date.now().toString(36)}`;
  const topics = { views: `${run}-views`, engagements: `${run}-engagements`, samples: `${run}-samples`, deadLetter: `${run}-dead-letter` };

  let brokers: string;
  if (external !== undefined && external !== '') {
    brokers = external;
    say(`1. using the Kafka cluster at ${external}`);
  } else {
    const started = await startLocalBroker({ port: await freePort(), dataDir, heapMb: 1024, startTimeoutMs: 120_000, log });
    brokers = started.state.bootstrap;
    const how = started.resolvedJars ? 'first start: jars resolved from Maven Central' : 'cached jars';
    say(`1. Kafka ${started.state.kafkaVersion} broker up at ${brokers} in ${(started.elapsedMs / 1000).toFixed(1)} s (${how})`);
  }
  const env = {
    ...process.env,
    LABELJOIN_BROKERS: brokers,
    LABELJOIN_TOPIC_VIEWS: topics.views,
    LABELJOIN_TOPIC_ENGAGEMENTS: topics.engagements,
    LABELJOIN_TOPIC_SAMPLES: topics.samples,
    LABELJOIN_TOPIC_DEAD_LETTER: topics.deadLetter,
    LABELJOIN_STATE_DIR: join(demoDir, 'joiner'),
    LABELJOIN_LOG_LEVEL: 'warn',
  };
  mkdirSync(demoDir, { recursive: true });
  const truth = join(demoDir, `${run}-truth.ndjson`);
  try {
    await step('creating topics', ['topics', 'create'], env);
    say(`2. topics ${Object.values(topics).join(', ')} (8 partitions each)`);

    const sim = await step('simulating', ['simulate', '--seed', '7', '--views', values.views, '--truth', truth], env);
    say(`3. simulated: ${sim.split('\n')[1]?.trim() ?? ''}`);
    say(`   ${sim.split('\n')[2]?.trim() ?? ''}`);

    const joined = await step('joining', ['join', '--drain', '--group', `${run}-joiner`], env);
    const lines = joined.trim().split('\n');
    say(`4. joined: ${lines[0]?.replace(/^join \([^)]*\): /, '') ?? ''}`);
    say(`   ${lines[2]?.trim() ?? ''}`);

    const report = await step('validating', ['validate', '--samples', topics.samples, '--truth', truth], env);
    const [counts, accuracy] = report.split('\n');
    say(`5. validated against the truth: ${counts}`);
    say(`   ${accuracy}`);

    const trained = await step('training', ['train', '--drain', '--signals', 'like,share', '--model', run, '--model-dir', join(demoDir, 'model'), '--eval-window', '10000'], env);
    const trainLines = trained.trim().split('\n');
    say(`6. trained: ${trainLines[0]?.replace(/^train \([^)]*\): /, '') ?? ''}`);
    const lastWindow = trainLines[trainLines.length - 1]?.trim().split(/\s+/) ?? [];
    say(`   last window, scored before learning (AUC/logloss): ${lastWindow.slice(2).join(' ')}`);
  } finally {
    if (values.keep === true) {
      say(`   kept the topics${external === undefined || external === '' ? ` and the broker (stop it: npx labeljoin kafka stop --data ${dataDir})` : ''}; truth in ${truth}`);
    } else {
      const admin = new KafkaAdmin({ brokers: brokers.split(','), clientId: 'labeljoin-demo', requestTimeoutMs: 30_000 });
      await admin.deleteTopics(Object.values(topics)).finally(() => admin.close());
      if (external === undefined || external === '') {
        await stopLocalBroker(dataDir, log);
        say('7. topics deleted, broker stopped');
      } else say('7. topics deleted');
    }
  }
  return 0;
}

process.exitCode = await main();
