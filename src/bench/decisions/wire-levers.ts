/**
 * What each lever buys on the wire for the inputs (views and engagements),
 * with LZ4, measured on the broker's log like `labeljoin bench codec`: the
 * batch size (records per partition batch, which is what linger buys a
 * producer), and encodings that are not our wire format (each would be a
 * schema or framing change): Avro without the single-object header, the event
 * time left to the record timestamp (which Kafka stores as a delta from the
 * batch's first), the user id left to the key, the engagement type as an
 * enum. Nothing here changes what labeljoin writes; bench/RESULTS.md has the
 * figures.
 *
 *   node build/src/bench/decisions/wire-levers.js --brokers 127.0.0.1:9092 [--views 100000] [--records-per-send 2000]
 */
import { parseArgs } from 'node:util';
import type avro from 'avsc';
import { EventCodec } from '../../codec/codec.js';
import { userKey, type EngagementEvent, type ViewEvent } from '../../codec/events.js';
import { avroType, readSchemaFile, type AvroSchema } from '../../codec/schemas.js';
import { bothSections, loadConfig } from '../../config/config.js';
import { KafkaAdmin } from '../../kafka/admin.js';
import type { Compression } from '../../kafka/compression.js';
import { Workload } from '../../sim/workload.js';
import { produceAndMeasure, type CodecBenchOptions, type Encoded } from '../codec-bench.js';

const { values } = parseArgs({ options: { brokers: { type: 'string' }, views: { type: 'string', default: '100000' }, 'records-per-send': { type: 'string', default: '2000' } } });
if (values.brokers === undefined) throw new Error('--brokers HOST:PORT is needed');
const settings = { brokers: values.brokers.split(','), clientId: 'labeljoin-wire-levers', requestTimeoutMs: 30_000 };
const config = loadConfig({ env: {}, flags: {} });
const workload = { ...bothSections(config, 'sim', 'join'), startMs: Date.UTC(2026, 10, 1), partitions: 8, views: Number(values.views), durationMs: undefined };
const codec = new EventCodec({ labelTypes: workload.labelTypes });

type Field = { name: string; type: unknown };
/** The schema with some fields left out and some types replaced. */
function variant(name: 'view' | 'engagement', drop: readonly string[], replace: Readonly<Record<string, unknown>> = {}): avro.Type {
  const schema = readSchemaFile(name);
  const fields = (schema['fields'] as Field[]).filter((f) => !drop.includes(f.name)).map((f) => (f.name in replace ? { ...f, type: replace[f.name] } : f));
  return avroType({ ...schema, fields } as AvroSchema);
}
const typeEnum = { type: 'enum', name: 'EngagementType', symbols: [...workload.labelTypes] };

interface Lever {
  readonly name: string;
  readonly compression?: Compression;
  readonly view: (v: ViewEvent) => Buffer;
  readonly engagement: (e: EngagementEvent) => Buffer;
}
const raw = { view: variant('view', []), engagement: variant('engagement', []) };
const noTs = { view: variant('view', ['ts']), engagement: variant('engagement', ['ts']) };
const noTsUser = { view: variant('view', ['ts', 'user_id']), engagement: variant('engagement', ['ts', 'user_id']) };
const enumType = variant('engagement', ['ts', 'user_id'], { type: typeEnum });
const noId = { view: variant('view', ['ts', 'user_id', 'event_id']), engagement: variant('engagement', ['ts', 'user_id', 'event_id'], { type: typeEnum, view_id: ['null', { type: 'fixed', name: 'UUID', size: 16 }] }) };
const LEVERS: readonly Lever[] = [
  { name: 'JSON (the baseline)', view: (v) => codec.encodeView(v, 'json'), engagement: (e) => codec.encodeEngagement(e, 'json') },
  { name: 'Avro, single-object encoding (our wire format)', view: (v) => codec.encodeView(v, 'avro'), engagement: (e) => codec.encodeEngagement(e, 'avro') },
  { name: 'Avro without the 10-byte single-object header', view: (v) => raw.view.toBuffer(v), engagement: (e) => raw.engagement.toBuffer(e) },
  { name: '+ ts left to the record timestamp', view: (v) => noTs.view.toBuffer(v), engagement: (e) => noTs.engagement.toBuffer(e) },
  { name: '+ user_id left to the key', view: (v) => noTsUser.view.toBuffer(v), engagement: (e) => noTsUser.engagement.toBuffer(e) },
  { name: '+ engagement type as an enum', view: (v) => noTsUser.view.toBuffer(v), engagement: (e) => enumType.toBuffer(e) },
  { name: 'the same, gzip', compression: 'gzip', view: (v) => noTsUser.view.toBuffer(v), engagement: (e) => enumType.toBuffer(e) },
  { name: 'our wire format, gzip', compression: 'gzip', view: (v) => codec.encodeView(v, 'avro'), engagement: (e) => codec.encodeEngagement(e, 'avro') },
  { name: 'our wire format, time-ordered event ids (UUIDv7: 48-bit ms time first)', view: (v) => codec.encodeView({ ...v, event_id: v7(v.event_id, v.ts) }, 'avro'), engagement: (e) => codec.encodeEngagement({ ...e, event_id: v7(e.event_id, e.ts), view_id: e.view_id === null ? null : v7(e.view_id, e.ts) }, 'avro') },
  { name: 'all levers above (lz4) + time-ordered event ids', view: (v) => noTsUser.view.toBuffer({ ...v, event_id: v7(v.event_id, v.ts) }), engagement: (e) => enumType.toBuffer({ ...e, event_id: v7(e.event_id, e.ts), view_id: e.view_id === null ? null : v7(e.view_id, e.ts) }) },
  { name: 'our wire format, (producer, sequence) ids', view: (v) => codec.encodeView({ ...v, event_id: sequenced(v.event_id) }, 'avro'), engagement: (e) => codec.encodeEngagement({ ...e, event_id: sequenced(e.event_id), view_id: e.view_id === null ? null : sequenced(e.view_id) }, 'avro') },
  { name: 'every schema lever + (producer, sequence) ids: 8 bytes of producer, 8 of counter', view: (v) => noTsUser.view.toBuffer({ ...v, event_id: sequenced(v.event_id) }), engagement: (e) => enumType.toBuffer({ ...e, event_id: sequenced(e.event_id), view_id: e.view_id === null ? null : sequenced(e.view_id) }) },
  { name: 'bound: + no event_id at all (16 random bytes; not a proposal, ids must stay)', view: (v) => noId.view.toBuffer(v), engagement: (e) => noId.engagement.toBuffer(e) },
];

/** A UUIDv7-like id: the event's ms time in the first 6 bytes, the rest of the random id after (a view_id uses its engagement's time: an approximation). */
function v7(id: Buffer, ts: number): Buffer {
  const out = Buffer.from(id);
  out.writeUIntBE(ts, 0, 6);
  out[6] = 0x70 | (out[6]! & 0x0f);
  return out;
}

/** An id as a producer with a counter makes it: one of 64 producers (by the random id), then a sequence number (one per distinct id). */
const sequence = new Map<string, number>();
function sequenced(id: Buffer): Buffer {
  const key = id.toString('hex');
  let n = sequence.get(key);
  if (n === undefined) sequence.set(key, (n = sequence.size));
  const out = Buffer.alloc(16);
  out.writeBigUInt64BE(BigInt(0x6c6a0000 + (id[0]! & 63)), 0);
  out.writeBigUInt64BE(BigInt(n), 8);
  return out;
}

const sends = [...new Workload(workload, () => undefined).sends()];
const admin = new KafkaAdmin(settings);
const prefix = `labeljoin-wire-levers-${Date.now().toString(36)}`;
const rows: string[] = [];
let jsonBytes = 0;
for (const perSend of [Number(values['records-per-send'])]) {
  const options: CodecBenchOptions = { workload, partitions: 8, recordsPerSend: perSend, topicPrefix: prefix };
  for (const [i, lever] of LEVERS.entries()) {
    let total = 0;
    const records = { views: 0, engagements: 0 };
    for (const kind of ['views', 'engagements'] as const) {
      const encoded: Encoded = { keys: [], timestamps: [], values: { json: [], avro: [], compact: [] } };
      for (const send of sends) {
        if ((send.kind === 'view') !== (kind === 'views')) continue;
        encoded.keys.push(userKey(send.event.user_id));
        encoded.timestamps.push(BigInt(send.event.ts));
        encoded.values.avro.push(send.kind === 'view' ? lever.view(send.event) : lever.engagement(send.event));
      }
      records[kind] = encoded.keys.length;
      const compression: Compression = i === 0 ? 'none' : (lever.compression ?? 'lz4');
      const bytes = await produceAndMeasure(admin, settings, options, `${prefix}-${i}-${kind}`, compression, encoded, 'avro');
      total += bytes;
      rows.push(`${perSend}\t${lever.name}\t${compression}\t${kind}\t${(bytes / records[kind]).toFixed(1)}`);
    }
    if (i === 0) jsonBytes = total;
    const n = records.views + records.engagements;
    rows.push(`${perSend}\t${lever.name}\t${i === 0 ? 'none' : (lever.compression ?? 'lz4')}\tinputs\t${(total / n).toFixed(1)}\tcut ${(100 * (1 - total / jsonBytes)).toFixed(1)} %`);
    process.stderr.write(`${rows.at(-1)}\n`);
  }
}
await admin.close();
process.stdout.write(`${rows.join('\n')}\n`);
