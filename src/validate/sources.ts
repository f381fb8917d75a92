/**
 * The sides of a comparison: where samples come from, read once, record by
 * record, into a sink. A side is a Kafka topic (Avro single-object or JSON
 * records, read with read_committed), an Avro object container file, an NDJSON
 * file (one sample per line, labeljoin's JSON form), or the simulator's truth
 * file. The offline re-join is a side too (src/validate/rejoin.ts).
 *
 * A record that cannot be read as a sample is reported to the sink with where
 * it is (topic/partition@offset, or file and record number), the field and
 * the reason; the side goes on.
 */
import { createReadStream, existsSync, openSync, readSync, closeSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import avro from 'avsc';
import { CONFLUENT_HEADER_BYTES, CONFLUENT_MAGIC, readConfluentId } from '../codec/confluent-framing.js';
import { parseDeclaredSchema } from '../codec/declared/avro-types.js';
import { declaredSampleKeys } from '../codec/declared/sample-keys.js';
import type { SchemaLookup } from '../codec/declared/writers.js';
import type { CommonFields } from '../config/inputs.js';
import { FieldProblem } from '../codec/errors.js';
import { uuidFromString } from '../codec/events.js';
import { schemaFingerprint } from '../codec/fingerprint.js';
import { fingerprintHex, HEADER_BYTES, isSingleObject, SINGLE_OBJECT_MARKER } from '../codec/framing.js';
import { avroType, sampleSchema, type AvroSchema } from '../codec/schemas.js';
import type { TruthRow } from '../codec/truth-format.js';
import type { ConnectionSettings } from '../kafka/connection.js';
import { readTopicToEnd } from '../kafka/read-all.js';
import { comparableFromObject, type Comparable } from './comparable.js';
import { InputError } from './errors.js';
import { JsonSchemaInference, type SideSchema } from './schema-compat.js';

export interface BadInput {
  /** topic/partition@offset, or file:record N */
  readonly where: string;
  readonly code: string;
  readonly field?: string;
  readonly reason: string;
}

export interface SideSink {
  sample(c: Comparable): void;
  bad(b: BadInput): void;
}

export interface SampleSource {
  /** e.g. "topic samples" or "file /tmp/a.avro (Avro)" */
  readonly description: string;
  /** Reads every sample into the sink; returns the side's schema. */
  read(sink: SideSink): Promise<SideSchema>;
}

export interface SourceContext {
  readonly connection: ConnectionSettings;
  readonly labelTypes: readonly string[];
  /** Writer schemas besides labeljoin's own Sample schema, for topics written by other pipelines. */
  readonly writerSchemas: readonly AvroSchema[];
  /**
   * Samples of declared views (src/codec/declared/): their time, user and item are read from the view's
   * fields; with a registry, the schemas registered under "<topic>-value" are read before the records.
   */
  readonly declared?: { readonly views: CommonFields; readonly registry: SchemaLookup | undefined } | undefined;
}

/**
 * "topic:NAME" and "file:PATH" say which; otherwise an existing path or a name
 * ending in .avro, .ndjson, .jsonl or .json is a file, anything else a topic.
 */
export function openSide(spec: string, ctx: SourceContext): SampleSource {
  if (spec.startsWith('topic:')) return topicSource(spec.slice('topic:'.length), ctx);
  if (spec.startsWith('file:')) return fileSource(spec.slice('file:'.length), ctx);
  if (existsSync(spec) || /\.(avro|ndjson|jsonl|json)$/i.test(spec)) return fileSource(spec, ctx);
  return topicSource(spec, ctx);
}

function topicSource(topic: string, ctx: SourceContext): SampleSource {
  const writers = new Map<string, avro.Type>();
  for (const schema of [sampleSchema(ctx.labelTypes), ...ctx.writerSchemas]) {
    const type = avroType(schema);
    writers.set(schemaFingerprint(type).toString('hex'), type);
  }
  const keys = ctx.declared === undefined ? undefined : declaredSampleKeys(ctx.declared.views);
  return {
    description: `topic ${topic}`,
    async read(sink) {
      const registered = new Map<number, avro.Type>();
      for (const { id, schema } of (await ctx.declared?.registry?.subjectSchemas(`${topic}-value`)) ?? []) {
        try {
          registered.set(id, parseDeclaredSchema(schema).type);
        } catch {
          // not an Avro schema: the records naming it are reported as unreadable
        }
      }
      const seen = new Map<string, number>();
      const json = new JsonSchemaInference();
      let jsonRecords = 0;
      await readTopicToEnd(ctx.connection, topic, {
        isolation: 'read_committed',
        onRecord: (r) => {
          const where = `${topic}/${r.partition}@${r.offset}`;
          const value = r.value;
          try {
            if (value === null || value.length === 0) throw new FieldProblem('RECORD_UNDECODABLE', undefined, 'empty record value');
            let o: Record<string, unknown>;
            if (value[0] === SINGLE_OBJECT_MARKER) {
              if (!isSingleObject(value)) throw new FieldProblem('RECORD_UNDECODABLE', undefined, 'not Avro single-object encoded (no C3 01 header)');
              const fp = fingerprintHex(value);
              const type = writers.get(fp);
              if (type === undefined) throw new FieldProblem('RECORD_UNDECODABLE', undefined, `unknown writer schema fingerprint ${fp} (pass its .avsc with --writer-schemas)`);
              o = type.fromBuffer(value.subarray(HEADER_BYTES)) as Record<string, unknown>;
              seen.set(fp, (seen.get(fp) ?? 0) + 1);
            } else if (value[0] === CONFLUENT_MAGIC) {
              const id = readConfluentId(value);
              const type = id === undefined ? undefined : registered.get(id);
              if (type === undefined) throw new FieldProblem('RECORD_UNDECODABLE', undefined, `schema id ${id ?? '(none)'} is not registered under ${topic}-value`);
              o = type.fromBuffer(value.subarray(CONFLUENT_HEADER_BYTES)) as Record<string, unknown>;
              const key = schemaFingerprint(type).toString('hex');
              writers.set(key, type);
              seen.set(key, (seen.get(key) ?? 0) + 1);
            } else {
              o = parseJson(value.toString('utf8'));
              json.add(o);
              jsonRecords++;
            }
            sink.sample(comparableFromObject(o, ctx.labelTypes, keys));
          } catch (error) {
            sink.bad(badInput(where, error));
          }
        },
      });
      return topicSchema(seen, writers, json, jsonRecords);
    },
  };
}

function topicSchema(seen: Map<string, number>, writers: Map<string, avro.Type>, json: JsonSchemaInference, jsonRecords: number): SideSchema {
  const [top] = [...seen].sort((x, y) => y[1] - x[1]);
  if (top !== undefined && top[1] >= jsonRecords) {
    return { kind: 'avro', schema: writers.get(top[0])!.schema() as AvroSchema, fingerprint: top[0], records: top[1], otherSchemas: seen.size - 1 };
  }
  if (jsonRecords > 0) return json.result();
  return { kind: 'none', reason: 'no sample could be read' };
}

const AVRO_FILE_MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1

function fileSource(path: string, ctx: SourceContext): SampleSource {
  if (!existsSync(path)) throw new InputError(`${path}: no such file`);
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  const n = readSync(fd, head, 0, 4, 0);
  closeSync(fd);
  if (n === 4 && head.equals(AVRO_FILE_MAGIC)) return avroFileSource(path, ctx);
  return ndjsonSource(path, ctx);
}

function avroFileSource(path: string, ctx: SourceContext): SampleSource {
  return {
    description: `file ${path} (Avro)`,
    async read(sink) {
      let schema: AvroSchema | undefined;
      let index = 0;
      const decoder = avro.createFileDecoder(path);
      decoder.on('metadata', (type: avro.Type) => {
        schema = type.schema() as AvroSchema;
      });
      try {
        for await (const record of decoder) {
          index++;
          try {
            sink.sample(comparableFromObject(record as Record<string, unknown>, ctx.labelTypes));
          } catch (error) {
            sink.bad(badInput(`${path}:record ${index}`, error));
          }
        }
      } catch (error) {
        throw new InputError(`${path}: not a readable Avro container file after record ${index}: ${error instanceof Error ? error.message : String(error)}`, error);
      }
      if (schema === undefined) throw new InputError(`${path}: Avro container file without a schema`);
      return { kind: 'avro', schema, fingerprint: schemaFingerprint(avroType(schema)).toString('hex'), records: index, otherSchemas: 0 };
    },
  };
}

function ndjsonSource(path: string, ctx: SourceContext): SampleSource {
  return {
    description: `file ${path} (NDJSON)`,
    async read(sink) {
      const json = new JsonSchemaInference();
      let line = 0;
      for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY })) {
        line++;
        if (text.trim() === '') continue;
        try {
          const o = parseJson(text);
          json.add(o);
          sink.sample(comparableFromObject(o, ctx.labelTypes));
        } catch (error) {
          sink.bad(badInput(`${path}:line ${line}`, error));
        }
      }
      return json.result();
    },
  };
}

/**
 * The simulator's truth file as a side: one sample per view with the labels
 * the join contract gives. Under the late policy "drop" a label the truth
 * marks late is 0, as the joiner emits it.
 */
export function truthSource(path: string, labelTypes: readonly string[], latePolicy: 'drop' | 'correct'): SampleSource {
  if (!existsSync(path)) throw new InputError(`${path}: no such file`);
  return {
    description: `truth ${path} (late policy ${latePolicy})`,
    async read(sink) {
      let line = 0;
      for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY })) {
        line++;
        if (text.trim() === '') continue;
        try {
          const row = parseJson(text) as unknown as TruthRow;
          const viewId = uuidFromString(String(row.view_id));
          const sampleId = uuidFromString(String(row.sample_id));
          if (viewId === undefined || sampleId === undefined) throw new FieldProblem('RECORD_WRONG_TYPE', 'view_id', 'expected UUIDs in view_id and sample_id');
          let labels = 0;
          labelTypes.forEach((t, i) => {
            const late = latePolicy === 'drop' && row.late?.includes(t) === true;
            if (!late && row.labels?.[t] === 1) labels |= 1 << i;
          });
          sink.sample({ viewId, sampleId, viewTs: row.ts, userId: row.user_id, postId: row.post_id, version: 0, labels, absent: 0, weight: 1 });
        } catch (error) {
          sink.bad(badInput(`${path}:line ${line}`, error));
        }
      }
      return { kind: 'none', reason: 'the truth file is not a sample schema' };
    },
  };
}

function parseJson(text: string): Record<string, unknown> {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (error) {
    throw new FieldProblem('RECORD_UNDECODABLE', undefined, `not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new FieldProblem('RECORD_UNDECODABLE', undefined, 'not a JSON object');
  return o as Record<string, unknown>;
}

function badInput(where: string, error: unknown): BadInput {
  if (error instanceof FieldProblem) return { where, code: error.code, ...(error.field === undefined ? {} : { field: error.field }), reason: error.reason };
  return { where, code: 'RECORD_UNDECODABLE', reason: error instanceof Error ? error.message : String(error) };
}

/** Writer schemas from .avsc files (for --writer-schemas). */
export function readWriterSchemas(paths: readonly string[]): AvroSchema[] {
  return paths.map((p) => {
    if (!existsSync(p)) throw new InputError(`${p}: no such schema file`);
    try {
      const schema = JSON.parse(readFileSync(p, 'utf8')) as AvroSchema;
      avroType(schema);
      return schema;
    } catch (error) {
      throw new InputError(`${p}: not an Avro schema: ${error instanceof Error ? error.message : String(error)}`, error);
    }
  });
}
