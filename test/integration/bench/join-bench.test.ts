import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JoinBenchResult } from '../../../src/bench/join-bench.js';
import { runCli } from '../../helpers/cli.js';
import { testAdmin, testBrokers } from '../../helpers/kafka.js';

describe('labeljoin bench join on the real broker', () => {
  it('measures the joiner against our client and the JVM consumer on the same topics, and cleans up', async (t) => {
    const admin = testAdmin(t);
    const before = new Set(await admin.listTopics());
    const r = await runCli(['bench', 'join', '--json', '--join-views', '5000', '--window', '1m', '--brokers', testBrokers().join(',')], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as JoinBenchResult;
    assert.equal(result.views, 5000);
    assert.equal(result.join.samples, 5000, 'one sample per distinct view');
    assert.ok(result.inputEvents > 5000);
    for (const [name, v] of Object.entries({ join: result.join.eventsPerSec, ours: result.limit.ourClientEventsPerSec, jvm: result.limit.kafkaConsumerEventsPerSec, cpu: result.join.cpuSecondsPerMillion, rss: result.join.peakRssMiB })) {
      assert.ok(Number.isFinite(v) && v > 0, `${name}: ${v}`);
    }
    assert.equal(result.fractionOfOurClient, result.join.eventsPerSec / result.limit.ourClientEventsPerSec);
    const after = await admin.listTopics();
    assert.deepEqual(after.filter((topic) => !before.has(topic)), []);
    assert.deepEqual([result.negativeShare, result.join.negativesDropped], [1, 0]);
  });

  it('--negative-share F is passed to the joiner: fewer samples, the dropped negatives counted', async () => {
    const r = await runCli(['bench', 'join', '--json', '--join-views', '5000', '--window', '1m', '--negative-share', '0.1', '--brokers', testBrokers().join(',')], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as JoinBenchResult;
    assert.equal(result.negativeShare, 0.1);
    assert.ok(result.join.negativesDropped > 0 && result.join.samples > 0, `${result.join.samples} samples, ${result.join.negativesDropped} dropped`);
    assert.equal(result.join.samples + result.join.negativesDropped, 5000);
  });
});
