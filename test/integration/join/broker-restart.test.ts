/**
 * The broker stops and starts again while the joiner runs: the joiner waits,
 * reconnects by itself and finishes with nothing missing and every label right.
 * Uses a broker of its own, so the other tests' broker is never stopped.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { KafkaAdmin } from '../../../src/kafka/admin.js';
import { freePort, startLocalBroker, stopLocalBroker } from '../../../src/kafka/local/broker.js';
import { compareWithTruth } from '../../../src/validate/truth-report.js';
import { runCli, startCli } from '../../helpers/cli.js';

describe('joiner through a broker restart', () => {
  it('waits for the broker, reconnects, and finishes correctly', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'labeljoin-restart-kafka-'));
    const work = mkdtempSync(join(tmpdir(), 'labeljoin-restart-'));
    const port = await freePort();
    const broker = { port, dataDir, heapMb: 512, startTimeoutMs: 120_000 };
    await startLocalBroker(broker);
    t.after(async () => {
      await stopLocalBroker(dataDir).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    });
    const brokers = `127.0.0.1:${port}`;
    const admin = new KafkaAdmin({ brokers: [brokers], clientId: 'restart-test', requestTimeoutMs: 15_000 });
    await admin.createTopics(['views', 'engagements', 'samples', 'labeljoin-dead-letter'].map((name) => ({ name, partitions: 4, replicationFactor: 1 })));
    await admin.close();

    const truth = join(work, 'truth.ndjson');
    const window = ['--window', '1m', '--max-skew', '10s'];
    const sim = await runCli(['simulate', '--brokers', brokers, '--views', '80000', '--users', '3000', '--posts', '2000', '--views-per-second', '60', '--seed', '41', ...window, '--truth', truth], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(sim.code, 0, sim.stderr);

    const joiner = startCli(['join', '--drain', '--brokers', brokers, ...window, '--group', 'restart-joiner', '--state-dir', join(work, 'state'), '--progress-every', '100ms'], {
      LABELJOIN_LOG_LEVEL: 'info',
      LABELJOIN_LOG_FORMAT: 'json',
      LABELJOIN_FETCH_BYTES: '32768',
    });
    assert.ok((await joiner.waitForStderr(/samples [1-9]\d* out/)) !== undefined, 'the joiner produced samples before the restart');
    // Frozen while the broker stops, so it cannot finish first however fast it is; it wakes up to a dead broker.
    joiner.kill('SIGSTOP');
    await stopLocalBroker(dataDir);
    joiner.kill('SIGCONT');
    // The broker comes back only once the joiner has found it gone.
    assert.ok((await joiner.waitForStderr(/Kafka unavailable; retrying/)) !== undefined, 'the joiner saw the broker down and retries');
    await startLocalBroker(broker);
    const r = await joiner.done;
    assert.equal(r.code, 0, r.stderr.split('\n').slice(-10).join('\n'));
    assert.match(r.stderr, /Kafka unavailable; retrying/);
    assert.match(r.stderr, /Kafka answers again; going on/);

    const report = await compareWithTruth({ brokers: [brokers], clientId: 'restart-test', requestTimeoutMs: 15_000 }, 'samples', truth, new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES }), 'drop');
    assert.equal(report.missing, 0, JSON.stringify(report.examples));
    assert.equal(report.extra, 0);
    assert.equal(report.labelAccuracy, 1, JSON.stringify(report.examples));
  });
});
