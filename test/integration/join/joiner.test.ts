/**
 * The joiner end to end on the real broker, checked against the simulator's
 * truth: disorder of every kind, the late policies, several instances.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { partitionForKey } from '../../../src/kafka/partitioner.js';
import { KafkaProducer } from '../../../src/kafka/producer.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import { compareWithTruth } from '../../../src/validate/truth-report.js';
import { engagement, view } from '../../helpers/events.js';
import { testAdmin, testConnection } from '../../helpers/kafka.js';
import { startCli } from '../../helpers/cli.js';
import { createPipeline, joinSummary, runJoin, runSimulate, WINDOW_FLAGS } from '../../helpers/pipeline.js';
import { waitFor } from '../../helpers/wait.js';

const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });
const DISORDER = ['--views', '6000', '--users', '600', '--posts', '400', '--views-per-second', '25', '--duplicate-rate', '0.05', '--early-rate', '0.1',
  '--late-rate', '0.03', '--late-arrival-rate', '0.02', '--skew', '1s', '--idle-partition', '3'];

/** sample_id -> labels of every sample in a topic (repeats collapse). */
async function samplesById(topic: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await readTopicToEnd(testConnection(), topic, {
    onRecord: (r) => {
      const s = codec.decodeSample(r.value, r);
      out.set(s.sample_id.toString('hex'), JSON.stringify([s.view_event_id.toString('hex'), s.user_id, s.version, s.labels, s.delays_ms]));
    },
  });
  return out;
}

describe('labeljoin join on the real broker', () => {
  it('with every kind of disorder: one sample per view, labels equal the truth, late engagements counted (drop)', async (t) => {
    const p = await createPipeline(t, 'join-drop');
    const sim = await runSimulate(p, [...DISORDER, '--seed', '21']);
    assert.match(sim.stdout, /dropped for the idle partition [1-9]/);
    const r = await runJoin(p);
    assert.equal(r.code, 0, r.stderr);
    const report = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'drop');
    assert.equal(report.expected, 6000);
    assert.equal(report.missing, 0, JSON.stringify(report.examples));
    assert.equal(report.extra, 0);
    assert.equal(report.duplicateSampleIds, 0);
    assert.equal(report.labelAccuracy, 1, JSON.stringify(report.examples));
    const c = joinSummary(r).counters;
    assert.ok(c.late > 0, 'late engagements are counted');
    // Engagements beyond the window label no view: they expire as orphans, counted by the end of a drain.
    assert.ok(c.orphans > 0, 'orphans are counted');
    assert.ok(c.duplicateEngagements > 0 || c.duplicateViews > 0, 'duplicate views are counted');
    assert.ok(c.duplicateEngagements > 0, 'duplicate engagements are counted');
  });

  for (const state of ['memory', 'disk'] as const) {
    it(`late policy "correct", state in ${state}: the newest version of every sample equals the truth`, async (t) => {
      const p = await createPipeline(t, `join-correct-${state}`);
      await runSimulate(p, [...DISORDER, '--seed', '22']);
      const r = await runJoin(p, ['--late-policy', 'correct', '--state', state]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(joinSummary(r).counters.corrections > 0, r.stdout);
      const report = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'correct');
      assert.equal(report.missing, 0);
      assert.equal(report.extra, 0);
      assert.ok(report.versionsAboveZero > 0);
      assert.equal(report.labelAccuracy, 1, JSON.stringify(report.examples));
      assert.deepEqual(existsSync(p.stateDir) ? readdirSync(p.stateDir) : [], [], 'the state of the run is not left behind');
    });
  }

  it('two instances sharing 8 partitions give the same samples as one', async (t) => {
    const p = await createPipeline(t, 'join-two');
    await runSimulate(p, [...DISORDER, '--seed', '23', '--idle-partition', 'none']);
    const one = await runJoin(p);
    assert.equal(one.code, 0, one.stderr);

    // The second run reads the same inputs in another group and writes to another pipeline's samples topic.
    const q = await createPipeline(t, 'join-two-out');
    const two = { ...p, group: `${p.group}-two` };
    const [a, b] = await Promise.all([
      runJoin({ ...two, stateDir: `${p.stateDir}-a` }, [], q.samples),
      runJoin({ ...two, stateDir: `${p.stateDir}-b` }, [], q.samples),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.ok(joinSummary(a).partitions.length > 0 && joinSummary(b).partitions.length > 0, `both instances got partitions: ${a.stdout} / ${b.stdout}`);

    const single = await samplesById(p.samples);
    const shared = await samplesById(q.samples);
    assert.equal(shared.size, single.size);
    assert.deepEqual([...shared.entries()].sort(), [...single.entries()].sort());
  });
});

describe('bad input on the real broker', () => {
  it('each kind of bad record lands in the dead-letter topic with its reason, and the rest is joined correctly', async (t) => {
    const p = await createPipeline(t, 'join-bad', 4);
    await runSimulate(p, ['--views', '1500', '--users', '200', '--posts', '150', '--views-per-second', '20', '--seed', '24']);
    const good = JSON.parse(codec.encodeView(view(1), 'json').toString()) as Record<string, unknown>;
    const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));
    const bad: Array<{ topic: string; value: Buffer; code: string; field?: string }> = [
      { topic: p.views, value: Buffer.from([0xc3, 0x01, 1, 2, 3]), code: 'RECORD_UNDECODABLE' },
      { topic: p.views, value: Buffer.from('{not json'), code: 'RECORD_UNDECODABLE' },
      { topic: p.views, value: json({ ...good, user_id: undefined }), code: 'RECORD_MISSING_FIELD', field: 'user_id' },
      { topic: p.views, value: json({ ...good, ts: 'yesterday' }), code: 'RECORD_WRONG_TYPE', field: 'ts' },
      { topic: p.views, value: json({ ...good, ts: 1_767_225_600 }), code: 'RECORD_ABSURD_TIMESTAMP', field: 'ts' },
      // A week ahead of the data: no wall-clock check any more, its partition's views do not confirm it
      // (docs/decisions/event-time-outliers.md); dead-lettered under --outlier-policy dead-letter.
      { topic: p.views, value: json({ ...good, ts: Date.now() + 7 * 86_400_000 }), code: 'RECORD_TIME_OUTLIER', field: 'ts' },
      { topic: p.engagements, value: codec.encodeEngagement(engagement(1, { type: 'poke' }), 'avro'), code: 'RECORD_UNKNOWN_TYPE', field: 'type' },
      { topic: p.engagements, value: codec.encodeEngagement(engagement(2, { ts: 12 }), 'json'), code: 'RECORD_ABSURD_TIMESTAMP', field: 'ts' },
    ];
    // The views that refute the week-ahead one (partition 5 % 4): the last three of its partition, sent again (duplicates, no new sample).
    const lastViews: Array<{ key: Buffer | null; value: Buffer }> = [];
    await readTopicToEnd(testConnection(), p.views, { onRecord: (rec) => { if (rec.partition === 1 && rec.value !== null) lastViews.push({ key: rec.key, value: rec.value }); } });
    const producer = new KafkaProducer(testConnection(), { compression: 'lz4' });
    t.after(() => producer.close());
    // Keys where murmur2 puts them: the joiner checks each record's partition against its key.
    const keyIn = (partition: number): Buffer => {
      for (let k = 0; ; k++) if (partitionForKey(`bad-${k}`, 4) === partition) return Buffer.from(`bad-${k}`);
    };
    await producer.send(bad.map((b, i) => ({ topic: b.topic, partition: i % 4, key: keyIn(i % 4), value: b.value })));
    await producer.send(lastViews.slice(-3).map((v) => ({ topic: p.views, partition: 1, key: v.key, value: v.value })));

    const r = await runJoin(p, ['--outlier-policy', 'dead-letter']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(joinSummary(r).counters.deadLettered, bad.length);
    assert.deepEqual(joinSummary(r).counters.timeOutliers, { views: 1, engagements: 0 });

    const dead: Array<{ code: string; field: string | undefined; reason: string; topic: string; offset: string; value: Buffer }> = [];
    await readTopicToEnd(testConnection(), p.deadLetter, {
      onRecord: (rec) => {
        const h = new Map(rec.headers.map(([k, v]) => [k, v.toString()]));
        dead.push({ code: h.get('labeljoin.error.code')!, field: h.get('labeljoin.error.field'), reason: h.get('labeljoin.error.reason')!, topic: h.get('labeljoin.source.topic')!, offset: h.get('labeljoin.source.offset')!, value: rec.value! });
      },
    });
    assert.equal(dead.length, bad.length);
    for (const b of bad) {
      const d = dead.find((x) => x.value.equals(b.value));
      assert.ok(d !== undefined, `${b.code} record not dead-lettered`);
      assert.equal(d.code, b.code);
      assert.equal(d.field, b.field);
      assert.equal(d.topic, b.topic);
      assert.ok(d.reason.length > 5 && /^\d+$/.test(d.offset));
    }

    const report = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'drop');
    assert.equal(report.missing, 0);
    assert.equal(report.extra, 0);
    assert.equal(report.labelAccuracy, 1);
  });
});

describe('join start-up checks on the real broker', () => {
  it('bad views at the start of the partitions (stamped with the wall clock) do not move where engagements are read from', async (t) => {
    const p = await createPipeline(t, 'join-bad-first', 4);
    const producer = new KafkaProducer(testConnection(), { compression: 'lz4' });
    t.after(() => producer.close());
    // Record timestamps are the producer's wall clock: months after the simulated event times.
    await producer.send([0, 1, 2, 3].map((partition) => ({ topic: p.views, partition, key: Buffer.from(`bad-${partition}`), value: Buffer.from('{not json') })));
    await runSimulate(p, ['--views', '1500', '--users', '200', '--posts', '150', '--views-per-second', '20', '--seed', '25']);
    const r = await runJoin(p);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(joinSummary(r).counters.deadLettered, 4);
    const report = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'drop');
    assert.equal(report.missing, 0);
    assert.equal(report.labelAccuracy, 1, JSON.stringify(report.examples));
  });

  it('refuses input topics that are not co-partitioned, and a missing samples topic, with a clear message', async (t) => {
    const p = await createPipeline(t, 'join-checks', 4);
    const admin = testAdmin(t, [`${p.views}-x`]);
    await admin.createTopics([{ name: `${p.views}-x`, partitions: 3, replicationFactor: 1 }]);
    const mismatched = await runJoin({ ...p, inputArgs: p.inputArgs.map((a) => (a === p.views ? `${p.views}-x` : a)) });
    assert.equal(mismatched.code, 1);
    assert.match(mismatched.stderr, /input topics must have the same partition count, found .*-eng=4, .*-views-x=3/);
    const missing = await runJoin(p, [], `${p.samples}-nope`);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /topic .*-samples-nope not found/);
  });
});

describe('instances joining and leaving mid-stream on the real broker', () => {
  it('an instance added and one removed while joining: nothing missing, every label right', async (t) => {
    const p = await createPipeline(t, 'join-rebalance');
    // The simulator keeps sending (at ~25 s for the whole run) while instances come and go, so every
    // instance has views to join whatever its speed.
    const sim = startCli(['simulate', ...p.inputArgs, ...WINDOW_FLAGS, '--truth', p.truth, ...DISORDER, '--views', '60000', '--users', '3000', '--posts', '2000', '--seed', '25', '--idle-partition', 'none', '--rate', '5000'], { LABELJOIN_LOG_LEVEL: 'warn' });
    t.after(() => sim.kill('SIGKILL'));
    const env = { LABELJOIN_FETCH_BYTES: '32768' };
    // Long-running (not --drain) instances: the group decides who joins what.
    const live = (name: string, logLevel = 'warn') => startCli(
      ['join', ...p.inputArgs, '--samples-topic', p.samples, '--dead-letter-topic', p.deadLetter, '--window', '1m', '--max-skew', '10s', '--out-of-orderness', '15s', '--view-disorder', '60s',
        '--group', p.group, '--state-dir', `${p.stateDir}-${name}`, '--progress-every', '100ms'],
      { LABELJOIN_LOG_LEVEL: logLevel, LABELJOIN_LOG_FORMAT: 'json', ...env },
    );
    const a = live('a');
    assert.ok((await a.waitForStderr(/samples [1-9]\d* out/)) !== undefined, 'A produced samples alone');
    const b = live('b', 'info');
    // B is added: the group rebalances and B gets partitions while A keeps the others.
    assert.ok((await b.waitForStderr(/samples [1-9]\d* out/)) !== undefined, 'B produced samples after joining');
    // A is removed (graceful stop): its partitions move to B.
    a.kill('SIGTERM');
    const ra = await a.done;
    assert.equal(ra.code, 0, ra.stderr);
    const assignedToB = (): Set<number> => new Set([...b.stderr().matchAll(/"msg":"partition assigned","partition":(\d+)/g)].map((m) => Number(m[1])));
    await waitFor(() => assignedToB().size === 8, { what: 'B to be assigned all 8 partitions after A left', timeoutMs: 30_000, detail: () => `B has ${[...assignedToB()].sort((x, y) => x - y).join(',')}` });
    assert.equal(assignedToB().size, 8, 'B took over the partitions A left');
    // B joins on alone for a while (5 more progress lines) before it is stopped too.
    const progressLines = (): number => (b.stderr().match(/samples \d+ out/g) ?? []).length;
    const before = progressLines();
    await waitFor(() => progressLines() >= before + 5, { what: 'B to write 5 more progress lines', timeoutMs: 30_000, detail: () => `${progressLines() - before} more` });
    b.kill('SIGTERM');
    const rb = await b.done;
    assert.equal(rb.code, 0, rb.stderr);
    const simulated = await sim.done;
    assert.equal(simulated.code, 0, simulated.stderr);
    // What neither finished (the last window waits for more engagements in a live run) is drained by a last run.
    const rest = await runJoin(p);
    assert.equal(rest.code, 0, rest.stderr);
    const report = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'drop');
    assert.equal(report.missing, 0, JSON.stringify(report.examples));
    assert.equal(report.extra, 0);
    assert.equal(report.labelAccuracy, 1, JSON.stringify(report.examples));
  });
});
