/**
 * Bad input records: decoding one without throwing, and its copy for the
 * dead-letter topic. One helper for every reader (the joiner's views and
 * engagements, the trainer's samples).
 *
 * A dead-letter copy keeps the record as it came: the same key, value (a
 * null value stays null), timestamp and headers, to the same partition number
 * of the dead-letter topic; after the record's own headers come ours (UTF-8
 * strings, all prefixed "labeljoin."; a reader takes the last of a name):
 *   labeljoin.error.code        a BadRecordCode, e.g. RECORD_MISSING_FIELD
 *   labeljoin.error.reason      what is wrong, for people
 *   labeljoin.error.field       the field to blame, when one is
 *   labeljoin.source.topic      where the record was read:
 *   labeljoin.source.partition    topic, partition (decimal),
 *   labeljoin.source.offset       offset (decimal)
 * A copy must never be refused by the broker (that would stop the partition
 * for good: every restart would meet the same record). When key + value +
 * headers would pass the dead-letter topic's limit less COPY_OVERHEAD_BYTES,
 * the value is cut first, then the record's own headers are left out, then
 * the key is cut, and the copy says so:
 *   labeljoin.truncated.value-bytes    the value's original length (decimal)
 *   labeljoin.truncated.key-bytes      the key's original length, when cut
 *   labeljoin.truncated.headers        how many of the record's headers were left out
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
  readonly value: Buffer | null;
  readonly headers: ReadonlyArray<readonly [string, Buffer | string]>;
  readonly timestamp: bigint;
}

/** Room left for Kafka's batch header (61 bytes) and the record's own framing (at most ~30), with a margin. */
export const COPY_OVERHEAD_BYTES = 256;
/** Kafka's default max.message.bytes: the limit when the topic's is not known. */
export const DEFAULT_DEAD_LETTER_MAX_BYTES = 1_048_576;
/** Bytes one header takes besides its name and value (two varint lengths), at most. */
const HEADER_FRAMING_BYTES = 10;

/** A record that could not be used, and why. */
export interface BadInput {
  readonly record: SourceRecord;
  readonly error: BadRecordError;
}

/** The decoded record, or the BadRecordError that says why it cannot be. Other errors are thrown. */
export function decodeOrBad<T>(record: SourceRecord, decode: (value: Buffer | null, record: SourceRecord) => T): T | BadRecordError {
  try {
    return decode(record.value, record);
  } catch (error) {
    if (error instanceof BadRecordError) return error;
    throw error;
  }
}

/** The dead-letter copy of a bad record (layout above), at most `maxBytes` as a record batch of one. */
export function deadLetterCopy(topic: string, bad: BadInput, maxBytes = DEFAULT_DEAD_LETTER_MAX_BYTES): DeadLetterCopy {
  const { record } = bad;
  const ours = Object.entries(bad.error.deadLetterHeaders());
  let theirs: ReadonlyArray<readonly [string, Buffer | string]> = record.headers;
  let key = record.key;
  let value = record.value;
  const cut: Array<[string, string]> = [];
  const budget = maxBytes - COPY_OVERHEAD_BYTES;
  // Room for the truncation headers themselves, so that adding them cannot pass the limit.
  const reserve = 3 * (HEADER_FRAMING_BYTES + 40);
  const size = (): number => (key?.length ?? 0) + (value?.length ?? 0) + headerBytes(theirs) + headerBytes(ours);
  if (size() > budget) {
    const over = size() + reserve - budget;
    if (value !== null && value.length > 0) {
      cut.push(['labeljoin.truncated.value-bytes', String(value.length)]);
      value = value.subarray(0, Math.max(0, value.length - over));
    }
    if (size() + reserve > budget && theirs.length > 0) {
      cut.push(['labeljoin.truncated.headers', String(theirs.length)]);
      theirs = [];
    }
    if (size() + reserve > budget && key !== null) {
      cut.push(['labeljoin.truncated.key-bytes', String(key.length)]);
      key = key.subarray(0, Math.max(0, key.length - (size() + reserve - budget)));
    }
  }
  return { topic, partition: record.partition, key, value, headers: [...theirs, ...ours, ...cut], timestamp: record.timestamp };
}

function headerBytes(headers: ReadonlyArray<readonly [string, Buffer | string]>): number {
  let n = 0;
  for (const [k, v] of headers) n += HEADER_FRAMING_BYTES + Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : v.length);
  return n;
}
