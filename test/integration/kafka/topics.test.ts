import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortInUseError, TopicMissingError, TopicsNotCopartitionedError } from '../../../src/kafka/errors.js';
import { startLocalBroker } from '../../../src/kafka/local/broker.js';
import { runCli } from '../../helpers/cli.js';
import { testAdmin, testBrokers, uniqueTopic } from '../../helpers/kafka.js';

describe('pipeline topics on the real broker', () => {
  it('`topics create` creates four co-partitioned topics, and again is a no-op', async (t) => {
    const prefix = uniqueTopic('pipe');
    const names = { views: `${prefix}-views`, engagements: `${prefix}-eng`, samples: `${prefix}-samples`, deadLetter: `${prefix}-dlq` };
    const admin = testAdmin(t, Object.values(names));
    const args = ['topics', 'create', '--brokers', testBrokers().join(','), '--partitions', '3',
      '--views-topic', names.views, '--engagements-topic', names.engagements,
      '--samples-topic', names.samples, '--dead-letter-topic', names.deadLetter];

    const first = await runCli(args);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.match(/^created /gm)?.length, 4);
    const counts = await admin.partitionCounts(Object.values(names));
    assert.deepEqual([...counts.values()], [3, 3, 3, 3]);

    const second = await runCli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout.match(/^exists /gm)?.length, 4);

    const mismatch = await runCli([...args.slice(0, 5), '6', ...args.slice(6)]);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stdout, /has 3 partitions, expected 6/);
  });

  it('`topics create NAME` creates that topic only, with --partitions', async (t) => {
    const prefix = uniqueTopic('one');
    const samples = `${prefix}-samples`;
    const admin = testAdmin(t, [samples, `${prefix}-views`]);
    const r = await runCli(['topics', 'create', samples, '--partitions', '5', '--brokers', testBrokers().join(','), '--views-topic', `${prefix}-views`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `created ${samples} (5 partitions, replication factor 1)\n`);
    const counts = await admin.partitionCounts([samples, `${prefix}-views`]);
    assert.deepEqual([...counts], [[samples, 5]]);
  });

  it('join names a missing samples topic and the exact command that creates it, which works', async (t) => {
    const prefix = uniqueTopic('nosamples');
    const names = { views: `${prefix}-views`, engagements: `${prefix}-eng`, samples: `${prefix}-samples`, deadLetter: `${prefix}-dlq` };
    const admin = testAdmin(t, Object.values(names));
    await admin.createTopics([names.views, names.engagements, names.deadLetter].map((name) => ({ name, partitions: 3, replicationFactor: 1 })));
    const brokers = testBrokers().join(',');
    const joinArgs = ['join', '--drain', '--json', '--brokers', brokers, '--views-topic', names.views, '--engagements-topic', names.engagements,
      '--samples-topic', names.samples, '--dead-letter-topic', names.deadLetter, '--group', `${prefix}-g`, '--metrics-port', 'off'];
    const missing = await runCli(joinArgs, { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(missing.code, 1);
    const command = `labeljoin topics create ${names.samples} --partitions 3 --brokers ${brokers}`;
    assert.equal(missing.stderr, `labeljoin: topic ${names.samples} not found; create it with: ${command}\n`);

    const created = await runCli(command.split(' ').slice(1));
    assert.equal(created.code, 0, created.stderr);
    assert.equal((await admin.partitionCounts([names.samples])).get(names.samples), 3);
    const joined = await runCli(joinArgs, { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(joined.code, 0, joined.stderr);
  });

  it('requireCopartitioned names missing and mismatched topics', async (t) => {
    const a = uniqueTopic('copart-a');
    const b = uniqueTopic('copart-b');
    const admin = testAdmin(t, [a, b]);
    await admin.createTopics([{ name: a, partitions: 2, replicationFactor: 1 }]);
    await assert.rejects(admin.requireCopartitioned([a, b]), (e: unknown) => e instanceof TopicMissingError && e.topics.includes(b));
    await admin.createTopics([{ name: b, partitions: 3, replicationFactor: 1 }]);
    await assert.rejects(admin.requireCopartitioned([a, b]), TopicsNotCopartitionedError);
  });

  it('a broker start on a port in use fails with PORT_IN_USE', async () => {
    const port = Number(testBrokers()[0]!.split(':')[1]);
    await assert.rejects(
      startLocalBroker({ port, dataDir: join(tmpdir(), `labeljoin-unused-${process.pid}`), heapMb: 256, startTimeoutMs: 5_000 }),
      (e: unknown) => e instanceof PortInUseError && e.code === 'PORT_IN_USE',
    );
  });
});
