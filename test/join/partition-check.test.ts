/**
 * Partitioning checked, not trusted: with the check on, a record in another
 * partition than its key gives is dead-lettered (or accepted) and counted per
 * input and partition; records where their key puts them join as before.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, expectedPartition, partitionForKey } from '../../src/kafka/partitioner.js';
import { T0 } from '../helpers/events.js';
import { JoinHarness } from '../helpers/join-harness.js';

const SECOND = 1_000;
const PARTITIONS = 4;

/** A user whose decimal key murmur2 puts in partition p. */
function userIn(p: number, from = 1): number {
  for (let u = from; ; u++) if (partitionForKey(String(u), PARTITIONS) === p) return u;
}

describe('partition check', () => {
  it('dead-letters an engagement in the wrong partition, naming where it belongs; the rest joins', async () => {
    const h = new JoinHarness({ partitions: PARTITIONS, checkPartitions: true, drain: true });
    const u = userIn(1);
    const v = h.view(1, { user_id: u, ts: T0 });
    h.engage(1, v, 'like', 2 * SECOND);
    h.engage(2, v, 'share', 3 * SECOND); // one partition off: its user is joined in partition 1
    for (const p of [1, 2]) h.view(p, { user_id: userIn(p, 5_000), ts: T0 + SECOND }); // partition 2 reads engagements from T0 on
    for (const p of [1, 2]) h.engage(p, h.view(p, { user_id: userIn(p, 9_000), ts: T0 + 300 * SECOND }), 'play', 0);
    await h.drain();
    const s = h.sampleOf(v);
    assert.equal(s?.labels['like'], 1);
    assert.equal(s?.labels['share'], 0, 'the engagement in the wrong partition labels nothing');
    assert.deepEqual(h.counters.wrongPartition, { views: {}, engagements: { 2: 1 } });
    const dead = h.deadLetters().filter((d) => d.headers['labeljoin.error.code'] === 'RECORD_WRONG_PARTITION');
    assert.equal(dead.length, 1);
    assert.match(dead[0]!.headers['labeljoin.error.reason'] ?? '', /belongs in partition 1 of 4 by murmur2, not 2/);
    assert.ok(h.logLines.some((l) => l.includes('records in another partition than their key gives')), 'logged');
  });

  it('accept: counted and logged once per partition, and used', async () => {
    const h = new JoinHarness({ partitions: PARTITIONS, checkPartitions: true, wrongPartition: 'accept', drain: true });
    const u = userIn(3);
    const v = h.view(0, { user_id: u, ts: T0 }); // a view in the wrong partition
    h.engage(0, v, 'like', 1 * SECOND); // and its engagement with it, also wrong
    h.engage(0, v, 'play', 2 * SECOND);
    h.engage(0, h.view(0, { user_id: userIn(0), ts: T0 + 300 * SECOND }), 'skip', 0);
    await h.drain();
    assert.equal(h.sampleOf(v)?.labels['like'], 1, 'accepted records join');
    assert.deepEqual(h.counters.wrongPartition, { views: { 0: 1 }, engagements: { 0: 2 } });
    assert.equal(h.deadLetters().length, 0);
    assert.equal(h.logLines.filter((l) => l.includes('records in another partition than their key gives')).length, 2, 'once per input and partition');
  });

  it('the partitioners: crc32 is zlib\'s; random ones check nothing for null or empty keys', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(expectedPartition('consistent', Buffer.from('123456789'), 7), 0xcbf43926 % 7);
    assert.equal(expectedPartition('consistent_random', Buffer.alloc(0), 7), undefined);
    assert.equal(expectedPartition('consistent', null, 7), 0);
    assert.equal(expectedPartition('murmur2', null, 7), undefined);
    assert.equal(expectedPartition('murmur2_random', Buffer.from('42'), 7), partitionForKey('42', 7));
    assert.equal(expectedPartition('none', Buffer.from('42'), 7), undefined);
    const differ = Array.from({ length: 100 }, (_, i) => Buffer.from(`u-${i}`)).filter((k) => expectedPartition('consistent_random', k, 8) !== expectedPartition('murmur2', k, 8));
    assert.ok(differ.length > 70, `librdkafka's default and Java's disagree on most keys: ${differ.length} of 100`);
  });
});
