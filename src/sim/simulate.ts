/**
 * Runs a workload against Kafka: encodes each send, produces it to the views
 * or engagements topic (key = user id, partition = Java murmur2 of the key,
 * record timestamp = event time), and writes the ground truth to a file.
 * With several engagement topics, an engagement goes to the one of its type's
 * index in the label types, modulo their count (one topic per signal when there
 * are as many topics as types). A topic that gets views and engagements both (one
 * consolidated topic) gets the kind header on every record (../codec/record-kind.ts).
 * Wall-clock time (for --rate pacing and progress) comes from the injected clock.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { EventCodec } from '../codec/codec.js';
import { userKey } from '../codec/events.js';
import { kindHeader } from '../codec/record-kind.js';
import type { ConfigSection } from '../config/config.js';
import type { ProducedRecord } from '../kafka/producer.js';
import type { Clock } from '../time/clock.js';
import type { SimEncoder } from './foreign-shape.js';
import type { TruthRow } from './truth.js';
import { Workload, type WorkloadOptions, type WorkloadStats } from './workload.js';

export interface RecordSink {
  send(records: readonly ProducedRecord[]): Promise<unknown>;
}

/**
 * sim.format is the encoding of the events sent; sim.rate the sends per wall-clock second ('live' = each send at its
 * arrival time on the wall clock; undefined = as fast as possible).
 */
export interface SimulateOptions extends Pick<ConfigSection<'sim'>, 'format' | 'rate'> {
  readonly workload: WorkloadOptions;
  readonly viewsTopic: string;
  readonly engagementTopics: readonly string[];
  /** The header that tells the kind of a record in a topic of views and engagements both. */
  readonly kindHeader: string;
  /** Truth file (NDJSON); undefined = no truth file. */
  readonly truthFile: string | undefined;
  readonly progressEveryMs?: number;
  /** Aborting ends the run early: no new views; what is in flight is still sent and the truth is finished. */
  readonly signal?: AbortSignal;
  /** Another event shape (./foreign-shape.ts); default: labeljoin's own schemas in sim.format. The workload's userKey must be its userKey. */
  readonly encoder?: SimEncoder;
}

export interface SimProgress {
  readonly sent: number;
  readonly views: number;
  readonly engagements: number;
  readonly elapsedMs: number;
  readonly perSecond: number;
}

export interface SimSummary extends WorkloadStats {
  readonly sent: number;
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly truthRows: number;
  readonly firstTs: number | undefined;
  readonly lastTs: number | undefined;
  /** Live: the most a batch left after its first record's arrival time (the simulator falling behind the wall clock); 0 otherwise. */
  readonly maxSendLagMs: number;
}

const BATCH = 4_000;
/**
 * When stopped, sends still in flight go at once; an engagement whose event
 * time is further ahead than this is dropped instead (brokers refuse records
 * more than log.message.timestamp.after.max.ms, 1 h by default, in the
 * future). It is later than any view's window, so no label changes.
 */
const STOP_FUTURE_LIMIT_MS = 55 * 60_000;

export async function simulate(options: SimulateOptions, sink: RecordSink, clock: Clock, onProgress: (p: SimProgress) => void = () => undefined): Promise<SimSummary> {
  const codec = new EventCodec({ labelTypes: options.workload.labelTypes });
  const types = options.workload.labelTypes;
  const engagementTopics = options.engagementTopics;
  const shared = engagementTopics.includes(options.viewsTopic);
  const viewHeaders = shared ? [kindHeader(options.kindHeader, 'view')] : undefined;
  const engagementHeaders = shared ? [kindHeader(options.kindHeader, 'engagement')] : undefined;
  const topicOf = (type: string): string => engagementTopics[Math.max(0, types.indexOf(type)) % engagementTopics.length]!;
  const encoder = options.encoder;
  const keyOf = encoder?.userKey ?? userKey;
  const truth = options.truthFile === undefined ? undefined : new TruthWriter(options.truthFile);
  let truthRows = 0;
  let firstTs: number | undefined;
  let lastTs: number | undefined;
  const workload = new Workload(options.workload, (row) => {
    truthRows++;
    // Rows come about in view-time order, but a view waiting for a late arrival is written later.
    if (firstTs === undefined || row.ts < firstTs) firstTs = row.ts;
    if (lastTs === undefined || row.ts > lastTs) lastTs = row.ts;
    truth?.write(encoder === undefined ? row : { ...row, ...encoder.joinKeys(row.user_id, row.post_id) });
  });

  const started = clock.now();
  const every = options.progressEveryMs ?? 2_000;
  let lastReport = started;
  let sent = 0;
  let bytes = 0;
  let batch: ProducedRecord[] = [];
  let batchArrival = 0;
  let maxSendLagMs = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    // Stopping (aborted): what is in flight leaves at once, late arrivals included.
    if (options.rate === 'live' && options.signal?.aborted !== true) {
      if (batchArrival > clock.now()) await clock.sleep(batchArrival - clock.now());
      else maxSendLagMs = Math.max(maxSendLagMs, clock.now() - batchArrival);
    }
    await sink.send(records);
    sent += records.length;
    const now = clock.now();
    if (typeof options.rate === 'number') {
      const due = started + (sent / options.rate) * 1000;
      if (due > now) await clock.sleep(due - now);
    }
    if (clock.now() - lastReport >= every) {
      lastReport = clock.now();
      const elapsedMs = lastReport - started;
      onProgress({ sent, views: workload.stats.views, engagements: workload.stats.engagements, elapsedMs, perSecond: (sent / Math.max(1, elapsedMs)) * 1000 });
    }
  };

  // With a rate, send small batches so pacing is smooth; without, large ones for throughput. Live: a batch
  // spans at most 100 ms of arrivals, so it is as large as the rate needs (one produce round trip per batch).
  const batchSize = options.rate === undefined || options.rate === 'live' ? BATCH : Math.max(1, Math.min(BATCH, Math.round(options.rate / 20)));
  try {
    options.signal?.addEventListener('abort', () => workload.stop(), { once: true });
    for (const send of workload.sends()) {
      if (options.signal?.aborted === true && send.event.ts > clock.now() + STOP_FUTURE_LIMIT_MS) continue;
      const value = encoder !== undefined
        ? send.kind === 'view' ? encoder.view(send.event) : encoder.engagement(send.event)
        : send.kind === 'view' ? codec.encodeView(send.event, options.format) : codec.encodeEngagement(send.event, options.format);
      bytes += value.length;
      const headers = send.kind === 'view' ? viewHeaders : engagementHeaders;
      batch.push({
        topic: send.kind === 'view' ? options.viewsTopic : topicOf(send.event.type),
        partition: send.partition,
        key: keyOf(send.event.user_id),
        value,
        timestamp: BigInt(send.event.ts),
        ...(headers === undefined ? {} : { headers }),
      });
      // Live: a batch leaves when the wall clock reaches its first record's arrival, and spans at most 100 ms.
      if (batch.length === 1) batchArrival = send.arrival;
      if (batch.length >= batchSize || (options.rate === 'live' && send.arrival - batchArrival >= 100)) await flush();
    }
    await flush();
  } finally {
    truth?.close();
  }
  return { ...workload.stats, sent, bytes, elapsedMs: clock.now() - started, truthRows, firstTs, lastTs, maxSendLagMs };
}

/** NDJSON truth rows, buffered and written in 1 MiB chunks. */
class TruthWriter {
  readonly #fd: number;
  #buffer: string[] = [];
  #size = 0;

  constructor(path: string) {
    this.#fd = openSync(path, 'w');
  }

  write(row: TruthRow): void {
    const line = `${JSON.stringify(row)}\n`;
    this.#buffer.push(line);
    this.#size += line.length;
    if (this.#size >= 1 << 20) this.#flush();
  }

  close(): void {
    this.#flush();
    closeSync(this.#fd);
  }

  #flush(): void {
    if (this.#buffer.length === 0) return;
    writeSync(this.#fd, this.#buffer.join(''));
    this.#buffer = [];
    this.#size = 0;
  }
}
