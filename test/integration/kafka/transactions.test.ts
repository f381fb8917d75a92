/**
 * Transactions on the real broker, as a read_committed reader sees them.
 *
 * One transactional id used for several transactions keeps one producer id, so
 * a log can hold committed and aborted ranges of the same producer side by
 * side; a reader must drop exactly the aborted ones. (The client library's own
 * filter dropped the committed transactions between two aborted ones of one
 * producer; this test is how that was pinned down, see src/kafka/fetcher.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaFetcher } from '../../../src/kafka/fetcher.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import { TransactionalOutput } from '../../../src/kafka/transactional.js';
import type { ProducedRecord } from '../../../src/kafka/producer.js';
import { createTestTopics, testConnection, uniqueTopic } from '../../helpers/kafka.js';

function batch(topic: string, name: string, size: number): ProducedRecord[] {
  return Array.from({ length: size }, (_, i) => ({ topic, partition: 0, key: null, value: Buffer.from(`${name}-${i}`) }));
}

describe('transactions through the real broker', () => {
  it('read_committed keeps every committed transaction between aborted ones of the same producer', async (t) => {
    const topic = uniqueTopic('txn');
    await createTestTopics(t, [{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const output = new TransactionalOutput(testConnection(), { transactionalId: `${topic}-writer`, compression: 'lz4' });
    t.after(() => output.close());

    const plan: Array<['commit' | 'abort', string, number]> = [
      ['commit', 'a', 20], ['abort', 'b', 30], ['commit', 'c', 25], ['abort', 'd', 5], ['commit', 'e', 40], ['abort', 'f', 10], ['commit', 'g', 7],
    ];
    for (const [outcome, name, size] of plan) {
      if (outcome === 'commit') await output.commit(batch(topic, name, size), new Map());
      else await output.abort(batch(topic, name, size));
    }
    const expected = plan.filter(([o]) => o === 'commit').flatMap(([, name, size]) => batch(topic, name, size).map((r) => String(r.value)));
    const everything = plan.flatMap(([, name, size]) => batch(topic, name, size).map((r) => String(r.value)));

    const committed: string[] = [];
    await readTopicToEnd(testConnection(), topic, { isolation: 'read_committed', onRecord: (r) => committed.push(r.value?.toString() ?? '') });
    assert.deepEqual(committed, expected);

    const uncommitted: string[] = [];
    await readTopicToEnd(testConnection(), topic, { isolation: 'read_uncommitted', onRecord: (r) => uncommitted.push(r.value?.toString() ?? '') });
    assert.deepEqual(uncommitted, everything);

    // Every start offset gives the same answer: the aborted list of each response is used from where it starts.
    const fetcher = new KafkaFetcher(testConnection(), { isolation: 'read_committed' });
    t.after(() => fetcher.close());
    const end = (await fetcher.highWatermarks(topic, [0])).get(0) ?? 0n;
    for (let from = 0n; from < end; from += 9n) {
      const got: string[] = [];
      let offset = from;
      while (offset < end) {
        const part = (await fetcher.fetch([{ topic, partition: 0, offset }]))[0];
        if (part === undefined || part.nextOffset <= offset) break;
        got.push(...part.records.map((r) => r.value?.toString() ?? ''));
        offset = part.nextOffset;
      }
      const firstKept = committed.findIndex((v) => got[0] === v);
      assert.deepEqual(got, firstKept < 0 ? [] : committed.slice(firstKept), `reading from offset ${from}`);
    }
  });
});
