/**
 * The trainer: labelled samples → online FFM updates in the model store, one
 * owner per user, each sample applied once.
 *
 * Ownership is static: instance N of M reads the samples partitions p with
 * p mod M = N, by explicit assignment (no consumer group, so no rebalance can
 * move a partition while it is being trained). Samples are keyed by user_id,
 * so every user lives in one partition and is updated by one instance, in
 * order. Post and context rows are shared; the store merges concurrent updates
 * of them (src/store/model-store.ts).
 *
 * One step, per partition, for a batch of at most `batchSize` samples:
 *   1. read the batch's rows (missing rows start from Ffm.initialRow) and
 *      what the de-dup memory says about its view ids;
 *   2. per sample, in offset order: skip it if a version >= its version was
 *      applied (duplicate, or an older version arriving late); else score it
 *      with every signal's model (progressive validation: before learning),
 *      then take one AdaGrad step per signal;
 *   3. send dead letters (undecodable records) and wait for the broker;
 *   4. commit rows, de-dup entries (forgetting those older than the TTL) and
 *      the partition's next offset in one store transaction.
 * The commit of step 4 runs while the next batch does steps 1–3 (the loop
 * yields to the event loop every YIELD_EVERY samples so the store's I/O goes
 * on): that batch takes the rows and de-dup entries the commit under way
 * writes from it, not from the store (which may or may not hold them yet), so
 * it computes what it would after the commit. One commit at a time, in batch
 * order: a batch's commit starts when the one before it has ended, right after
 * the next batch of the same fetch sent its reads (so Redis, which answers in
 * order, does not make them wait for the commit).
 * A crash before 4 ends redoes the batch from the stored offset; after, nothing
 * is redone. A correction (version > 0 of an applied view) takes a step with
 * the corrected labels; the step of the earlier version is not undone.
 * Each step's gradient is the sample's loss gradient times its weight (1, or
 * 1/F for a kept negative under negative downsampling; ./ffm.ts).
 */
import type { EventCodec } from '../codec/codec.js';
import type { DeclaredSampleReader } from '../codec/declared/declared-samples.js';
import { deadLetterCopy, decodeOrBad } from '../codec/dead-letter.js';
import { BadRecordError, type RecordOrigin } from '../codec/errors.js';
import type { ConfigSection } from '../config/config.js';
import type { SampleRecord } from '../codec/events.js';
import type { ConsumedRecord, FetchedPartition, KafkaFetcher } from '../kafka/fetcher.js';
import type { ProducedRecord } from '../kafka/producer.js';
import type { Logger } from '../log/logger.js';
import type { ModelStore, RowWrite, SeenEntry, SeenWrite } from '../store/model-store.js';
import type { Clock } from '../time/clock.js';
import { retryWhileUnavailable } from '../time/retry.js';
import { ProgressiveValidation, type WindowReport } from './evaluation.js';
import { RowArena } from '../store/model-store.js';
import type { Ffm, ImpressionRows } from './ffm.js';

/**
 * The trainer's settings (train.freezeAfter: score a copy of the model frozen after this many applied samples, 0
 * for none; join.reconnectTimeoutMs: how long Kafka or the store may fail in a row before the trainer gives up).
 */
export interface TrainerOptions
  extends Pick<ConfigSection<'train'>, 'signals' | 'batchSize' | 'dedupTtlMs' | 'evalWindow' | 'freezeAfter' | 'progressEveryMs'>,
    Pick<ConfigSection<'join'>, 'reconnectTimeoutMs'> {
  readonly samplesTopic: string;
  readonly deadLetterTopic: string;
  /** The samples partitions this instance owns. */
  readonly partitions: readonly number[];
  /** Stop when every owned partition has been read to where it ended at start. */
  readonly drain: boolean;
}

export interface TrainerDeps {
  /** What the trainer uses of the fetcher (a stand-in in unit tests). */
  readonly fetcher: Pick<KafkaFetcher, 'fetch' | 'beginningOffsets' | 'endOffsets'>;
  readonly codec: EventCodec;
  /** Samples of declared views (src/codec/declared/); undefined: labeljoin's own sample schema. */
  readonly declared?: DeclaredSampleReader | undefined;
  readonly store: ModelStore;
  readonly model: Ffm;
  readonly sendDeadLetters: (records: readonly ProducedRecord[]) => Promise<void>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly progress: (line: string) => void;
  /** Called after each batch's store commit (for metrics). */
  readonly observer?: { batchCommitted(durationMs: number): void };
}

export interface TrainCounters {
  samplesIn: number;
  applied: number;
  /** The same (view, version) again: at-least-once repeats. */
  duplicates: number;
  /** An older version after a newer one was applied. */
  stale: number;
  /** Versions > 0 of views applied before (label corrections). */
  corrections: number;
  deadLettered: number;
  /** Model steps (applied samples × signals). */
  updates: number;
  storeCommits: number;
  storeMsTotal: number;
  storeMsMax: number;
}

export interface TrainSummary {
  readonly counters: TrainCounters;
  readonly elapsedMs: number;
  readonly partitions: readonly number[];
  readonly windows: readonly WindowReport[];
  /** Views remembered by the de-dup memory at exit, per partition. */
  readonly dedupEntries: Record<number, number>;
}

const BIAS = 'bias';
/** Samples computed between two turns of the event loop while a commit is under way. */
const YIELD_EVERY = 64;

/** What a batch's commit writes: what the store holds once it landed, for the batch computed meanwhile. */
interface Overlay {
  readonly partition: number;
  /** The rows it writes (after), by key. */
  readonly rows: ReadonlyMap<string, Float32Array>;
  readonly seen: readonly SeenWrite[];
  /** Its partition's seen entries with a view time before this are forgotten by it. */
  readonly forgetBefore: number | undefined;
}

/** A batch being committed. */
interface InFlight extends Overlay {
  /** Resolves when the commit ended: undefined, or why it failed. */
  readonly committed: Promise<{ error: unknown } | undefined>;
}

/** A batch decoded, its rows numbered (keys[0] is the bias row; three per sample in sampleRows) and its reads sent. */
interface Prepared {
  readonly partition: number;
  readonly samples: readonly SampleRecord[];
  readonly deadLetters: readonly ProducedRecord[];
  readonly keys: readonly string[];
  readonly sampleRows: Int32Array;
  readonly overlay: Overlay | undefined;
  readonly reads: Promise<{ stored: Map<string, Float32Array>; seen: Map<string, SeenEntry>; readMs: number }>;
}

/**
 * The applied version per view id (hex) as the store holds it once the commit under way has landed, whether the
 * read ran before or after it: its seen entries added, then its forgetting applied (the commit's own order).
 */
function appliedVersions(partition: number, seen: ReadonlyMap<string, SeenEntry>, flight: Overlay | undefined): Map<string, number> {
  const out = new Map<string, number>();
  const mine = flight !== undefined && flight.partition === partition;
  const forget = mine ? flight.forgetBefore : undefined;
  for (const [id, e] of seen) if (forget === undefined || !(e.ts < forget)) out.set(id, e.version);
  if (mine) {
    for (const w of flight.seen) {
      const id = w.viewId.toString('hex');
      if (forget !== undefined && w.ts < forget) out.delete(id);
      else out.set(id, w.version);
    }
  }
  return out;
}

export class Trainer {
  readonly counters: TrainCounters = {
    samplesIn: 0,
    applied: 0,
    duplicates: 0,
    stale: 0,
    corrections: 0,
    deadLettered: 0,
    updates: 0,
    storeCommits: 0,
    storeMsTotal: 0,
    storeMsMax: 0,
  };
  readonly validation: ProgressiveValidation;
  /** Per owned partition: the next offset to read and the end offset seen by the last fetch (for metrics). */
  readonly positions = new Map<number, { position: bigint; end: bigint }>();
  readonly #o: TrainerOptions;
  readonly #d: TrainerDeps;
  readonly #decodeSample: (value: Buffer | null, origin: RecordOrigin) => SampleRecord;
  /** Rows as they were when the model was frozen (copy on first write after freezing). */
  #frozen: Map<string, Float32Array> | undefined;
  readonly #newestTs = new Map<number, number>();
  #lastTurnAt: number | undefined;
  #positioned = false;
  /** The batch whose commit is under way (at most one). */
  #inFlight: InFlight | undefined;

  constructor(options: TrainerOptions, deps: TrainerDeps) {
    this.#o = options;
    this.#d = deps;
    const declared = deps.declared;
    this.#decodeSample = declared === undefined ? (value, origin) => deps.codec.decodeSample(value, origin) : (value, origin) => declared.decode(value, origin);
    this.validation = new ProgressiveValidation(options.signals, options.evalWindow);
  }

  /** Wall-clock time the loop last turned (for /healthz). */
  lastTurnAt(): number | undefined {
    return this.#lastTurnAt;
  }

  /** Why the trainer is not doing its work yet (for /readyz); undefined when it is. */
  notReady(): string | undefined {
    return this.#positioned ? undefined : `reading the committed offsets of partitions ${this.#o.partitions.join(',')}`;
  }

  async run(signal: AbortSignal): Promise<TrainSummary> {
    const started = this.#d.clock.now();
    this.#lastTurnAt = started;
    const parts = this.#o.partitions;
    const f = this.#d.fetcher;
    const topic = this.#o.samplesTopic;
    const stored = await this.#retrying('read offsets', 'the model store', () => this.#d.store.readOffsets(parts));
    const starts = await this.#retrying('beginning offsets', 'Kafka', () => f.beginningOffsets(topic, parts));
    const positions = new Map(parts.map((p) => [p, stored.get(p) ?? starts.get(p) ?? 0n]));
    const ends = this.#o.drain ? await this.#retrying('end offsets', 'Kafka', () => f.endOffsets(topic, parts)) : undefined;
    this.#d.log.info('trainer starts', { topic, partitions: parts, from: Object.fromEntries([...positions].map(([p, o]) => [p, o.toString()])) });
    this.#positioned = true;
    try {
      await this.#loop(signal, started, positions, ends);
    } catch (error) {
      // Let the commit under way end before giving up (the store closes after this).
      await this.#inFlight?.committed;
      this.#inFlight = undefined;
      throw error;
    }
    await this.#settle();
    this.validation.close();
    const dedupEntries: Record<number, number> = {};
    for (const p of parts) dedupEntries[p] = await this.#retrying('count de-dup memory', 'the model store', () => this.#d.store.seenCount(p));
    return { counters: this.counters, elapsedMs: this.#d.clock.now() - started, partitions: parts, windows: this.validation.windows, dedupEntries };
  }

  async #loop(signal: AbortSignal, started: number, positions: Map<number, bigint>, ends: Map<number, bigint> | undefined): Promise<void> {
    const parts = this.#o.partitions;
    const f = this.#d.fetcher;
    const topic = this.#o.samplesTopic;
    let lastProgress = started;
    while (!signal.aborted) {
      this.#lastTurnAt = this.#d.clock.now();
      const active = parts.filter((p) => ends === undefined || positions.get(p)! < (ends.get(p) ?? 0n));
      if (active.length === 0) break;
      const fetched = await this.#retrying('fetch samples', 'Kafka', () => f.fetch(active.map((p) => ({ topic, partition: p, offset: positions.get(p)! }))));
      // This fetch's batches, at most batchSize each; a partition's last one commits the fetch's next offset (past
      // markers and aborted records too).
      const batches: Array<{ part: FetchedPartition; records: ConsumedRecord[]; next: bigint; last: boolean }> = [];
      for (const part of fetched) {
        this.positions.set(part.partition, { position: positions.get(part.partition)!, end: part.endOffset });
        if (part.nextOffset <= positions.get(part.partition)!) continue; // nothing new
        for (let i = 0; i === 0 || i < part.records.length; i += this.#o.batchSize) {
          const records = part.records.slice(i, i + this.#o.batchSize);
          const last = i + this.#o.batchSize >= part.records.length;
          batches.push({ part, records, next: last ? part.nextOffset : records[records.length - 1]!.offset + 1n, last });
        }
      }
      // Each batch's reads are sent before the commit of the batch before it (Redis answers them in that order).
      let prepared: Prepared | Promise<Prepared> | undefined = batches.length === 0 ? undefined : this.#prepare(batches[0]!.part.partition, batches[0]!.records, this.#inFlight);
      for (let b = 0; b < batches.length; b++) {
        const { part, next, last } = batches[b]!;
        const following = batches[b + 1];
        prepared = await this.#step(await prepared!, next, following === undefined ? undefined : (overlay) => this.#prepare(following.part.partition, following.records, overlay));
        const now = this.#d.clock.now();
        if (now - lastProgress >= this.#o.progressEveryMs) {
          lastProgress = now;
          this.#d.progress(this.progressLine(now - started));
        }
        if (last) {
          positions.set(part.partition, part.nextOffset);
          this.positions.set(part.partition, { position: part.nextOffset, end: part.endOffset });
        }
      }
    }
  }

  progressLine(elapsedMs: number): string {
    const c = this.counters;
    const last = this.validation.windows[this.validation.windows.length - 1];
    const auc = last === undefined ? '' : `, AUC (window ${last.window}) ${Object.entries(last.signals).map(([s, v]) => `${s} ${v.auc.toFixed(3)}`).join(' ')}`;
    const rate = Math.round(c.samplesIn / Math.max(elapsedMs / 1000, 0.001));
    const storeMs = c.storeCommits === 0 ? 0 : c.storeMsTotal / c.storeCommits;
    return `train: samples ${c.samplesIn} in (${rate}/s), applied ${c.applied}, duplicates ${c.duplicates}, stale ${c.stale}, corrections ${c.corrections}, updates ${c.updates}, store ${storeMs.toFixed(1)} ms/batch (max ${c.storeMsMax.toFixed(0)})${auc}`;
  }

  /**
   * A batch's samples decoded, its rows numbered and its reads sent, given the batch whose commit will be under way
   * while it is computed (`overlay`): its rows and de-dup entries come from that batch, not from the store.
   */
  async #prepare(partition: number, records: readonly ConsumedRecord[], overlay: Overlay | undefined): Promise<Prepared> {
    const samples: SampleRecord[] = [];
    const deadLetters: ProducedRecord[] = [];
    if (this.#d.declared !== undefined) {
      const declared = this.#d.declared;
      await this.#retrying('look up sample schemas', 'the schema registry', () => declared.prepare(records.map((r) => r.value)));
    }
    for (const r of records) {
      const sample = decodeOrBad(r, this.#decodeSample);
      if (!(sample instanceof BadRecordError)) {
        samples.push(sample);
        continue;
      }
      deadLetters.push(deadLetterCopy(this.#o.deadLetterTopic, { record: r, error: sample }));
      this.counters.deadLettered++;
      this.#d.log.warn('bad sample dead-lettered', { code: sample.code, reason: sample.reason, field: sample.field, topic: r.topic, partition: r.partition, offset: r.offset });
    }
    this.counters.samplesIn += samples.length;
    // The batch's rows, numbered in first-use order (0: the bias row), and each sample's three row numbers.
    const index = new Map<string, number>([[BIAS, 0]]);
    const keys: string[] = [BIAS];
    const sampleRows = new Int32Array(3 * samples.length);
    for (let i = 0; i < samples.length; i++) {
      const fk = featureKeys(samples[i]!);
      for (let j = 0; j < 3; j++) {
        const key = fk[j]!;
        let x = index.get(key);
        if (x === undefined) {
          x = keys.length;
          index.set(key, x);
          keys.push(key);
        }
        sampleRows[3 * i + j] = x;
      }
    }
    // Rows the overlay writes are taken from it; the others are read.
    const toRead = overlay === undefined ? keys : keys.filter((key) => !overlay.rows.has(key));
    const t0 = this.#d.clock.now();
    const store = this.#d.store;
    const viewIds = samples.map((s) => s.view_event_id);
    // Both reads in one go (Redis: one round trip), whether the overlay's commit has landed yet or not.
    const reads = Promise.all([
      this.#retrying('read rows', 'the model store', () => store.readRows(toRead)),
      this.#retrying('read de-dup memory', 'the model store', () => store.readSeen(partition, viewIds)),
    ]).then(([stored, seen]) => ({ stored, seen, readMs: this.#d.clock.now() - t0 }));
    reads.catch(() => undefined); // awaited by #step; this only keeps a failure from counting as unhandled meanwhile
    return { partition, samples, deadLetters, keys, sampleRows, overlay, reads };
  }

  /**
   * Computes a prepared batch, then starts its commit once the one before has ended; `prepareNext` prepares the
   * next batch (this one as its overlay) just before that commit is sent. Answers the next batch's preparation.
   */
  async #step(prep: Prepared, next: bigint, prepareNext: ((overlay: Overlay) => Promise<Prepared>) | undefined): Promise<Prepared | undefined> {
    const { partition, samples, deadLetters, keys, sampleRows, overlay: flight } = prep;
    const model = this.#d.model;
    const store = this.#d.store;
    const { stored, seen, readMs } = await prep.reads;
    const before: Float32Array[] = [];
    const live: Float32Array[] = [];
    const arena = new RowArena();
    for (let x = 0; x < keys.length; x++) {
      const key = keys[x]!;
      const row = flight?.rows.get(key) ?? stored.get(key) ?? model.initialRow(key, x === 0, arena.take(x === 0 ? model.biasLength : model.rowLength));
      before.push(row);
      const copy = arena.take(row.length);
      copy.set(row);
      live.push(copy);
    }
    const applied = appliedVersions(partition, seen, flight);
    const touched = new Uint8Array(keys.length);
    const seenWrites: SeenWrite[] = [];
    const signals = this.#o.signals;
    const bias = live[0]!;
    const labels = new Float64Array(signals.length);
    const scores = new Float64Array(signals.length);
    let sinceTurn = 0;
    for (let i = 0; i < samples.length; i++) {
      // Let the commit under way do its I/O (LMDB's write thread calls back, Redis's socket drains) meanwhile.
      if (++sinceTurn >= YIELD_EVERY && this.#inFlight !== undefined) {
        sinceTurn = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const s = samples[i]!;
      const id = s.view_event_id.toString('hex');
      const done = applied.get(id);
      if (done !== undefined && s.version <= done) {
        if (s.version === done) this.counters.duplicates++;
        else this.counters.stale++;
        continue;
      }
      const ux = sampleRows[3 * i]!;
      const px = sampleRows[3 * i + 1]!;
      const cx = sampleRows[3 * i + 2]!;
      for (let j = 0; j < signals.length; j++) labels[j] = s.labels[signals[j]!] === 1 ? 1 : 0;
      if (this.#frozen !== undefined) {
        const impression = [0, ux, px, cx] as const;
        // The frozen copy scores before the live model learns (it shares the rows not written since freezing).
        const frozen = done === undefined ? this.#frozenScores(impression.map((x) => keys[x]!), impression.map((x) => live[x]!)) : undefined;
        for (const x of impression) if (!this.#frozen.has(keys[x]!)) this.#frozen.set(keys[x]!, live[x]!.slice());
        model.scoreAndStep(bias, live[ux]!, live[px]!, live[cx]!, labels, scores, s.weight);
        if (frozen !== undefined) this.validation.record(s.view_ts, scores, frozen, labels, s.weight);
      } else {
        model.scoreAndStep(bias, live[ux]!, live[px]!, live[cx]!, labels, scores, s.weight);
        if (done === undefined) this.validation.record(s.view_ts, scores, undefined, labels, s.weight);
      }
      if (done !== undefined) this.counters.corrections++;
      this.counters.updates += signals.length;
      touched[0] = touched[ux] = touched[px] = touched[cx] = 1;
      applied.set(id, s.version);
      seenWrites.push({ partition, viewId: s.view_event_id, version: s.version, ts: s.view_ts });
      if (s.view_ts > (this.#newestTs.get(partition) ?? Number.NEGATIVE_INFINITY)) this.#newestTs.set(partition, s.view_ts);
      this.counters.applied++;
      if (this.#frozen === undefined && this.#o.freezeAfter > 0 && this.counters.applied >= this.#o.freezeAfter) {
        this.#frozen = new Map();
        this.#d.log.info('model frozen for comparison', { afterSamples: this.counters.applied });
      }
    }
    if (deadLetters.length > 0) await this.#retrying('send dead letters', 'Kafka', () => this.#d.sendDeadLetters(deadLetters));
    const writes: RowWrite[] = [];
    for (let x = 0; x < keys.length; x++) if (touched[x] === 1) writes.push({ key: keys[x]!, before: before[x]!, after: live[x]! });
    const newest = this.#newestTs.get(partition);
    const forget = newest === undefined ? undefined : newest - this.#o.dedupTtlMs;
    const forgetBefore = new Map(forget === undefined ? [] : [[partition, forget] as const]);
    // One commit at a time, in batch order: the next batch is computed while this one is written.
    await this.#settle();
    const written = new Map<string, Float32Array>();
    for (const w of writes) written.set(w.key, w.after);
    const overlay: Overlay = { partition, rows: written, seen: seenWrites, forgetBefore: forget };
    const following = prepareNext?.(overlay);
    following?.catch(() => undefined); // awaited by the loop; this only keeps a failure from counting as unhandled meanwhile
    const t1 = this.#d.clock.now();
    const committed = this.#retrying('commit', 'the model store', () => store.commit({ rows: writes, seen: seenWrites, forgetBefore, offsets: new Map([[partition, next]]) })).then(
      () => {
        const storeMs = readMs + (this.#d.clock.now() - t1);
        this.#d.observer?.batchCommitted(storeMs);
        this.counters.storeCommits++;
        this.counters.storeMsTotal += storeMs;
        if (storeMs > this.counters.storeMsMax) this.counters.storeMsMax = storeMs;
        return undefined;
      },
      (error: unknown) => ({ error }),
    );
    this.#inFlight = { ...overlay, committed };
    return following;
  }

  /** Waits for the commit under way, if any; throws what made it fail. */
  async #settle(): Promise<void> {
    const flight = this.#inFlight;
    if (flight === undefined) return;
    const outcome = await flight.committed;
    this.#inFlight = undefined;
    if (outcome !== undefined) throw outcome.error;
  }

  /** Every signal's score by the frozen model: the rows as they were when it froze, or the live ones not written since. */
  #frozenScores(keys: readonly string[], live: readonly Float32Array[]): number[] {
    const row = (i: number): Float32Array => this.#frozen?.get(keys[i]!) ?? live[i]!;
    const frozen: ImpressionRows = { bias: row(0), features: [row(1), row(2), row(3)] };
    return this.#o.signals.map((_, i) => this.#d.model.predict(i, frozen));
  }

  /** Runs op through an outage of Kafka or the store, up to reconnectTimeoutMs of failures in a row (src/time/retry.ts). */
  #retrying<T>(what: string, service: 'Kafka' | 'the model store' | 'the schema registry', op: () => Promise<T>): Promise<T> {
    const onAttempt = (): void => {
      this.#lastTurnAt = this.#d.clock.now();
    };
    return retryWhileUnavailable(op, { what, service, timeoutMs: this.#o.reconnectTimeoutMs, clock: this.#d.clock, log: this.#d.log, onAttempt });
  }
}

/** Row keys of a sample's three features, in field order (user, post, ctx); a declared sample's ctx is its declared context fields. */
export function featureKeys(s: SampleRecord): readonly [string, string, string] {
  const c = s.context;
  return [`u:${s.user_id}`, `p:${s.post_id}`, c === null ? `c:${s.contextKey ?? ''}` : `c:${c.surface}|${Math.min(c.position, 20)}`];
}
