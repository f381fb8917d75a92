/**
 * Dead-letter copies on the real broker: a bad record just under the topics'
 * size limit must not stop the joiner (its copy plus our headers would pass
 * the limit: it is cut to fit, and says so); a tombstone stays a tombstone;
 * the record's timestamp and headers are kept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { KafkaProducer } from '../../../src/kafka/producer.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import type { ConsumedRecord } from '../../../src/kafka/fetcher.js';
import { compareWithTruth } from '../../../src/validate/truth-report.js';
import { testConnection } from '../../helpers/kafka.js';
import { createPipeline, joinSummary, runJoin, runSimulate } from '../../helpers/pipeline.js';

const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });
const LIMIT = 65_536;

describe('dead-letter copies on the real broker', () => {
  it('a bad record at the size limit is dead-lettered cut to fit, with the original size; tombstones, timestamps and headers are kept', async (t) => {
    const p = await createPipeline(t, 'join-dlq-limit', 2, { 'max.message.bytes': String(LIMIT) });
    await runSimulate(p, ['--views', '800', '--users', '100', '--posts', '80', '--views-per-second', '20', '--seed', '31']);
    // A batch of one record: 61 bytes of batch header, ~20 of record framing, the key and the value.
    const huge = Buffer.alloc(LIMIT - 200, 0x7b);
    const stamp = 1_767_268_800_000n;
    const producer = new KafkaProducer(testConnection(), { compression: 'none', maxBatchBytes: LIMIT });
    t.after(() => producer.close());
    await producer.send([
      { topic: p.views, partition: 0, key: Buffer.from('huge'), value: huge, timestamp: stamp, headers: [['trace', 'a'], ['trace', 'b']] },
      { topic: p.engagements, partition: 1, key: Buffer.from('gone'), value: null, timestamp: stamp + 1n },
    ]);

    const r = await runJoin(p);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(joinSummary(r).counters.deadLettered, 2);

    const dead: ConsumedRecord[] = [];
    await readTopicToEnd(testConnection(), p.deadLetter, { onRecord: (rec) => dead.push(rec) });
    assert.equal(dead.length, 2);
    const cut = dead.find((d) => d.key?.toString() === 'huge');
    assert.ok(cut !== undefined);
    const h = new Map(cut.headers.map(([k, v]) => [k, v.toString()]));
    assert.equal(h.get('labeljoin.truncated.value-bytes'), String(huge.length));
    assert.equal(h.get('labeljoin.source.topic'), p.views);
    assert.equal(h.get('labeljoin.error.code'), 'RECORD_UNDECODABLE');
    assert.ok(cut.value !== null && cut.value.length < huge.length && cut.value.length > LIMIT / 2, String(cut.value?.length));
    assert.ok(cut.value.equals(huge.subarray(0, cut.value.length)));
    assert.equal(cut.timestamp, stamp);
    assert.deepEqual(cut.headers.slice(0, 2).map(([k, v]) => `${k}=${v.toString()}`), ['trace=a', 'trace=b']);

    const tombstone = dead.find((d) => d.key?.toString() === 'gone');
    assert.ok(tombstone !== undefined);
    assert.equal(tombstone.value, null);
    assert.equal(tombstone.timestamp, stamp + 1n);

    const report = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'drop');
    assert.equal(report.expected, 800);
    assert.equal(report.missing, 0);
    assert.equal(report.labelAccuracy, 1);
  });
});
