/**
 * The join as a synchronous operator: records of a partition go in, samples,
 * corrections, dead letters and orphans come out in the outbox. No promises,
 * no fetching, no Kafka: the reader (./input-reader.ts) hands records over and
 * the driver (./joiner.ts) delivers what the outbox holds.
 *
 * Per partition p, views and engagements are handed over in offset order:
 *   view(p, record, decoded)              held until due (bad ones dead-lettered, kept as a gap)
 *   engagement(p, lane, record, decoded)  held until processed (bad ones dead-lettered);
 *                                         one lane per engagement topic
 *   viewsRead / engagementsRead           whether the reader has reached the end of its log
 *   advance()                       per partition, in lockstep:
 *                                     - the first held view is joined when the engagement
 *                                       watermark of p has passed view.ts + window;
 *                                     - else the next held engagement is indexed, but only
 *                                       while views are held or the reader has no more:
 *                                       no engagement is indexed while a fetched view is due,
 *                                       so a view is joined with exactly the engagements
 *                                       before its due time, however far behind the log
 *                                       the joiner is (a backfill gives what live gives);
 *   expire()                        state past the watermark goes (orphans counted).
 *
 * Several engagement topics (lanes; ./partition-join.ts): each lane has its own
 * confirmed time, and the watermark of p is the least over its lanes (a lane
 * whose drain end is read no longer counts; an idle one follows the rest, as an
 * idle partition does). The lanes are merged by a rule of the logs alone: the
 * next engagement taken is the head of the lane with the least confirmed time
 * (ties: the lane configured first); when that lane holds nothing yet, the
 * merge waits for it to be read, unless it is finished or idle. So a drain of
 * the same logs gives the same labels however the fetches fell.
 * Which engagement labels which view, and what is late: ./labels.ts.
 *
 * Event time is what each partition's own data confirms (../time/confirmed-time.ts,
 * docs/decisions/event-time-outliers.md), judged in log order: an engagement
 * more than maxJump ahead of its partition's confirmed engagement time moves
 * the watermark only once K later engagements confirm it; a view likewise
 * moves neither the views' newest time (expiry) nor the idle watermark, and
 * waits for its verdict before it is joined. A refuted record (an outlier) is
 * kept as data under the policy "hold" (an engagement is indexed in its turn;
 * a view is joined as a view at the time of the views around it) or goes to
 * the dead-letter topic under "dead-letter" (an engagement is then not indexed
 * before its verdict). Nothing here reads the wall clock to judge a time.
 */
import type { SourceRecord } from '../codec/dead-letter.js';
import { BadRecordError } from '../codec/errors.js';
import { sampleIdFor, type EngagementEvent, type ViewEvent } from '../codec/events.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../time/clock.js';
import type { ConfirmationRule, Resolution } from '../time/confirmed-time.js';
import type { EngagementTime } from '../time/watermarks.js';
import { newCounters, type JoinCounters, type JoinObserver } from './counters.js';
import { emittedKeepMs, engagementKeepMs, type EngagementIndex, type IndexTimes } from './engagement-index.js';
import { engagementFingerprint, IdMemory, viewFingerprint } from './id-memory.js';
import { afterLate, keepsSample, labelsEmitted, labelView, sampleWeight, viewTimesFor, type JoinWindow } from './labels.js';
import type { Outbox } from './outbox.js';
import { PartitionJoin, type EngagementLane, type HeldEngagement, type HeldView, type PartitionStart } from './partition-join.js';

export interface JoinRules extends JoinWindow, ConfirmationRule, IndexTimes {
  readonly labelTypes: readonly string[];
  readonly outOfOrdernessMs: number;
  readonly latePolicy: 'drop' | 'correct';
  /** Negative downsampling: the share of all-negative samples emitted (1: every one; ./labels.ts). */
  readonly negativeShare: number;
  /** What becomes of a record whose event time its partition refuted. */
  readonly outlierPolicy: 'hold' | 'dead-letter';
}

export interface OperatorDeps {
  readonly index: EngagementIndex;
  readonly time: EngagementTime;
  readonly outbox: Outbox;
  /** Wall clock: emitted-at only. */
  readonly clock: Clock;
  readonly log: Logger;
  readonly observer?: JoinObserver | undefined;
}

export class JoinOperator {
  readonly counters: JoinCounters;
  readonly #r: JoinRules;
  readonly #d: OperatorDeps;
  readonly #parts = new Map<number, PartitionJoin>();
  readonly #types: Map<string, number>;
  /** Event ids seen, to tell repeats from conflicts (./id-memory.ts), as long as the index keeps each kind. */
  readonly #engagementIds: IdMemory;
  readonly #viewIds: IdMemory;
  readonly #engagementKeepMs: number;
  readonly #emittedKeepMs: number;

  constructor(rules: JoinRules, deps: OperatorDeps) {
    this.#r = rules;
    this.#d = deps;
    this.#engagementKeepMs = engagementKeepMs(rules);
    this.#emittedKeepMs = emittedKeepMs(rules);
    this.#engagementIds = new IdMemory(this.#engagementKeepMs / 4);
    this.#viewIds = new IdMemory(this.#emittedKeepMs / 4);
    this.counters = newCounters(rules.labelTypes);
    this.#types = new Map(rules.labelTypes.map((t, i) => [t, i]));
  }

  /** Runs fn as one batch of state changes (one write transaction with --state disk). */
  batch<T>(fn: () => T): T {
    return this.#d.index.batch(fn);
  }

  // partitions ---------------------------------------------------------------

  open(partition: number, start: PartitionStart): void {
    const part = new PartitionJoin(partition, start, this.#r);
    this.#parts.set(partition, part);
    for (const lane of part.lanes) this.#d.time.add(lane.timeKey);
  }

  /** The partition moved away: its state goes. */
  close(partition: number): void {
    const part = this.#parts.get(partition);
    this.#parts.delete(partition);
    for (const lane of part?.lanes ?? []) this.#d.time.remove(lane.timeKey);
    this.#engagementIds.dropPartition(partition);
    this.#viewIds.dropPartition(partition);
    this.#d.index.batch(() => this.#d.index.dropPartition(partition));
  }

  partition(partition: number): PartitionJoin | undefined {
    return this.#parts.get(partition);
  }

  partitions(): IterableIterator<PartitionJoin> {
    return this.#parts.values();
  }

  /**
   * Views an earlier run joined (read again after a restart): repeats of them are duplicates,
   * engagements for them late; and the views' confirmed time goes on from them (the earlier run
   * judged and counted them).
   */
  rememberJoined(partition: number, views: readonly ViewEvent[]): void {
    const part = this.#parts.get(partition);
    if (part === undefined) return;
    this.#d.index.batch(() => {
      for (const v of views) {
        if (this.#viewIds.check(partition, v.event_id, viewFingerprint(v), v.ts, Number.NEGATIVE_INFINITY) !== 'new') continue;
        this.#d.index.recordEmitted(partition, v.user_id, v.post_id, v.ts, v.event_id, 0, 0, undefined);
        if (v.ts > (part.newestEmittedTs ?? Number.NEGATIVE_INFINITY)) part.newestEmittedTs = v.ts;
        this.#judgeView(part, { offset: -1n, view: v, time: 'pending', dueTs: part.viewTime.confirmed, record: undefined, source: undefined, remembered: true });
      }
    });
  }

  // input ----------------------------------------------------------------------

  view(partition: number, record: SourceRecord, decoded: ViewEvent | BadRecordError): void {
    const part = this.#parts.get(partition);
    if (part === undefined) return;
    const view = this.#usable(record, decoded, record.offset < part.silentBefore);
    if (view === undefined) {
      part.heldViews.push({ offset: record.offset, view: null, time: 'in-time', dueTs: Number.NEGATIVE_INFINITY, record: undefined, source: record, remembered: false });
      return;
    }
    const held: HeldView = { offset: record.offset, view, time: 'pending', dueTs: part.viewTime.confirmed, record, source: record, remembered: false };
    part.heldViews.push(held);
    this.#judgeView(part, held);
  }

  /** Whether the reader should fetch views p: none held, or a held view waits for the next views' verdict on its time. */
  wantsViews(partition: number): boolean {
    const part = this.#parts.get(partition);
    return part !== undefined && (part.heldViews.length === 0 || part.viewTime.pending > 0);
  }

  engagement(partition: number, lane: number, record: SourceRecord, decoded: EngagementEvent | BadRecordError): void {
    const part = this.#parts.get(partition);
    const l = part?.lanes[lane];
    if (part === undefined || l === undefined) return;
    const e = this.#usable(record, decoded, part.silent);
    if (e !== undefined) l.held.push({ e, record });
  }

  /** After a views fetch round: where the reader goes on, and whether it has every view there is now. */
  viewsRead(partition: number, next: bigint, caughtUp: boolean): void {
    const part = this.#parts.get(partition);
    if (part === undefined) return;
    part.nextView = next;
    part.viewsCaughtUp = caughtUp;
  }

  /**
   * After an engagements fetch of a lane: whether records arrived, whether the reader is at the
   * end of the lane's log, and (drain) whether that end is final: nothing more will come.
   */
  engagementsRead(partition: number, lane: number, arrived: boolean, atEnd: boolean, final: boolean): void {
    const l = this.#parts.get(partition)?.lanes[lane];
    if (l === undefined) return;
    l.atEnd = atEnd;
    l.atFinalEnd = final;
    // New records end any idleness before they are joined, so an idle lane's
    // borrowed time never runs ahead of engagements it has just received.
    if (arrived) this.#d.time.activity(l.timeKey);
    this.#d.time.setCaughtUp(l.timeKey, l.caughtUp());
  }

  /**
   * A fetch of the lane failed (its leader away, a failover): it is not idle, and its idle clock
   * starts again from now (wall clock decides idleness only; ../time/watermarks.ts).
   */
  engagementsUnreadable(partition: number, lane: number): void {
    const l = this.#parts.get(partition)?.lanes[lane];
    if (l !== undefined) this.#d.time.activity(l.timeKey);
  }

  /** Records were deleted before they were read: the views go on from `offset`. */
  viewsSkippedTo(partition: number, offset: bigint): void {
    const part = this.#parts.get(partition);
    if (part === undefined) return;
    part.nextView = offset;
    part.released = offset;
  }

  /**
   * The newest view of partition p, peeked (moves the watermarks when every engagement partition is
   * idle): only a time in time with p's confirmed view time counts, so one future-dated view moves nothing.
   */
  observeViewTime(partition: number, ts: number): void {
    const part = this.#parts.get(partition);
    if (part === undefined || !(ts <= part.viewTime.confirmed + this.#r.maxJumpMs)) return;
    this.#d.time.observeView(ts);
  }

  // time -----------------------------------------------------------------------

  /** Joins due views and indexes engagements of every partition, in lockstep. */
  advance(): void {
    for (const part of this.#parts.values()) this.#advance(part);
  }

  /** The end of the input is the end of time (drain): every held view becomes due. */
  endOfTime(): void {
    this.#d.time.endOfTime();
    this.advance();
  }

  get ended(): boolean {
    return this.#d.time.ended;
  }

  watermark(partition: number): number {
    const part = this.#parts.get(partition);
    return part === undefined ? Number.NEGATIVE_INFINITY : this.#watermark(part);
  }

  /** Engagements held by the index. */
  indexSize(): number {
    return this.#d.index.engagementCount();
  }

  everyEngagementPartitionIdle(): boolean {
    for (const part of this.#parts.values()) for (const lane of part.lanes) if (!this.#d.time.isIdle(lane.timeKey)) return false;
    return this.#parts.size > 0;
  }

  /** Expires the state every partition no longer needs (orphans counted). */
  expire(): void {
    for (const part of this.#parts.values()) this.#expire(part);
  }

  // the steps ------------------------------------------------------------------

  /** The decoded event, or undefined when the record is bad (then it is dead-lettered, unless an earlier run did: silent). */
  #usable<E>(record: SourceRecord, decoded: E | BadRecordError, silent: boolean): E | undefined {
    if (decoded instanceof BadRecordError) {
      if (!silent) this.#deadLetter(record, decoded);
      return undefined;
    }
    return decoded;
  }

  // event time -------------------------------------------------------------------

  /** The next view of p in log order: judged, and the candidates it decides resolved. */
  #judgeView(part: PartitionJoin, held: HeldView): void {
    if (held.view === null) return;
    const judged = part.viewTime.observe(held.view.ts, held);
    if (judged.inTime) this.#viewInTime(part, held);
    for (const r of judged.resolved) {
      if (r.confirmed) this.#viewInTime(part, r.item);
      else this.#viewOutlier(part, r);
    }
  }

  /** A view whose time is confirmed: it moves the views' newest time and is due at ts + window. */
  #viewInTime(part: PartitionJoin, held: HeldView): void {
    if (held.view === null) return;
    held.time = 'in-time';
    held.dueTs = held.view.ts;
    held.record = undefined;
    this.#d.time.observeView(held.view.ts);
    if (held.view.ts > (part.newestViewTs ?? Number.NEGATIVE_INFINITY)) part.newestViewTs = held.view.ts;
  }

  /** A view whose time the next views refuted: kept as data (joined at the time it came) or dead-lettered. */
  #viewOutlier(part: PartitionJoin, r: Resolution<HeldView>): void {
    const held = r.item;
    if (held.view === null || held.remembered) return; // a remembered one was judged by the earlier run
    const silent = held.offset < part.silentBefore; // judged again: the earlier run counted and dead-lettered it
    if (!silent) this.counters.timeOutliers.views++;
    if (this.#r.outlierPolicy === 'dead-letter' && held.record !== undefined) {
      if (!silent) this.#deadLetter(held.record, this.#outlierError(held.record, r));
      held.view = null;
    } else {
      held.time = 'outlier';
      this.#d.log.debug('view time outlier kept as data', { partition: part.partition, offset: held.offset, ts: r.ts, partitionTime: r.base });
    }
    held.record = undefined;
  }

  #outlierError(record: SourceRecord, r: Resolution<unknown>): BadRecordError {
    const ahead = r.base === Number.NEGATIVE_INFINITY ? 'ahead of the records after it (the partition had no confirmed time yet)' : `${r.ts - r.base} ms ahead of its partition's time ${new Date(r.base).toISOString()}`;
    return new BadRecordError('RECORD_TIME_OUTLIER', record, `event time ${new Date(r.ts).toISOString()} is ${ahead}, not confirmed by ${this.#r.timeConfirmations} later records of its partition`, 'ts');
  }

  /**
   * The next engagement of p in log order: judged, then indexed (a candidate under
   * "dead-letter" waits for its verdict); the watermark follows the confirmed time only.
   */
  #take(part: PartitionJoin, lane: EngagementLane, held: HeldEngagement): void {
    const judged = lane.time.observe(held.e.ts, held);
    if (judged.inTime || this.#r.outlierPolicy === 'hold') this.#index(part, held.e, held.record);
    this.#engagementsResolved(part, judged.resolved);
    this.#engagementTimeMoved(lane);
  }

  #engagementsResolved(part: PartitionJoin, resolved: ReadonlyArray<Resolution<HeldEngagement>>): void {
    const deferred = this.#r.outlierPolicy === 'dead-letter';
    for (const r of resolved) {
      if (r.confirmed) {
        if (deferred) this.#index(part, r.item.e, r.item.record);
        continue;
      }
      if (part.silent) continue; // judged again: the earlier run counted and dead-lettered it
      this.counters.timeOutliers.engagements++;
      if (deferred) this.#deadLetter(r.item.record, this.#outlierError(r.item.record, r));
      else this.#d.log.debug('engagement time outlier kept as data', { partition: part.partition, offset: r.item.record.offset, ts: r.ts, partitionTime: r.base });
    }
  }

  /** record: a record of the lane was taken (false: the time it borrowed confirmed candidates). */
  #engagementTimeMoved(lane: EngagementLane, record = true): void {
    const confirmed = lane.time.confirmed;
    if (confirmed !== Number.NEGATIVE_INFINITY) this.#d.time.observe(lane.timeKey, confirmed, record);
  }

  /**
   * The watermark came from elsewhere (an idle partition following the others; the end of time
   * in a drain, when nothing can refute a candidate any more): candidates it reached are confirmed.
   */
  #reach(part: PartitionJoin, lane: EngagementLane, watermark: number): void {
    if (lane.time.pending === 0 || watermark === Number.NEGATIVE_INFINITY) return;
    if (watermark <= lane.time.confirmed - this.#r.outOfOrdernessMs) return;
    this.#engagementsResolved(part, lane.time.reach(watermark + this.#r.outOfOrdernessMs));
    this.#engagementTimeMoved(lane, false);
  }

  /** The watermark of p: the least over its lanes that may still bring records (all of them when none may). */
  #watermark(part: PartitionJoin): number {
    let open = Number.POSITIVE_INFINITY;
    let all = Number.POSITIVE_INFINITY;
    let anyOpen = false;
    for (const lane of part.lanes) {
      const w = this.#d.time.watermark(lane.timeKey);
      if (w < all) all = w;
      if (lane.final) continue;
      anyOpen = true;
      if (w < open) open = w;
    }
    return anyOpen ? open : all;
  }

  /**
   * The lane whose head is taken next: of the lanes that hold a record or may still bring one
   * now (not final, not idle), the one with the least confirmed time (ties: the first); undefined
   * when that lane holds nothing yet (the merge waits for it) or no lane holds anything.
   */
  #nextLane(part: PartitionJoin): EngagementLane | undefined {
    const lanes = part.lanes;
    if (lanes.length === 1) return lanes[0]!.next() === undefined ? undefined : lanes[0];
    let best: EngagementLane | undefined;
    for (const lane of lanes) {
      if (lane.next() === undefined && (lane.final || this.#d.time.isIdle(lane.timeKey))) continue;
      if (best === undefined || lane.time.confirmed < best.time.confirmed) best = lane;
    }
    return best?.next() === undefined ? undefined : best;
  }

  #deadLetter(record: SourceRecord, error: BadRecordError): void {
    this.#d.outbox.deadLetter({ record, error });
    this.counters.deadLettered++;
    this.counters.deadLetteredBy[error.code] = (this.counters.deadLetteredBy[error.code] ?? 0) + 1;
    this.#d.log.warn('bad record dead-lettered', { code: error.code, reason: error.reason, field: error.field, topic: record.topic, partition: record.partition, offset: record.offset });
  }

  #advance(part: PartitionJoin): void {
    for (const lane of part.lanes) if (!lane.final) this.#reach(part, lane, this.#d.time.watermark(lane.timeKey));
    let watermark = this.#watermark(part);
    // A finished lane's candidates are reached by the partition's time (the other lanes').
    for (const lane of part.lanes) if (lane.final) this.#reach(part, lane, Math.max(watermark, this.#d.time.watermark(lane.timeKey)));
    watermark = this.#watermark(part);
    for (;;) {
      const head = part.heldViews[0];
      if (head !== undefined) {
        if (head.view === null) {
          part.heldViews.shift();
          part.released = head.offset + 1n;
          continue;
        }
        // A view whose time waits for its verdict (the next views): engagements wait for
        // them too, so that what it is joined with does not depend on how the views were
        // fetched. With no more views now (the live end of the log), it is due at its own
        // time, as any view.
        const pending = head.time === 'pending';
        if (pending && !part.viewsCaughtUp) break;
        if ((pending ? head.view.ts : head.dueTs) + this.#r.windowMs <= watermark) {
          part.heldViews.shift();
          head.record = undefined; // joined: whatever its verdict, it is not dead-lettered any more
          this.#join(part, head.view, head.source, head.offset < part.silentBefore);
          part.released = head.offset + 1n;
          continue;
        }
      } else if (!part.viewsCaughtUp) {
        break; // the next views must be read before engagements go further
      } else {
        part.released = part.nextView; // every view read is joined (skips gaps such as transaction markers)
      }
      const lane = this.#nextLane(part);
      if (lane === undefined) break;
      const e = lane.next()!;
      lane.taken++;
      this.#take(part, lane, e);
      watermark = this.#watermark(part);
      if (watermark > part.timeHigh && watermark !== Number.POSITIVE_INFINITY) part.timeHigh = watermark;
    }
    for (const lane of part.lanes) {
      if (lane.taken > 0) {
        lane.held.splice(0, lane.taken);
        lane.taken = 0;
      }
      this.#d.time.setCaughtUp(lane.timeKey, lane.caughtUp());
    }
  }

  /** silent: joined again after a restart (./replay.ts): the state as the earlier run had it, nothing output or counted. */
  #join(part: PartitionJoin, view: ViewEvent, record: SourceRecord | undefined, silent: boolean): void {
    const index = this.#d.index;
    const c = this.counters;
    if (silent) c.replayedViews++;
    else c.viewsIn++;
    const seen = this.#viewIds.check(part.partition, view.event_id, viewFingerprint(view), Math.max(view.ts, part.timeHigh), part.timeHigh - this.#emittedKeepMs);
    if (seen === 'same') {
      if (!silent) c.duplicateViews++;
      return;
    }
    if (seen === 'conflict') {
      if (record !== undefined && !silent) this.#conflict(record, 'view');
      return;
    }
    const types = this.#r.labelTypes;
    const labelled = labelView(view.event_id, view.ts, index.candidates(view.user_id, view.post_id), types.length, this.#r);
    // A dropped negative (downsampling) is remembered as emitted all the same: its late
    // engagements are late as in a full run, and a correction emits its version 1.
    if (!silent) {
      if (keepsSample(labelled.labels, view.event_id, this.#r.negativeShare)) {
        const sample = this.#d.outbox.sample(part.partition, view, labelled, 0, this.#d.clock.now(), sampleWeight(labelled.labels, this.#r.negativeShare));
        this.#d.observer?.sampleEmitted(sample);
        c.samplesOut++;
      } else c.negativesDropped++;
      for (let i = 0; i < types.length; i++) if (((labelled.labels >>> i) & 1) === 1) c.positives[types[i]!]!++;
    }
    const kept = this.#r.latePolicy === 'correct' ? this.#d.outbox.keep(view, labelled) : undefined;
    index.recordEmitted(part.partition, view.user_id, view.post_id, view.ts, view.event_id, 0, labelled.labels, kept);
    if (view.ts > (part.newestEmittedTs ?? Number.NEGATIVE_INFINITY)) part.newestEmittedTs = view.ts;
  }

  #index(part: PartitionJoin, e: EngagementEvent, record: SourceRecord): void {
    const p = part.partition;
    const type = this.#types.get(e.type)!;
    const seen = this.#engagementIds.check(p, e.event_id, engagementFingerprint(e, type), Math.max(e.ts, part.timeHigh), part.timeHigh - this.#engagementKeepMs);
    if (e.ts < part.replayBefore) {
      // Read again after a restart: the earlier run counted it, and corrected what it had to.
      this.counters.replayedEngagements++;
      if (seen === 'new') this.#d.index.addEngagement(p, e, type);
      return;
    }
    if (part.silent) {
      // Read again after a restart under "correct" (./replay.ts): indexed and late-checked as the
      // earlier run did, so that the views it joined get their labels and versions; nothing output.
      this.counters.replayedEngagements++;
      if (seen !== 'new') return;
      this.#d.index.addEngagement(p, e, type);
      this.#lateCheck(part, e, type, record, true);
      return;
    }
    this.counters.engagementsIn++;
    if (seen === 'same') {
      this.counters.duplicateEngagements++;
      return;
    }
    if (seen === 'conflict') {
      this.#conflict(record, 'engagement');
      return;
    }
    this.#d.index.addEngagement(p, e, type); // false: the index still holds it (same user, post and id), nothing to add
    this.#lateCheck(part, e, type, record, false);
  }

  /** A used event id with other content: the first record wins, this one is dead-lettered. */
  #conflict(record: SourceRecord, what: 'view' | 'engagement'): void {
    this.#deadLetter(record, new BadRecordError('RECORD_CONFLICTING_DUPLICATE', record, `a ${what} with this event id and other content was read before; the first one counts`, 'event_id'));
  }

  /** An engagement for views already emitted is late: counted, and corrected under "correct" (silent: in the state only). */
  #lateCheck(part: PartitionJoin, e: EngagementEvent, type: number, record: SourceRecord, silent: boolean): void {
    const span = viewTimesFor(e.ts, this.#r);
    if (span.from > (part.newestEmittedTs ?? Number.NEGATIVE_INFINITY)) return; // no view it can label was emitted
    const index = this.#d.index;
    const emitted = index.emittedOf(e.user_id, e.post_id, span.from, span.to).filter((v) => labelsEmitted({ ts: e.ts, viewId: e.view_id }, v, this.#r));
    if (emitted.length === 0) return;
    if (!silent) {
      this.counters.late++;
      this.#d.outbox.late(record, this.#r.latePolicy, emitted.map((v) => sampleIdFor(v.viewId, v.version)));
    }
    index.markMatched(e.user_id, e.post_id, e.event_id);
    if (this.#r.latePolicy !== 'correct') return;
    const outbox = this.#d.outbox;
    for (const v of emitted) {
      if (v.kept === undefined) continue; // remembered from an earlier run: its labels are not known
      const { view, labelled } = outbox.unkeep(v.kept, v.labels);
      const next = afterLate(labelled, type, e.ts - v.viewTs);
      if (next === undefined) continue;
      const version = v.version + 1;
      if (!silent) outbox.sample(part.partition, view, next, version, this.#d.clock.now(), sampleWeight(next.labels, this.#r.negativeShare));
      index.updateEmitted(v, version, next.labels, outbox.keep(view, next));
      if (!silent) this.counters.corrections++;
    }
  }

  #expire(part: PartitionJoin): void {
    const p = part.partition;
    const watermark = this.#watermark(part);
    if (watermark === Number.NEGATIVE_INFINITY) return;
    // Engagements may only expire once the views that could still need them are
    // joined: the first held view, or else views not read yet, which are at
    // most viewDisorder older than the newest view read (the index's keep time
    // adds it).
    const everyViewJoined = this.#d.time.ended && part.heldViews.length === 0 && part.viewsCaughtUp;
    const first = part.heldViews[0];
    const head = everyViewJoined ? undefined : first !== undefined && first.view !== null ? first.dueTs : part.newestViewTs;
    const limit = head === undefined ? watermark : Math.min(watermark, head + this.#r.windowMs);
    if (limit === Number.NEGATIVE_INFINITY) return;
    for (const { user, post, engagement } of this.#d.index.expire(p, limit)) {
      if (engagement.ts < part.replayBefore || part.silent) continue; // judged by the run that first read it
      this.counters.orphans++;
      this.#d.outbox.orphan(p, user, post, engagement);
    }
    this.#d.index.expireEmitted(p, limit);
    this.#engagementIds.forget(p, part.timeHigh - this.#engagementKeepMs);
    this.#viewIds.forget(p, part.timeHigh - this.#emittedKeepMs);
  }
}
