/**
 * labeljoin kafka start | status | stop
 *
 * The local-broker commands and --brokers / LABELJOIN_BROKERS agree: one
 * loopback address (127.0.0.1:N, localhost:N) names the local broker on port
 * N, which `start` starts and `stop` stops; any other cluster is not ours to
 * start or stop, and the commands say so in one line.
 */
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { KafkaAdmin } from '../kafka/admin.js';
import { connectionSettings } from '../kafka/connection.js';
import { BrokerNotLocalError, BrokerNotRunningError, KafkaError, PortInUseError } from '../kafka/errors.js';
import { localBrokerPort } from '../kafka/local/address.js';
import { brokerPaths, runningBroker, startLocalBroker, stopLocalBroker, type BrokerState } from '../kafka/local/broker.js';
import { localCluster, runningNodes, startLocalCluster, stopLocalCluster } from '../kafka/local/cluster.js';
import { registerDataDir, registeredDataDirs, unregisterDataDir } from '../kafka/local/registry.js';
import { localClientSecurity } from '../kafka/local/security-material.js';
import { jsonFlag, jsonLine, type CommandContext, type CommandSpec } from './command.js';

const LOCAL_SETTINGS = ['local.port', 'local.dataDir', 'kafka.brokers'] as const;

/** `kafka start --nodes N`, N ≥ 2: the local replicated cluster (src/kafka/local/cluster.ts). */
async function startCluster(ctx: CommandContext): Promise<number> {
  if (ctx.brokersGiven) throw new UsageError(`--nodes ${ctx.config.local.nodes} starts a local cluster on --port and the ports after it; do not give --brokers or LABELJOIN_BROKERS to \`kafka start\` then (see: labeljoin kafka start --help)`);
  const r = await startLocalCluster({ ...ctx.config.local, log: ctx.log.child('kafka.local') });
  registerDataDir(r.cluster.dataDir);
  if (ctx.flags['json'] === true) {
    ctx.out(jsonLine({ started: r.startedNodes.length > 0, startedNodes: r.startedNodes, bootstrap: r.bootstrap, nodes: r.nodes.map((n) => ({ pid: n.pid, port: n.port, dataDir: n.dataDir })), dataDir: r.cluster.dataDir, kafkaVersion: r.kafkaVersion, clusterId: r.cluster.clusterId, security: 'plaintext' }));
    return 0;
  }
  const what = r.startedNodes.length === 0 ? 'already running' : r.startedNodes.length === r.cluster.nodes ? `started, up in ${(r.elapsedMs / 1000).toFixed(1)} s` : `node(s) ${r.startedNodes.join(', ')} started, up in ${(r.elapsedMs / 1000).toFixed(1)} s`;
  ctx.out(`Kafka ${r.kafkaVersion} cluster of ${r.cluster.nodes} nodes (${what}; data ${r.cluster.dataDir}, cluster ${r.cluster.clusterId})`);
  for (const n of r.nodes) ctx.out(`  node at ${n.bootstrap} (pid ${n.pid}, log ${brokerPaths(n.dataDir).serverLog})`);
  ctx.out(`clients: --brokers ${r.bootstrap}`);
  return 0;
}


export const kafkaStart: CommandSpec = {
  name: 'kafka start',
  summary: 'Start a local Apache Kafka broker (KRaft, broker + controller in one JVM) on 127.0.0.1.',
  details: [
    'The first start resolves the broker from Maven Central into ~/.m2 (kafka/pom.xml); later',
    'starts reuse it. Returns once the broker answers a metadata request.',
    'With --brokers or LABELJOIN_BROKERS naming one address on this machine (127.0.0.1:N or',
    'localhost:N), the broker is started on port N (a --port that differs is an error); when a',
    'Kafka broker already answers there, nothing is started. Any other cluster is used as it is:',
    'nothing is started, and the exit code is 1 when it does not answer.',
    '',
    'With --security ssl or sasl_ssl the broker listens with TLS only: a CA, its certificate and a',
    'client certificate are made with openssl and keytool into DATA/security (once), and with',
    'sasl_ssl the SASL user "labeljoin" (SCRAM-SHA-512/256, PLAIN, OAUTHBEARER) with a random',
    'password in DATA/security/sasl-password (mode 0600). The output names these files and a',
    'config file for the clients: labeljoin <command> --config DATA/security/client.json.',
    '',
    'With --nodes N (2 to 9; the "three brokers" of issue 21 are --nodes 3), a replicated cluster of',
    'N KRaft nodes (each broker and controller) starts on 127.0.0.1, node k on port --port + k - 1,',
    'with data in DATA/node-k; plaintext only. `topics create` then gives topics replication factor',
    'min(3, N) and, from 3 on, min.insync.replicas=2. Starting it again starts the nodes that are',
    'not running (a killed node rejoins). Clients: --brokers 127.0.0.1:P,127.0.0.1:P+1,...',
  ].join('\n'),
  settings: [...LOCAL_SETTINGS, 'local.nodes', 'local.security'],
  flags: [jsonFlag('the running broker (bootstrap, security, the files a client needs)')],
  async run(ctx) {
    if (ctx.config.local.nodes > 1) return startCluster(ctx);
    let local = ctx.config.local;
    if (ctx.brokersGiven) {
      const named = brokersSource(ctx);
      const port = localBrokerPort(ctx.config.kafka.brokers);
      if (port === undefined) return describeExternalForStart(ctx, named);
      if (portExplicit(ctx) && local.port !== port) {
        throw new UsageError(`--port ${local.port} and ${named} name different ports; give only one of them (see: labeljoin kafka start --help)`);
      }
      local = { ...local, port };
    }
    let result;
    try {
      result = await startLocalBroker({ ...local, log: ctx.log.child('kafka.local') });
    } catch (error) {
      // The port of the address the environment names is taken: by a Kafka broker (then that is the cluster to use) or by something else.
      if (!(error instanceof PortInUseError) || !ctx.brokersGiven) throw error;
      const cluster = await answeringCluster(ctx, [`127.0.0.1:${local.port}`]);
      if (cluster === undefined) {
        throw new KafkaError('PORT_IN_USE', `port ${local.port} on 127.0.0.1, named by ${brokersSource(ctx)}, is in use by something that is not a Kafka broker; name a free port there`);
      }
      ctx.out(`a Kafka broker (cluster ${cluster}) already answers at 127.0.0.1:${local.port}, named by ${brokersSource(ctx)}; it was not started by labeljoin in ${resolve(local.dataDir)}, nothing started`);
      return 0;
    }
    registerDataDir(result.state.dataDir);
    const s = result.state;
    const security = s.security ?? 'plaintext';
    if (ctx.flags['json'] === true) {
      ctx.out(jsonLine({ started: result.started, bootstrap: s.bootstrap, pid: s.pid, dataDir: s.dataDir, kafkaVersion: s.kafkaVersion, clusterId: s.clusterId, security, ...(s.client === undefined ? {} : { client: s.client }), brokerLog: brokerPaths(s.dataDir).serverLog }));
      return 0;
    }
    const secured = security === 'plaintext' ? '' : `, security ${security}`;
    if (!result.started) {
      ctx.out(`Kafka ${s.kafkaVersion} is already running at ${s.bootstrap} (pid ${s.pid}, data ${s.dataDir}${secured})`);
    } else {
      const how = result.resolvedJars ? 'jars resolved from Maven Central' : 'cached jars';
      ctx.out(`Kafka ${s.kafkaVersion} running at ${s.bootstrap} (pid ${s.pid}, data ${s.dataDir}${secured}, ${how}, up in ${(result.elapsedMs / 1000).toFixed(1)} s)`);
      ctx.out(`broker log: ${brokerPaths(s.dataDir).serverLog}`);
    }
    if (s.client !== undefined) {
      ctx.out(`TLS CA: ${s.client.caFile}`);
      if (s.client.certFile !== undefined) ctx.out(`client certificate: ${s.client.certFile} (key ${s.client.keyFile ?? ''})`);
      if (s.client.saslUsername !== undefined) ctx.out(`SASL user ${s.client.saslUsername} (${(s.client.saslMechanisms ?? []).join(', ')}), password file (mode 0600): ${s.client.saslPasswordFile ?? ''}`);
      ctx.out(`clients: labeljoin <command> --config ${s.client.configFile}`);
    }
    if (!result.started && security !== ctx.config.local.security) {
      ctx.out(`note: it runs with security ${security}, not ${ctx.config.local.security}; stop it first to change that`);
    }
    return 0;
  },
};

export const kafkaStatus: CommandSpec = {
  name: 'kafka status',
  summary: 'Show the local broker(s) started by labeljoin, or check the cluster given by --brokers. Exit 1 when none runs.',
  settings: LOCAL_SETTINGS,
  async run(ctx) {
    if (ctx.brokersGiven) return describeExternal(ctx, 'reachable');
    const running = knownDataDirs(ctx).flatMap((dir) => localBrokers(dir));
    const shown = typeof ctx.flags['data'] === 'string' ? running.filter((s) => s.home === resolve(ctx.config.local.dataDir))
      : typeof ctx.flags['port'] === 'string' ? running.filter((s) => s.port === ctx.config.local.port) : running;
    if (shown.length === 0) {
      ctx.out('no local Kafka broker is running');
      return 1;
    }
    for (const s of shown) {
      const admin = new KafkaAdmin(connectionSettings(ctx.config, { brokers: [s.bootstrap], retries: 0, security: localClientSecurity(s.dataDir, s.security ?? 'plaintext') }));
      try {
        const info = await admin.describeCluster();
        const of = s.home === s.dataDir ? '' : `, node of the local cluster in ${s.home} (${runningNodes(s.home).length} of ${localCluster(s.home)?.nodes ?? 0} nodes running, ${info.brokers.length} in the metadata)`;
        ctx.out(`Kafka ${s.kafkaVersion} running at ${s.bootstrap} (pid ${s.pid}, data ${s.dataDir}, cluster ${info.clusterId}, up since ${s.startedAt}${of})`);
      } catch {
        ctx.out(`Kafka ${s.kafkaVersion} process ${s.pid} is alive at ${s.bootstrap} but does not answer (data ${s.dataDir}; see ${brokerPaths(s.dataDir).serverLog})`);
        return 1;
      } finally {
        await admin.close();
      }
    }
    return 0;
  },
};

export const kafkaStop: CommandSpec = {
  name: 'kafka stop',
  summary: 'Stop one local broker (or every node of one local cluster) started by labeljoin, gracefully (SIGTERM; SIGKILL after 30 s), and list those left running.',
  details: [
    'Which one: --data DIR, else the one listening on --port N, else the one --brokers or',
    'LABELJOIN_BROKERS names when that is one address on this machine (127.0.0.1:N, localhost:N),',
    'else the broker of the default data directory. Other brokers (of other checkouts or data',
    'directories) keep running; they are listed with the command that stops each. A --brokers',
    'list naming any other cluster stops nothing and exits 1: labeljoin stops only brokers it started.',
    'A data directory of a local cluster (kafka start --nodes N) stops all its nodes, each named,',
    'and --port N of one of its nodes picks that cluster. Nothing to stop is not an error (exit 0).',
  ].join('\n'),
  settings: LOCAL_SETTINGS,
  async run(ctx) {
    const { dirs, what } = selectForStop(ctx);
    let stopped = 0;
    for (const dir of dirs) {
      if (localCluster(dir) !== undefined) {
        const nodes = await stopLocalCluster(dir, ctx.log.child('kafka.local'));
        for (const s of nodes) ctx.out(`stopped Kafka node at ${s.bootstrap} (pid ${s.pid}, data ${s.dataDir})`);
        if (nodes.length > 0) ctx.out(`stopped the local cluster in ${dir} (${nodes.length} of ${localCluster(dir)?.nodes ?? 0} nodes were running)`);
        stopped += nodes.length;
        unregisterDataDir(dir);
        continue;
      }
      try {
        const s = await stopLocalBroker(dir, ctx.log.child('kafka.local'));
        ctx.out(`stopped Kafka at ${s.bootstrap} (pid ${s.pid}, data ${s.dataDir})`);
        stopped++;
      } catch (error) {
        if (!(error instanceof BrokerNotRunningError)) throw error;
      }
      unregisterDataDir(dir);
    }
    if (stopped === 0) ctx.out(`no local Kafka broker was running (${what})`);
    const left = knownDataDirs(ctx).filter((d) => !dirs.includes(d)).flatMap((d) => localBrokers(d));
    for (const s of left) ctx.out(`still running: Kafka at ${s.bootstrap} (pid ${s.pid}, data ${s.dataDir}); stop it with: labeljoin kafka stop --data ${s.home}`);
    return 0;
  },
};

/** The data directories `kafka stop` is about, and how they were chosen (for the message when none runs). */
function selectForStop(ctx: CommandContext): { dirs: string[]; what: string } {
  const dataDir = resolve(ctx.config.local.dataDir);
  if (typeof ctx.flags['data'] === 'string') return { dirs: [dataDir], what: `data ${dataDir}` };
  let port: number | undefined;
  if (typeof ctx.flags['port'] === 'string') port = ctx.config.local.port;
  else if (ctx.brokersGiven) {
    port = localBrokerPort(ctx.config.kafka.brokers);
    if (port === undefined) {
      throw new BrokerNotLocalError(`${brokersSource(ctx)} names a cluster labeljoin did not start, so nothing was stopped; labeljoin stops only its local brokers: give --data DIR or --port N (see: labeljoin kafka status)`);
    }
  }
  if (port === undefined) return { dirs: [dataDir], what: `default data ${dataDir}` };
  const matching = port;
  return { dirs: knownDataDirs(ctx).filter((d) => localBrokers(d).some((s) => s.port === matching)), what: `port ${matching}` };
}

/** The running local brokers of a data directory: its single broker, or the running nodes of its cluster; `home` is that directory. */
function localBrokers(dir: string): Array<BrokerState & { readonly home: string }> {
  const single = runningBroker(dir);
  const found = single === undefined ? runningNodes(dir) : [single];
  return found.map((s) => ({ ...s, home: dir }));
}

/** Every data directory labeljoin knows a local broker of: the registry's and the configured one. */
function knownDataDirs(ctx: CommandContext): string[] {
  return [...new Set([...registeredDataDirs(), resolve(ctx.config.local.dataDir)])];
}

/** "--brokers a:1" or "LABELJOIN_BROKERS=a:1", for messages. */
function brokersSource(ctx: CommandContext): string {
  const list = ctx.config.kafka.brokers.join(',');
  return typeof ctx.flags['brokers'] === 'string' ? `--brokers ${list}` : `LABELJOIN_BROKERS=${list}`;
}

function portExplicit(ctx: CommandContext): boolean {
  return typeof ctx.flags['port'] === 'string' || (process.env['LABELJOIN_KAFKA_PORT'] ?? '') !== '';
}

/**
 * The cluster id of the cluster answering at these brokers, or undefined when none answers. A broker
 * on this machine answers a metadata request in milliseconds; what does not within 2 s (as the local
 * broker's own readiness probe) is taken for no broker. Another cluster gets the configured timeout.
 */
async function answeringCluster(ctx: CommandContext, brokers: readonly string[], loopback = true): Promise<string | undefined> {
  const settings = connectionSettings(ctx.config, { brokers, retries: 0 });
  const admin = new KafkaAdmin(loopback ? { ...settings, requestTimeoutMs: 2_000 } : settings);
  try {
    return (await admin.describeCluster()).clusterId;
  } catch {
    return undefined;
  } finally {
    await admin.close();
  }
}

async function describeExternalForStart(ctx: CommandContext, named: string): Promise<number> {
  if ((await answeringCluster(ctx, ctx.config.kafka.brokers, false)) === undefined) {
    throw new BrokerNotLocalError(`${named} names a cluster labeljoin does not start (it starts one broker on 127.0.0.1), and no broker answered there: start that cluster, or name 127.0.0.1:PORT, or unset it to start the local broker`);
  }
  return describeExternal(ctx, 'using the existing cluster; nothing to start');
}

async function describeExternal(ctx: CommandContext, what: string): Promise<number> {
  const admin = new KafkaAdmin(connectionSettings(ctx.config, { retries: 0 }));
  try {
    const info = await admin.describeCluster();
    const brokers = info.brokers.map((b) => `${b.host}:${b.port}`).join(',');
    ctx.out(`Kafka cluster ${info.clusterId} at ${ctx.config.kafka.brokers.join(',')}: ${what} (brokers ${brokers})`);
    return 0;
  } finally {
    await admin.close();
  }
}
