/**
 * A local replicated Kafka cluster: N KRaft nodes on 127.0.0.1, each broker and
 * controller (all N are the controller quorum's voters), from the jars Maven
 * resolved (`labeljoin kafka start --nodes 3`: the "three brokers" of issue 21).
 * Node k (1..N) listens for clients on port P + k − 1 (P = --port).
 *
 * Data directory layout:
 *   <data>/cluster.json        the cluster (ClusterState as JSON): node count, cluster id, ports;
 *                              kept on stop, so a later start reuses the ports and the logs
 *   <data>/node-<k>/           node k's own data directory, laid out as a single broker's
 *                              (server.properties, broker.json while it runs, kraft/, logs/; broker.ts)
 *
 * Starting again starts the nodes that do not run (a node killed by a test or a crash
 * rejoins with its logs); the nodes that run are left alone. Plaintext only.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { silentLogger, type Logger } from '../../log/logger.js';
import { BrokerNotRunningError, BrokerStartError, PortInUseError } from '../errors.js';
import { readStateFile } from './local-process.js';
import { awaitAnswer, brokerPaths, formatStorageOnce, freePort, launchNode, newClusterId, portIsFree, runningBroker, stopLocalBroker, type BrokerState, type LaunchedNode, type LocalBrokerOptions } from './broker.js';
import { checkJava, javaExecutable } from './java.js';
import { resolveClassPath } from './maven.js';
import { renderServerProperties } from './properties.js';

export interface ClusterState {
  readonly nodes: number;
  readonly clusterId: string;
  /** Client port of node k at index k − 1. */
  readonly ports: readonly number[];
  readonly controllerPorts: readonly number[];
  readonly dataDir: string;
}

export interface ClusterStartResult {
  readonly cluster: ClusterState;
  /** The bootstrap list naming every node. */
  readonly bootstrap: string;
  /** The node ids started now (empty: all were running). */
  readonly startedNodes: readonly number[];
  readonly nodes: readonly BrokerState[];
  readonly kafkaVersion: string;
  readonly elapsedMs: number;
}

export function clusterFile(dataDir: string): string {
  return join(resolve(dataDir), 'cluster.json');
}

export function nodeDataDir(dataDir: string, nodeId: number): string {
  return join(resolve(dataDir), `node-${nodeId}`);
}

/** The cluster of this data directory (running or not), or undefined when it holds none. */
export function localCluster(dataDir: string): ClusterState | undefined {
  return readStateFile<ClusterState>(clusterFile(dataDir));
}

/** The running nodes of the cluster in this data directory (none when it holds no cluster). */
export function runningNodes(dataDir: string): BrokerState[] {
  const cluster = localCluster(dataDir);
  if (cluster === undefined) return [];
  return Array.from({ length: cluster.nodes }, (_, i) => runningBroker(nodeDataDir(dataDir, i + 1))).filter((s): s is BrokerState => s !== undefined);
}

export function clusterBootstrap(cluster: ClusterState): string {
  return cluster.ports.map((p) => `127.0.0.1:${p}`).join(',');
}

export async function startLocalCluster(options: LocalBrokerOptions & { readonly nodes: number }): Promise<ClusterStartResult> {
  const began = Date.now();
  const log = options.log ?? silentLogger;
  const dataDir = resolve(options.dataDir);
  if ((options.security ?? 'plaintext') !== 'plaintext') throw new BrokerStartError('a local cluster (--nodes 2 or more) runs plaintext only; start a secured single broker with --nodes 1', []);
  if (existsSync(brokerPaths(dataDir).kraft)) throw new BrokerStartError(`${dataDir} holds a single broker's data; start the cluster in another data directory (--data DIR)`, []);
  const known = localCluster(dataDir);
  if (known !== undefined && known.nodes !== options.nodes) {
    throw new BrokerStartError(`${dataDir} holds a cluster of ${known.nodes} nodes, not ${options.nodes}; start it with --nodes ${known.nodes}, or use another data directory (--data DIR)`, []);
  }
  const cluster: ClusterState = known ?? {
    nodes: options.nodes,
    clusterId: newClusterId(),
    ports: Array.from({ length: options.nodes }, (_, i) => options.port + i),
    controllerPorts: await distinctFreePorts(options.nodes),
    dataDir,
  };
  const ids = Array.from({ length: cluster.nodes }, (_, i) => i + 1);
  const missing = ids.filter((id) => runningBroker(nodeDataDir(dataDir, id)) === undefined);
  const java = javaExecutable();
  const classPath = missing.length === 0 ? undefined : await resolveClassPath(log);
  if (classPath !== undefined) {
    checkJava(java);
    for (const id of missing) if (!(await portIsFree(cluster.ports[id - 1]!))) throw new PortInUseError(cluster.ports[id - 1]!);
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(clusterFile(dataDir), `${JSON.stringify(cluster, null, 2)}\n`);
    const launched = new Map<number, LaunchedNode>();
    for (const id of missing) {
      const dir = nodeDataDir(dataDir, id);
      const paths = brokerPaths(dir);
      mkdirSync(paths.logs, { recursive: true });
      const controllerPort = cluster.controllerPorts[id - 1]!;
      writeFileSync(paths.properties, renderServerProperties({ port: cluster.ports[id - 1]!, controllerPort, logDir: paths.kraft, cluster: { nodeId: id, controllerPorts: cluster.controllerPorts } }));
      formatStorageOnce(java, classPath.jars, paths, undefined, cluster.clusterId);
      launched.set(id, launchNode(java, classPath.jars, dir, options.heapMb));
    }
    // A quorum of voters must run before a node answers: all are launched, then each is awaited.
    log.info('waiting for the cluster to answer', { nodes: cluster.nodes, starting: missing });
    const deadline = began + options.startTimeoutMs;
    try {
      for (const [id, node] of launched) {
        await awaitAnswer(node, `127.0.0.1:${cluster.ports[id - 1]!}`, { protocol: 'plaintext' }, deadline, options.startTimeoutMs, brokerPaths(nodeDataDir(dataDir, id)), cluster.nodes);
      }
    } catch (error) {
      for (const node of launched.values()) if (node.exit() === undefined) process.kill(node.pid, 'SIGKILL');
      throw error;
    }
    for (const [id, node] of launched) {
      node.child.unref();
      const state: BrokerState = {
        pid: node.pid,
        port: cluster.ports[id - 1]!,
        controllerPort: cluster.controllerPorts[id - 1]!,
        bootstrap: `127.0.0.1:${cluster.ports[id - 1]!}`,
        dataDir: nodeDataDir(dataDir, id),
        kafkaVersion: classPath.kafkaVersion,
        clusterId: cluster.clusterId,
        startedAt: new Date().toISOString(),
        security: 'plaintext',
      };
      writeFileSync(brokerPaths(state.dataDir).state, `${JSON.stringify(state, null, 2)}\n`);
    }
  }
  const nodes = runningNodes(dataDir);
  return { cluster, bootstrap: clusterBootstrap(cluster), startedNodes: missing, nodes, kafkaVersion: nodes[0]?.kafkaVersion ?? classPath?.kafkaVersion ?? '', elapsedMs: Date.now() - began };
}

/**
 * Stops every running node of the cluster in this data directory, all at once (gracefully);
 * returns those stopped. Not in turn: the last nodes of a KRaft quorum stopped one by one have
 * no majority left to shut down with, and wait until they are killed.
 */
export async function stopLocalCluster(dataDir: string, log: Logger = silentLogger): Promise<BrokerState[]> {
  const cluster = localCluster(dataDir);
  if (cluster === undefined) throw new BrokerNotRunningError(`data directory ${resolve(dataDir)}`);
  const ids = Array.from({ length: cluster.nodes }, (_, i) => i + 1);
  const results = await Promise.all(ids.map(async (id) => {
    try {
      return await stopLocalBroker(nodeDataDir(dataDir, id), log);
    } catch (error) {
      if (error instanceof BrokerNotRunningError) return undefined;
      throw error;
    }
  }));
  return results.filter((s): s is BrokerState => s !== undefined);
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}
