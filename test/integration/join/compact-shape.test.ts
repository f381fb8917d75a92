/**
 * The compact shape (schemas/compact/): plain Avro bodies, the user in the
 * Kafka key, the event time in the record timestamp, (producer, sequence)
 * ids. The simulator sends it, the joiner joins it by schemas/compact/inputs.json
 * ("@key", "@timestamp"), and the samples equal the truth, each carrying its
 * view's body unchanged, then the record's key and timestamp, then the labels.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { declaredType } from '../../../src/codec/declared/avro-types.js';
import { parseViewInput, type ViewDeclaration } from '../../../src/config/inputs.js';
import { fileSampleSchema } from '../../../src/codec/declared/sample-schema.js';
import type { ConsumedRecord } from '../../../src/kafka/fetcher.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import { packageRoot } from '../../../src/paths.js';
import { PRODUCER_BASE } from '../../../src/sim/workload.js';
import { jsonOutput, runCli } from '../../helpers/cli.js';
import { testConnection } from '../../helpers/kafka.js';
import { createPipeline, joinSummary, runJoin, runSimulate, WINDOW_FLAGS } from '../../helpers/pipeline.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';

const INPUTS = join(packageRoot(), 'schemas', 'compact', 'inputs.json');
const FRAMING = 10; // the samples' single-object header (src/codec/framing.ts)

async function records(topic: string): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  await readTopicToEnd(testConnection(), topic, { onRecord: (r) => out.push(r) });
  return out;
}

describe('the compact shape: user in the key, time in the record timestamp', () => {
  it('joins to 100 % agreement with the truth; each sample is the view body, its key and timestamp, then the labels', async (t) => {
    const p = await createPipeline(t, 'compact-join', 4);
    await runSimulate(p, ['--shape', 'compact', '--views', '4000', '--users', '400', '--posts', '300', '--views-per-second', '40', '--seed', '23']);
    const r = await runJoin(p, ['--config', INPUTS]);
    assert.equal(r.code, 0, r.stderr);
    const summary = joinSummary(r);
    assert.equal(summary.counters.samplesOut, 4_000);
    assert.equal(summary.counters.deadLettered, 0);

    const v = await runCli(['validate', '--json', '--config', INPUTS, '--brokers', testConnection().brokers.join(','), '--samples', `topic:${p.samples}`, '--truth', p.truth, ...WINDOW_FLAGS], { LABELJOIN_LOG_LEVEL: 'warn' });
    const report = jsonOutput<{ passed: boolean; matched: number; onlyInA: number; onlyInB: number; agreement: number }>(v, 'validate');
    assert.equal(v.code, 0, v.stderr);
    assert.deepEqual([report.passed, report.matched, report.onlyInA, report.onlyInB, report.agreement], [true, 4_000, 0, 0, 1]);

    const views = new Map<string, ConsumedRecord>();
    for (const rec of await records(p.views)) {
      const id = rec.value!.subarray(0, 16);
      assert.equal(id.readBigUInt64BE(0) - PRODUCER_BASE < 64n, true, 'a (producer, sequence) id');
      views.set(id.toString('hex'), rec);
    }
    const declaration = parseViewInput({ format: 'avro', schemaFile: join(packageRoot(), 'schemas', 'compact', 'view.avsc'), fields: { user: '@key', item: 'post_id', time: '@timestamp', eventId: 'event_id' } }) as ViewDeclaration;
    const sampleType = declaredType(fileSampleSchema(declaration, DEFAULT_LABEL_TYPES));
    const samples = await records(p.samples);
    assert.equal(samples.length >= 4_000, true);
    for (const s of samples) {
      const o = sampleType.fromBuffer(s.value!.subarray(FRAMING)) as { event_id: Buffer; view_event_id: Buffer; record_key: string; record_timestamp: bigint };
      const view = views.get(o.view_event_id.toString('hex'));
      assert.ok(view !== undefined, 'every sample has its view');
      assert.deepEqual(s.value!.subarray(FRAMING, FRAMING + view.value!.length), view.value, 'the sample starts with the view body, unchanged');
      assert.equal(o.record_key, view.key!.toString('utf8'));
      assert.deepEqual(s.key, view.key, 'keyed like its view');
      assert.equal(BigInt(o.record_timestamp), view.timestamp);
    }
  });

  // A correction rebuilds its sample from what the index kept of the view (src/join/outbox.ts: the key, the
  // record timestamp and the value), so a view whose time is the record's must keep that too.
  it('late policy "correct" with the state on disk: corrections are built from the kept view, the newest versions equal the truth', async (t) => {
    const p = await createPipeline(t, 'compact-correct', 4);
    await runSimulate(p, ['--shape', 'compact', '--views', '5000', '--users', '500', '--posts', '300', '--views-per-second', '25', '--duplicate-rate', '0.05', '--early-rate', '0.1',
      '--late-rate', '0.03', '--late-arrival-rate', '0.03', '--skew', '1s', '--seed', '29']);
    const r = await runJoin(p, ['--config', INPUTS, '--late-policy', 'correct', '--state', 'disk']);
    assert.equal(r.code, 0, r.stderr);
    const summary = joinSummary(r);
    t.diagnostic(`${summary.counters.viewsIn} views, ${summary.counters.late} late, ${summary.counters.corrections} corrections`);
    assert.ok(summary.counters.corrections > 0, r.stdout);
    assert.equal(summary.counters.deadLettered, 0);
    const v = await runCli(['validate', '--json', '--config', INPUTS, '--late-policy', 'correct', '--brokers', testConnection().brokers.join(','), '--samples', `topic:${p.samples}`, '--truth', p.truth, ...WINDOW_FLAGS], { LABELJOIN_LOG_LEVEL: 'warn' });
    const report = jsonOutput<{ passed: boolean; matched: number; onlyInA: number; onlyInB: number; agreement: number }>(v, 'validate');
    assert.equal(v.code, 0, v.stderr);
    assert.deepEqual([report.passed, report.matched, report.onlyInA, report.onlyInB, report.agreement], [true, 5_000, 0, 0, 1]);
  });
});
