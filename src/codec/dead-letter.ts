/**
 * Bad input records: decoding one without throwing, and its copy for the
 * dead-letter topic. One helper for every reader (the joiner's views and
 * engagements, the trainer's samples).
 *
 * A dead-letter copy is the record as it came (same key and value, to the
 * same partition number of the dead-letter topic) with these headers (UTF-8
 * strings):
 *   labeljoin.error.code        a BadRecordCode, e.g. RECORD_MISSING_FIELD
 *   labeljoin.error.reason      what is wrong, for people
 *   labeljoin.error.field       the field to blame, when one is
 *   labeljoin.source.topic      where the record was read:
 *   labeljoin.source.partition    topic, partition (decimal),
 *   labeljoin.source.offset       offset (decimal)
 */
import { BadRecordError, type RecordOrigin } from './errors.js';

/** An input record as read from its log. */
export interface SourceRecord extends RecordOrigin {
  /** Record timestamp (ms since epoch) as the producer or broker set it. */
  readonly timestamp: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: ReadonlyArray<readonly [string, Buffer]>;
}

/** A record for the dead-letter topic. */
export interface DeadLetterCopy {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** A record that could not be used, and why. */
export interface BadInput {
  readonly record: SourceRecord;
  readonly error: BadRecordError;
}

/** The decoded record, or the BadRecordError that says why it cannot be. Other errors are thrown. */
export function decodeOrBad<T>(record: SourceRecord, decode: (value: Buffer | null, origin: RecordOrigin) => T): T | BadRecordError {
  try {
    return decode(record.value, record);
  } catch (error) {
    if (error instanceof BadRecordError) return error;
    throw error;
  }
}

export function deadLetterCopy(topic: string, bad: BadInput): DeadLetterCopy {
  return {
    topic,
    partition: bad.record.partition,
    key: bad.record.key,
    value: bad.record.value ?? Buffer.alloc(0),
    headers: bad.error.deadLetterHeaders(),
  };
}
