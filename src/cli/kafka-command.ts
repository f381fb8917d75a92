/**
 * labeljoin kafka start | status | stop
 */
import { resolve } from 'node:path';
import { KafkaAdmin } from '../kafka/admin.js';
import { connectionSettings } from '../kafka/connection.js';
import { BrokerNotRunningError } from '../kafka/errors.js';
import { brokerPaths, runningBroker, startLocalBroker, stopLocalBroker, type BrokerState } from '../kafka/local/broker.js';
import { registerDataDir, registeredDataDirs, unregisterDataDir } from '../kafka/local/registry.js';
import type { CommandContext, CommandSpec } from './command.js';

const LOCAL_SETTINGS = ['local.port', 'local.dataDir', 'kafka.brokers'] as const;

export const kafkaStart: CommandSpec = {
  name: 'kafka start',
  summary: 'Start a local Apache Kafka broker (KRaft, broker + controller in one JVM) on 127.0.0.1.',
  details: [
    'The first start resolves the broker from Maven Central into ~/.m2 (kafka/pom.xml); later',
    'starts reuse it. Returns once the broker answers a metadata request. With --brokers or',
    'LABELJOIN_BROKERS an existing cluster is used instead and nothing is started.',
  ].join('\n'),
  settings: LOCAL_SETTINGS,
  async run(ctx) {
    if (ctx.brokersGiven) return describeExternal(ctx, 'using the existing cluster; nothing to start');
    const result = await startLocalBroker({ ...ctx.config.local, log: ctx.log.child('kafka.local') });
    registerDataDir(result.state.dataDir);
    const s = result.state;
    if (!result.started) {
      ctx.out(`Kafka ${s.kafkaVersion} is already running at ${s.bootstrap} (pid ${s.pid}, data ${s.dataDir})`);
      return 0;
    }
    const how = result.resolvedJars ? 'jars resolved from Maven Central' : 'cached jars';
    ctx.out(`Kafka ${s.kafkaVersion} running at ${s.bootstrap} (pid ${s.pid}, data ${s.dataDir}, ${how}, up in ${(result.elapsedMs / 1000).toFixed(1)} s)`);
    ctx.out(`broker log: ${brokerPaths(s.dataDir).serverLog}`);
    return 0;
  },
};

export const kafkaStatus: CommandSpec = {
  name: 'kafka status',
  summary: 'Show the local broker(s) started by labeljoin, or check the cluster given by --brokers. Exit 1 when none runs.',
  settings: LOCAL_SETTINGS,
  async run(ctx) {
    if (ctx.brokersGiven) return describeExternal(ctx, 'reachable');
    const running = selectBrokers(ctx).map((dir) => runningBroker(dir)).filter((s): s is BrokerState => s !== undefined);
    if (running.length === 0) {
      ctx.out('no local Kafka broker is running');
      return 1;
    }
    for (const s of running) {
      const admin = new KafkaAdmin(connectionSettings(ctx.config, { brokers: [s.bootstrap], retries: 0 }));
      try {
        const info = await admin.describeCluster();
        ctx.out(`Kafka ${s.kafkaVersion} running at ${s.bootstrap} (pid ${s.pid}, data ${s.dataDir}, cluster ${info.clusterId}, up since ${s.startedAt})`);
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
  summary: 'Stop the local broker(s) started by labeljoin, gracefully (SIGTERM; SIGKILL after 30 s).',
  details: 'Without --data or --port, every local broker labeljoin started is stopped.',
  settings: LOCAL_SETTINGS,
  async run(ctx) {
    if (ctx.brokersGiven) {
      ctx.out('--brokers names an external cluster; labeljoin only stops brokers it started');
      return 2;
    }
    let stopped = 0;
    for (const dir of selectBrokers(ctx)) {
      try {
        const s = await stopLocalBroker(dir, ctx.log.child('kafka.local'));
        ctx.out(`stopped Kafka at ${s.bootstrap} (pid ${s.pid}, data ${s.dataDir})`);
        stopped++;
      } catch (error) {
        if (!(error instanceof BrokerNotRunningError)) throw error;
      }
      unregisterDataDir(dir);
    }
    if (stopped === 0) ctx.out('no local Kafka broker was running');
    return 0;
  },
};

/** Data directories the command is about: --data if given, those matching --port, else all registered. */
function selectBrokers(ctx: CommandContext): string[] {
  if (typeof ctx.flags['data'] === 'string') return [resolve(ctx.config.local.dataDir)];
  const known = new Set([...registeredDataDirs(), resolve(ctx.config.local.dataDir)]);
  const dirs = [...known];
  if (typeof ctx.flags['port'] === 'string') return dirs.filter((d) => runningBroker(d)?.port === ctx.config.local.port);
  return dirs;
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
