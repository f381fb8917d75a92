/**
 * The local replicated cluster (`kafka start --nodes 3`, src/kafka/local/cluster.ts)
 * under a running join: the pipeline's topics get replication factor 3 and
 * min.insync.replicas 2; the node leading views partition 0 is killed with
 * kill -9 while a draining joiner reads and sends, leadership moves to another
 * in-sync replica, the node is started again and rejoins the in-sync replicas;
 * then the group's coordinator node is killed too (the joiner's client, which found the
 * coordinator once, must notice and be replaced: src/kafka/group.ts); the joiner completes
 * with 0 samples missing, 0 extra, every label right.
 * Uses a cluster of its own (the suite's broker is a single node).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { KafkaAdmin, type PartitionReplicas } from '../../../src/kafka/admin.js';
import { freePortRun } from '../../../src/kafka/local/broker.js';
import { compareWithTruth } from '../../../src/validate/truth-report.js';
import { jsonOutput, runCli, startCli } from '../../helpers/cli.js';
import { alive, waitFor } from '../../helpers/wait.js';

interface ClusterStarted {
  readonly startedNodes: readonly number[];
  readonly bootstrap: string;
  readonly nodes: ReadonlyArray<{ readonly pid: number; readonly port: number }>;
}

describe('a local cluster of three nodes', () => {
  it('a partition leader killed with kill -9 under a draining joiner: leadership moves, the node rejoins, 0 missing, every label right', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'labeljoin-cluster-kafka-'));
    const work = mkdtempSync(join(tmpdir(), 'labeljoin-cluster-'));
    const port = await freePortRun(3); // the nodes take port, port + 1, port + 2
    const start = ['kafka', 'start', '--nodes', '3', '--port', String(port), '--data', dataDir, '--json'];
    t.after(async () => {
      await runCli(['kafka', 'stop', '--data', dataDir]);
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    });
    const first = await runCli(start);
    assert.equal(first.code, 0, first.stderr);
    let cluster = jsonOutput<ClusterStarted>(first, 'kafka start');
    assert.deepEqual([...cluster.startedNodes].sort(), [1, 2, 3]);
    const brokers = cluster.bootstrap;
    const connection = { brokers: brokers.split(','), clientId: 'cluster-test', requestTimeoutMs: 15_000 };
    const admin = new KafkaAdmin(connection);
    t.after(() => admin.close());

    const topics = ['views', 'engagements', 'samples', 'labeljoin-dead-letter'];
    const created = await runCli(['topics', 'create', '--brokers', brokers, '--partitions', '4']);
    assert.equal(created.code, 0, created.stderr);
    const replication = await admin.replication(topics);
    for (const topic of topics) {
      const parts = replication.get(topic) ?? [];
      assert.equal(parts.length, 4, `${topic}: 4 partitions`);
      for (const p of parts) assert.equal(p.replicas.length, 3, `${topic}[${p.partition}]: 3 replicas`);
    }
    assert.match(created.stdout, /created +samples \(4 partitions, replication factor 3, min\.insync\.replicas 2\)/);

    const truth = join(work, 'truth.ndjson');
    const window = ['--window', '1m', '--max-skew', '10s'];
    const sim = await runCli(['simulate', '--brokers', brokers, '--views', '60000', '--users', '3000', '--posts', '2000', '--views-per-second', '60', '--seed', '47', ...window, '--truth', truth], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(sim.code, 0, sim.stderr);

    const joiner = startCli(['join', '--drain', '--brokers', brokers, ...window, '--group', 'cluster-joiner', '--state-dir', join(work, 'state'), '--progress-every', '100ms'], {
      LABELJOIN_LOG_LEVEL: 'info',
      LABELJOIN_LOG_FORMAT: 'json',
      LABELJOIN_FETCH_BYTES: '32768',
      LABELJOIN_REQUEST_TIMEOUT_MS: '5000',
    });
    t.after(() => joiner.kill('SIGKILL'));
    assert.ok((await joiner.waitForStderr(/samples [1-9]\d* out/)) !== undefined, 'samples before the kill');

    const leaderOf = async (): Promise<PartitionReplicas> => (await admin.replication(['views'])).get('views')![0]!;
    const pidOf = (node: number): number => {
      const pid = cluster.nodes.find((n) => n.port === port + node - 1)?.pid;
      assert.ok(pid !== undefined, `the pid of node ${node}`);
      return pid;
    };
    const startAgain = async (node: number): Promise<void> => {
      const again = await runCli(start);
      assert.equal(again.code, 0, again.stderr);
      const restarted = jsonOutput<ClusterStarted>(again, 'kafka start');
      assert.deepEqual(restarted.startedNodes, [node], `only node ${node} is started again`);
      const pid = restarted.nodes.find((n) => n.port === port + node - 1)?.pid;
      cluster = { ...cluster, nodes: cluster.nodes.map((n) => (n.port === port + node - 1 && pid !== undefined ? { ...n, pid } : n)) };
      await waitFor(async () => (await leaderOf()).isr.includes(node), { what: `node ${node} back in the in-sync replicas of views[0]`, timeoutMs: 60_000 });
    };

    // 1. The leader of views[0] killed under the running joiner.
    const before = await leaderOf();
    assert.deepEqual([...before.isr].sort(), [1, 2, 3], 'every replica in sync before the kill');
    const victim = before.leader;
    const pid = pidOf(victim);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !alive(pid), { what: `node ${victim} (pid ${pid}) to be gone`, timeoutMs: 10_000 });
    const moved = await waitFor(
      async () => {
        const p = await leaderOf();
        return p.leader !== victim && p.leader > 0 && !p.isr.includes(victim) ? p : undefined;
      },
      { what: `views[0] to get a leader other than node ${victim}`, timeoutMs: 60_000 },
    );
    assert.ok(before.isr.includes(moved.leader), 'the new leader was an in-sync replica');
    assert.equal(joiner.exitCode(), null, 'the joiner runs on through the failover');

    // 2. The group's coordinator killed while the joiner is stopped (so it still knows the old
    //    one when it goes on): its client finds the coordinator gone and is replaced.
    joiner.kill('SIGSTOP');
    await startAgain(victim);
    const coordinator = await admin.groupCoordinator('cluster-joiner');
    const coordinatorPid = pidOf(coordinator);
    process.kill(coordinatorPid, 'SIGKILL');
    await waitFor(() => !alive(coordinatorPid), { what: `node ${coordinator} (the coordinator) to be gone`, timeoutMs: 10_000 });
    await waitFor(async () => (await admin.groupCoordinator('cluster-joiner').catch(() => coordinator)) !== coordinator, { what: `the group coordinator to move from node ${coordinator}`, timeoutMs: 60_000 });
    await startAgain(coordinator);
    joiner.kill('SIGCONT');

    const r = await joiner.done;
    assert.equal(r.code, 0, r.stderr.split('\n').slice(-40).join('\n'));
    const replaced = r.stderr.split('\n').filter((l) => l.includes('the group coordinator moved')).length;
    t.diagnostic(`leader node ${victim} killed, then coordinator node ${coordinator}; the group client was replaced ${replaced} time(s)`);
    assert.ok(replaced >= 1, 'the member replaced its client when its coordinator had gone (src/kafka/group.ts)');
    const report = await compareWithTruth(connection, 'samples', truth, new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES }), 'drop');
    assert.ok(report.expected > 50_000 && report.found === report.expected, `every expected view found (${report.found} of ${report.expected})`);
    assert.deepEqual([report.missing, report.extra, report.labelAccuracy], [0, 0, 1], JSON.stringify(report.examples));
  });
});
