/**
 * The kind of a record in a topic that holds views and engagements both (one
 * consolidated topic, the paper's future work): told by a record header whose
 * value is the UTF-8 text "view" or "engagement" (the header's name is the
 * setting topics.kindHeader). In a topic of one kind, nothing is looked at.
 */
import type { SourceRecord } from './dead-letter.js';
import { BadRecordError } from './errors.js';

export type RecordKind = 'view' | 'engagement';

const VIEW = Buffer.from('view');
const ENGAGEMENT = Buffer.from('engagement');

/** The kind the record's header names, or undefined when it names none (no header, or another value). */
export function recordKind(record: SourceRecord, header: string): RecordKind | undefined {
  for (const [name, value] of record.headers) {
    if (name !== header) continue;
    if (value.equals(VIEW)) return 'view';
    if (value.equals(ENGAGEMENT)) return 'engagement';
    return undefined;
  }
  return undefined;
}

/** The header of a record of this kind, as producers write it. */
export function kindHeader(header: string, kind: RecordKind): [string, Buffer] {
  return [header, kind === 'view' ? VIEW : ENGAGEMENT];
}

export function unknownKindError(record: SourceRecord, header: string): BadRecordError {
  return new BadRecordError('RECORD_UNKNOWN_KIND', record, `the topic holds views and engagements, and header "${header}" is neither "view" nor "engagement"`, `header ${header}`);
}
