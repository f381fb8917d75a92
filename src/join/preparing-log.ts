/**
 * A partition log whose batches are ready to decode: after each fetch, the
 * declared inputs look up the writer schemas the records name (the schema
 * registry, src/codec/declared/writers.ts) before the reader decodes them
 * synchronously. Every read of the join (positioning, catching up, the idle
 * peek) goes through fetch, so none meets a schema it has not looked up. A
 * registry that cannot answer fails the fetch with its own (retriable) error,
 * and nothing is skipped.
 */
import type { DeclaredInputs } from '../codec/declared/declared-inputs.js';
import type { LogBatch, LogPosition, PartitionLog } from './partition-log.js';

export class PreparingLog implements PartitionLog {
  readonly #log: PartitionLog;
  readonly #declared: DeclaredInputs;
  readonly #views: string;
  readonly #engagements: ReadonlySet<string>;

  constructor(log: PartitionLog, declared: DeclaredInputs, topics: { readonly views: string; readonly engagements: readonly string[] }) {
    this.#log = log;
    this.#declared = declared;
    this.#views = topics.views;
    this.#engagements = new Set(topics.engagements);
  }

  async fetch(positions: readonly LogPosition[]): Promise<LogBatch[]> {
    const batches = await this.#log.fetch(positions);
    for (const batch of batches) {
      const values = batch.records.map((r) => r.value);
      if (batch.topic === this.#views) await this.#declared.prepareViews(values);
      else if (this.#engagements.has(batch.topic)) await this.#declared.prepareEngagements(batch.topic, values);
    }
    return batches;
  }

  beginningOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    return this.#log.beginningOffsets(topic, partitions);
  }

  endOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    return this.#log.endOffsets(topic, partitions);
  }

  offsetsForTime(topic: string, partitions: readonly number[], timestampMs: bigint): Promise<Map<number, bigint>> {
    return this.#log.offsetsForTime(topic, partitions, timestampMs);
  }
}
