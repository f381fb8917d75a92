/**
 * The local Apache Kafka broker: one KRaft node (broker + controller) run from
 * the jars Maven resolved, on 127.0.0.1.
 *
 * Data directory layout:
 *   <data>/server.properties   written on every start
 *   <data>/broker.json         state of the running broker (BrokerState as JSON), removed on stop
 *   <data>/kraft/              Kafka's log dirs (formatted once by kafka.tools.StorageTool)
 *   <data>/logs/server.log     the broker's log (log4j2, kafka/log4j2.properties)
 *   <data>/logs/stdout.log     the JVM's stdout and stderr
 *   <data>/security/           secured brokers only (--security ssl|sasl_ssl): CA, certificates,
 *                              keystores, SASL password, client config (security-material.ts)
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfigSection } from '../../config/config.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import { packageRoot } from '../../paths.js';
import { KafkaAdmin } from '../admin.js';
import { BrokerNotRunningError, BrokerStartError, BrokerStopError, PortInUseError } from '../errors.js';
import { isOurProcess, killQuietly, launchJvm, readStateFile, terminate } from './local-process.js';
import type { LocalSecurity } from '../security-names.js';
import { checkJava, javaExecutable, keytoolExecutable } from './java.js';
import { resolveClassPath } from './maven.js';
import { renderServerProperties, type BrokerSecurityProperties } from './properties.js';
import { ensureSecurityMaterial, LOCAL_SASL_USER, localClientSecurity, scramUserArgs, securityFiles, writeClientConfig } from './security-material.js';

/** The local broker's settings: the whole local section (security plaintext when not given). */
export interface LocalBrokerOptions extends Omit<ConfigSection<'local'>, 'security' | 'nodes'> {
  readonly security?: LocalSecurity;
  readonly log?: Logger;
}

/** What a client needs to reach a secured local broker: files only, never a secret itself. */
export interface LocalClientFiles {
  readonly securityProtocol: 'ssl' | 'sasl_ssl';
  readonly caFile: string;
  /** A labeljoin config file naming all of it: `--config FILE`. */
  readonly configFile: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly saslMechanisms?: readonly string[];
  readonly saslUsername?: string;
  /** Mode 0600, the password on its first line: --sasl-password-file. */
  readonly saslPasswordFile?: string;
  /** An OAUTHBEARER token (mode 0600) the broker's development validator accepts: --sasl-token-file. */
  readonly saslTokenFile?: string;
}

export interface BrokerState {
  readonly pid: number;
  readonly port: number;
  readonly controllerPort: number;
  readonly bootstrap: string;
  readonly dataDir: string;
  readonly kafkaVersion: string;
  readonly clusterId: string;
  readonly startedAt: string;
  /** Absent in the state of brokers started before security existed: plaintext. */
  readonly security?: LocalSecurity;
  readonly client?: LocalClientFiles;
}

export interface StartResult {
  readonly state: BrokerState;
  /** False when a broker was already running in this data directory. */
  readonly started: boolean;
  /** True when Maven resolved the jars for this start (the first start). */
  readonly resolvedJars: boolean;
  readonly elapsedMs: number;
}

const STOP_TIMEOUT_MS = 30_000;

export function brokerPaths(dataDir: string): { state: string; properties: string; kraft: string; logs: string; serverLog: string; stdoutLog: string } {
  const dir = resolve(dataDir);
  return {
    state: join(dir, 'broker.json'),
    properties: join(dir, 'server.properties'),
    kraft: join(dir, 'kraft'),
    logs: join(dir, 'logs'),
    serverLog: join(dir, 'logs', 'server.log'),
    stdoutLog: join(dir, 'logs', 'stdout.log'),
  };
}

/** The state of the broker running in this data directory, or undefined. */
export function runningBroker(dataDir: string): BrokerState | undefined {
  const state = readState(dataDir);
  return state !== undefined && ourServer(state) ? state : undefined;
}

export async function startLocalBroker(options: LocalBrokerOptions): Promise<StartResult> {
  const began = Date.now();
  const log = options.log ?? silentLogger;
  const dataDir = resolve(options.dataDir);
  const paths = brokerPaths(dataDir);

  const already = runningBroker(dataDir);
  if (already !== undefined) return { state: already, started: false, resolvedJars: false, elapsedMs: Date.now() - began };

  if (existsSync(join(dataDir, 'cluster.json'))) throw new BrokerStartError(`${dataDir} holds a local cluster (kafka start --nodes N); start the single broker in another data directory (--data DIR)`, []);
  const java = javaExecutable();
  checkJava(java);
  if (!(await portIsFree(options.port))) throw new PortInUseError(options.port);
  const classPath = await resolveClassPath(log);
  const controllerPort = await freePort();

  mkdirSync(paths.logs, { recursive: true });
  const mode = options.security ?? 'plaintext';
  const security = mode === 'plaintext' ? undefined : securityProperties(dataDir, mode);
  // With security it holds the store and broker passwords: readable by us only.
  writeFileSync(paths.properties, renderServerProperties({ port: options.port, controllerPort, logDir: paths.kraft, security }), { mode: 0o600 });
  chmodSync(paths.properties, 0o600);
  const clusterId = formatStorageOnce(java, classPath.jars, paths, security);
  const bootstrap = `127.0.0.1:${options.port}`;
  if (security !== undefined) writeClientConfig(security.files, bootstrap, security.mode);

  const launched = launchNode(java, classPath.jars, dataDir, options.heapMb);
  log.info('waiting for the broker to answer', { bootstrap, pid: launched.pid, security: mode });
  await awaitAnswer(launched, bootstrap, localClientSecurity(dataDir, mode), began + options.startTimeoutMs, options.startTimeoutMs, paths);
  const pid = launched.pid;

  launched.child.unref();
  const state: BrokerState = {
    pid,
    port: options.port,
    controllerPort,
    bootstrap,
    dataDir,
    kafkaVersion: classPath.kafkaVersion,
    clusterId,
    startedAt: new Date().toISOString(),
    security: mode,
    ...(mode === 'plaintext' ? {} : { client: clientFiles(dataDir, mode) }),
  };
  writeFileSync(paths.state, `${JSON.stringify(state, null, 2)}\n`);
  return { state, started: true, resolvedJars: classPath.resolved, elapsedMs: Date.now() - began };
}

/** Stops the broker of this data directory gracefully (SIGTERM, then SIGKILL after a timeout). */
export async function stopLocalBroker(dataDir: string, log: Logger = silentLogger, timeoutMs = STOP_TIMEOUT_MS): Promise<BrokerState> {
  const state = readState(dataDir);
  if (state === undefined || !ourServer(state)) {
    if (state !== undefined) rmSync(brokerPaths(dataDir).state, { force: true });
    throw new BrokerNotRunningError(`data directory ${resolve(dataDir)}`);
  }
  await terminate(state.pid, { what: 'broker', timeoutMs, log, survived: (pid) => new BrokerStopError(`process ${pid} survived SIGKILL`) });
  rmSync(brokerPaths(dataDir).state, { force: true });
  return state;
}

/** The last lines of the broker's logs, for error messages. */
export function logTail(paths: ReturnType<typeof brokerPaths>, lines = 20): string[] {
  const out: string[] = [];
  for (const file of [paths.serverLog, paths.stdoutLog]) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8').trimEnd();
    if (text === '') continue;
    out.push(`(${file})`, ...text.split('\n').slice(-lines));
  }
  return out;
}

/**
 * Formats the log dirs once. A secured broker's SCRAM users are created here
 * (Kafka's storage tool, --add-scram), so they exist before the broker first
 * talks to itself; a data directory first formatted without them cannot
 * become a SASL broker later (the users would be missing): that is refused.
 */
export function formatStorageOnce(java: string, jars: readonly string[], paths: ReturnType<typeof brokerPaths>, security: BrokerSecurityProperties | undefined, givenClusterId?: string): string {
  const meta = join(paths.kraft, 'meta.properties');
  const withUsers = join(paths.kraft, 'labeljoin-scram-users');
  if (existsSync(meta)) {
    if (security?.mode === 'sasl_ssl' && !existsSync(withUsers)) {
      throw new BrokerStartError(`the data directory ${resolve(paths.kraft, '..')} was first started without SASL, so it has no SCRAM users; start the SASL broker in a new data directory (--data DIR)`, []);
    }
    const match = /cluster\.id=(\S+)/.exec(readFileSync(meta, 'utf8'));
    if (match?.[1] !== undefined) return match[1];
  }
  const clusterId = givenClusterId ?? newClusterId();
  const users = security === undefined ? [] : scramUserArgs(security.secrets, security.clientPassword);
  const result = spawnSync(
    java,
    ['-cp', jars.join(':'), `-Dlog4j2.configurationFile=${join(packageRoot(), 'kafka', 'log4j2.properties')}`, `-Dkafka.logs.dir=${paths.logs}`,
      'kafka.tools.StorageTool', 'format', '--cluster-id', clusterId, '--config', paths.properties, '--ignore-formatted', ...users],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15);
    throw new BrokerStartError(`formatting the storage in ${paths.kraft} failed`, output);
  }
  if (security !== undefined) writeFileSync(withUsers, 'SCRAM users created at format\n');
  return clusterId;
}

function securityProperties(dataDir: string, mode: Exclude<LocalSecurity, 'plaintext'>): BrokerSecurityProperties {
  const { files, secrets, clientPassword } = ensureSecurityMaterial(dataDir, keytoolExecutable());
  return { mode, files, secrets, clientPassword };
}

function clientFiles(dataDir: string, mode: Exclude<LocalSecurity, 'plaintext'>): LocalClientFiles {
  const f = securityFiles(dataDir);
  if (mode === 'ssl') return { securityProtocol: 'ssl', caFile: f.caFile, configFile: f.clientConfig, certFile: f.clientCertFile, keyFile: f.clientKeyFile };
  return {
    securityProtocol: 'sasl_ssl',
    caFile: f.caFile,
    configFile: f.clientConfig,
    saslMechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN', 'OAUTHBEARER'],
    saslUsername: LOCAL_SASL_USER,
    saslPasswordFile: f.saslPasswordFile,
    saslTokenFile: f.tokenFile,
  };
}

/**
 * A Kafka cluster id: 16 random bytes, URL-safe base64 without padding. Like
 * Kafka's Uuid.randomUuid, never one that starts with '-', which the storage
 * tool's argument parser would take for a flag (1 in 64 random ids).
 */
export function newClusterId(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** A spawned broker JVM: its pid, and why it ended when it did. */
export interface LaunchedNode {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly exit: () => string | undefined;
}

/** Spawns the broker JVM of this data directory (its server.properties written already), detached. */
export function launchNode(java: string, jars: readonly string[], dataDir: string, heapMb: number): LaunchedNode {
  const paths = brokerPaths(dataDir);
  const jvmArgs = [
    `-Xms${Math.min(heapMb, 256)}m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${paths.logs}`,
    `-Dlog4j2.configurationFile=${join(packageRoot(), 'kafka', 'log4j2.properties')}`,
    // Marks the process as ours, so `stop` never signals an unrelated process that reused the pid.
    `-Dlabeljoin.dataDir=${dataDir}`,
    '-cp',
    jars.join(':'),
    'kafka.Kafka',
    paths.properties,
  ];
  const { pid, child, exit } = launchJvm(java, jvmArgs, paths.stdoutLog);
  if (pid === undefined) throw new BrokerStartError(`could not start ${java}`, []);
  return { pid, child, exit };
}

/** Waits until the broker at `bootstrap` answers a metadata request naming `minBrokers` brokers; kills it at the deadline. */
export async function awaitAnswer(node: LaunchedNode, bootstrap: string, security: ReturnType<typeof localClientSecurity>, deadline: number, timeoutMs: number, paths: ReturnType<typeof brokerPaths>, minBrokers = 1): Promise<void> {
  const admin = new KafkaAdmin({ brokers: [bootstrap], clientId: 'labeljoin-local-probe', requestTimeoutMs: 2_000, retries: 0, security });
  try {
    for (;;) {
      const exit = node.exit();
      if (exit !== undefined) throw new BrokerStartError(`the broker process ended (${exit})`, logTail(paths));
      try {
        const info = await admin.describeCluster();
        if (info.brokers.length >= minBrokers) return;
      } catch {
        // Not up yet: try again until the deadline.
      }
      if (Date.now() > deadline) {
        killQuietly(node.pid);
        throw new BrokerStartError(`no answer to a metadata request within ${timeoutMs} ms`, logTail(paths));
      }
      await sleep(250);
    }
  } finally {
    await admin.close();
  }
}

export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolvePort(true)));
  });
}

/** A port that was free a moment ago (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function readState(dataDir: string): BrokerState | undefined {
  return readStateFile<BrokerState>(brokerPaths(dataDir).state);
}

function ourServer(state: BrokerState): boolean {
  return isOurProcess(state.pid, `-Dlabeljoin.dataDir=${state.dataDir}`);
}

/** The first of n ports in a row that were free a moment ago (a local cluster's nodes take P..P+n-1). */
export async function freePortRun(n: number, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const p = await freePort(host);
    let free = true;
    for (let k = 1; k < n && free; k++) free = await portIsFree(p + k, host);
    if (free) return p;
  }
  throw new BrokerStartError(`found no ${n} free ports in a row on ${host}`, []);
}
