/**
 * The oracle never fails a correct joiner: clean simulations (no bad records,
 * the simulator's usual disorder) joined with `labeljoin join --drain`
 * validate at 100 % against the simulator's truth, for 20 seeds x 3 starts.
 *
 * The flags are the defaults (a 10 min window): short runs then end well
 * inside one window, where a partition's watermark lags the arrival of its
 * last records, so the end of the logs (where a late arrival may come before
 * its view was emitted) decides many late labels (issue 15).
 *
 * The traffic is sent by the code of `labeljoin simulate`, in this process
 * (60 more CLI processes would double the time); the join is the CLI.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workloadOptions } from '../../../src/cli/workload-options.js';
import { EventCodec } from '../../../src/codec/codec.js';
import { loadConfig } from '../../../src/config/config.js';
import { KafkaProducer } from '../../../src/kafka/producer.js';
import { simulate } from '../../../src/sim/simulate.js';
import { systemClock } from '../../../src/time/clock.js';
import { compareWithTruth } from '../../../src/validate/truth-report.js';
import { testConnection } from '../../helpers/kafka.js';
import { createPipeline, runJoin, type TestPipeline } from '../../helpers/pipeline.js';

/** The defaults of simulate and join, stated: they override the pipeline's shorter window. */
const WINDOW = { window: '10m', 'max-skew': '30s', 'out-of-orderness': '15s' };
const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
/** The default start, the one of the issue, and one just before a day boundary. */
const STARTS = ['2026-01-01T00:00:00Z', '2026-01-01T01:20:00Z', '2026-03-28T23:59:55Z'];
const VIEWS = 3_000;

/** What `labeljoin simulate --seed S --start T --views N --truth FILE` does, with the pipeline's topics. */
async function simulateInto(p: TestPipeline, seed: number, start: string): Promise<EventCodec> {
  const config = loadConfig({ flags: { ...WINDOW, seed: String(seed), start, views: String(VIEWS) } });
  const producer = new KafkaProducer(testConnection('labeljoin-test-oracle'), { compression: config.kafka.compression });
  try {
    await simulate(
      { workload: workloadOptions(config, p.partitions, systemClock), viewsTopic: p.views, engagementTopics: [p.engagements], kindHeader: config.topics.kindHeader, format: 'avro', rate: undefined, truthFile: p.truth },
      producer,
      systemClock,
    );
  } finally {
    await producer.close();
  }
  return new EventCodec({ labelTypes: config.join.labelTypes });
}

describe('the truth agrees with the joiner on every clean simulation', { concurrency: 3 }, () => {
  for (const seed of SEEDS) {
    STARTS.forEach((start, s) => {
      it(`seed ${seed}, start ${start}`, async (t) => {
        const p = await createPipeline(t, `oracle-${seed}-${s}`);
        const codec = await simulateInto(p, seed, start);
        const join = await runJoin(p, Object.entries(WINDOW).flatMap(([flag, value]) => [`--${flag}`, value]));
        assert.equal(join.code, 0, join.stderr);
        const r = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'drop');
        const where = `seed ${seed}, start ${start}`;
        assert.equal(r.expected, VIEWS, where);
        assert.equal(r.missing + r.extra, 0, `${where}: ${r.missing} samples missing, ${r.extra} extra, e.g. ${r.examples.missing[0] ?? ''}`);
        const differing = Object.entries(r.perLabel).filter(([, k]) => k.mismatches > 0).map(([type, k]) => `${type} ${k.mismatches}`);
        assert.equal(r.labelAccuracy, 1, `${where}: labels differ (${differing.join(', ')}), first: ${r.examples.mismatched[0] ?? '?'}`);
      });
    });
  }
});
