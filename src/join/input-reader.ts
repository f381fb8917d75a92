/**
 * Reads the views and engagements of the assigned partitions and hands them
 * to the operator (./operator.ts), decoded or as bad records. It owns where
 * each partition is read from:
 *
 *   - on assignment, views from the committed offset (or the log start), and
 *     engagements from the offset for the earliest time a view still to join
 *     can need (its ts - maxSkew - viewDisorder - outOfOrderness), found with
 *     offsets-for-times; the views joined just before the committed offset are
 *     read again and remembered (repeats are duplicates, engagements for them
 *     late);
 *   - under the late policy "correct", views from further back (./replay.ts):
 *     those an earlier run emitted whose correction horizon is still open at
 *     the committed offset, and the engagements they need, joined again
 *     silently up to the committed offset so that their corrections go on;
 *   - each round, one fetch of views p where the operator holds none (or holds a
 *     view whose time waits for the next views' verdict), and of engagements p
 *     where it holds none (so memory is bounded by the fetch size);
 *   - records deleted by retention before they were read: counted, logged,
 *     reading goes on from the log start;
 *   - when every engagement partition is idle, the newest view of each
 *     partition is peeked so that the views' time can move the watermarks;
 *   - in drain mode, nothing beyond the end offsets at assignment is read.
 *
 * Inputs: one views topic and one or more engagement topics (a lane each in
 * the operator, ./partition-join.ts), all co-partitioned. A topic read for
 * both (one consolidated topic) is read at two positions of each partition,
 * the delayed views position and the engagements position, each taking the
 * records of its kind (../codec/record-kind.ts) and stepping over the others:
 * Kafka stays the view buffer. A record of such a topic whose kind header names
 * neither kind is dead-lettered once, by the views position.
 */
import type { EventCodec, InputFormat } from '../codec/codec.js';
import type { DeclaredInputs } from '../codec/declared/declared-inputs.js';
import type { PartitionCheck } from './partition-check.js';
import { decodeOrBad, type SourceRecord } from '../codec/dead-letter.js';
import { BadRecordError } from '../codec/errors.js';
import type { EngagementEvent, ViewEvent } from '../codec/events.js';
import { OffsetOutOfRangeError } from '../kafka/errors.js';
import type { KindBy } from '../codec/formats.js';
import { kindRule, unknownKindError, type KindRule, type RecordKind } from '../codec/record-kind.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../time/clock.js';
import type { JoinOperator } from './operator.js';
import { replayFrom } from './replay.js';
import type { LogBatch, LogPosition, Membership, PartitionLog } from './partition-log.js';

export interface ReaderOptions {
  readonly topics: { readonly views: string; readonly engagements: readonly string[]; readonly kindBy: KindBy; readonly kindHeader: string };
  readonly formats: { readonly viewsFormat: InputFormat; readonly engagementsFormat: InputFormat };
  readonly windowMs: number;
  readonly maxSkewMs: number;
  readonly outOfOrdernessMs: number;
  readonly viewDisorderMs: number;
  readonly allowedLatenessMs: number;
  /** "correct": after a restart, the views whose corrections may still come are joined again silently (./replay.ts). */
  readonly latePolicy: 'drop' | 'correct';
  readonly idleTimeoutMs: number;
  /** K of the event-time rule (src/time/confirmed-time.ts): the start is anchored on the earliest of the first K + 1 views. */
  readonly timeConfirmations: number;
  readonly drain: boolean;
}

export interface ReaderDeps {
  readonly log: PartitionLog;
  readonly membership: Membership;
  readonly codec: EventCodec;
  /** Declared inputs (a user's own schemas): their decoders replace the codec's. */
  readonly declared?: DeclaredInputs | undefined;
  /** Checks that each record read for joining is in the partition its key gives (./partition-check.ts). */
  readonly partitionCheck?: PartitionCheck | undefined;
  readonly operator: JoinOperator;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Where one engagement topic of a partition is read. */
export interface LanePosition {
  /** Next offset to read. */
  pos: bigint;
  /** End offset the last fetch saw (-1: none yet). */
  end: bigint;
  /** Drain mode: the end offset at assignment; nothing beyond is read. */
  readonly drainEnd: bigint | undefined;
}

/** Reading positions of one partition number. */
export interface Positions {
  /** Next views offset to read. */
  viewPos: bigint;
  /** End offset the last views fetch saw (-1: none yet). */
  viewEnd: bigint;
  /** Drain mode: the views end offset at assignment; nothing beyond is read. */
  readonly drainViewEnd: bigint | undefined;
  /** One per engagement topic, in the configured order. */
  readonly lanes: readonly LanePosition[];
}

/** What a position of a fetch reads: the views, or an engagement lane. */
type Source = { readonly kind: 'views' } | { readonly kind: 'lane'; readonly lane: number };
interface Request {
  readonly position: LogPosition;
  readonly source: Source;
}

export interface AssignmentChange {
  readonly added: ReadonlyArray<{ readonly partition: number; readonly views: bigint }>;
  readonly revoked: readonly number[];
}

/** How many fetches a search for the first decodable view may take. */
const ANCHOR_SCAN_FETCHES = 20;

export class InputReader {
  readonly #o: ReaderOptions;
  readonly #d: ReaderDeps;
  readonly #positions = new Map<number, Positions>();
  readonly #decodeView: (value: Buffer | null, record: SourceRecord) => ViewEvent;
  readonly #decodeEngagement: (value: Buffer | null, record: SourceRecord) => EngagementEvent;
  /** The same, and the record's partition checked: for the records handed to the operator. */
  readonly #joinView: (value: Buffer | null, record: SourceRecord) => ViewEvent;
  readonly #joinEngagement: (value: Buffer | null, record: SourceRecord) => EngagementEvent;
  #lastViewPeek = Number.NEGATIVE_INFINITY;
  /** Topics read for views and engagements both: their records say their kind (topics.kindBy). */
  readonly #shared: ReadonlySet<string>;
  readonly #kind: KindRule;

  constructor(options: ReaderOptions, deps: ReaderDeps) {
    this.#o = options;
    this.#d = deps;
    const declared = deps.declared;
    this.#decodeView =
      declared?.views !== undefined ? (value, record) => declared.decodeView(value, record, record) : (value, record) => deps.codec.decodeView(value, record, options.formats.viewsFormat);
    this.#decodeEngagement =
      declared?.declaresEngagements === true ? (value, record) => declared.decodeEngagement(value, record, record) : (value, record) => deps.codec.decodeEngagement(value, record, options.formats.engagementsFormat);
    const engagementTopics = options.topics.engagements;
    if (engagementTopics.length === 0) throw new RangeError('no engagements topic');
    this.#shared = new Set(engagementTopics.filter((t) => t === options.topics.views));
    this.#kind = kindRule(options.topics.kindBy, options.topics.kindHeader, deps.codec);
    const check = deps.partitionCheck;
    this.#joinView = check === undefined ? this.#decodeView : (value, record) => checked(this.#decodeView(value, record), () => check.check('views', record));
    this.#joinEngagement = check === undefined ? this.#decodeEngagement : (value, record) => checked(this.#decodeEngagement(value, record), () => check.check('engagements', record));
  }

  positions(partition: number): Readonly<Positions> | undefined {
    return this.#positions.get(partition);
  }

  // assignment -------------------------------------------------------------------

  /** Closes every partition (its state goes); the next followAssignment opens them again from their committed offsets. */
  closeAll(): number[] {
    const closed = [...this.#positions.keys()];
    for (const p of closed) this.#d.operator.close(p);
    this.#positions.clear();
    return closed;
  }

  /** Follows the membership's assignment: revoked partitions are closed, new ones opened at their start positions. */
  async followAssignment(): Promise<AssignmentChange> {
    const assigned = this.#d.membership.assigned();
    const wanted = new Set(assigned);
    const revoked: number[] = [];
    for (const p of this.#positions.keys()) {
      if (wanted.has(p)) continue;
      this.#positions.delete(p);
      this.#d.operator.close(p);
      revoked.push(p);
      this.#d.logger.info('partition revoked', { partition: p });
    }
    const fresh = assigned.filter((p) => !this.#positions.has(p));
    if (fresh.length === 0) return { added: [], revoked };
    const { views: viewsTopic, engagements: engagementTopics } = this.#o.topics;
    const log = this.#d.log;
    const committed = await this.#d.membership.committed(fresh);
    const viewStarts = await log.beginningOffsets(viewsTopic, fresh);
    const viewEnds = this.#o.drain ? await log.endOffsets(viewsTopic, fresh) : undefined;
    const engEnds = this.#o.drain ? await Promise.all(engagementTopics.map((t) => log.endOffsets(t, fresh))) : undefined;
    const added: Array<{ partition: number; views: bigint }> = [];
    for (const p of fresh) {
      const logStart = viewStarts.get(p) ?? 0n;
      let views = committed.get(p) ?? logStart;
      if (views < logStart) {
        this.#lostToRetention(viewsTopic, p, views, logStart);
        views = logStart;
      }
      let { engagements, anchor, lastJoined } = await this.#engagementStart(p, views);
      let read = views;
      const replay = committed.get(p) !== undefined && anchor !== undefined ? await this.#replayStart(p, views, anchor) : undefined;
      if (replay !== undefined) {
        read = replay;
        ({ engagements, anchor, lastJoined } = await this.#engagementStart(p, read));
      }
      this.#positions.set(p, {
        viewPos: read,
        viewEnd: -1n,
        drainViewEnd: viewEnds === undefined ? undefined : (viewEnds.get(p) ?? 0n),
        lanes: engagements.map((pos, i) => ({ pos, end: -1n, drainEnd: engEnds === undefined ? undefined : (engEnds[i]!.get(p) ?? 0n) })),
      });
      // The last joined view was due: the earlier run had read the engagements up to its time + window.
      // Replaying (silent up to the committed offset), every engagement is judged again, late ones included.
      const replayBefore = replay === undefined && committed.get(p) !== undefined && lastJoined !== undefined ? lastJoined + this.#o.windowMs : undefined;
      this.#d.operator.open(p, { views: read, replayBefore, lanes: engagementTopics.length, silentBefore: replay === undefined ? undefined : views });
      if (anchor !== undefined) await this.#rememberJoined(p, read, anchor);
      added.push({ partition: p, views });
      this.#d.logger.info('partition assigned', {
        partition: p,
        views: views.toString(),
        engagements: engagements.map(String).join(','),
        ...(replay === undefined ? {} : { replayViewsFrom: replay.toString(), replayViews: Number(views - replay) }),
      });
    }
    return { added, revoked };
  }

  /**
   * Where to start reading engagements p so that every view from `viewOffset`
   * on finds its engagements: the offset for time T - maxSkew - viewDisorder -
   * outOfOrderness, T being the earliest event time of the first K + 1 views
   * still to join and of the last joined one (K + 1, so that one view far
   * ahead of the others, an outlier, cannot move the start past their
   * engagements). Undecodable views are skipped when looking for T: a bad
   * record's Kafka timestamp says nothing about the views' event time.
   * Needs engagement record timestamps to be event times (CreateTime).
   */
  async #engagementStart(p: number, viewOffset: bigint): Promise<{ engagements: bigint[]; anchor: number | undefined; lastJoined: number | undefined }> {
    const log = this.#d.log;
    const topics = this.#o.topics.engagements;
    const lastJoined = await this.#viewTimeAt(p, viewOffset - 1n, false);
    const next = await this.#viewTimeAt(p, viewOffset, true, this.#o.timeConfirmations + 1);
    const anchor = next === undefined ? lastJoined : lastJoined === undefined ? next : Math.min(next, lastJoined);
    if (anchor === undefined) return { engagements: await Promise.all(topics.map(async (t) => (await log.beginningOffsets(t, [p])).get(p) ?? 0n)), anchor, lastJoined };
    const from = BigInt(Math.max(0, anchor - this.#o.maxSkewMs - this.#o.viewDisorderMs - this.#o.outOfOrdernessMs));
    return { engagements: await Promise.all(topics.map(async (t) => (await log.offsetsForTime(t, [p], from)).get(p) ?? 0n)), anchor, lastJoined };
  }

  /**
   * Late policy "correct", resuming at the committed `viewOffset`: the earlier views offset
   * from which the views an earlier run emitted are joined again (./replay.ts); undefined
   * when there is none to join again (policy "drop", or no view in the horizon).
   */
  async #replayStart(p: number, viewOffset: bigint, anchor: number): Promise<bigint | undefined> {
    if (this.#o.latePolicy !== 'correct') return undefined;
    const from = (await this.#d.log.offsetsForTime(this.#o.topics.views, [p], BigInt(replayFrom(anchor, this.#o)))).get(p);
    return from !== undefined && from < viewOffset ? from : undefined;
  }

  /** A record read at a views or engagements position: of that position's kind in a topic of one kind, else what it says (undefined: neither). */
  #kindAt(r: SourceRecord, position: RecordKind): RecordKind | undefined {
    return this.#shared.has(r.topic) ? this.#kind.kindOf(r) : position;
  }

  /** Event time of the view at `offset`, or (scanning) the earliest of the first `views` decodable views from it on. */
  async #viewTimeAt(p: number, offset: bigint, scan: boolean, views = 1): Promise<number | undefined> {
    if (offset < 0n) return undefined;
    let position = offset;
    let earliest: number | undefined;
    let seen = 0;
    for (let fetches = 0; fetches < (scan ? ANCHOR_SCAN_FETCHES : 1); fetches++) {
      let batch: LogBatch | undefined;
      try {
        batch = (await this.#d.log.fetch([{ topic: this.#o.topics.views, partition: p, offset: position }]))[0];
      } catch (error) {
        if (error instanceof OffsetOutOfRangeError) return earliest; // deleted: no time to anchor on
        throw error;
      }
      if (batch === undefined || batch.records.length === 0) return earliest;
      for (const r of batch.records) {
        if (r.offset < position) continue;
        if (!scan && r.offset !== offset) return undefined;
        if (this.#kindAt(r, 'view') !== 'view') {
          if (!scan) return undefined;
          continue;
        }
        const view = decodeOrBad(r, this.#decodeView);
        if (!(view instanceof BadRecordError)) {
          earliest = Math.min(earliest ?? Number.POSITIVE_INFINITY, view.ts);
          if (++seen >= views) return earliest;
        } else if (!scan) return undefined;
      }
      position = batch.nextOffset;
    }
    return earliest;
  }

  /**
   * Before resuming at `viewOffset`, reads the views joined just before it
   * (those an earlier run emitted, back to the anchor time - view disorder -
   * out-of-orderness) for the operator to remember. Their labels are not known
   * again; under the late policy "correct" `viewOffset` is the replay start
   * (./replay.ts), so these are views whose correction horizon has closed.
   */
  async #rememberJoined(p: number, viewOffset: bigint, anchor: number): Promise<void> {
    const log = this.#d.log;
    const since = BigInt(Math.max(0, anchor - this.#o.viewDisorderMs - this.#o.outOfOrdernessMs));
    let offset = (await log.offsetsForTime(this.#o.topics.views, [p], since)).get(p) ?? viewOffset;
    while (offset < viewOffset) {
      const batch = (await log.fetch([{ topic: this.#o.topics.views, partition: p, offset }]))[0];
      if (batch === undefined || batch.nextOffset <= offset) break;
      const views: ViewEvent[] = [];
      for (const r of batch.records) {
        if (r.offset < offset) continue;
        if (r.offset >= viewOffset) break;
        if (this.#kindAt(r, 'view') !== 'view') continue;
        const view = decodeOrBad(r, this.#decodeView);
        if (!(view instanceof BadRecordError)) views.push(view); // a bad one was dead-lettered by the earlier run
      }
      this.#d.operator.rememberJoined(p, views);
      offset = batch.nextOffset;
    }
  }

  // reading ------------------------------------------------------------------------

  /** One fetch round: hands what it read to the operator; returns how many partitions the log answered for (0: nothing was asked). */
  async read(): Promise<number> {
    const op = this.#d.operator;
    const views = this.#o.topics.views;
    const engagementTopics = this.#o.topics.engagements;
    const requests: Request[] = [];
    for (const [p, pos] of this.#positions) {
      const part = op.partition(p);
      if (part === undefined) continue;
      if (op.wantsViews(p) && (pos.drainViewEnd === undefined || pos.viewPos < pos.drainViewEnd)) requests.push({ position: { topic: views, partition: p, offset: pos.viewPos }, source: { kind: 'views' } });
      pos.lanes.forEach((lane, i) => {
        if (part.lanes[i]!.held.length === 0 && (lane.drainEnd === undefined || lane.pos < lane.drainEnd)) {
          requests.push({ position: { topic: engagementTopics[i]!, partition: p, offset: lane.pos }, source: { kind: 'lane', lane: i } });
        }
      });
    }
    const fetched = await this.#fetch(requests);
    const viewsRead = new Set<number>();
    const engagementsArrived = new Set<string>();
    for (const { batch, source } of fetched) {
      const p = batch.partition;
      const pos = this.#positions.get(p);
      if (pos === undefined) continue;
      if (source.kind === 'views') {
        pos.viewEnd = batch.endOffset;
        pos.viewPos = this.#handOver(batch, pos.viewPos, pos.drainViewEnd, (r) => {
          const kind = this.#kindAt(r, 'view');
          if (kind === 'view') op.view(p, r, decodeOrBad(r, this.#joinView));
          else if (kind === undefined) op.view(p, r, unknownKindError(r, this.#kind)); // an engagement is stepped over
        });
        viewsRead.add(p);
      } else {
        const lane = pos.lanes[source.lane]!;
        lane.end = batch.endOffset;
        let arrived = false;
        lane.pos = this.#handOver(batch, lane.pos, lane.drainEnd, (r) => {
          if (this.#kindAt(r, 'engagement') !== 'engagement') return;
          arrived = true;
          op.engagement(p, source.lane, r, decodeOrBad(r, this.#joinEngagement));
        });
        if (arrived) engagementsArrived.add(`${p}:${source.lane}`);
      }
    }
    for (const [p, pos] of this.#positions) {
      const viewsCaughtUp = pos.drainViewEnd !== undefined ? pos.viewPos >= pos.drainViewEnd : viewsRead.has(p) && pos.viewPos >= pos.viewEnd;
      op.viewsRead(p, pos.viewPos, viewsCaughtUp);
      pos.lanes.forEach((lane, i) => {
        const final = lane.drainEnd !== undefined && lane.pos >= lane.drainEnd;
        const atEnd = final || (lane.drainEnd === undefined && lane.end >= 0n && lane.pos >= lane.end);
        op.engagementsRead(p, i, engagementsArrived.has(`${p}:${i}`), atEnd, final);
      });
    }
    return fetched.length;
  }

  /** Hands the records of a batch from `from` on (up to the drain end) to `accept`; returns the next position. */
  #handOver(batch: LogBatch, from: bigint, drainEnd: bigint | undefined, accept: (r: SourceRecord) => void): bigint {
    for (const r of batch.records) {
      if (r.offset < from) continue;
      if (drainEnd !== undefined && r.offset >= drainEnd) break;
      accept(r);
    }
    return drainEnd !== undefined && batch.nextOffset > drainEnd ? drainEnd : batch.nextOffset;
  }

  /**
   * Fetches the requests, as one call to the log, or several when a topic is read at two
   * positions of a partition (a fetch names each partition once); each batch comes with its source.
   */
  async #fetch(requests: readonly Request[]): Promise<Array<{ batch: LogBatch; source: Source }>> {
    const calls: Array<Map<string, Request>> = [];
    for (const request of requests) {
      const key = `${request.position.topic}\u0000${request.position.partition}`;
      let call = calls.find((c) => !c.has(key));
      if (call === undefined) calls.push((call = new Map()));
      call.set(key, request);
    }
    try {
      const answers = await Promise.all(calls.map((call) => this.#d.log.fetch([...call.values()].map((r) => r.position))));
      const out: Array<{ batch: LogBatch; source: Source }> = [];
      answers.forEach((batches, i) => {
        for (const batch of batches) {
          const request = calls[i]!.get(`${batch.topic}\u0000${batch.partition}`);
          if (request !== undefined) out.push({ batch, source: request.source });
        }
      });
      return out;
    } catch (error) {
      if (!(error instanceof OffsetOutOfRangeError)) {
        // Not read (a leader away, a failover): those engagement lanes are not idle, and their
        // idle clock starts again once they can be read, so producers writing to the same node
        // get the idle timeout to resume before the lane follows the other partitions' time.
        for (const r of requests) if (r.source.kind === 'lane') this.#d.operator.engagementsUnreadable(r.position.partition, r.source.lane);
        throw error;
      }
      // Retention deleted records this joiner had not read: go on from the log start, and say so.
      for (const gone of error.positions) {
        const pos = this.#positions.get(gone.partition);
        if (pos === undefined) continue;
        const start = (await this.#d.log.beginningOffsets(gone.topic, [gone.partition])).get(gone.partition) ?? 0n;
        if (start <= gone.offset) continue; // past the end instead: nothing to skip, the next fetch will tell
        this.#lostToRetention(gone.topic, gone.partition, gone.offset, start);
        if (gone.topic === this.#o.topics.views && pos.viewPos === gone.offset) {
          pos.viewPos = start;
          this.#d.operator.viewsSkippedTo(gone.partition, start);
        }
        this.#o.topics.engagements.forEach((topic, i) => {
          const lane = pos.lanes[i]!;
          if (topic === gone.topic && lane.pos === gone.offset) lane.pos = start;
        });
      }
      return [];
    }
  }

  #lostToRetention(topic: string, partition: number, from: bigint, to: bigint): void {
    const lost = Number(to - from);
    this.#d.operator.counters.lostToRetention += lost;
    this.#d.logger.error('records deleted before they were read (retention shorter than the outage?); going on from the log start', {
      topic,
      partition,
      from: from.toString(),
      logStart: to.toString(),
      lost,
    });
  }

  /** Live mode, every engagement partition idle: the newest view of each partition gives the views' time. */
  async peekViewsWhenIdle(): Promise<void> {
    if (this.#o.drain || this.#positions.size === 0) return;
    const now = this.#d.clock.now();
    if (now - this.#lastViewPeek < this.#o.idleTimeoutMs) return;
    if (!this.#d.operator.everyEngagementPartitionIdle()) return;
    this.#lastViewPeek = now;
    const positions = [...this.#positions].filter(([, pos]) => pos.viewEnd > 0n).map(([p, pos]) => ({ topic: this.#o.topics.views, partition: p, offset: pos.viewEnd - 1n }));
    for (const batch of await this.#d.log.fetch(positions)) {
      for (const r of batch.records) {
        // a bad last record says nothing about time; it is dead-lettered when the delayed reader gets there
        if (this.#kindAt(r, 'view') !== 'view') continue; // an engagement of a shared topic
        const view = decodeOrBad(r, this.#decodeView);
        if (!(view instanceof BadRecordError)) this.#d.operator.observeViewTime(batch.partition, view.ts);
      }
    }
  }

  /** Drain mode: every view up to the drain end joined and every engagement up to it processed. */
  drained(): boolean {
    if (this.#positions.size === 0) return false;
    for (const [p, pos] of this.#positions) {
      const part = this.#d.operator.partition(p);
      if (pos.drainViewEnd === undefined || part === undefined) return false;
      if (part.released < pos.drainViewEnd || part.heldViews.length > 0 || !part.engagementsCaughtUp()) return false;
    }
    return true;
  }

  /** Drain mode: every engagement up to the drain end processed (then the end of the log is the end of time). */
  engagementsDrained(): boolean {
    if (this.#positions.size === 0) return false;
    for (const p of this.#positions.keys()) if (this.#d.operator.partition(p)?.engagementsCaughtUp() !== true) return false;
    return true;
  }
}

/** The decoded record, once `check` (which throws for a bad one) passed. */
function checked<T>(decoded: T, check: () => void): T {
  check();
  return decoded;
}
