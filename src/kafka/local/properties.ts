/**
 * server.properties of the local broker: one KRaft node that is both broker
 * and controller, listening on 127.0.0.1 only, with replication factors of 1
 * for Kafka's internal topics so a single node can run transactions and
 * consumer groups. Retention is off: a development broker keeps what it is
 * given until its data directory is removed.
 */

export interface BrokerProperties {
  readonly port: number;
  readonly controllerPort: number;
  readonly logDir: string;
}

export function renderServerProperties(p: BrokerProperties): string {
  const entries: Array<[string, string | number]> = [
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    ['controller.quorum.voters', `1@127.0.0.1:${p.controllerPort}`],
    ['listeners', `PLAINTEXT://127.0.0.1:${p.port},CONTROLLER://127.0.0.1:${p.controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://127.0.0.1:${p.port}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
    ['log.dirs', p.logDir],
    ['num.partitions', 1],
    ['auto.create.topics.enable', 'false'],
    ['offsets.topic.replication.factor', 1],
    ['offsets.topic.num.partitions', 8],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['transaction.state.log.num.partitions', 8],
    ['share.coordinator.state.topic.replication.factor', 1],
    ['share.coordinator.state.topic.min.isr', 1],
    ['group.initial.rebalance.delay.ms', 0],
    // Retention off: simulated traffic carries past event times, and time-based
    // retention would delete it at once (record timestamps are event times).
    ['log.retention.ms', -1],
    ['log.segment.bytes', 256 * 1024 * 1024],
    ['message.max.bytes', 8 * 1024 * 1024],
    ['delete.topic.enable', 'true'],
  ];
  return `# Written by labeljoin for its local broker; regenerated on every start.\n${entries.map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}
