/**
 * The local schema registry: Apicurio Registry run from the build that
 * ./build.ts made, on 127.0.0.1, serving the Confluent-compatible API at
 * http://127.0.0.1:<port>/apis/ccompat/v7. Its storage is in memory (H2):
 * every schema is gone when it stops. It is for development, tests and the
 * demo, not for keeping schemas.
 *
 * Data directory layout:
 *   <data>/registry.json        state of the running registry (RegistryState as JSON), removed on stop
 *   <data>/logs/registry.log    the JVM's stdout and stderr (Quarkus logs to the console)
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { portIsFree } from '../../kafka/local/broker.js';
import { PortInUseError } from '../../kafka/errors.js';
import { isOurProcess, killQuietly, launchJvm, readStateFile, terminate } from '../../kafka/local/local-process.js';
import { checkJava, javaExecutable } from '../../kafka/local/java.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import { SchemaRegistryNotRunningError, SchemaRegistryStartError, SchemaRegistryStopError } from '../errors.js';
import { buildRegistryApp } from './build.js';

export const CCOMPAT_PATH = '/apis/ccompat/v7';

export interface LocalRegistryOptions {
  readonly port: number;
  readonly dataDir: string;
  readonly heapMb: number;
  readonly startTimeoutMs: number;
  readonly log?: Logger;
}

export interface RegistryState {
  readonly pid: number;
  readonly port: number;
  /** Base URL of the Confluent-compatible API. */
  readonly url: string;
  readonly dataDir: string;
  readonly apicurioVersion: string;
  readonly startedAt: string;
}

export interface RegistryStartResult {
  readonly state: RegistryState;
  /** False when a registry was already running in this data directory. */
  readonly started: boolean;
  /** True when Maven built the registry for this start (the first start). */
  readonly built: boolean;
  readonly elapsedMs: number;
}

const STOP_TIMEOUT_MS = 30_000;
const PURPOSE = 'to run the local schema registry';

export function registryPaths(dataDir: string): { state: string; logs: string; log: string } {
  const dir = resolve(dataDir);
  return { state: join(dir, 'registry.json'), logs: join(dir, 'logs'), log: join(dir, 'logs', 'registry.log') };
}

/** The state of the registry running in this data directory, or undefined. */
export function runningRegistry(dataDir: string): RegistryState | undefined {
  const state = readState(dataDir);
  return state !== undefined && ourServer(state) ? state : undefined;
}

export async function startLocalRegistry(options: LocalRegistryOptions): Promise<RegistryStartResult> {
  const began = Date.now();
  const log = options.log ?? silentLogger;
  const dataDir = resolve(options.dataDir);
  const paths = registryPaths(dataDir);

  const already = runningRegistry(dataDir);
  if (already !== undefined) return { state: already, started: false, built: false, elapsedMs: Date.now() - began };

  const java = javaExecutable();
  checkJava(java, PURPOSE);
  if (!(await portIsFree(options.port))) throw new PortInUseError(options.port, 'the schema registry');
  const app = await buildRegistryApp(log);

  mkdirSync(paths.logs, { recursive: true });
  const jvmArgs = [
    `-Xmx${options.heapMb}m`,
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    '-Dquarkus.http.host=127.0.0.1',
    `-Dquarkus.http.port=${options.port}`,
    // Marks the process as ours, so `stop` never signals an unrelated process that reused the pid.
    `-Dlabeljoin.schemaRegistryDir=${dataDir}`,
    '-jar',
    app.runnerJar,
  ];
  const { pid, child, exit: exited } = launchJvm(java, jvmArgs, paths.log);
  if (pid === undefined) throw new SchemaRegistryStartError(`could not start ${java}`, []);

  const url = `http://127.0.0.1:${options.port}${CCOMPAT_PATH}`;
  log.info('waiting for the schema registry to answer', { url, pid });
  // The first start's Maven build is not counted: the time limit is for the JVM to answer.
  const deadline = Date.now() + options.startTimeoutMs;
  for (;;) {
    const exit = exited();
    if (exit !== undefined) throw new SchemaRegistryStartError(`the registry process ended (${exit})`, logTail(dataDir));
    if (await answers(url)) break;
    if (Date.now() > deadline) {
      killQuietly(pid);
      throw new SchemaRegistryStartError(`no answer at ${url} within ${options.startTimeoutMs} ms`, logTail(dataDir));
    }
    await sleep(200);
  }
  child.unref();
  const state: RegistryState = { pid, port: options.port, url, dataDir, apicurioVersion: app.apicurioVersion, startedAt: new Date().toISOString() };
  writeFileSync(paths.state, `${JSON.stringify(state, null, 2)}\n`);
  return { state, started: true, built: app.built, elapsedMs: Date.now() - began };
}

/** Stops the registry of this data directory (SIGTERM, then SIGKILL after a timeout). Its schemas are gone with it. */
export async function stopLocalRegistry(dataDir: string, log: Logger = silentLogger, timeoutMs = STOP_TIMEOUT_MS): Promise<RegistryState> {
  const state = readState(dataDir);
  if (state === undefined || !ourServer(state)) {
    if (state !== undefined) rmSync(registryPaths(dataDir).state, { force: true });
    throw new SchemaRegistryNotRunningError(`data directory ${resolve(dataDir)}`);
  }
  await terminate(state.pid, { what: 'schema registry', timeoutMs, log, survived: (pid) => new SchemaRegistryStopError(`process ${pid} survived SIGKILL`) });
  rmSync(registryPaths(dataDir).state, { force: true });
  return state;
}

/** True when the registry lists its subjects (HTTP 200) within 2 s. */
export async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** The last lines of the registry's log, for error messages. */
export function logTail(dataDir: string, lines = 20): string[] {
  const file = registryPaths(dataDir).log;
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8').trimEnd();
  return text === '' ? [] : [`(${file})`, ...text.split('\n').slice(-lines)];
}

function readState(dataDir: string): RegistryState | undefined {
  return readStateFile<RegistryState>(registryPaths(dataDir).state);
}

function ourServer(state: RegistryState): boolean {
  return isOurProcess(state.pid, `-Dlabeljoin.schemaRegistryDir=${state.dataDir}`);
}
