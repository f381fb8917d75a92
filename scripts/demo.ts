/**
 * `npm run demo`: the pipeline running live on a local broker, with the
 * dashboard to watch it.
 *
 *   1. start a local Apache Kafka broker (data in .labeljoin/demo, a free port)
 *      and, for the foreign shape (the default), a local schema registry,
 *   2. create this run's topics (views, engagements, samples, dead letter; 8 partitions),
 *      the events in the shape of --shape: "foreign" (schemas/foreign/, a shape
 *      labeljoin did not design, through the registry, declared to the joiner
 *      by schemas/foreign/inputs.json; samples readable by any Confluent Avro
 *      deserializer) or "labeljoin" (our own schemas),
 *   3. start, each as the real `labeljoin` command:
 *      - the simulator in real time (--start now --rate live: events leave when
 *        the wall clock reaches them, with a daily load curve compressed into
 *        --day-length, 10 min here), writing the ground truth;
 *      - the joiner (live, a 1-minute window, late policy "correct": when the
 *        demo stops, late arrivals still in flight are sent at once), with its
 *        /metrics endpoint;
 *      - the trainer (live, like/share/play), with its /metrics endpoint;
 *      - the dashboard, and print its URL;
 *      then a status line every 10 s,
 *   4. on Ctrl-C (or after --seconds N): stop the simulator (what is in flight
 *      is still sent, at once), stop the joiner, join the last window (join
 *      --drain), validate against the truth every view whose window had closed
 *      at the stop (its time + window + out-of-orderness; the late arrivals
 *      still in flight were sent at the stop and read by the live joiner,
 *      which corrects their views), say how many were checked (none: say so,
 *      and no PASS), stop the trainer and the dashboard,
 *   5. delete the topics and stop the broker and registry (--keep leaves them).
 * With LABELJOIN_BROKERS set it uses that cluster and starts no broker. With
 * --nodes 3 it starts a local replicated cluster of 3 nodes instead of one broker
 * (data in .labeljoin/demo/kafka-cluster; topics then get replication factor 3,
 * min.insync.replicas 2).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KafkaAdmin } from '../src/kafka/admin.js';
import { freePort, freePortRun, startLocalBroker, stopLocalBroker } from '../src/kafka/local/broker.js';
import { startLocalCluster, stopLocalCluster } from '../src/kafka/local/cluster.js';
import { startLocalRegistry, stopLocalRegistry } from '../src/schema-registry/local/server.js';
import { BROKER, ensurePrerequisites } from './prerequisites.js';
import { createLogger } from '../src/log/logger.js';
import { parsePromText, sumOf } from '../src/observe/prom-text.js';
import { packageRoot } from '../src/paths.js';
import type { ComparisonReport } from '../src/validate/compare.js';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const MAIN = join(packageRoot(), 'build', 'src', 'cli', 'main.js');
const WINDOW_MS = 60_000;
const OUT_OF_ORDERNESS_MS = 15_000;
const WINDOW = ['--window', String(WINDOW_MS), '--max-skew', '10s', '--out-of-orderness', String(OUT_OF_ORDERNESS_MS)];
/** A view's sample is final once the watermark passed its time + window: views that old at the stop are checked. */
const CHECK_MARGIN_MS = WINDOW_MS + OUT_OF_ORDERNESS_MS;
/** The trainer's progressive-validation window, and the positives of a signal in one before its AUC means something. */
const EVAL_WINDOW = 2_000;
const MIN_POSITIVES_FOR_AUC = 50;
const JOIN = [...WINDOW, '--view-disorder', '60s', '--late-policy', 'correct'];

/** The part of `labeljoin validate --json` the demo prints. */
type ValidateReport = Pick<ComparisonReport, 'union' | 'matched' | 'onlyInA' | 'onlyInB' | 'matchRate' | 'labelAgreement' | 'agreement' | 'minAgreement' | 'passed' | 'examples'>;

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly done: Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Runs `labeljoin args` in its own process group (Ctrl-C reaches only the demo, which stops the children in order). */
function start(name: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === null ? 1 : 128), stdout, stderr }));
  });
  return { name, process: child, done };
}

async function run(what: string, args: string[], env: NodeJS.ProcessEnv, okCodes: readonly number[] = [0]): Promise<string> {
  const r = await start(what, args, env).done;
  if (!okCodes.includes(r.code)) throw new Error(`${what} failed (labeljoin ${args.join(' ')}):\n${r.stderr.trim().split('\n').slice(-10).join('\n')}`);
  return r.stdout;
}

async function stopChild(c: Child, signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill(signal);
  const timer = setTimeout(() => c.process.kill('SIGKILL'), graceMs);
  try {
    return await c.done;
  } finally {
    clearTimeout(timer);
  }
}

async function scrape(url: string): Promise<ReturnType<typeof parsePromText>> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return response.ok ? parsePromText(await response.text()) : [];
  } catch {
    return [];
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      keep: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      'views-per-second': { type: 'string', default: '300' },
      'dashboard-port': { type: 'string', default: '9470' },
      shape: { type: 'string', default: 'foreign' },
      nodes: { type: 'string', default: '1' },
    },
  });
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new Error(`--nodes ${values.nodes}: expected 1 to 9`);
  const shape = values.shape;
  if (shape !== 'foreign' && shape !== 'labeljoin') throw new Error(`--shape ${shape}: expected foreign or labeljoin`);
  const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
  if (seconds !== undefined && !(seconds > 0)) throw new Error(`--seconds ${values.seconds}: expected a positive number`);
  const log = createLogger({ level: 'warn', format: 'pretty' });
  const external = process.env['LABELJOIN_BROKERS'];
  const demoDir = join(packageRoot(), '.labeljoin', 'demo');
  const dataDir = join(demoDir, nodes > 1 ? 'kafka-cluster' : 'kafka');
  const runId = `demo-${Date.now().toString(36)}`;
  const topics = { views: `${runId}-views`, engagements: `${runId}-engagements`, samples: `${runId}-samples`, deadLetter: `${runId}-dead-letter` };

  let brokers: string;
  if (external !== undefined && external !== '') {
    brokers = external;
    say(`1. using the Kafka cluster at ${external}`);
  } else {
    if (!ensurePrerequisites(BROKER, (line) => say(`npm run demo: ${line}`))) return 1;
    if (nodes > 1) {
      const started = await startLocalCluster({ port: await freePortRun(nodes), dataDir, heapMb: 768, startTimeoutMs: 180_000, log, nodes });
      brokers = started.bootstrap;
      say(`1. Kafka ${started.kafkaVersion} cluster of ${nodes} nodes up at ${brokers} in ${(started.elapsedMs / 1000).toFixed(1)} s (topics: replication factor ${Math.min(3, nodes)})`);
    } else {
      const started = await startLocalBroker({ port: await freePort(), dataDir, heapMb: 1024, startTimeoutMs: 120_000, log });
      brokers = started.state.bootstrap;
      const how = started.resolvedJars ? 'first start: jars resolved from Maven Central' : 'cached jars';
      say(`1. Kafka ${started.state.kafkaVersion} broker up at ${brokers} in ${(started.elapsedMs / 1000).toFixed(1)} s (${how})`);
    }
  }
  const registryDir = join(demoDir, 'schema-registry');
  let registryUrl: string | undefined;
  if (shape === 'foreign') {
    const r = await startLocalRegistry({ port: await freePort(), dataDir: registryDir, heapMb: 256, startTimeoutMs: 180_000, log });
    registryUrl = r.state.url;
    say(`   schema registry (Apicurio ${r.state.apicurioVersion}) up at ${registryUrl} in ${(r.elapsedMs / 1000).toFixed(1)} s (${r.built ? 'first start: built from Maven Central' : 'cached build'})`);
  }
  const declared = shape === 'foreign' ? ['--config', join(packageRoot(), 'schemas', 'foreign', 'inputs.json')] : [];
  const env = {
    ...process.env,
    ...(registryUrl === undefined ? {} : { LABELJOIN_SCHEMA_REGISTRY_URL: registryUrl }),
    LABELJOIN_BROKERS: brokers,
    LABELJOIN_TOPIC_VIEWS: topics.views,
    LABELJOIN_TOPIC_ENGAGEMENTS: topics.engagements,
    LABELJOIN_TOPIC_SAMPLES: topics.samples,
    LABELJOIN_TOPIC_DEAD_LETTER: topics.deadLetter,
    LABELJOIN_STATE_DIR: join(demoDir, 'joiner'),
    LABELJOIN_LOG_LEVEL: 'warn',
    LABELJOIN_LOG_FORMAT: 'json',
  };
  mkdirSync(demoDir, { recursive: true });
  const truth = join(demoDir, `${runId}-truth.ndjson`);
  const children: Child[] = [];
  let interrupted = false;
  let failed = false;
  const onSignal = (): void => {
    if (interrupted) {
      say('   second Ctrl-C: stopping the processes now');
      for (const c of children) c.process.kill('SIGKILL');
      return;
    }
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await run('creating topics', ['topics', 'create'], env);
    say(`2. topics ${Object.values(topics).join(', ')} (8 partitions each); events in ${shape === 'foreign' ? 'a foreign shape (schemas/foreign/, Schema Registry framing), declared by schemas/foreign/inputs.json' : "labeljoin's own schemas"}`);

    const [joinPort, trainPort] = [await freePort(), await freePort()];
    const vps = values['views-per-second'];
    const sim = start('simulator', ['simulate', '--seed', '7', '--start', 'now', '--rate', 'live', '--views-per-second', vps, '--day-length', '10m', '--duration', '24h', '--truth', truth, '--shape', shape, ...WINDOW], env);
    const joiner = start('joiner', ['join', '--group', `${runId}-joiner`, '--idle-timeout', '2s', '--metrics-port', String(joinPort), ...declared, ...JOIN], env);
    const trainer = start('trainer', ['train', '--signals', 'like,share,play', '--model', runId, '--model-dir', join(demoDir, 'model'), '--eval-window', String(EVAL_WINDOW), '--metrics-port', String(trainPort), ...declared, ...(shape === 'foreign' ? ['--context-fields', 'placement.surface,placement.rank'] : [])], env);
    children.push(sim, joiner, trainer);
    const targets = [`http://127.0.0.1:${joinPort}/metrics`, `http://127.0.0.1:${trainPort}/metrics`];
    let dashboardPort = Number(values['dashboard-port']);
    const dashboardArgs = (port: number): string[] => ['dashboard', '--targets', targets.join(','), '--dashboard-port', String(port)];
    let dashboard = start('dashboard', dashboardArgs(dashboardPort), env);
    const first = await Promise.race([dashboard.done.then(() => 'ended' as const), new Promise<'up'>((resolve) => dashboard.process.stdout?.once('data', () => resolve('up')))]);
    if (first === 'ended') {
      dashboardPort = await freePort();
      dashboard = start('dashboard', dashboardArgs(dashboardPort), env);
    }
    children.push(dashboard);
    say(`3. live: simulator (${vps} views/s on average, a daily curve every 10 min), joiner (1-minute window), trainer (like, share, play)`);
    say('');
    say(`   dashboard: http://127.0.0.1:${dashboardPort}/`);
    say('');
    say(seconds === undefined ? '   Ctrl-C stops everything cleanly.' : `   stopping by itself after ${seconds} s (or on Ctrl-C).`);
    say(`   a view is joined, and counted below, once its ${WINDOW_MS / 1000} s window has closed (+ ${OUT_OF_ORDERNESS_MS / 1000} s out-of-orderness)`);

    const started = Date.now();
    let lastStatus = started;
    while (!interrupted && (seconds === undefined || Date.now() - started < seconds * 1000)) {
      for (const c of children) {
        if (c.process.exitCode !== null) throw new Error(`the ${c.name} ended unexpectedly:\n${(await c.done).stderr.trim().split('\n').slice(-8).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 250));
      if (Date.now() - lastStatus >= 10_000) {
        lastStatus = Date.now();
        const [j, t] = await Promise.all(targets.map(scrape));
        const positives = new Map((t ?? []).filter((s) => s.name === 'labeljoin_train_window_positives').map((s) => [s.labels['signal'], s.value]));
        const scores = (t ?? []).filter((s) => s.name === 'labeljoin_train_auc');
        const meaningful = scores.filter((s) => (positives.get(s.labels['signal']) ?? 0) >= MIN_POSITIVES_FOR_AUC).map((s) => `${s.labels['signal']} ${s.value.toFixed(3)}`);
        const waiting = scores.filter((s) => (positives.get(s.labels['signal']) ?? 0) < MIN_POSITIVES_FOR_AUC).map((s) => `${s.labels['signal']} ${positives.get(s.labels['signal']) ?? 0}`);
        const auc = [...meaningful, ...(waiting.length > 0 ? [`(AUC from ${MIN_POSITIVES_FOR_AUC} positives in a ${EVAL_WINDOW}-sample window; so far ${waiting.join(', ')})`] : [])].join(' ');
        say(`   ${Math.round((lastStatus - started) / 1000)} s: views joined ${sumOf(j ?? [], 'labeljoin_join_records_in_total', { input: 'views' })}, engagements read ${sumOf(j ?? [], 'labeljoin_join_records_in_total', { input: 'engagements' })}, samples out ${sumOf(j ?? [], 'labeljoin_join_samples_out_total')}, trained ${sumOf(t ?? [], 'labeljoin_train_samples_total', { outcome: 'applied' })}${auc === '' ? '' : `, AUC ${auc}`}`);
      }
    }

    say('4. stopping: the simulator sends what is in flight and finishes the truth; the joiner commits');
    // Late arrivals still in flight at the stop are sent at once, and the live joiner reads them before it stops
    // (it corrects the views it emitted; a restarted joiner could not). Views whose window had closed are final.
    const checkTo = new Date(Date.now() - CHECK_MARGIN_MS).toISOString();

    const simulated = await stopChild(sim, 'SIGINT', 120_000);
    say(`   ${simulated.stdout.split('\n')[1]?.trim() ?? ''}`);
    // Let the live joiner read all that was sent before it stops: late engagements for views it has
    // emitted must reach it (a restarted joiner cannot correct views an earlier run emitted).
    const caughtUpBy = Date.now() + 60_000;
    while (Date.now() < caughtUpBy) {
      const j = await scrape(targets[0]!);
      const lag = j.filter((x) => x.name === 'labeljoin_join_consumer_lag_records' && x.labels['topic'] === topics.engagements).reduce((n, x) => n + x.value, 0);
      if (j.length > 0 && lag === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await stopChild(joiner);
    const drained = await run('joining the last window', ['join', '--drain', '--group', `${runId}-joiner`, '--metrics-port', 'off', ...declared, ...JOIN], env);
    say(`   last window joined: ${drained.trim().split('\n')[0]?.replace(/^join \([^)]*\): /, '') ?? ''}`);
    const report = JSON.parse(await run('validating', ['validate', '--json', ...declared, '--samples', topics.samples, '--truth', truth, '--late-policy', 'correct', '--to', checkTo, ...WINDOW], env, [0, 1])) as ValidateReport;
    const closed = `views whose window had closed at the stop (time before ${checkTo.slice(11, 19)}: + ${WINDOW_MS / 1000} s window + ${OUT_OF_ORDERNESS_MS / 1000} s out-of-orderness)`;
    if (report.union === 0) {
      say(`   nothing checked: no ${closed}; run the demo longer than ${Math.ceil(CHECK_MARGIN_MS / 1000) + 20} s to check its labels against the truth`);
    } else {
      const pct = (x: number): string => `${(100 * x).toFixed(3)} %`;
      say(`   checked against the truth: ${report.union.toLocaleString('en-US')} ${closed}`);
      say(`   in both ${report.matched.toLocaleString('en-US')}, only in the samples ${report.onlyInA}, only in the truth ${report.onlyInB}; match rate ${pct(report.matchRate)}, label agreement ${pct(report.labelAgreement)}, agreement ${pct(report.agreement)} (needed ${pct(report.minAgreement)}): ${report.passed ? 'PASS' : 'FAIL'}`);
      for (const e of [...report.examples.differing, ...report.examples.onlyInA, ...report.examples.onlyInB].slice(0, 3)) say(`   e.g. ${e}`);
      if (!report.passed) failed = true;
    }
    const trained = await stopChild(trainer);
    say(`   trainer: ${trained.stdout.split('\n')[0]?.replace(/^train \([^)]*\): /, '') ?? ''}`);
    await stopChild(dashboard);
  } finally {
    for (const c of children) await stopChild(c, 'SIGTERM', 10_000).catch(() => undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (values.keep === true) {
      say(`   kept the topics${external === undefined || external === '' ? ` and the broker (stop it: npx labeljoin kafka stop --data ${dataDir})` : ''}${registryUrl === undefined ? '' : ` and the schema registry (npx labeljoin registry stop --data ${registryDir})`}; truth in ${truth}`);
    } else {
      const admin = new KafkaAdmin({ brokers: brokers.split(','), clientId: 'labeljoin-demo', requestTimeoutMs: 30_000 });
      await admin.deleteTopics(Object.values(topics)).finally(() => admin.close());
      if (registryUrl !== undefined) await stopLocalRegistry(registryDir, log);
      const registry = registryUrl === undefined ? '' : ', schema registry stopped';
      if (external === undefined || external === '') {
        if (nodes > 1) await stopLocalCluster(dataDir, log);
        else await stopLocalBroker(dataDir, log);
        say(`5. topics deleted, broker stopped${registry}`);
      } else say(`5. topics deleted${registry}`);
    }
  }
  return failed ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
