/**
 * The joiner's driver: views ⋈ engagements → one labelled sample per view, in
 * event time, with Kafka as the view buffer (../shared/DESIGN.md). The rule
 * is in ./labels.ts, the join in ./operator.ts, the reading in
 * ./input-reader.ts; this loop only moves records between them. One cycle:
 *
 *   1. follow the group's assignment (the reader opens new partitions at their
 *      start positions and closes revoked ones);
 *   2. deliver what a failed cycle left undelivered;
 *   3. read one round: views p where the operator holds none, engagements p likewise;
 *   4. the operator joins due views and indexes engagements in lockstep
 *      (drain: once every engagement is read, the end of the log is the end of
 *      time), then expires state past the watermarks;
 *   5. deliver the outbox and the views offsets up to the last joined view:
 *      records acknowledged, then offsets committed (at-least-once), or both in
 *      one Kafka transaction (exactly-once), see ./delivery.ts.
 */
import type { Logger } from '../log/logger.js';
import type { Clock } from '../time/clock.js';
import { retryWhileUnavailable } from '../time/retry.js';
import type { JoinCounters, PartitionState } from './counters.js';
import type { Delivery } from './delivery.js';
import type { InputReader } from './input-reader.js';
import type { JoinOperator } from './operator.js';
import type { Membership } from './partition-log.js';
import type { Outbox, OutputRecord } from './outbox.js';

export interface DriverOptions {
  readonly drain: boolean;
  readonly progressEveryMs: number;
  /** How long Kafka may fail in a row before the joiner gives up. */
  readonly reconnectTimeoutMs: number;
  /** At most this many input records per second (undefined: no cap). */
  readonly maxRate?: number | undefined;
}

export interface DriverDeps {
  readonly operator: JoinOperator;
  readonly reader: InputReader;
  readonly outbox: Outbox;
  readonly delivery: Delivery;
  readonly membership: Membership;
  readonly clock: Clock;
  readonly log: Logger;
  readonly progress: (report: JoinProgress) => void;
  readonly observer?: { committed(durationMs: number): void } | undefined;
}

export interface JoinProgress {
  readonly counters: JoinCounters;
  readonly indexSize: number;
  /** Engagement watermark per assigned partition (event time, ms; ±Infinity at the ends). */
  readonly watermarks: ReadonlyArray<readonly [number, number]>;
  readonly final: boolean;
}

export interface JoinSummary {
  readonly counters: JoinCounters;
  readonly elapsedMs: number;
  readonly partitions: readonly number[];
}

export class Joiner {
  readonly #o: DriverOptions;
  readonly #d: DriverDeps;
  /** Last committed views offset per assigned partition. */
  readonly #committed = new Map<number, bigint>();
  readonly #everAssigned = new Set<number>();
  #undelivered: OutputRecord[] = [];
  /** exactly-once: a transaction failed; its output was dropped and the delivery must recover first. */
  #recovering = false;
  #stopping = false;
  #lastProgress = Number.NEGATIVE_INFINITY;
  #lastTurnAt: number | undefined;
  /** The rate cap's bucket: tokens (records that may still be taken), when and at which count it was last reckoned. */
  #capAt = Number.NaN;
  #capTaken = 0;
  #capTokens = 0;

  constructor(options: DriverOptions, deps: DriverDeps) {
    this.#o = options;
    this.#d = deps;
  }

  get counters(): JoinCounters {
    return this.#d.operator.counters;
  }

  /** Asks the loop to finish its cycle, commit and return. */
  stop(): void {
    this.#stopping = true;
  }

  /** Wall-clock time the loop last turned (for /healthz). */
  lastTurnAt(): number | undefined {
    return this.#lastTurnAt;
  }

  /** Why the joiner is not joining yet (for /readyz); undefined when every assigned partition is positioned. */
  notReady(): string | undefined {
    const assigned = this.#d.membership.assigned();
    if (assigned.length === 0) return 'no partition assigned (joining the group or rebalancing, or more instances than partitions)';
    const waiting = assigned.filter((p) => this.#d.reader.positions(p) === undefined);
    return waiting.length === 0 ? undefined : `positioning partitions ${waiting.join(',')}`;
  }

  async run(): Promise<JoinSummary> {
    const started = this.#d.clock.now();
    this.#lastProgress = started;
    this.#lastTurnAt = started;
    await this.#retrying('joining the group', () => this.#d.membership.join());
    while (!this.#stopping) {
      const done = await this.#retrying('a join cycle', () => this.cycle());
      this.#lastTurnAt = this.#d.clock.now();
      if (done) break;
    }
    await this.#retrying('the last commit', () => this.#deliver());
    this.#report(true);
    return { counters: this.counters, elapsedMs: this.#d.clock.now() - started, partitions: [...this.#everAssigned].sort((a, b) => a - b) };
  }

  /** One cycle (steps 1-5 above); true when a drain has finished. */
  async cycle(): Promise<boolean> {
    const { operator: op, reader } = this.#d;
    if (this.#recovering) {
      await this.#d.delivery.recover?.();
      this.#recovering = false;
    }
    const change = await reader.followAssignment();
    for (const p of change.revoked) this.#committed.delete(p);
    for (const { partition, views } of change.added) {
      this.#committed.set(partition, views);
      this.#everAssigned.add(partition);
    }
    await this.#deliver();
    if (await this.#overCap()) return false; // --max-rate: nothing read this cycle
    const read = await reader.read();
    op.batch(() => {
      op.advance();
      if (this.#o.drain && !op.ended && reader.engagementsDrained()) op.endOfTime();
      op.expire();
    });
    await this.#deliver();
    this.#report(false);
    if (this.#o.drain && reader.drained()) return true;
    if (read === 0) await this.#d.clock.sleep(50);
    await reader.peekViewsWhenIdle();
    return false;
  }

  /**
   * --max-rate, a token bucket: the cap's worth of records per second accrues (at most one second's
   * worth saved up) and each record taken spends one. In debt, no read this cycle: it waits up to 1 s
   * (the loop keeps turning: deliveries, commits, health). A fetch may overdraw; the wait pays it back.
   */
  async #overCap(): Promise<boolean> {
    const cap = this.#o.maxRate;
    if (cap === undefined) return false;
    const c = this.counters;
    const taken = c.viewsIn + c.engagementsIn + c.replayedEngagements + c.replayedViews;
    const now = this.#d.clock.now();
    if (Number.isNaN(this.#capAt)) {
      this.#capAt = now;
      this.#capTaken = taken;
      this.#capTokens = cap;
    }
    this.#capTokens = Math.min(cap, this.#capTokens + ((now - this.#capAt) / 1000) * cap) - (taken - this.#capTaken);
    this.#capAt = now;
    this.#capTaken = taken;
    if (this.#capTokens >= 0) return false;
    await this.#d.clock.sleep(Math.min((-this.#capTokens / cap) * 1000, 1_000));
    return true;
  }

  /** Engagements held by the index. */
  indexSize(): number {
    return this.#d.operator.indexSize();
  }

  /** Where each assigned partition stands (for metrics). */
  partitionStates(): PartitionState[] {
    const out: PartitionState[] = [];
    for (const part of this.#d.operator.partitions()) {
      const pos = this.#d.reader.positions(part.partition);
      if (pos === undefined) continue;
      out.push({
        partition: part.partition,
        watermark: this.#d.operator.watermark(part.partition),
        viewsPosition: part.released,
        viewsEnd: pos.viewEnd,
        engagements: pos.lanes.map((lane) => ({ position: lane.pos, end: lane.end })),
        newestJoinedTs: part.newestEmittedTs,
      });
    }
    return out;
  }

  /** Runs a step through a Kafka outage, up to reconnectTimeout of failures in a row (src/time/retry.ts). */
  #retrying<T>(what: string, step: () => Promise<T>): Promise<T> {
    const onAttempt = (): void => {
      this.#lastTurnAt = this.#d.clock.now();
    };
    return retryWhileUnavailable(step, { what, service: 'Kafka', timeoutMs: this.#o.reconnectTimeoutMs, clock: this.#d.clock, log: this.#d.log, onAttempt });
  }

  /** Step 5: the records are kept until delivered, so a failed attempt delivers them again. */
  async #deliver(): Promise<void> {
    if (this.#undelivered.length === 0) this.#undelivered = this.#d.outbox.take();
    const offsets = new Map<number, bigint>();
    for (const part of this.#d.operator.partitions()) {
      const committed = this.#committed.get(part.partition);
      if (committed !== undefined && part.released > committed) offsets.set(part.partition, part.released);
    }
    if (this.#undelivered.length === 0 && offsets.size === 0) return;
    const started = this.#d.clock.now();
    try {
      await this.#d.delivery.deliver(this.#undelivered, offsets);
    } catch (error) {
      if (this.#d.delivery.recover !== undefined) this.#startAgainFromCommits();
      throw error;
    }
    this.#d.observer?.committed(this.#d.clock.now() - started);
    this.#undelivered = [];
    for (const [p, offset] of offsets) if (this.#committed.has(p)) this.#committed.set(p, offset);
    this.counters.commits++;
  }

  /**
   * exactly-once, a transaction failed, and perhaps committed all the same (a timeout): what it
   * held is dropped, every partition closed, and once the delivery has recovered (the failed
   * transaction ended either way) they open again from the offsets committed then, so their
   * samples are joined and sent again exactly when the transaction did not commit.
   */
  #startAgainFromCommits(): void {
    this.#undelivered = [];
    this.#d.outbox.take();
    const partitions = this.#d.reader.closeAll();
    for (const p of partitions) this.#committed.delete(p);
    this.#recovering = true;
    this.#d.log.warn('a transaction failed: its output is dropped, and the partitions start again from their committed offsets', { partitions });
  }

  #report(final: boolean): void {
    const now = this.#d.clock.now();
    if (!final && now - this.#lastProgress < this.#o.progressEveryMs) return;
    this.#lastProgress = now;
    const op = this.#d.operator;
    const watermarks = [...op.partitions()].map((part) => [part.partition, op.watermark(part.partition)] as const);
    this.#d.progress({ counters: this.counters, indexSize: op.indexSize(), watermarks, final });
  }
}
