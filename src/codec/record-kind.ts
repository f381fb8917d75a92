/**
 * The kind of a record in a topic that holds views and engagements both (one
 * consolidated topic, the paper's future work), told (setting topics.kindBy)
 *   header  by a record header (topics.kindHeader) whose value is the UTF-8 text
 *           "view" or "engagement": whatever the value format;
 *   schema  by the writer schema a labeljoin Avro record names (its single-object
 *           fingerprint, ./framing.ts): one of the view schemas or of the
 *           engagement schemas; a JSON record has no schema to tell.
 * In a topic of one kind, nothing is looked at.
 */
import type { EventCodec } from './codec.js';
import type { SourceRecord } from './dead-letter.js';
import { BadRecordError } from './errors.js';
import type { KindBy } from './formats.js';

export type RecordKind = 'view' | 'engagement';

export interface KindRule {
  /** The kind the record says, or undefined when it says neither. */
  kindOf(record: SourceRecord): RecordKind | undefined;
  /** For an error: how the kind is told. */
  readonly described: string;
}

const VIEW = Buffer.from('view');
const ENGAGEMENT = Buffer.from('engagement');

export function kindRule(by: KindBy, header: string, codec: EventCodec): KindRule {
  if (by === 'schema') {
    return {
      kindOf: (r) => (r.value === null ? undefined : codec.views.knows(r.value) ? 'view' : codec.engagements.knows(r.value) ? 'engagement' : undefined),
      described: 'its writer schema (labeljoin Avro) is neither a view nor an engagement schema',
    };
  }
  return { kindOf: (r) => headerKind(r, header), described: `header "${header}" is neither "view" nor "engagement"` };
}

function headerKind(record: SourceRecord, header: string): RecordKind | undefined {
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

export function unknownKindError(record: SourceRecord, rule: KindRule): BadRecordError {
  return new BadRecordError('RECORD_UNKNOWN_KIND', record, `the topic holds views and engagements, and ${rule.described}`, 'kind');
}
