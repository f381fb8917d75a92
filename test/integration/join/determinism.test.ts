/**
 * The counters and samples are a function of the log: the same events as
 * JSON and as Avro (other record sizes, so other fetch boundaries), joined on
 * the real broker, give the same samples and the same counts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import { testConnection } from '../../helpers/kafka.js';
import { createPipeline, joinSummary, runJoin, runSimulate, type TestPipeline } from '../../helpers/pipeline.js';

const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });
const DISORDER = ['--views', '8000', '--users', '500', '--posts', '300', '--views-per-second', '25', '--duplicate-rate', '0.05', '--early-rate', '0.1',
  '--late-rate', '0.03', '--late-arrival-rate', '0.03', '--skew', '1s', '--seed', '41'];

async function samples(p: TestPipeline): Promise<string[]> {
  const out: string[] = [];
  await readTopicToEnd(testConnection(), p.samples, {
    onRecord: (r) => {
      const s = codec.decodeSample(r.value, r);
      out.push(JSON.stringify([s.sample_id.toString('hex'), s.version, s.labels, s.delays_ms, s.context]));
    },
  });
  return out.sort();
}

describe('the join is a function of the log', () => {
  it('the same events as JSON and as Avro give identical samples and identical counters', async (t) => {
    const runs = [];
    for (const format of ['avro', 'json'] as const) {
      const p = await createPipeline(t, `join-det-${format}`, 4);
      await runSimulate(p, [...DISORDER, '--format', format]);
      const r = await runJoin(p, [], p.samples, { LABELJOIN_FETCH_BYTES: '16384' });
      assert.equal(r.code, 0, r.stderr);
      const { commits: _commits, ...counters } = joinSummary(r).counters;
      runs.push({ format, counters, samples: await samples(p) });
    }
    const [avro, json] = runs;
    assert.ok(avro!.samples.length >= 8000 && avro!.counters.duplicateEngagements > 0 && avro!.counters.late > 0, JSON.stringify(avro!.counters));
    assert.deepEqual(json!.counters, avro!.counters);
    const differing = json!.samples.filter((s, i) => s !== avro!.samples[i]);
    assert.deepEqual(differing.slice(0, 3), []);
    assert.equal(json!.samples.length, avro!.samples.length);
  });
});
