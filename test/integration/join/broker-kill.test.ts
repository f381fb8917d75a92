/**
 * The broker killed (kill -9, no shutdown) under a draining joiner and started
 * again, several runs in a row: every run completes, 0 samples missing, every
 * label right. A send or fetch that fails while the broker is away is retried
 * on new connections (src/kafka/producer.ts, fetcher.ts). Uses a broker of its
 * own. Runs: LABELJOIN_BROKER_KILL_RUNS (default 3; the 10 in the note).
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
import { alive, waitFor } from '../../helpers/wait.js';

const RUNS = Number(process.env['LABELJOIN_BROKER_KILL_RUNS'] ?? '3');

describe('joiner through a broker killed with kill -9', () => {
  it(`${RUNS} runs in a row: each completes with nothing missing and every label right`, async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'labeljoin-kill-kafka-'));
    const work = mkdtempSync(join(tmpdir(), 'labeljoin-kill-'));
    const port = await freePort();
    const broker = { port, dataDir, heapMb: 512, startTimeoutMs: 120_000 };
    let pid = (await startLocalBroker(broker)).state.pid;
    t.after(async () => {
      await stopLocalBroker(dataDir).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    });
    const brokers = `127.0.0.1:${port}`;
    const connection = { brokers: [brokers], clientId: 'kill-test', requestTimeoutMs: 15_000 };
    const admin = new KafkaAdmin(connection);
    const samplesTopics = Array.from({ length: RUNS }, (_, i) => `samples-${i}`);
    await admin.createTopics(['views', 'engagements', 'labeljoin-dead-letter', ...samplesTopics].map((name) => ({ name, partitions: 4, replicationFactor: 1 })));
    await admin.close();
    const truth = join(work, 'truth.ndjson');
    const window = ['--window', '1m', '--max-skew', '10s'];
    const sim = await runCli(['simulate', '--brokers', brokers, '--views', '40000', '--users', '3000', '--posts', '2000', '--views-per-second', '60', '--seed', '43', ...window, '--truth', truth], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(sim.code, 0, sim.stderr);

    for (let run = 0; run < RUNS; run++) {
      const joiner = startCli(['join', '--drain', '--brokers', brokers, ...window, '--samples-topic', samplesTopics[run]!, '--group', `kill-joiner-${run}`, '--state-dir', join(work, `state-${run}`), '--progress-every', '100ms'], {
        LABELJOIN_LOG_LEVEL: 'info',
        LABELJOIN_LOG_FORMAT: 'json',
        LABELJOIN_FETCH_BYTES: '32768',
        LABELJOIN_REQUEST_TIMEOUT_MS: '5000',
      });
      t.after(() => joiner.kill('SIGKILL'));
      assert.ok((await joiner.waitForStderr(/samples [1-9]\d* out/)) !== undefined, `run ${run}: samples before the kill`);
      joiner.kill('SIGSTOP');
      process.kill(pid, 'SIGKILL');
      await waitFor(() => !alive(pid), { what: `the broker (pid ${pid}) to be gone`, timeoutMs: 10_000 });
      joiner.kill('SIGCONT');
      assert.ok((await joiner.waitForStderr(/unavailable; retrying/)) !== undefined, `run ${run}: the joiner saw the broker gone and retries`);
      pid = (await startLocalBroker(broker)).state.pid;
      const r = await joiner.done;
      assert.equal(r.code, 0, `run ${run}: ${r.stderr.split('\n').slice(-6).join('\n')}`);
      const report = await compareWithTruth(connection, samplesTopics[run]!, truth, new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES }), 'drop');
      assert.deepEqual([report.missing, report.extra, report.labelAccuracy], [0, 0, 1], `run ${run}: ${JSON.stringify(report.examples)}`);
    }
  });
});
