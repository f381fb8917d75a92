/**
 * The repartition driver: reads every assigned partition of the source topic
 * (read_committed) from the group's committed offsets, re-keys each record
 * into the target topic (./batch.ts), and commits each batch as one Kafka
 * transaction holding the records and the source offsets they cover
 * (src/kafka/transactional.ts). A reader of the target with read_committed
 * sees every source record once, across crashes and restarts:
 *
 *   - records are sent only inside the transaction that also commits their
 *     offsets; a crash before its commit leaves an aborted range, and the
 *     next run reads those records again from the committed offsets;
 *   - the sink is initialised before any offset is read: registering the
 *     transactional id fences the previous process and waits until its open
 *     transaction is finished, so the offsets read next are final;
 *   - a batch in flight when the assignment changes is dropped (nothing of it
 *     was sent) and the new partitions start from their committed offsets.
 *
 * The partitions' records are merged in record-timestamp order (#merge), so
 * that each target partition follows time as its sources did.
 *
 * Long-running by default (follows new records); `drain` stops at the end
 * offsets seen at the start. stop() finishes the batch, commits, returns.
 */
import type { KeyedPartitionerName } from '../kafka/partitioner.js';
import type { ProducedRecord } from '../kafka/producer.js';
import { LabeljoinError } from '../errors.js';
import { OffsetOutOfRangeError } from '../kafka/errors.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../time/clock.js';
import { RepartitionBatch, type InputRecord } from './batch.js';

export interface SourcePosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

export interface SourceBatch {
  readonly partition: number;
  /** In offset order; may start before the position asked for. */
  readonly records: readonly InputRecord[];
  readonly nextOffset: bigint;
  /** The last stable offset: the end of what may be read now. */
  readonly endOffset: bigint;
}

/** What the source is read through (src/kafka/fetcher.ts KafkaFetcher, read_committed). */
export interface SourceLog {
  fetch(positions: readonly SourcePosition[]): Promise<readonly SourceBatch[]>;
  beginningOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>>;
  endOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>>;
}

/** The consumer group on the source topic (src/kafka/group.ts GroupMember). */
export interface SourceMembership {
  join(): Promise<void>;
  assigned(): number[];
  committed(partitions: readonly number[]): Promise<Map<number, bigint | undefined>>;
}

/** Where batches go (src/kafka/transactional.ts TransactionalOutput). */
export interface RepartitionSink {
  /** Fences the previous writer with this transactional id and waits for its open transaction to end. */
  init(): Promise<void>;
  /** The records and the source offsets (next to read, per partition) in one transaction. */
  commit(records: readonly ProducedRecord[], offsets: ReadonlyMap<number, bigint>): Promise<void>;
}

export interface RepartitionOptions {
  readonly from: string;
  readonly to: string;
  readonly fromPartitions: number;
  readonly toPartitions: number;
  readonly partitioner: KeyedPartitionerName;
  readonly drain: boolean;
  readonly batchRecords: number;
  readonly batchBytes: number;
  readonly lingerMs: number;
  readonly progressEveryMs: number;
}

export interface RepartitionProgress {
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly moved: number;
  readonly transactions: number;
  /** Records of the assigned partitions not read yet (to the drain end, or to the last stable offset). */
  readonly lag: bigint;
}

export interface RepartitionSummary {
  readonly from: string;
  readonly to: string;
  readonly partitioner: KeyedPartitionerName;
  readonly partitions: { readonly from: number; readonly to: number };
  /** Records read from the source (a batch dropped by a rebalance is read, and counted, again). */
  readonly recordsIn: number;
  /** Records committed to the target. */
  readonly recordsOut: number;
  /** Records committed to another partition number than they were read from. */
  readonly moved: number;
  /** Records placed by their source partition, having no key the partitioner places. */
  readonly keyless: number;
  readonly transactions: number;
  /** Records committed per target partition. */
  readonly outByPartition: Readonly<Record<string, number>>;
  /** Records deleted by retention before they were read. */
  readonly lostToRetention: bigint;
  readonly drained: boolean;
  readonly seconds: number;
}

export interface RepartitionDeps {
  readonly source: SourceLog;
  readonly membership: SourceMembership;
  readonly sink: RepartitionSink;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly progress?: ((report: RepartitionProgress) => void) | undefined;
}

/** Consecutive failed fetches (retriable errors, 0.5 s apart) before the run gives up. */
const MAX_FETCH_FAILURES = 120;
const IDLE_SLEEP_MS = 100;
/** Attempts (0.5 s apart) to register the transactional id. */
const MAX_INIT_ATTEMPTS = 40;

export class Repartitioner {
  readonly #o: RepartitionOptions;
  readonly #d: RepartitionDeps;
  #stopping = false;
  #recordsIn = 0;
  #recordsOut = 0;
  #moved = 0;
  #keyless = 0;
  #transactions = 0;
  #lost = 0n;
  readonly #outByPartition = new Map<number, number>();
  /** Next offset to read per assigned partition. */
  #positions = new Map<number, bigint>();
  /** Last stable offset per partition, as the latest fetch said. */
  readonly #stable = new Map<number, bigint>();
  /** Records fetched and not yet in a batch, per partition, in offset order (at most one fetch's worth). */
  readonly #buffers = new Map<number, InputRecord[]>();
  /** During a merge: how many of each buffer's records are in the batch. */
  readonly #heads = new Map<number, number>();
  /** Partitions whose last fetch found nothing more to read now. */
  readonly #caughtUp = new Map<number, boolean>();
  /** The offset last committed (or started from) per partition. */
  readonly #committedAt = new Map<number, bigint>();

  constructor(options: RepartitionOptions, deps: RepartitionDeps) {
    if (options.from === options.to) throw new RangeError('the source and target topics must differ');
    this.#o = options;
    this.#d = deps;
  }

  /** Finish the batch in hand, commit it, and return from run(). */
  stop(): void {
    this.#stopping = true;
  }

  async run(): Promise<RepartitionSummary> {
    const { clock, source, membership } = this.#d;
    const o = this.#o;
    const started = clock.now();
    await this.#initSink();
    await membership.join();
    const all = Array.from({ length: o.fromPartitions }, (_, p) => p);
    const ends = o.drain ? await source.endOffsets(o.from, all) : undefined;
    let assigned: number[] = [];
    let batch = this.#newBatch();
    let openedAt: number | undefined;
    let lastProgress = clock.now();
    let failures = 0;
    let drained = false;

    for (;;) {
      const now = membership.assigned();
      if (!sameList(now, assigned)) {
        if (!batch.empty) this.#d.logger.info('assignment changed: the batch in hand is dropped and read again', { records: batch.counts.records });
        batch = this.#newBatch();
        openedAt = undefined;
        assigned = now;
        this.#buffers.clear();
        this.#caughtUp.clear();
        this.#positions = await this.#startPositions(assigned);
      }
      if (clock.now() - lastProgress >= o.progressEveryMs) {
        lastProgress = clock.now();
        this.#d.progress?.(this.#progress(ends));
      }
      if (this.#stopping) break;
      if (assigned.length === 0) {
        await clock.sleep(IDLE_SLEEP_MS);
        continue;
      }
      const atEnd = (p: number): boolean => ends !== undefined && (this.#positions.get(p) ?? 0n) >= (ends.get(p) ?? 0n);
      // Fetch the partitions whose records are all merged (the others still have some in hand).
      const toFetch = assigned.filter((p) => (this.#buffers.get(p)?.length ?? 0) === 0 && !atEnd(p));
      if (toFetch.length === 0 && assigned.every((p) => (this.#buffers.get(p)?.length ?? 0) === 0)) {
        drained = true;
        break;
      }

      // Partitions caught up are not asked again while others still have records in hand (the broker would
      // hold the request for its wait time); the merge does not wait for them.
      const inHand = assigned.some((p) => (this.#buffers.get(p)?.length ?? 0) > 0);
      if (toFetch.length > 0 && (!inHand || toFetch.some((p) => this.#caughtUp.get(p) !== true))) {
        let fetched: readonly SourceBatch[];
        try {
          fetched = await source.fetch(toFetch.map((partition) => ({ topic: o.from, partition, offset: this.#positions.get(partition) ?? 0n })));
          failures = 0;
        } catch (error) {
          if (error instanceof OffsetOutOfRangeError) {
            await this.#skipToLogStart(error.positions.filter((p) => p.topic === o.from).map((p) => p.partition));
            continue;
          }
          if (isRetriable(error) && ++failures < MAX_FETCH_FAILURES) {
            this.#d.logger.warn('fetch failed; trying again', { error, failures });
            await clock.sleep(500);
            continue;
          }
          throw error;
        }
        for (const part of fetched) this.#take(part, ends?.get(part.partition));
      }

      const merged = this.#merge(assigned, batch, atEnd);
      this.#recordsIn += merged;
      // Past records that were not for us (transaction markers, aborted records): a partition with none in hand commits its position.
      for (const p of assigned) if ((this.#buffers.get(p)?.length ?? 0) === 0 && this.#positions.has(p)) batch.advance(p, this.#positions.get(p)!);
      if (openedAt === undefined && batch.counts.records > 0) openedAt = clock.now();
      const lingered = openedAt !== undefined && clock.now() - openedAt >= o.lingerMs;
      if (!batch.empty && (batch.full || merged === 0 || lingered) && this.#hasNews(batch)) {
        await this.#commit(batch);
        batch = this.#newBatch();
        openedAt = undefined;
      }
    }
    await this.#commit(batch);
    this.#d.progress?.(this.#progress(ends));
    return {
      from: o.from,
      to: o.to,
      partitioner: o.partitioner,
      partitions: { from: o.fromPartitions, to: o.toPartitions },
      recordsIn: this.#recordsIn,
      recordsOut: this.#recordsOut,
      moved: this.#moved,
      keyless: this.#keyless,
      transactions: this.#transactions,
      outByPartition: Object.fromEntries([...this.#outByPartition].sort((a, b) => a[0] - b[0]).map(([p, n]) => [String(p), n])),
      lostToRetention: this.#lost,
      drained,
      seconds: (clock.now() - started) / 1000,
    };
  }

  /** The sink's init, tried again while it fails retriably (the transaction of the process before may take a moment to end). */
  async #initSink(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#d.sink.init();
        return;
      } catch (error) {
        if (!isRetriable(error) || attempt >= MAX_INIT_ATTEMPTS) throw error;
        this.#d.logger.warn('registering the transactional id failed; trying again', { error, attempt });
        await this.#d.clock.sleep(500);
      }
    }
  }

  /** The records of a fetch that are for us (from the position, before the drain end) into the partition's buffer. */
  #take(part: SourceBatch, end: bigint | undefined): void {
    const position = this.#positions.get(part.partition);
    if (position === undefined) return;
    this.#stable.set(part.partition, part.endOffset);
    const buffer = this.#buffers.get(part.partition) ?? [];
    for (const record of part.records) {
      if (record.offset < position) continue;
      if (end !== undefined && record.offset >= end) break;
      buffer.push(record);
    }
    this.#buffers.set(part.partition, buffer);
    const last = buffer.at(-1);
    let next = last === undefined ? position : last.offset + 1n;
    const reached = end === undefined || part.nextOffset < end ? part.nextOffset : end;
    if (reached > next) next = reached;
    this.#positions.set(part.partition, next);
    this.#caughtUp.set(part.partition, buffer.length === 0 && next >= (end ?? part.endOffset));
  }

  /**
   * Moves records from the buffers into the batch in record-timestamp order
   * across partitions (each partition in offset order), as Kafka Streams picks
   * a task's next record: the re-keyed partitions then follow time as the
   * sources did, as far as record timestamps follow event time. A partition
   * with none in hand that may have more holds the merge (its next record may
   * be older) until it is fetched; one caught up, or at the drain end, does
   * not. Stops when the batch is full. Returns the records moved.
   */
  #merge(assigned: readonly number[], batch: RepartitionBatch, atEnd: (p: number) => boolean): number {
    let moved = 0;
    while (!batch.full) {
      let pick: number | undefined;
      let pickTs = 0n;
      for (const p of assigned) {
        const head = this.#buffers.get(p)?.[this.#heads.get(p) ?? 0];
        if (head === undefined) {
          if (!atEnd(p) && this.#caughtUp.get(p) !== true) return this.#compact(moved);
          continue;
        }
        if (pick === undefined || head.timestamp < pickTs) {
          pick = p;
          pickTs = head.timestamp;
        }
      }
      if (pick === undefined) break;
      const i = this.#heads.get(pick) ?? 0;
      batch.add(this.#buffers.get(pick)![i]!);
      this.#heads.set(pick, i + 1);
      moved++;
    }
    return this.#compact(moved);
  }

  /** Drops the merged records from the buffers. */
  #compact(moved: number): number {
    for (const [p, i] of this.#heads) {
      const buffer = this.#buffers.get(p);
      if (buffer !== undefined && i > 0) this.#buffers.set(p, buffer.slice(i));
    }
    this.#heads.clear();
    return moved;
  }

  /** A batch worth a transaction: records, or offsets beyond those last committed. */
  #hasNews(batch: RepartitionBatch): boolean {
    if (batch.counts.records > 0) return true;
    for (const [p, o] of batch.offsets) if (this.#committedAt.get(p) !== o) return true;
    return false;
  }

  #newBatch(): RepartitionBatch {
    const o = this.#o;
    return new RepartitionBatch({ to: o.to, toPartitions: o.toPartitions, partitioner: o.partitioner, limits: { maxRecords: o.batchRecords, maxBytes: o.batchBytes } });
  }

  async #commit(batch: RepartitionBatch): Promise<void> {
    if (batch.empty || !this.#hasNews(batch)) return;
    await this.#d.sink.commit(batch.records, batch.offsets);
    const c = batch.counts;
    this.#recordsOut += c.records;
    this.#moved += c.moved;
    this.#keyless += c.keyless;
    this.#transactions++;
    for (const [p, n] of batch.perTarget) this.#outByPartition.set(p, (this.#outByPartition.get(p) ?? 0) + n);
    for (const [p, o] of batch.offsets) this.#committedAt.set(p, o);
  }

  /** Committed offsets of the group, or the log start where none is committed (or retention deleted past it). */
  async #startPositions(partitions: readonly number[]): Promise<Map<number, bigint>> {
    const positions = new Map<number, bigint>();
    if (partitions.length === 0) return positions;
    const committed = await this.#d.membership.committed(partitions);
    const starts = await this.#d.source.beginningOffsets(this.#o.from, partitions);
    for (const p of partitions) {
      const start = starts.get(p) ?? 0n;
      const from = committed.get(p);
      if (from !== undefined && from < start) this.#lose(p, from, start);
      positions.set(p, from === undefined || from < start ? start : from);
      this.#committedAt.set(p, from ?? -1n);
    }
    this.#d.logger.info('reading from', { topic: this.#o.from, positions: Object.fromEntries([...positions].map(([p, o]) => [String(p), o.toString()])) });
    return positions;
  }

  async #skipToLogStart(partitions: readonly number[]): Promise<void> {
    const starts = await this.#d.source.beginningOffsets(this.#o.from, partitions);
    for (const p of partitions) {
      const at = this.#positions.get(p);
      const start = starts.get(p) ?? 0n;
      if (at === undefined) continue;
      if (at < start) this.#lose(p, at, start);
      this.#positions.set(p, at < start ? start : at);
    }
  }

  #lose(partition: number, from: bigint, logStart: bigint): void {
    this.#lost += logStart - from;
    this.#d.logger.warn('records deleted before they were read (retention); going on from the log start', { topic: this.#o.from, partition, from: from.toString(), logStart: logStart.toString(), lost: (logStart - from).toString() });
  }

  #progress(ends: ReadonlyMap<number, bigint> | undefined): RepartitionProgress {
    let lag = 0n;
    for (const [p, at] of this.#positions) {
      const end = ends?.get(p) ?? this.#stable.get(p) ?? at;
      if (end > at) lag += end - at;
    }
    return { recordsIn: this.#recordsIn, recordsOut: this.#recordsOut, moved: this.#moved, transactions: this.#transactions, lag };
  }
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function isRetriable(error: unknown): boolean {
  return error instanceof LabeljoinError && error.retriable;
}
