/**
 * The replication of the pipeline's new topics (src/kafka/topics.ts): min(3, brokers) unless
 * configured, and min.insync.replicas 2 from replication factor 3 on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { minInsyncFor, pipelineTopicSpecs, replicationFor } from '../../src/kafka/topics.js';

describe('replication of new topics', () => {
  it('is min(3, brokers in the cluster) unless configured', () => {
    assert.deepEqual([1, 2, 3, 5].map((brokers) => replicationFor(undefined, brokers)), [1, 2, 3, 3]);
    assert.equal(replicationFor(undefined, 0), 1);
    assert.equal(replicationFor(2, 5), 2);
  });

  it('sets min.insync.replicas 2 from replication factor 3 on, else leaves the broker default', () => {
    assert.equal(minInsyncFor(1), undefined);
    assert.equal(minInsyncFor(2), undefined);
    assert.deepEqual(minInsyncFor(3), { 'min.insync.replicas': '2' });
  });

  it('gives every pipeline topic the same partitions and replication', () => {
    const specs = pipelineTopicSpecs(loadConfig({ flags: { partitions: '6' } }), undefined, 3);
    assert.ok(specs.length >= 4, 'views, engagements, samples, dead letters');
    for (const s of specs) assert.deepEqual([s.partitions, s.replicationFactor, s.configs], [6, 3, { 'min.insync.replicas': '2' }], s.name);
    const single = pipelineTopicSpecs(loadConfig({ flags: { 'replication-factor': '1' } }), ['extra'], 3);
    assert.deepEqual(single.map((s) => [s.name, s.replicationFactor, s.configs]), [['extra', 1, undefined]]);
  });
});
