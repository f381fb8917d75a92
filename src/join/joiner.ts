/**
 * The joiner: views ⋈ engagements → one labelled sample per view, in event
 * time, with Kafka as the view buffer (../shared/DESIGN.md).
 *
 * For each assigned partition p, the engagements of p are indexed as they are
 * read (the head reader), and the views of p are read in offset order and
 * joined only when the engagement watermark of p has passed view.ts + window
 * (the delayed reader). The two readers of a partition advance in lockstep:
 * an engagement is processed only when no fetched view is due, so a view is
 * joined with exactly the engagements that came before its due time, however
 * far behind the log the joiner is (backfills give the same result as live).
 *
 * One cycle, in this order:
 *   1. follow the group's assignment (new partitions: positions from the
 *      committed offset, engagements from the offset for the right time);
 *   2. fetch views p where none are held, engagements p where none are held;
 *   3. per partition, join due views and index engagements in lockstep;
 *   4. expire state past the watermark (orphans counted);
 *   5. send samples, corrections, dead letters, orphans; wait for the acks;
 *   6. commit the views offsets up to the last joined view (at-least-once);
 *      or 5+6 as one Kafka transaction (exactly-once), see ./delivery.ts.
 */
import type { EventCodec, InputFormat } from '../codec/codec.js';
import { BadRecordError } from '../codec/errors.js';
import type { EngagementEvent } from '../codec/events.js';
import type { FetchedPartition, KafkaFetcher } from '../kafka/fetcher.js';
import type { GroupMember } from '../kafka/group.js';
import { OffsetOutOfRangeError } from '../kafka/errors.js';
import type { ProducedRecord } from '../kafka/producer.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../time/clock.js';
import { retryWhileUnavailable } from '../time/retry.js';
import type { EngagementTime } from '../time/watermarks.js';
import { newCounters, type JoinCounters, type JoinObserver, type PartitionState } from './counters.js';
import type { Delivery } from './delivery.js';
import type { EngagementIndex } from './engagement-index.js';
import { matches } from './labels.js';
import type { Outbox } from './outbox.js';
import { PartitionJob } from './partition-job.js';

export interface JoinerOptions {
  readonly viewsTopic: string;
  readonly engagementsTopic: string;
  readonly viewsFormat: InputFormat;
  readonly engagementsFormat: InputFormat;
  readonly labelTypes: readonly string[];
  readonly windowMs: number;
  readonly maxSkewMs: number;
  readonly outOfOrdernessMs: number;
  readonly viewDisorderMs: number;
  readonly maxFutureMs: number;
  readonly latePolicy: 'drop' | 'correct';
  readonly drain: boolean;
  readonly idleTimeoutMs: number;
  readonly progressEveryMs: number;
  /** How long Kafka may fail in a row before the joiner gives up. */
  readonly reconnectTimeoutMs: number;
}

export interface JoinerDeps {
  readonly codec: EventCodec;
  readonly fetcher: KafkaFetcher;
  readonly delivery: Delivery;
  readonly group: GroupMember;
  readonly index: EngagementIndex;
  readonly time: EngagementTime;
  readonly outbox: Outbox;
  readonly clock: Clock;
  readonly log: Logger;
  readonly progress: (line: string) => void;
  readonly observer?: JoinObserver;
}

export interface JoinSummary {
  readonly counters: JoinCounters;
  readonly elapsedMs: number;
  readonly partitions: readonly number[];
}

export class Joiner {
  readonly counters: JoinCounters;
  readonly #o: JoinerOptions;
  readonly #d: JoinerDeps;
  readonly #jobs = new Map<number, PartitionJob>();
  readonly #types: Map<string, number>;
  #unsent: ProducedRecord[] = [];
  #stopping = false;
  #lastProgress = 0;
  #lastViewPeek = 0;

  constructor(options: JoinerOptions, deps: JoinerDeps) {
    this.#o = options;
    this.#d = deps;
    this.counters = newCounters(options.labelTypes);
    this.#types = new Map(options.labelTypes.map((t, i) => [t, i]));
  }

  /** Asks the loop to finish its cycle, commit and return. */
  stop(): void {
    this.#stopping = true;
  }

  /** Where each assigned partition stands (for metrics). */
  partitionStates(): PartitionState[] {
    return [...this.#jobs.values()].map((j) => ({
      partition: j.partition,
      watermark: this.#d.time.watermark(j.partition),
      viewsPosition: j.released,
      viewsEnd: j.viewEnd,
      engagementsPosition: j.engPos,
      engagementsEnd: j.engEnd,
      newestJoinedTs: j.newestEmittedTs,
    }));
  }

  /** Engagements held by the index. */
  indexSize(): number {
    return this.#d.index.engagementCount();
  }

  async run(): Promise<JoinSummary> {
    const started = this.#d.clock.now();
    this.#lastProgress = started;
    await this.#retrying('joining the group', () => this.#d.group.join());
    const everAssigned = new Set<number>();
    while (!this.#stopping) {
      const done = await this.#retrying('a join cycle', async () => {
        await this.#followAssignment();
        for (const p of this.#jobs.keys()) everAssigned.add(p);
        await this.#sendAndCommit(); // records left unsent by a failed cycle go first
        const fetched = await this.#fetch();
        this.#d.index.batch(() => {
          for (const part of fetched) this.#accept(part);
          for (const job of this.#jobs.values()) this.#advance(job);
          if (this.#o.drain && !this.#d.time.ended && this.#jobs.size > 0 && [...this.#jobs.values()].every((j) => j.engagementsCaughtUp())) {
            this.#d.time.endOfTime();
            for (const job of this.#jobs.values()) this.#advance(job);
          }
          for (const job of this.#jobs.values()) this.#expire(job);
        });
        await this.#sendAndCommit();
        this.#report(false);
        if (this.#o.drain && this.#jobs.size > 0 && [...this.#jobs.values()].every((j) => j.drained())) return true;
        if (fetched.length === 0) await this.#d.clock.sleep(50);
        await this.#peekViewsWhenIdle();
        return false;
      });
      if (done) break;
    }
    await this.#retrying('the last commit', () => this.#sendAndCommit());
    this.#report(true);
    return { counters: this.counters, elapsedMs: this.#d.clock.now() - started, partitions: [...everAssigned].sort((a, b) => a - b) };
  }

  /** Runs a step through a Kafka outage, up to reconnectTimeout of failures in a row (src/time/retry.ts). */
  #retrying<T>(what: string, step: () => Promise<T>): Promise<T> {
    return retryWhileUnavailable(step, { what, service: 'Kafka', timeoutMs: this.#o.reconnectTimeoutMs, clock: this.#d.clock, log: this.#d.log });
  }

  // 1. assignment ------------------------------------------------------------

  async #followAssignment(): Promise<void> {
    const assigned = this.#d.group.assigned();
    const wanted = new Set(assigned);
    for (const [p, job] of this.#jobs) {
      if (wanted.has(p)) continue;
      this.#jobs.delete(p);
      this.#d.time.remove(p);
      this.#d.index.batch(() => this.#d.index.dropPartition(p));
      this.#d.log.info('partition revoked', { partition: p, released: job.released.toString() });
    }
    const added = assigned.filter((p) => !this.#jobs.has(p));
    if (added.length === 0) return;
    const committed = await this.#d.group.committed(added);
    const f = this.#d.fetcher;
    const viewStarts = await f.beginningOffsets(this.#o.viewsTopic, added);
    const viewEnds = await f.endOffsets(this.#o.viewsTopic, added);
    const engEnds = await f.endOffsets(this.#o.engagementsTopic, added);
    for (const p of added) {
      const logStart = viewStarts.get(p) ?? 0n;
      let views = committed.get(p) ?? logStart;
      if (views < logStart) {
        this.#lostToRetention(this.#o.viewsTopic, p, views, logStart);
        views = logStart;
      }
      const { engagements, anchor, lastJoined } = await this.#engagementStart(p, views);
      const newestJoined = anchor === undefined ? undefined : await this.#rememberJoined(p, views, anchor);
      const job = new PartitionJob(p, {
        views,
        engagements,
        // The last joined view was due: the earlier run had read the engagements up to its time + window.
        ...(committed.get(p) !== undefined && lastJoined !== undefined ? { replayBefore: lastJoined + this.#o.windowMs } : {}),
        ...(this.#o.drain ? { drainViewEnd: viewEnds.get(p) ?? 0n, drainEngEnd: engEnds.get(p) ?? 0n } : {}),
      });
      job.newestEmittedTs = newestJoined;
      this.#jobs.set(p, job);
      this.#d.time.add(p);
      this.#d.log.info('partition assigned', { partition: p, views: views.toString(), engagements: engagements.toString() });
    }
  }

  /**
   * Where to start reading engagements p so that every view from `viewOffset`
   * on finds its engagements: the offset for time T - maxSkew - viewDisorder -
   * outOfOrderness, T being the event time of the first view still to join (or
   * of the last joined one). Undecodable views are skipped when looking for T:
   * a bad record's Kafka timestamp says nothing about the views' event time.
   * Needs engagement record timestamps to be event times (CreateTime).
   */
  async #engagementStart(p: number, viewOffset: bigint): Promise<{ engagements: bigint; anchor: number | undefined; lastJoined: number | undefined }> {
    const f = this.#d.fetcher;
    /** Event time of the view at `offset`, or (scanning) of the first decodable view after it. */
    const timeAt = async (offset: bigint, scan: boolean): Promise<number | undefined> => {
      if (offset < 0n) return undefined;
      let position = offset;
      for (let fetches = 0; fetches < (scan ? 20 : 1); fetches++) {
        let part;
        try {
          part = (await f.fetch([{ topic: this.#o.viewsTopic, partition: p, offset: position }]))[0];
        } catch (error) {
          if (error instanceof OffsetOutOfRangeError) return undefined; // deleted: no time to anchor on
          throw error;
        }
        if (part === undefined || part.records.length === 0) return undefined;
        for (const r of part.records) {
          if (r.offset < position) continue;
          if (!scan && r.offset !== offset) return undefined;
          try {
            return this.#d.codec.decodeView(r.value, r, this.#o.viewsFormat).ts;
          } catch (error) {
            if (!(error instanceof BadRecordError)) throw error;
            if (!scan) return undefined;
          }
        }
        position = part.nextOffset;
      }
      return undefined;
    };
    const lastJoined = await timeAt(viewOffset - 1n, false);
    const next = await timeAt(viewOffset, true);
    const anchor = next === undefined ? lastJoined : lastJoined === undefined ? next : Math.min(next, lastJoined);
    if (anchor === undefined) return { engagements: (await f.beginningOffsets(this.#o.engagementsTopic, [p])).get(p) ?? 0n, anchor, lastJoined };
    const from = anchor - this.#o.maxSkewMs - this.#o.viewDisorderMs - this.#o.outOfOrdernessMs;
    return { engagements: (await f.offsetsForTime(this.#o.engagementsTopic, [p], BigInt(Math.max(0, from)))).get(p) ?? 0n, anchor, lastJoined };
  }

  /**
   * Before resuming at `viewOffset`, remembers the views joined just before it
   * (those an earlier run emitted, back to the anchor time - view disorder -
   * out-of-orderness), so that a repeated send of one of them after the
   * committed offset is recognised as a duplicate, and an engagement for one
   * of them as late. Their labels are not known again: under the late policy
   * "correct" they get no correction after a restart.
   */
  async #rememberJoined(p: number, viewOffset: bigint, anchor: number): Promise<number | undefined> {
    const f = this.#d.fetcher;
    let newest: number | undefined;
    const since = BigInt(Math.max(0, anchor - this.#o.viewDisorderMs - this.#o.outOfOrdernessMs));
    let offset = (await f.offsetsForTime(this.#o.viewsTopic, [p], since)).get(p) ?? viewOffset;
    while (offset < viewOffset) {
      const part = (await f.fetch([{ topic: this.#o.viewsTopic, partition: p, offset }]))[0];
      if (part === undefined || part.nextOffset <= offset) break;
      this.#d.index.batch(() => {
        for (const r of part.records) {
          if (r.offset >= viewOffset) break;
          try {
            const v = this.#d.codec.decodeView(r.value, r, this.#o.viewsFormat);
            this.#d.index.recordEmitted(p, v.user_id, v.post_id, v.ts, v.event_id, 0, 0, undefined);
            if (v.ts > (newest ?? Number.NEGATIVE_INFINITY)) newest = v.ts;
          } catch (error) {
            if (!(error instanceof BadRecordError)) throw error; // already dead-lettered by the earlier run
          }
        }
      });
      offset = part.nextOffset;
    }
    return newest;
  }

  // 2. fetch ----------------------------------------------------------------

  async #fetch(): Promise<FetchedPartition[]> {
    try {
      return await this.#fetchOnce();
    } catch (error) {
      if (!(error instanceof OffsetOutOfRangeError)) throw error;
      // Retention deleted records this joiner had not read: go on from the log start, and say so.
      for (const pos of error.positions) {
        const job = this.#jobs.get(pos.partition);
        if (job === undefined) continue;
        const start = (await this.#d.fetcher.beginningOffsets(pos.topic, [pos.partition])).get(pos.partition) ?? 0n;
        if (start <= pos.offset) continue; // past the end instead: nothing to skip, the next fetch will tell
        this.#lostToRetention(pos.topic, pos.partition, pos.offset, start);
        if (pos.topic === this.#o.viewsTopic) {
          job.viewPos = start;
          job.released = start;
        } else job.engPos = start;
      }
      return [];
    }
  }

  #lostToRetention(topic: string, partition: number, from: bigint, to: bigint): void {
    const lost = Number(to - from);
    this.counters.lostToRetention += lost;
    this.#d.log.error('records deleted before they were read (retention shorter than the outage?); going on from the log start', {
      topic,
      partition,
      from: from.toString(),
      logStart: to.toString(),
      lost,
    });
  }

  async #fetchOnce(): Promise<FetchedPartition[]> {
    const positions = [];
    for (const job of this.#jobs.values()) {
      job.viewsAtEndThisCycle = false;
      if (job.wantsViews()) positions.push({ topic: this.#o.viewsTopic, partition: job.partition, offset: job.viewPos });
      if (job.wantsEngagements()) positions.push({ topic: this.#o.engagementsTopic, partition: job.partition, offset: job.engPos });
    }
    return this.#d.fetcher.fetch(positions);
  }

  #accept(part: FetchedPartition): void {
    const job = this.#jobs.get(part.partition);
    if (job === undefined) return;
    if (part.topic === this.#o.viewsTopic) {
      job.viewEnd = part.endOffset;
      for (const r of part.records) {
        if (job.drainViewEnd !== undefined && r.offset >= job.drainViewEnd) break;
        try {
          const view = this.#d.codec.decodeView(r.value, r, this.#o.viewsFormat);
          this.#checkFuture(view.ts, r);
          job.heldViews.push({ offset: r.offset, view });
          this.#d.time.observeView(view.ts);
          if (view.ts > (job.newestViewTs ?? Number.NEGATIVE_INFINITY)) job.newestViewTs = view.ts;
        } catch (error) {
          if (!(error instanceof BadRecordError)) throw error;
          this.#deadLetter(r, error);
          job.heldViews.push({ offset: r.offset, view: null });
        }
      }
      job.viewPos = part.nextOffset;
      job.viewsAtEndThisCycle = job.viewPos >= part.endOffset;
    } else {
      job.engEnd = part.endOffset;
      for (const r of part.records) {
        if (job.drainEngEnd !== undefined && r.offset >= job.drainEngEnd) break;
        job.heldEngagements.push(r);
      }
      job.engPos = part.nextOffset;
      if (job.drainEngEnd !== undefined && job.engPos > job.drainEngEnd) job.engPos = job.drainEngEnd;
      // New records end any idleness before they are joined, so an idle partition's
      // borrowed time never runs ahead of engagements it has just received.
      if (part.records.length > 0) this.#d.time.activity(part.partition);
      this.#d.time.setCaughtUp(part.partition, job.engagementsCaughtUp());
    }
    if (job.drainViewEnd !== undefined && job.viewPos > job.drainViewEnd) job.viewPos = job.drainViewEnd;
  }

  // 3. join -------------------------------------------------------------------

  /** Joins due views and indexes engagements of one partition, in lockstep. */
  #advance(job: PartitionJob): void {
    const p = job.partition;
    let watermark = this.#d.time.watermark(p);
    let engagementIndex = 0;
    for (;;) {
      const head = job.heldViews[0];
      if (head !== undefined) {
        if (head.view === null) {
          job.heldViews.shift();
          job.released = head.offset + 1n;
          continue;
        }
        if (head.view.ts + this.#o.windowMs <= watermark) {
          job.heldViews.shift();
          this.#join(job, head.view);
          job.released = head.offset + 1n;
          continue;
        }
      } else if (!job.viewsCaughtUp()) {
        break; // the next views must be fetched before engagements go further
      } else {
        job.released = job.viewPos; // every fetched view is joined (skips gaps such as transaction markers)
      }
      const record = job.heldEngagements[engagementIndex];
      if (record === undefined) break;
      engagementIndex++;
      this.#index(job, record);
      watermark = this.#d.time.watermark(p);
    }
    if (engagementIndex > 0) job.heldEngagements.splice(0, engagementIndex);
    this.#d.time.setCaughtUp(p, job.engagementsCaughtUp());
  }

  #join(job: PartitionJob, view: NonNullable<PartitionJob['heldViews'][number]['view']>): void {
    const p = job.partition;
    const index = this.#d.index;
    this.counters.viewsIn++;
    if (index.wasEmitted(view.user_id, view.post_id, view.ts, view.event_id)) {
      this.counters.duplicateViews++;
      return;
    }
    const labelled = index.labelView(view.user_id, view.post_id, view.event_id, view.ts, this.#o.labelTypes.length);
    const sample = this.#d.outbox.sample(p, view, labelled, this.#d.clock.now());
    this.#d.observer?.sampleEmitted(sample);
    this.counters.samplesOut++;
    this.#o.labelTypes.forEach((t, i) => {
      if (((labelled.labels >>> i) & 1) === 1) this.counters.positives[t]!++;
    });
    const keep = this.#o.latePolicy === 'correct' ? this.#d.outbox.encodeAvro(sample) : undefined;
    index.recordEmitted(p, view.user_id, view.post_id, view.ts, view.event_id, 0, labelled.labels, keep);
    if (view.ts > (job.newestEmittedTs ?? Number.NEGATIVE_INFINITY)) job.newestEmittedTs = view.ts;
  }

  #index(job: PartitionJob, record: FetchedPartition['records'][number]): void {
    const p = job.partition;
    let e: EngagementEvent;
    try {
      e = this.#d.codec.decodeEngagement(record.value, record, this.#o.engagementsFormat);
      this.#checkFuture(e.ts, record);
    } catch (error) {
      if (!(error instanceof BadRecordError)) throw error;
      this.#deadLetter(record, error);
      return;
    }
    const type = this.#types.get(e.type)!;
    if (e.ts < job.replayBefore) {
      // Read again after a restart: the earlier run counted it, and corrected what it had to.
      this.counters.replayedEngagements++;
      if (this.#d.index.addEngagement(p, e, type)) this.#d.time.observe(p, e.ts);
      return;
    }
    this.counters.engagementsIn++;
    if (!this.#d.index.addEngagement(p, e, type)) {
      this.counters.duplicateEngagements++;
      return;
    }
    this.#d.time.observe(p, e.ts);
    this.#lateCheck(job, e, type);
  }

  /** An engagement for views already emitted is late: counted, and corrected under "correct". */
  #lateCheck(job: PartitionJob, e: EngagementEvent, type: number): void {
    const p = job.partition;
    // Only views with ts >= e.ts - window can match; none emitted yet, nothing to look up.
    if (e.ts - this.#o.windowMs > (job.newestEmittedTs ?? Number.NEGATIVE_INFINITY)) return;
    const indexed = { eventId: e.event_id, type, ts: e.ts, viewId: e.view_id, matched: true };
    const emitted = this.#d.index
      .emittedOf(e.user_id, e.post_id, e.ts - this.#o.windowMs, e.ts + this.#o.maxSkewMs)
      .filter((v) => matches(v.viewId, v.viewTs, indexed, this.#o));
    if (emitted.length === 0) return;
    this.counters.late++;
    this.#d.index.markMatched(e.user_id, e.post_id, e.event_id);
    if (this.#o.latePolicy !== 'correct') return;
    for (const v of emitted) {
      if (((v.labels >>> type) & 1) === 1 || v.sample === undefined) continue;
      const next = this.#d.outbox.correction(p, this.#d.outbox.decodeAvro(v.sample), indexed, this.#d.clock.now());
      this.#d.index.updateEmitted(v, next.version, v.labels | (1 << type), this.#d.outbox.encodeAvro(next));
      this.counters.corrections++;
    }
  }

  #checkFuture(ts: number, origin: { topic: string; partition: number; offset: bigint }): void {
    const limit = this.#d.clock.now() + this.#o.maxFutureMs;
    if (ts > limit) {
      throw new BadRecordError('RECORD_ABSURD_TIMESTAMP', origin, `${new Date(ts).toISOString()} is more than ${this.#o.maxFutureMs} ms ahead of the wall clock`, 'ts');
    }
  }

  #deadLetter(record: FetchedPartition['records'][number], error: BadRecordError): void {
    this.#d.outbox.deadLetter(record, error);
    this.counters.deadLettered++;
    this.counters.deadLetteredBy[error.code] = (this.counters.deadLetteredBy[error.code] ?? 0) + 1;
    this.#d.log.warn('bad record dead-lettered', { code: error.code, reason: error.reason, field: error.field, topic: record.topic, partition: record.partition, offset: record.offset });
  }

  // 4. expire -------------------------------------------------------------------

  #expire(job: PartitionJob): void {
    const p = job.partition;
    const watermark = this.#d.time.watermark(p);
    if (watermark === Number.NEGATIVE_INFINITY) return;
    // Engagements may only expire once the views that could still need them are
    // joined: the first held view, or else views not fetched yet, which are at
    // most viewDisorder older than the newest view fetched (the cutoff below
    // subtracts it).
    const everyViewJoined = this.#d.time.ended && job.heldViews.length === 0 && job.viewsCaughtUp();
    const head = everyViewJoined ? undefined : (job.heldViews[0]?.view?.ts ?? job.newestViewTs);
    const limit = head === undefined ? watermark : Math.min(watermark, head + this.#o.windowMs);
    if (limit === Number.NEGATIVE_INFINITY) return;
    for (const { user, post, engagement } of this.#d.index.expire(p, limit)) {
      if (engagement.ts < job.replayBefore) continue; // judged by the run that first read it
      this.counters.orphans++;
      this.#d.outbox.orphan(p, user, post, engagement);
    }
    this.#d.index.expireEmitted(p, limit);
  }

  // 5-6. send, commit -------------------------------------------------------------

  async #sendAndCommit(): Promise<void> {
    if (this.#unsent.length === 0) this.#unsent = this.#d.outbox.take();
    const offsets = new Map<number, bigint>();
    for (const job of this.#jobs.values()) if (job.released > job.committed) offsets.set(job.partition, job.released);
    if (this.#unsent.length === 0 && offsets.size === 0) return;
    // The records are kept until delivered: a failed attempt delivers them again.
    const started = this.#d.clock.now();
    await this.#d.delivery.deliver(this.#unsent, offsets);
    this.#d.observer?.committed(this.#d.clock.now() - started);
    this.#unsent = [];
    for (const [p, offset] of offsets) {
      const job = this.#jobs.get(p);
      if (job !== undefined) job.committed = offset;
    }
    this.counters.commits++;
  }

  /** When every engagement partition is idle, the views' newest time moves the watermarks. */
  async #peekViewsWhenIdle(): Promise<void> {
    if (this.#o.drain || this.#jobs.size === 0) return;
    const now = this.#d.clock.now();
    if (now - this.#lastViewPeek < this.#o.idleTimeoutMs) return;
    if (![...this.#jobs.keys()].every((p) => this.#d.time.isIdle(p))) return;
    this.#lastViewPeek = now;
    const positions = [...this.#jobs.values()].filter((j) => j.viewEnd > 0n).map((j) => ({ topic: this.#o.viewsTopic, partition: j.partition, offset: j.viewEnd - 1n }));
    for (const part of await this.#d.fetcher.fetch(positions)) {
      for (const r of part.records) {
        try {
          this.#d.time.observeView(this.#d.codec.decodeView(r.value, r, this.#o.viewsFormat).ts);
        } catch {
          // a bad last record says nothing about time; it is dead-lettered when the delayed reader gets there
        }
      }
    }
  }

  #report(final: boolean): void {
    const now = this.#d.clock.now();
    if (!final && now - this.#lastProgress < this.#o.progressEveryMs) return;
    this.#lastProgress = now;
    const c = this.counters;
    const wm = [...this.#jobs.keys()].map((p) => {
      const w = this.#d.time.watermark(p);
      return `${p}:${Number.isFinite(w) ? new Date(w).toISOString().slice(11, 19) : w > 0 ? 'end' : '-'}`;
    });
    this.#d.progress(
      `views ${c.viewsIn} in, engagements ${c.engagementsIn} in, samples ${c.samplesOut} out, duplicates ${c.duplicateViews}+${c.duplicateEngagements}, late ${c.late}, corrections ${c.corrections}, orphans ${c.orphans}, dead-lettered ${c.deadLettered}, index ${this.#d.index.engagementCount()}, watermarks ${wm.join(' ')}`,
    );
  }
}
