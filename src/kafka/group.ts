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
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from '@platformatic/kafka';
import { baseClientOptions, ConnectionAlerts, hasKafkaCode, translateError, type ConnectionSettings } from './connection.js';
import { KafkaRequestError } from './errors.js';
import { GuardedConsumer, isMissingNode } from './guarded-clients.js';
import { silentLogger, type Logger } from '../log/logger.js';

export interface GroupOptions {
  readonly groupId: string;
  readonly topic: string;
  readonly instanceId?: string | undefined;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly log?: Logger;
}

/** Waits between attempts to join with a new client while the cluster does not answer. */
const REJOIN_BACKOFF_MS = [250, 500, 1_000, 2_000, 4_000] as const;

/**
 * The coordinator the client knows is not the group's any more: it answered NOT_COORDINATOR or
 * COORDINATOR_NOT_AVAILABLE, or it left the cluster's metadata (a node killed and fenced).
 */
function coordinatorMoved(error: unknown): boolean {
  return isMissingNode(error) || hasKafkaCode(error, 'NOT_COORDINATOR') || hasKafkaCode(error, 'COORDINATOR_NOT_AVAILABLE');
}

/**
 * The membership, through one client at a time. The library's client finds the group's
 * coordinator once and keeps asking that node; when the coordinator moves (its node died and
 * another took over the group), every heartbeat and commit of that client fails for good. Then
 * the client is replaced by a new one that finds the coordinator again and joins (a static
 * member takes its own place back; otherwise the group rebalances). While that happens the
 * member holds no partition: assigned() is empty, so the reader lets its partitions go, and
 * whoever gets them resumes from the committed offsets (at-least-once).
 */
export class GroupMember {
  #consumer: Consumer;
  readonly #settings: ConnectionSettings;
  readonly #o: GroupOptions;
  readonly #alerts = new ConnectionAlerts();
  #joined = false;
  #closed = false;
  /** Set when the coordinator moved: the next assigned() replaces the client. */
  #moved = false;
  #replacing: Promise<void> | undefined;
  #replacements = 0;

  constructor(settings: ConnectionSettings, options: GroupOptions) {
    this.#settings = settings;
    this.#o = options;
    this.#consumer = this.#newClient();
  }

  #newClient(): Consumer {
    const o = this.#o;
    const consumer = new GuardedConsumer({
      ...baseClientOptions(this.#settings),
      groupId: o.groupId,
      ...(o.instanceId === undefined ? {} : { groupInstanceId: o.instanceId }),
      sessionTimeout: o.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: o.heartbeatIntervalMs ?? 1_000,
      rebalanceTimeout: o.sessionTimeoutMs ?? 10_000,
    });
    this.#alerts.watch(consumer);
    // Heartbeats run inside the library; a failed one is only an event. One that failed because
    // the coordinator moved means this client will never reach the group again.
    consumer.on('consumer:heartbeat:error', (payload: { error?: unknown } | undefined) => {
      if (consumer === this.#consumer && coordinatorMoved(payload?.error)) this.#moved = true;
    });
    // The library emits 'error' when rejoining after a failed heartbeat fails; unheard, an
    // EventEmitter error ends the process. The client is replaced instead.
    consumer.on('error', () => {
      if (consumer === this.#consumer) this.#moved = true;
    });
    return consumer;
  }

  async join(): Promise<void> {
    try {
      this.#consumer.topics.trackAll(this.#o.topic);
      await this.#consumer.joinGroup({});
      this.#joined = true;
    } catch (error) {
      // Not joined yet, and the coordinator this client found is gone: the next attempt gets a new client.
      if (coordinatorMoved(error)) this.#consumer = this.#retire(this.#consumer, this.#newClient());
      throw translateError(`join group ${this.#o.groupId}`, error, this.#settings.brokers, this.#alerts);
    }
  }

  /** Whether the client is being replaced now (its coordinator moved): commits wait for the new one. */
  get replacing(): boolean {
    return this.#replacing !== undefined;
  }

  /** Partitions of the topic assigned to this member now (empty while rebalancing or while its client is replaced). */
  assigned(): number[] {
    if (this.#moved && this.#replacing === undefined && this.#joined && !this.#closed) this.#replacing = this.#replace().finally(() => (this.#replacing = undefined));
    if (this.#replacing !== undefined) return [];
    const mine = this.#consumer.assignments?.find((a) => a.topic === this.#o.topic);
    return mine === undefined ? [] : [...mine.partitions].sort((a, b) => a - b);
  }

  get topic(): string {
    return this.#o.topic;
  }

  /** The client behind the membership now (replaced when the coordinator moves); for src/kafka/transactional.ts only. */
  get client(): Consumer {
    return this.#consumer;
  }

  /** Committed offsets of the group for these partitions (undefined: none committed yet). */
  async committed(partitions: readonly number[]): Promise<Map<number, bigint | undefined>> {
    this.#refuseWhileReplacing(`read committed offsets of ${this.#o.groupId}`);
    try {
      const offsets = await this.#consumer.listCommittedOffsets({ topics: [{ topic: this.#o.topic, partitions: [...partitions] }] });
      const list = offsets.get(this.#o.topic) ?? [];
      return new Map(partitions.map((p) => {
        const o = list[p];
        return [p, o === undefined || o < 0n ? undefined : o] as const;
      }));
    } catch (error) {
      if (coordinatorMoved(error)) this.#moved = true;
      throw translateError(`read committed offsets of ${this.#o.groupId}`, error, this.#settings.brokers, this.#alerts);
    }
  }

  async commit(offsets: ReadonlyMap<number, bigint>): Promise<void> {
    if (offsets.size === 0) return;
    this.#refuseWhileReplacing(`commit offsets of ${this.#o.groupId}`);
    try {
      await this.#consumer.commit({
        offsets: [...offsets].map(([partition, offset]) => ({ topic: this.#o.topic, partition, offset, leaderEpoch: -1 })),
      });
    } catch (error) {
      if (coordinatorMoved(error)) this.#moved = true;
      throw translateError(`commit offsets of ${this.#o.groupId}`, error, this.#settings.brokers, this.#alerts);
    }
  }

  /** While the client is replaced, a group request fails, retriably: the caller tries again with the new client. */
  #refuseWhileReplacing(what: string): void {
    if (this.#replacing !== undefined) throw new KafkaRequestError(what, 'the group client is being replaced (its coordinator moved)', true);
  }

  /** Leaves the group (a static member stays until its session times out) and closes. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#replacing;
    try {
      if (this.#joined && this.#o.instanceId === undefined) await this.#consumer.leaveGroup();
    } finally {
      await this.#consumer.close(true);
    }
  }

  /** A new client in place of one whose coordinator moved, joined again (retried until it is, or the member closes). */
  async #replace(): Promise<void> {
    const log = this.#o.log ?? silentLogger;
    this.#moved = false;
    this.#replacements++;
    log.warn('the group coordinator moved; joining again with a new client (partitions resume from their commits)', { group: this.#o.groupId, replacements: this.#replacements });
    const next = this.#newClient();
    // The same member joins again: the group neither waits for the old member's session to end
    // nor splits the partitions with it meanwhile (a drain would then finish with half of them).
    // Should the group have dropped it already, the next attempt joins as a new member.
    next.memberId = this.#consumer.memberId;
    this.#consumer = this.#retire(this.#consumer, next);
    for (let attempt = 0; !this.#closed; attempt++) {
      try {
        this.#consumer.topics.trackAll(this.#o.topic);
        await this.#consumer.joinGroup({});
        return;
      } catch (error) {
        const wait = REJOIN_BACKOFF_MS[Math.min(attempt, REJOIN_BACKOFF_MS.length - 1)];
        log.warn('joining with the new group client failed; trying again', { group: this.#o.groupId, error: translateError(`join group ${this.#o.groupId}`, error, this.#settings.brokers, this.#alerts).message, retryInMs: wait });
        if (this.#closed) return;
        this.#consumer = this.#retire(this.#consumer, this.#newClient());
        await sleep(wait);
      }
    }
  }

  /**
   * Closes a client whose coordinator is gone and returns its successor. It does not leave the
   * group (the leave would go to the dead coordinator, fail, and leave the client open with its
   * connections; the group drops the member when its session times out).
   */
  #retire(old: Consumer, next: Consumer): Consumer {
    old.memberId = null;
    old.close(true, () => undefined);
    return next;
  }
}
