/**
 * Consumer-group membership used for partition assignment and offset commits
 * only; records are read with the manual-assignment fetcher (./fetcher.ts).
 *
 * The group subscribes to one topic (the joiner: the views topic). Whatever
 * partition p of it an instance is given, it also reads partition p of the
 * co-partitioned topics itself, so p of views and p of engagements always
 * belong to the same instance, whatever the assignor. With an instance id the
 * membership is static (KIP-345): a restart within the session timeout gets
 * the same partitions back without a rebalance.
 */
import { Consumer } from '@platformatic/kafka';
import { baseClientOptions, ConnectionAlerts, translateError, type ConnectionSettings } from './connection.js';

export interface GroupOptions {
  readonly groupId: string;
  readonly topic: string;
  readonly instanceId?: string | undefined;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
}

export class GroupMember {
  readonly #consumer: Consumer;
  readonly #o: GroupOptions;
  readonly #brokers: readonly string[];
  readonly #alerts = new ConnectionAlerts();
  #joined = false;

  constructor(settings: ConnectionSettings, options: GroupOptions) {
    this.#o = options;
    this.#brokers = settings.brokers;
    this.#consumer = new Consumer({
      ...baseClientOptions(settings),
      groupId: options.groupId,
      ...(options.instanceId === undefined ? {} : { groupInstanceId: options.instanceId }),
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 1_000,
      rebalanceTimeout: options.sessionTimeoutMs ?? 10_000,
    });
    this.#alerts.watch(this.#consumer);
  }

  async join(): Promise<void> {
    try {
      this.#consumer.topics.trackAll(this.#o.topic);
      await this.#consumer.joinGroup({});
      this.#joined = true;
    } catch (error) {
      throw translateError(`join group ${this.#o.groupId}`, error, this.#brokers, this.#alerts);
    }
  }

  /** Partitions of the topic assigned to this member now (empty while rebalancing). */
  assigned(): number[] {
    const mine = this.#consumer.assignments?.find((a) => a.topic === this.#o.topic);
    return mine === undefined ? [] : [...mine.partitions].sort((a, b) => a - b);
  }

  get topic(): string {
    return this.#o.topic;
  }

  /** The client behind the membership; for src/kafka/transactional.ts only. */
  get client(): Consumer {
    return this.#consumer;
  }

  /** Committed offsets of the group for these partitions (undefined: none committed yet). */
  async committed(partitions: readonly number[]): Promise<Map<number, bigint | undefined>> {
    try {
      const offsets = await this.#consumer.listCommittedOffsets({ topics: [{ topic: this.#o.topic, partitions: [...partitions] }] });
      const list = offsets.get(this.#o.topic) ?? [];
      return new Map(partitions.map((p) => {
        const o = list[p];
        return [p, o === undefined || o < 0n ? undefined : o] as const;
      }));
    } catch (error) {
      throw translateError(`read committed offsets of ${this.#o.groupId}`, error, this.#brokers, this.#alerts);
    }
  }

  async commit(offsets: ReadonlyMap<number, bigint>): Promise<void> {
    if (offsets.size === 0) return;
    try {
      await this.#consumer.commit({
        offsets: [...offsets].map(([partition, offset]) => ({ topic: this.#o.topic, partition, offset, leaderEpoch: -1 })),
      });
    } catch (error) {
      throw translateError(`commit offsets of ${this.#o.groupId}`, error, this.#brokers, this.#alerts);
    }
  }

  /** Leaves the group (a static member stays until its session times out) and closes. */
  async close(): Promise<void> {
    try {
      if (this.#joined && this.#o.instanceId === undefined) await this.#consumer.leaveGroup();
    } finally {
      await this.#consumer.close(true);
    }
  }
}
