/**
 * Bad input records. Each names where the record is (topic, partition,
 * offset), what is wrong (code and reason) and, where one field is to blame,
 * which. The joiner sends such a record to the dead-letter topic with these
 * as headers and goes on; nothing else branches on the message text.
 */
import { LabeljoinError, type ErrorCode } from '../errors.js';

/** Where a record came from; the offset is a bigint as Kafka gives it. */
export interface RecordOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

export type BadRecordCode = Extract<
  ErrorCode,
  | 'RECORD_UNDECODABLE'
  | 'RECORD_MISSING_FIELD'
  | 'RECORD_WRONG_TYPE'
  | 'RECORD_ABSURD_TIMESTAMP'
  | 'RECORD_UNKNOWN_TYPE'
  | 'RECORD_INVALID_UTF8'
  | 'RECORD_CONFLICTING_DUPLICATE'
  | 'RECORD_WRONG_PARTITION'
  | 'RECORD_TIME_OUTLIER'
  | 'RECORD_UNKNOWN_KIND'
>;

export class BadRecordError extends LabeljoinError {
  override readonly code: BadRecordCode;

  constructor(
    code: BadRecordCode,
    readonly origin: RecordOrigin,
    readonly reason: string,
    readonly field?: string,
  ) {
    super(code, `${origin.topic}/${origin.partition}@${origin.offset}: ${field === undefined ? '' : `field ${field}: `}${reason}`);
    this.code = code;
  }

  /** Headers for the dead-letter copy of the record. */
  deadLetterHeaders(): Record<string, string> {
    return {
      'labeljoin.error.code': this.code,
      'labeljoin.error.reason': this.reason,
      ...(this.field === undefined ? {} : { 'labeljoin.error.field': this.field }),
      'labeljoin.source.topic': this.origin.topic,
      'labeljoin.source.partition': String(this.origin.partition),
      'labeljoin.source.offset': this.origin.offset.toString(),
    };
  }
}

/** Raised inside the decoders before the origin is known; wrapped into BadRecordError by the caller. */
export class FieldProblem extends Error {
  constructor(
    readonly code: BadRecordCode,
    readonly field: string | undefined,
    readonly reason: string,
  ) {
    super(reason);
  }
}
