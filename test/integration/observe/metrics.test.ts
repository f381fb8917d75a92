/**
 * The /metrics endpoints of a live joiner and a live trainer, scraped during
 * the run and checked against what was sent: every input record, every
 * sample and label value, the dead letters, the duplicates, the trainer's
 * applied samples and its validation figures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { freePort } from '../../../src/kafka/local/broker.js';
import { KafkaProducer } from '../../../src/kafka/producer.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import { parsePromText, sumOf, type PromSample } from '../../../src/observe/prom-text.js';
import { startCli } from '../../helpers/cli.js';
import { testConnection } from '../../helpers/kafka.js';
import { createPipeline, runSimulate, WINDOW_FLAGS } from '../../helpers/pipeline.js';
import { waitFor } from '../../helpers/wait.js';

const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });

async function scrape(url: string): Promise<PromSample[]> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  return parsePromText(await response.text());
}

/** Scrapes until `key` is at least `minimum` and the same four times in a row, 500 ms apart. */
async function settled(url: string, key: (s: PromSample[]) => number, minimum: number, timeoutMs = 90_000): Promise<PromSample[]> {
  let last = Number.NaN;
  let same = 0;
  let failure = '';
  return waitFor(async () => {
    const samples = await scrape(url).catch((error: unknown) => {
      failure = String((error as { cause?: unknown }).cause ?? error);
      return [];
    });
    const value = key(samples);
    same = value === last && value >= minimum ? same + 1 : 0;
    last = value;
    return same >= 3 ? samples : undefined;
  }, {
    what: `the metrics to settle (at least ${minimum}, the same in 4 scrapes 500 ms apart)`,
    timeoutMs,
    everyMs: 500,
    detail: () => `value ${last}${failure === '' ? '' : `, last error ${failure}`}`,
  });
}

describe('Prometheus metrics on the real broker', () => {
  it('a live joiner\'s and trainer\'s counters equal what was sent', async (t) => {
    const p = await createPipeline(t, 'metrics', 4);
    const bad = [Buffer.from([0xc3, 0x01, 1, 2, 3]), Buffer.from('{not json'), Buffer.from('[]')];
    const producer = new KafkaProducer(testConnection(), { compression: 'lz4' });
    t.after(() => producer.close());
    await producer.send(bad.map((value, i) => ({ topic: p.views, partition: i % 4, key: Buffer.from(`bad-${i}`), value })));
    await runSimulate(p, ['--views', '3000', '--users', '300', '--posts', '200', '--views-per-second', '20', '--duplicate-rate', '0.05', '--seed', '41']);

    // What is on the input topics, counted independently.
    let engagementRecords = 0;
    const engagementIds = new Set<string>();
    await readTopicToEnd(testConnection(), p.engagements, {
      onRecord: (r) => {
        engagementRecords++;
        engagementIds.add(codec.decodeEngagement(r.value, r).event_id.toString('hex'));
      },
    });

    const joinPort = await freePort();
    const joiner = startCli(
      ['join', ...p.inputArgs, '--samples-topic', p.samples, '--dead-letter-topic', p.deadLetter, ...WINDOW_FLAGS, '--group', p.group, '--state-dir', p.stateDir,
        '--idle-timeout', '1s', '--metrics-port', String(joinPort)],
      { LABELJOIN_LOG_LEVEL: 'warn' },
    );
    t.after(() => joiner.kill('SIGKILL'));
    const joinUrl = `http://127.0.0.1:${joinPort}/metrics`;
    // Every engagement read, then no more samples for 3 scrapes (the last window stays held while live).
    await settled(joinUrl, (s) => sumOf(s, 'labeljoin_join_records_in_total', { input: 'engagements' }), engagementRecords).catch((error: unknown) => {
      throw new Error(`${String(error)}; joiner stderr: ${joiner.stderr()}`);
    });
    const j = await settled(joinUrl, (s) => sumOf(s, 'labeljoin_join_samples_out_total') + sumOf(s, 'labeljoin_join_records_in_total'), engagementRecords).catch((error: unknown) => {
      throw new Error(`${String(error)}; joiner stderr: ${joiner.stderr()}`);
    });

    const samples: Array<Record<string, number>> = [];
    await readTopicToEnd(testConnection(), p.samples, { isolation: 'read_committed', onRecord: (r) => samples.push(codec.decodeSample(r.value, r).labels) });
    assert.ok(samples.length > 1_000, `${samples.length} samples emitted while live`);
    assert.equal(sumOf(j, 'labeljoin_join_records_in_total', { input: 'engagements', topic: p.engagements }), engagementRecords);
    assert.equal(sumOf(j, 'labeljoin_join_duplicates_total', { kind: 'engagement' }), engagementRecords - engagementIds.size);
    assert.equal(sumOf(j, 'labeljoin_join_samples_out_total'), samples.length);
    for (const type of DEFAULT_LABEL_TYPES) {
      const ones = samples.filter((l) => l[type] === 1).length;
      assert.equal(sumOf(j, 'labeljoin_join_labels_total', { label: type, value: '1' }), ones, type);
      assert.equal(sumOf(j, 'labeljoin_join_labels_total', { label: type, value: '0' }), samples.length - ones, type);
    }
    assert.equal(sumOf(j, 'labeljoin_join_dead_lettered_total', { code: 'RECORD_UNDECODABLE' }), bad.length);
    assert.equal(sumOf(j, 'labeljoin_join_emit_latency_seconds_count'), samples.length);
    assert.ok(sumOf(j, 'labeljoin_join_commit_seconds_count') > 0);
    assert.deepEqual(j.filter((s) => s.name === 'labeljoin_join_watermark_seconds').map((s) => s.labels['partition']).sort(), ['0', '1', '2', '3']);
    assert.ok(j.every((s) => s.name !== 'labeljoin_join_index_engagements' || s.value > 0));

    const trainPort = await freePort();
    const trainer = startCli(['train', '--brokers', p.inputArgs[1]!, '--samples-topic', p.samples, '--dead-letter-topic', p.deadLetter, '--signals', 'like,play', '--model-dir', `${p.stateDir}-model`, '--eval-window', '200', '--metrics-port', String(trainPort)], { LABELJOIN_LOG_LEVEL: 'warn' });
    t.after(() => trainer.kill('SIGKILL'));
    const trainUrl = `http://127.0.0.1:${trainPort}/metrics`;
    const tr = await settled(trainUrl, (s) => sumOf(s, 'labeljoin_train_samples_total', { outcome: 'applied' }), samples.length).catch((error: unknown) => {
      throw new Error(`${String(error)}; trainer stderr: ${trainer.stderr()}`);
    });
    assert.equal(sumOf(tr, 'labeljoin_train_samples_total', { outcome: 'applied' }), samples.length);
    assert.equal(sumOf(tr, 'labeljoin_train_model_updates_total'), samples.length * 2);
    assert.equal(sumOf(tr, 'labeljoin_train_validation_window'), Math.floor(samples.length / 200));
    for (const signal of ['like', 'play']) {
      const auc = sumOf(tr, 'labeljoin_train_auc', { signal });
      assert.ok(auc > 0.3 && auc <= 1, `${signal} AUC ${auc}`);
      const positives = sumOf(tr, 'labeljoin_train_window_positives', { signal });
      assert.ok(Number.isInteger(positives) && positives > 0 && positives <= 200, `${signal}: ${positives} positives in the last window of 200`);
    }
    assert.equal(sumOf(tr, 'labeljoin_train_consumer_lag_records'), 0);

    joiner.kill('SIGTERM');
    trainer.kill('SIGTERM');
    assert.equal((await joiner.done).code, 0);
    assert.equal((await trainer.done).code, 0);
  });
});
