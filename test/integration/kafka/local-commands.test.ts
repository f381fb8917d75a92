/**
 * `kafka start` and `kafka stop` with LABELJOIN_BROKERS set, as a user sets it
 * for every command, against real brokers: the test run's broker is left
 * alone, a broker started on the port the environment names is the one stopped.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort, runningBroker } from '../../../src/kafka/local/broker.js';
import { runCli } from '../../helpers/cli.js';
import { testAdmin, testBrokers } from '../../helpers/kafka.js';
import { testDir } from '../../helpers/tmp.js';

describe('local-broker commands and LABELJOIN_BROKERS', () => {
  it('start finds a Kafka broker already answering at the address the environment names and starts nothing', async (t) => {
    const root = testDir(t, 'envstart');
    const r = await runCli(['kafka', 'start', '--data', join(root, 'kafka')], { LABELJOIN_BROKERS: testBrokers()[0]!, XDG_STATE_HOME: join(root, 'state') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^a Kafka broker \(cluster \S+\) already answers at 127\.0\.0\.1:\d+, named by LABELJOIN_BROKERS=127\.0\.0\.1:\d+; it was not started by labeljoin in .*, nothing started$/m);
    assert.equal(runningBroker(join(root, 'kafka')), undefined);
  });

  it('start starts on the port the environment names; stop with the same environment stops that broker and no other', async (t) => {
    const root = testDir(t, 'envboth');
    const port = await freePort();
    const env = { LABELJOIN_BROKERS: `localhost:${port}`, XDG_STATE_HOME: join(root, 'state'), LABELJOIN_KAFKA_DATA: join(root, 'kafka'), LABELJOIN_KAFKA_HEAP_MB: '256' };
    t.after(() => runCli(['kafka', 'stop', '--data', join(root, 'kafka')], env));
    const start = await runCli(['kafka', 'start'], env);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, new RegExp(`running at 127\\.0\\.0\\.1:${port} `));

    const status = await runCli(['kafka', 'status'], env);
    assert.equal(status.code, 0, status.stderr);

    const stop = await runCli(['kafka', 'stop'], env);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`^stopped Kafka at 127\\.0\\.0\\.1:${port} `, 'm'));
    assert.equal(runningBroker(join(root, 'kafka')), undefined);
    // The test run's broker still answers.
    assert.ok((await testAdmin(t).describeCluster()).brokers.length > 0);
  });
});
