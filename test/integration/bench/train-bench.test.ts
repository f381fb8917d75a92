import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrainBenchResult } from '../../../src/bench/train-bench.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { runCli } from '../../helpers/cli.js';
import { testAdmin, testBrokers } from '../../helpers/kafka.js';
import { startRedis } from '../../helpers/redis.js';

describe('labeljoin bench train on the real broker', () => {
  it('trains on every simulated sample once, reports rate, CPU, RSS and AUC, and cleans up', async (t) => {
    const admin = testAdmin(t);
    const before = new Set(await admin.listTopics());
    const r = await runCli(['bench', 'train', '--json', '--records', '3000', '--brokers', testBrokers().join(',')], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as TrainBenchResult;
    assert.equal(result.samples, 3000);
    assert.equal(result.signals, DEFAULT_LABEL_TYPES.length);
    assert.equal(result.store, 'embedded');
    assert.ok(result.samplesPerSec > 0 && result.cpuSecondsPerMillion > 0 && result.peakRssMiB > 0);
    assert.deepEqual(Object.keys(result.lastWindowAuc).sort(), [...DEFAULT_LABEL_TYPES].sort());
    const after = await admin.listTopics();
    assert.deepEqual(after.filter((topic) => !before.has(topic)), []);
  });

  it('--store redis trains the same samples in Redis', async (t) => {
    const url = await startRedis(t);
    const r = await runCli(['bench', 'train', '--json', '--records', '3000', '--store', 'redis', '--redis-url', url, '--brokers', testBrokers().join(',')], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as TrainBenchResult;
    assert.equal(result.store, 'redis');
    assert.equal(result.samples, 3000);
  });
});
