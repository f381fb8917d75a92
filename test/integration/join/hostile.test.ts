/**
 * One bad record must not change anyone's labels (issue 15), on the real
 * broker: hostile records go into the logs of a clean simulation — an
 * engagement a day ahead and one 30 min ahead of the data, a view a day
 * ahead (all before the simulated traffic of their partition, where they
 * would move its time), an engagement and a view re-sent under a used event
 * id with other content, strings that are not UTF-8 — and every simulated
 * view still gets the truth's labels. A second join of the same topics gives
 * the same samples and counters.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { userKey, type EngagementEvent, type ViewEvent } from '../../../src/codec/events.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { partitionForKey } from '../../../src/kafka/partitioner.js';
import type { ConsumedRecord } from '../../../src/kafka/fetcher.js';
import { KafkaProducer } from '../../../src/kafka/producer.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import { compareWithTruth } from '../../../src/validate/truth-report.js';
import { engagement, view } from '../../helpers/events.js';
import { createTestTopics, testConnection } from '../../helpers/kafka.js';
import { createPipeline, joinSummary, runJoin, runSimulate, type TestPipeline } from '../../helpers/pipeline.js';

const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });
const START = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const VIEWS = 4_000;

async function read(topic: string): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  await readTopicToEnd(testConnection(), topic, { onRecord: (r) => out.push(r) });
  return out;
}

/** sample id -> what the sample says (emitted-at left out: it is the wall clock). */
async function samples(topic: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const r of await read(topic)) {
    const s = codec.decodeSample(r.value, r);
    out.set(s.sample_id.toString('hex'), JSON.stringify([s.view_event_id.toString('hex'), s.user_id, s.post_id, s.view_ts, s.version, s.labels, s.delays_ms, s.context]));
  }
  return out;
}

function invalidUtf8Json(o: Record<string, unknown>, field: string): Buffer {
  const text = JSON.stringify({ ...o, [field]: '@@' });
  const at = Buffer.from(text).indexOf('@@');
  const bytes = Buffer.from(text);
  bytes[at] = 0xff; // never valid in UTF-8
  bytes[at + 1] = 0xfe;
  return bytes;
}

describe('hostile records on the real broker', () => {
  it('outliers in time, conflicting duplicates and invalid UTF-8 change no label of the good records; a second join gives the same', async (t) => {
    const p: TestPipeline = await createPipeline(t, 'join-hostile', 4);
    const producer = new KafkaProducer(testConnection(), { compression: 'lz4' });
    t.after(() => producer.close());
    // Before the simulated traffic: without the rule, each would move its partition's time.
    const futureView: ViewEvent = view(900_001, { ts: START + DAY });
    const ahead = [engagement(900_001, { ts: START + DAY }), engagement(900_002, { ts: START + 30 * 60_000 })];
    // Each where its key puts it (the joiner checks partitions against keys).
    const at = (user: number): { key: Buffer; partition: number } => ({ key: userKey(user), partition: partitionForKey(userKey(user), 4) });
    await producer.send([
      { topic: p.engagements, ...at(ahead[0]!.user_id), value: codec.encodeEngagement(ahead[0]!, 'avro') },
      { topic: p.engagements, ...at(ahead[1]!.user_id), value: codec.encodeEngagement(ahead[1]!, 'json') },
      { topic: p.views, ...at(futureView.user_id), value: codec.encodeView(futureView, 'avro') },
    ]);
    await runSimulate(p, ['--views', String(VIEWS), '--users', '300', '--posts', '200', '--views-per-second', '20', '--seed', '51', '--start', new Date(START).toISOString()]);

    // After it: a used event id with other content (a recent one: ids are remembered for the state's keep time), and strings that are not UTF-8.
    const someView = (await read(p.views)).filter((r) => r.partition === 3).at(-1)!;
    const usedView = codec.decodeView(someView.value, someView);
    const someEngagement = (await read(p.engagements)).filter((r) => r.partition === 3).at(-1)!;
    const usedEngagement: EngagementEvent = codec.decodeEngagement(someEngagement.value, someEngagement);
    await producer.send([
      { topic: p.views, partition: 3, key: someView.key, value: codec.encodeView({ ...usedView, post_id: usedView.post_id + 1, ts: usedView.ts + 1_000 }, 'avro') },
      { topic: p.engagements, partition: 3, key: someEngagement.key, value: codec.encodeEngagement({ ...usedEngagement, post_id: usedEngagement.post_id + 1, view_id: null }, 'avro') },
      { topic: p.views, partition: 1, key: Buffer.from('u1'), value: invalidUtf8Json(JSON.parse(codec.encodeView(view(900_002), 'json').toString()) as Record<string, unknown>, 'region') },
      { topic: p.engagements, partition: 1, key: Buffer.from('u2'), value: invalidUtf8Json(JSON.parse(codec.encodeEngagement(engagement(900_003), 'json').toString()) as Record<string, unknown>, 'type') },
    ]);

    const r = await runJoin(p);
    assert.equal(r.code, 0, r.stderr);
    const c = joinSummary(r).counters;
    assert.deepEqual(c.timeOutliers, { views: 1, engagements: 2 });
    assert.deepEqual(c.deadLetteredBy, { RECORD_CONFLICTING_DUPLICATE: 2, RECORD_INVALID_UTF8: 2 });

    const report = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'drop');
    assert.equal(report.expected, VIEWS);
    assert.equal(report.missing, 0);
    assert.equal(report.extra, 1, 'the future view is kept as data (--outlier-policy hold): its own sample, and nothing else');
    assert.equal(report.labelAccuracy, 1, JSON.stringify(report.examples.mismatched.slice(0, 3)));
    const first = await samples(p.samples);
    assert.ok(first.has(futureView.event_id.toString('hex')));

    const again = { ...p, samples: `${p.samples}-again`, group: `${p.group}-again` };
    await createTestTopics(t, [{ name: again.samples, partitions: 4, replicationFactor: 1 }]);
    const r2 = await runJoin(again, [], again.samples);
    assert.equal(r2.code, 0, r2.stderr);
    const { commits: _a, ...c1 } = c;
    const { commits: _b, ...c2 } = joinSummary(r2).counters;
    assert.deepEqual(c2, c1);
    assert.deepEqual(await samples(again.samples), first);
  });
});
