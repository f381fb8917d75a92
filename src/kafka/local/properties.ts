/**
 * server.properties of the local broker: one KRaft node that is both broker
 * and controller, listening on 127.0.0.1 only, with replication factors of 1
 * for Kafka's internal topics so a single node can run transactions and
 * consumer groups. A node of a local cluster (`kafka start --nodes N`) names
 * all N nodes as controller voters, and Kafka's internal topics get
 * replication factor min(3, N) and, from 3 nodes on, min.insync.replicas 2
 * (also the broker default for the pipeline's topics). Retention is off: a development broker keeps what it is
 * given until its data directory is removed.
 *
 * Secured (`kafka start --security ssl|sasl_ssl`): the client listener is SSL
 * (client certificates required) or SASL_SSL (PLAIN, SCRAM-SHA-256,
 * SCRAM-SHA-512 and OAUTHBEARER with Kafka's development token validator),
 * with the keystores of src/kafka/local/security-material.ts; the broker talks
 * to itself over that listener (SCRAM-SHA-512 as user "broker"); the controller
 * listener stays plaintext on 127.0.0.1. The file then holds the store and
 * broker passwords and is written with mode 0600.
 */
import type { LocalSecurity } from '../security-names.js';
import { LOCAL_BROKER_USER, LOCAL_SASL_USER, type BrokerSecrets, type SecurityFiles } from './security-material.js';

export interface BrokerSecurityProperties {
  readonly mode: Exclude<LocalSecurity, 'plaintext'>;
  readonly files: SecurityFiles;
  readonly secrets: BrokerSecrets;
  /** Password of the user "labeljoin" (PLAIN needs it in the broker's JAAS config). */
  readonly clientPassword: string;
}

export interface BrokerProperties {
  readonly port: number;
  readonly controllerPort: number;
  readonly logDir: string;
  readonly security?: BrokerSecurityProperties | undefined;
  /** A node of a local cluster (`kafka start --nodes N`); absent: the single node 1. */
  readonly cluster?: ClusterNodeProperties;
}

/** One node of an N-node local cluster: every node is broker and controller, the voters are all of them. */
export interface ClusterNodeProperties {
  readonly nodeId: number;
  /** Controller port of each node, by node id 1..N. */
  readonly controllerPorts: readonly number[];
}

export function renderServerProperties(p: BrokerProperties): string {
  const listener = p.security === undefined ? 'PLAINTEXT' : p.security.mode.toUpperCase();
  const nodes = p.cluster?.controllerPorts.length ?? 1;
  const voters = p.cluster === undefined ? `1@127.0.0.1:${p.controllerPort}` : p.cluster.controllerPorts.map((port, i) => `${i + 1}@127.0.0.1:${port}`).join(',');
  // Kafka's internal topics: replicated like the pipeline's topics (RF min(3, N), min ISR 2 from 3 nodes on).
  const rf = Math.min(3, nodes);
  const minIsr = rf >= 3 ? 2 : 1;
  const entries: Array<[string, string | number]> = [
    ['process.roles', 'broker,controller'],
    ['node.id', p.cluster?.nodeId ?? 1],
    ['controller.quorum.voters', voters],
    ['listeners', `${listener}://127.0.0.1:${p.port},CONTROLLER://127.0.0.1:${p.controllerPort}`],
    ['advertised.listeners', `${listener}://127.0.0.1:${p.port}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', listener],
    ['listener.security.protocol.map', `CONTROLLER:PLAINTEXT,${listener}:${listener}`],
    ...(p.security === undefined ? [] : securityEntries(p.security)),
    ['log.dirs', p.logDir],
    ['num.partitions', 1],
    ['auto.create.topics.enable', 'false'],
    ['offsets.topic.replication.factor', rf],
    ['offsets.topic.num.partitions', 8],
    ['transaction.state.log.replication.factor', rf],
    ['transaction.state.log.min.isr', minIsr],
    ['transaction.state.log.num.partitions', 8],
    ['share.coordinator.state.topic.replication.factor', rf],
    ['share.coordinator.state.topic.min.isr', minIsr],
    ['group.initial.rebalance.delay.ms', 0],
    // Retention off: simulated traffic carries past event times, and time-based
    // retention would delete it at once (record timestamps are event times).
    ['log.retention.ms', -1],
    ['log.segment.bytes', 256 * 1024 * 1024],
    ['message.max.bytes', 8 * 1024 * 1024],
    ['delete.topic.enable', 'true'],
    ...(p.cluster === undefined ? [] : clusterEntries(minIsr)),
  ];
  return `# Written by labeljoin for its local broker; regenerated on every start.\n${entries.map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

/** A cluster node: the broker default of min.insync.replicas, and no unclean leader election (an out-of-sync replica never becomes leader). */
function clusterEntries(minIsr: number): Array<[string, string | number]> {
  return [
    ['min.insync.replicas', minIsr],
    ['unclean.leader.election.enable', 'false'],
  ];
}

function securityEntries(s: BrokerSecurityProperties): Array<[string, string]> {
  const f = s.files;
  const tls: Array<[string, string]> = [
    ['ssl.keystore.type', 'PKCS12'],
    ['ssl.keystore.location', f.keystore],
    ['ssl.keystore.password', s.secrets.storePassword],
    ['ssl.key.password', s.secrets.storePassword],
    ['ssl.truststore.type', 'PKCS12'],
    ['ssl.truststore.location', f.truststore],
    ['ssl.truststore.password', s.secrets.storePassword],
    ['ssl.client.auth', s.mode === 'ssl' ? 'required' : 'none'],
  ];
  if (s.mode === 'ssl') return tls;
  const broker = s.secrets.brokerPassword;
  const prefix = 'listener.name.sasl_ssl';
  return [
    ...tls,
    ['sasl.enabled.mechanisms', 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER'],
    ['sasl.mechanism.inter.broker.protocol', 'SCRAM-SHA-512'],
    [`${prefix}.scram-sha-512.sasl.jaas.config`, `org.apache.kafka.common.security.scram.ScramLoginModule required username="${LOCAL_BROKER_USER}" password="${broker}";`],
    [`${prefix}.scram-sha-256.sasl.jaas.config`, `org.apache.kafka.common.security.scram.ScramLoginModule required username="${LOCAL_BROKER_USER}" password="${broker}";`],
    [`${prefix}.plain.sasl.jaas.config`, `org.apache.kafka.common.security.plain.PlainLoginModule required username="${LOCAL_BROKER_USER}" password="${broker}" user_${LOCAL_BROKER_USER}="${broker}" user_${LOCAL_SASL_USER}="${s.clientPassword}";`],
    [`${prefix}.oauthbearer.sasl.jaas.config`, `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="${LOCAL_BROKER_USER}";`],
  ];
}
