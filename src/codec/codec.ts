/**
 * Encoding and decoding of views, engagements and samples, as Avro
 * (single-object encoding, src/codec/framing.ts) or JSON. Decoding never
 * throws anything but BadRecordError, which names the record's topic,
 * partition and offset, the field, and the reason.
 */
import { BadRecordError, FieldProblem, type RecordOrigin } from './errors.js';
import type { EngagementEvent, OwnViewEvent, SampleRecord, ViewContext, ViewEvent } from './events.js';
import { uuidFromString, uuidToString } from './events.js';
import { AvroRecordCodec } from './avro-codec.js';
import type { InputFormat, OutputFormat } from './formats.js';
import { SINGLE_OBJECT_MARKER } from './framing.js';
import { readSchemaFile, sampleSchema } from './schemas.js';
import {
  checkEngagementType,
  checkTimestamp,
  engagementFromJson,
  parseJsonObject,
  viewFromJson,
} from './validate.js';

/** Part of the codec's API (the joiner imports them from here); defined in ./formats.ts, which the settings table imports. */
export type { InputFormat, OutputFormat };

export interface EventCodecOptions {
  /** The configured engagement types; also the label fields of the Sample schema. */
  readonly labelTypes: readonly string[];
}

export class EventCodec {
  readonly labelTypes: readonly string[];
  readonly views: AvroRecordCodec;
  readonly engagements: AvroRecordCodec;
  readonly samples: AvroRecordCodec;
  readonly #allowedTypes: ReadonlySet<string>;

  constructor(options: EventCodecOptions) {
    this.labelTypes = [...options.labelTypes];
    this.#allowedTypes = new Set(options.labelTypes);
    this.views = new AvroRecordCodec(readSchemaFile('view'));
    this.engagements = new AvroRecordCodec(readSchemaFile('engagement'));
    this.samples = new AvroRecordCodec(sampleSchema(options.labelTypes));
  }

  /**
   * The ids of a decoded Avro view or engagement are views into `value`, not
   * copies (the joiner's hot path): copy them to keep them beyond the record.
   */
  decodeView(value: Buffer | null, origin: RecordOrigin, format: InputFormat = 'auto'): OwnViewEvent {
    return withOrigin(origin, () => {
      const bytes = present(value);
      if (isAvro(bytes, format)) {
        const v = this.views.decode(bytes) as OwnViewEvent;
        checkTimestamp('ts', v.ts);
        return { event_id: v.event_id, user_id: v.user_id, post_id: v.post_id, ts: v.ts, context: plainContext(v.context) };
      }
      return viewFromJson(parseJsonObject(bytes));
    });
  }

  decodeEngagement(value: Buffer | null, origin: RecordOrigin, format: InputFormat = 'auto'): EngagementEvent {
    return withOrigin(origin, () => {
      const bytes = present(value);
      if (isAvro(bytes, format)) {
        const e = this.engagements.decode(bytes) as EngagementEvent;
        checkTimestamp('ts', e.ts);
        checkEngagementType(e.type, this.#allowedTypes);
        return {
          event_id: e.event_id,
          user_id: e.user_id,
          post_id: e.post_id,
          type: e.type,
          ts: e.ts,
          view_id: e.view_id,
        };
      }
      return engagementFromJson(parseJsonObject(bytes), this.#allowedTypes);
    });
  }

  encodeView(view: ViewEvent, format: OutputFormat): Buffer {
    if (format === 'avro') return this.views.encode(view);
    return Buffer.from(JSON.stringify({ ...view, event_id: uuidToString(view.event_id) }));
  }

  encodeEngagement(e: EngagementEvent, format: OutputFormat): Buffer {
    if (format === 'avro') return this.engagements.encode(e);
    return Buffer.from(JSON.stringify({ ...e, event_id: uuidToString(e.event_id), view_id: e.view_id === null ? null : uuidToString(e.view_id) }));
  }

  encodeSample(s: SampleRecord, format: OutputFormat): Buffer {
    if (format === 'avro') return this.samples.encode(s);
    return Buffer.from(JSON.stringify({ ...s, sample_id: uuidToString(s.sample_id), view_event_id: uuidToString(s.view_event_id) }));
  }

  /** Reads a sample written by labeljoin in either format. */
  decodeSample(value: Buffer | null, origin: RecordOrigin): SampleRecord {
    return withOrigin(origin, () => {
      const bytes = present(value);
      if (bytes[0] === SINGLE_OBJECT_MARKER) {
        const s = this.samples.decode(bytes) as SampleRecord & { context: ViewContext };
        return { ...s, sample_id: Buffer.from(s.sample_id), view_event_id: Buffer.from(s.view_event_id), labels: { ...s.labels }, delays_ms: { ...s.delays_ms }, context: plainContext(s.context) };
      }
      const o = parseJsonObject(bytes) as unknown as SampleRecord & { sample_id: string; view_event_id: string };
      const sampleId = uuidFromString(String(o.sample_id));
      const viewId = uuidFromString(String(o.view_event_id));
      if (sampleId === undefined || viewId === undefined) throw new FieldProblem('RECORD_WRONG_TYPE', 'sample_id', 'expected UUID strings in sample_id and view_event_id');
      return { ...o, sample_id: sampleId, view_event_id: viewId };
    });
  }
}

function isAvro(bytes: Buffer, format: InputFormat): boolean {
  return format === 'avro' || (format === 'auto' && bytes[0] === SINGLE_OBJECT_MARKER);
}

function present(value: Buffer | null): Buffer {
  if (value === null || value.length === 0) throw new FieldProblem('RECORD_UNDECODABLE', undefined, 'empty record value');
  return value;
}

/** avsc returns record-class instances; the rest of the code wants plain objects. */
function plainContext(c: ViewContext): ViewContext {
  return { language: c.language, region: c.region, device: c.device, app_version: c.app_version, surface: c.surface, position: c.position };
}

function withOrigin<T>(origin: RecordOrigin, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof FieldProblem) throw new BadRecordError(error.code, origin, error.reason, error.field);
    throw new BadRecordError('RECORD_UNDECODABLE', origin, error instanceof Error ? error.message : String(error));
  }
}
