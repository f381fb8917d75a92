/**
 * Cluster administration: reachability, topics, partition counts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin, FindCoordinatorKeyTypes } from '@platformatic/kafka';
import { GuardedAdmin } from './guarded-clients.js';
import { baseClientOptions, ConnectionAlerts, hasKafkaCode, translateError, type ConnectionSettings } from './connection.js';
import { KafkaRequestError, TopicMissingError, TopicsNotCopartitionedError } from './errors.js';

export interface ClusterInfo {
  readonly clusterId: string;
  readonly brokers: ReadonlyArray<{ readonly nodeId: number; readonly host: string; readonly port: number }>;
  readonly controllerId: number;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs?: Readonly<Record<string, string>>;
}

/** One partition's replicas as the cluster's metadata has them (node ids). */
export interface PartitionReplicas {
  readonly partition: number;
  /** Node id of the leader; -1 while it has none. */
  readonly leader: number;
  readonly replicas: readonly number[];
  /** The in-sync replicas. */
  readonly isr: readonly number[];
}

export interface CreateTopicsResult {
  readonly created: readonly string[];
  /** Topics that were there already, with their partition count. */
  readonly existing: ReadonlyMap<string, number>;
}

export class KafkaAdmin {
  readonly #admin: Admin;
  readonly #brokers: readonly string[];
  readonly #alerts = new ConnectionAlerts();

  constructor(settings: ConnectionSettings) {
    this.#admin = new GuardedAdmin(baseClientOptions(settings));
    this.#alerts.watch(this.#admin);
    this.#brokers = settings.brokers;
  }

  /** Asks the cluster for its metadata: the readiness probe of the local broker. */
  async describeCluster(): Promise<ClusterInfo> {
    const metadata = await this.#call('metadata request', () => this.#admin.metadata({ topics: [], forceUpdate: true }));
    return {
      clusterId: metadata.id,
      controllerId: metadata.controllerId,
      brokers: [...metadata.brokers].map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port })),
    };
  }

  async listTopics(): Promise<string[]> {
    const topics = await this.#call('list topics', () => this.#admin.listTopics({ includeInternals: false }));
    return [...topics].sort();
  }

  /** Partition count of each topic that exists; missing topics are absent from the map. */
  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const present = new Set(await this.listTopics());
    const wanted = topics.filter((t) => present.has(t));
    const counts = new Map<string, number>();
    if (wanted.length === 0) return counts;
    const metadata = await this.#call('describe topics', () => this.#admin.metadata({ topics: wanted, forceUpdate: true }));
    for (const topic of wanted) {
      const info = metadata.topics.get(topic);
      if (info !== undefined) counts.set(topic, info.partitionsCount);
    }
    return counts;
  }

  /** Leader, replicas and in-sync replicas of each partition of each topic that exists (fresh metadata). */
  async replication(topics: readonly string[]): Promise<Map<string, PartitionReplicas[]>> {
    const present = new Set(await this.listTopics());
    const wanted = topics.filter((t) => present.has(t));
    const out = new Map<string, PartitionReplicas[]>();
    if (wanted.length === 0) return out;
    const metadata = await this.#call('describe topics', () => this.#admin.metadata({ topics: wanted, forceUpdate: true }));
    for (const topic of wanted) {
      const info = metadata.topics.get(topic);
      if (info === undefined) continue;
      out.set(topic, info.partitions.map((p, partition) => ({ partition, leader: p.leader, replicas: [...p.replicas], isr: [...p.isr] })));
    }
    return out;
  }

  /** The node id of the group's coordinator now. */
  async groupCoordinator(groupId: string): Promise<number> {
    const found = await this.#call('find the group coordinator', () => this.#admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] }));
    const mine = found.find((c) => c.key === groupId);
    if (mine === undefined) throw new KafkaRequestError(`find the coordinator of group ${groupId}`, 'no coordinator in the answer', true);
    return mine.nodeId;
  }

  /**
   * Checks that every topic exists and that all have the same partition count
   * (co-partitioned); returns that count.
   */
  async requireCopartitioned(topics: readonly string[]): Promise<number> {
    const counts = await this.partitionCounts(topics);
    const missing = topics.filter((t) => !counts.has(t));
    if (missing.length > 0) throw new TopicMissingError(missing);
    const distinct = new Set(counts.values());
    if (distinct.size > 1) throw new TopicsNotCopartitionedError(counts);
    return [...distinct][0] ?? 0;
  }

  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  async createTopics(specs: readonly TopicSpec[]): Promise<CreateTopicsResult> {
    const existing = await this.partitionCounts(specs.map((s) => s.name));
    const created: string[] = [];
    for (const spec of specs) {
      if (existing.has(spec.name)) continue;
      const configs = Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value }));
      try {
        await this.#admin.createTopics({
          topics: [spec.name],
          partitions: spec.partitions,
          replicas: spec.replicationFactor,
          configs,
        });
        created.push(spec.name);
      } catch (error) {
        if (isTopicExists(error)) {
          // Another process created it between our check and our request.
          const now = await this.partitionCounts([spec.name]);
          existing.set(spec.name, now.get(spec.name) ?? spec.partitions);
          continue;
        }
        throw translateError(`create topic ${spec.name}`, error, this.#brokers, this.#alerts);
      }
    }
    await this.#untilListed(created);
    return { created, existing };
  }

  /**
   * Waits (up to 15 s) until the cluster's metadata lists the topics just
   * created: the controller answers the create request before every broker's
   * metadata has them, and a caller that then reads their partition counts (a
   * joiner started right after `topics create`, a loaded machine) would find
   * them missing.
   */
  async #untilListed(topics: readonly string[]): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (topics.length > 0 && Date.now() < deadline) {
      const counts = await this.partitionCounts(topics);
      if (topics.every((t) => counts.has(t))) return;
      await sleep(100);
    }
  }

  /**
   * The largest record batch each topic accepts (its max.message.bytes, or the
   * broker's message.max.bytes when the topic does not set it).
   */
  async maxMessageBytes(topics: readonly string[]): Promise<Map<string, number>> {
    if (topics.length === 0) return new Map();
    const described = await this.#call('describe topic configs', () =>
      this.#admin.describeConfigs({ resources: topics.map((name) => ({ resourceType: TOPIC_RESOURCE, resourceName: name, configurationKeys: ['max.message.bytes'] })) }),
    );
    const out = new Map<string, number>();
    for (const d of described) {
      const value = d.configs.find((c) => c.name === 'max.message.bytes')?.value;
      if (value !== null && value !== undefined && Number.isFinite(Number(value))) out.set(d.resourceName, Number(value));
    }
    return out;
  }

  /** Bytes each topic occupies in the brokers' log directories (all partitions, all replicas). */
  async logSize(topics: readonly string[]): Promise<Map<string, bigint>> {
    const counts = await this.partitionCounts(topics);
    const request = [...counts].map(([name, n]) => ({ name, partitions: Array.from({ length: n }, (_, p) => p) }));
    const sizes = new Map<string, bigint>(topics.map((t) => [t, 0n]));
    if (request.length === 0) return sizes;
    const brokers = await this.#call('describe log dirs', () => this.#admin.describeLogDirs({ topics: request }));
    for (const broker of brokers) {
      for (const dir of broker.results) {
        for (const topic of dir.topics) {
          for (const p of topic.partitions) sizes.set(topic.name, (sizes.get(topic.name) ?? 0n) + p.partitionSize);
        }
      }
    }
    return sizes;
  }

  /** Deletes the records before the given offsets (what retention does); for tests and operators. */
  async deleteRecordsBefore(topic: string, offsets: ReadonlyMap<number, bigint>): Promise<void> {
    await this.#call(`delete records of ${topic}`, () =>
      this.#admin.deleteRecords({ topics: [{ name: topic, partitions: [...offsets].map(([partition, offset]) => ({ partition, offset })) }] }),
    );
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    const present = new Set(await this.listTopics());
    const doomed = topics.filter((t) => present.has(t));
    if (doomed.length === 0) return;
    await this.#call(`delete topics ${doomed.join(', ')}`, () => this.#admin.deleteTopics({ topics: doomed }));
  }

  async close(): Promise<void> {
    await this.#admin.close();
  }

  async #call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw translateError(what, error, this.#brokers, this.#alerts);
    }
  }
}

/** DescribeConfigs resource type of a topic (Kafka's ConfigResource.Type.TOPIC). */
const TOPIC_RESOURCE = 2;

function isTopicExists(error: unknown): boolean {
  return hasKafkaCode(error, 'TOPIC_ALREADY_EXISTS');
}
