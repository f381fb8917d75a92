/**
 * The trainer's rows are byte-identical to two references on the same samples:
 *   - a naive FFM written from the formulas (test/helpers/reference-ffm.ts);
 *   - the original per-signal path, Ffm.predict for every signal then
 *     Ffm.update for each (the code the trainer ran before Ffm.scoreAndStep).
 * Both replay the samples one by one in offset order with the idempotent
 * sink's rule (a view's version applies once; a newer version is a
 * correction, stepped but not scored), and keep every row in memory. The
 * trainer runs them in batches through a real LMDB model store, with a commit
 * under way while the next batch is computed, across partitions that share
 * post and context rows — so any difference in batching, pipelining, row
 * layout or arithmetic order shows as different bytes. Its progressive
 * validation must equal the references' scores too.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { EventCodec } from '../../src/codec/codec.js';
import { sampleIdFor, SURFACES, type SampleRecord } from '../../src/codec/events.js';
import { DEFAULT_LABEL_TYPES } from '../../src/config/settings.js';
import type { ConsumedRecord, FetchedPartition, FetchPosition } from '../../src/kafka/fetcher.js';
import { silentLogger } from '../../src/log/logger.js';
import { LmdbModelStore } from '../../src/store/lmdb-model-store.js';
import { floatsToBytes } from '../../src/store/model-store.js';
import { ProgressiveValidation } from '../../src/train/evaluation.js';
import { Ffm, type ImpressionRows } from '../../src/train/ffm.js';
import { featureKeys, Trainer } from '../../src/train/trainer.js';
import { id } from '../helpers/events.js';
import { ReferenceFfm } from '../helpers/reference-ffm.js';
import { testDir } from '../helpers/tmp.js';

const TOPIC = 'samples';
const PARTITIONS = 3;
const SIGNALS = DEFAULT_LABEL_TYPES;
const PARAMS = { k: 32, learningRate: 0.1, l2: 2e-5, seed: 1, signals: SIGNALS.length };
const EVAL_WINDOW = 500;
const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples in delivery order per partition (user mod PARTITIONS): repeats, label corrections and stale versions among them. */
function samples(n: number): SampleRecord[][] {
  const next = random(42);
  const out: SampleRecord[][] = Array.from({ length: PARTITIONS }, () => []);
  const sent: SampleRecord[] = [];
  for (let i = 0; i < n; i++) {
    const r = next();
    const old = sent.length > 0 ? sent[Math.floor(next() * sent.length)]! : undefined;
    let s: SampleRecord;
    if (old !== undefined && r < 0.04) s = old; // an at-least-once repeat
    else if (old !== undefined && r < 0.07) s = { ...old, version: old.version + 1, sample_id: sampleIdFor(old.view_event_id, old.version + 1), labels: { ...old.labels, like: 1 - (old.labels['like'] ?? 0) } };
    else if (old !== undefined && old.version > 0 && r < 0.08) s = { ...old, version: old.version - 1 }; // older version, late
    else {
      const user = Math.floor(next() * 60);
      const post = Math.floor(next() ** 2 * 90); // popular posts shared by every partition
      const labels = Object.fromEntries(SIGNALS.map((name, j) => [name, next() < 0.15 + 0.5 * (((user + post + j) % 3) / 3) ? 1 : 0]));
      s = {
        sample_id: id(i + 1),
        view_event_id: id(i + 1),
        user_id: user,
        post_id: 7000 + post,
        view_ts: Date.UTC(2026, 0, 1) + i * 250,
        labels,
        delays_ms: Object.fromEntries(SIGNALS.map((name) => [name, null])),
        context: { language: 'hi', region: 'IN-KA', device: 'android', app_version: '1', surface: SURFACES[i % 3]!, position: i % 25 },
        version: 0,
        emitted_at: Date.UTC(2026, 0, 1) + i * 250 + 60_000,
        weight: 1,
      };
    }
    sent.push(s);
    out[s.user_id % PARTITIONS]!.push(s);
  }
  return out;
}

/** A fetcher over fixed records: at most `perFetch` records of each partition per fetch. */
function fetcher(records: readonly ConsumedRecord[][], perFetch: number) {
  return {
    async beginningOffsets(_topic: string, parts: readonly number[]) {
      return new Map(parts.map((p) => [p, 0n]));
    },
    async endOffsets(_topic: string, parts: readonly number[]) {
      return new Map(parts.map((p) => [p, BigInt(records[p]!.length)]));
    },
    async fetch(positions: readonly FetchPosition[]): Promise<FetchedPartition[]> {
      return positions.map(({ partition, offset }) => {
        const rs = records[partition]!.slice(Number(offset), Number(offset) + perFetch);
        const end = BigInt(records[partition]!.length);
        return { topic: TOPIC, partition, records: rs, nextOffset: offset + BigInt(rs.length), endOffset: end };
      });
    },
  };
}

/** The replay both references share: the sink's rule, in the order the trainer sees the samples. */
function replay(order: readonly SampleRecord[], scoreAndStep: (s: SampleRecord, labels: number[]) => number[]): ProgressiveValidation {
  const validation = new ProgressiveValidation(SIGNALS, EVAL_WINDOW);
  const applied = new Map<string, number>();
  for (const s of order) {
    const key = s.view_event_id.toString('hex');
    const done = applied.get(key);
    if (done !== undefined && s.version <= done) continue;
    const labels = SIGNALS.map((name) => (s.labels[name] === 1 ? 1 : 0));
    const scores = scoreAndStep(s, labels);
    if (done === undefined) validation.record(s.view_ts, scores, undefined, labels);
    applied.set(key, s.version);
  }
  validation.close();
  return validation;
}

async function train(t: TestContext, parts: readonly SampleRecord[][], batchSize: number, perFetch: number) {
  const records = parts.map((ss, p) =>
    ss.map((s, i): ConsumedRecord => ({ topic: TOPIC, partition: p, offset: BigInt(i), timestamp: 0n, key: null, value: codec.encodeSample(s, 'avro'), headers: [] })),
  );
  const store = new LmdbModelStore({ dir: testDir(t, 'identity'), model: 'm', topic: TOPIC });
  t.after(() => store.close());
  const model = new Ffm(PARAMS);
  const trainer = new Trainer(
    {
      signals: SIGNALS, batchSize, dedupTtlMs: 86_400_000, evalWindow: EVAL_WINDOW, freezeAfter: 0, progressEveryMs: 1e9, reconnectTimeoutMs: 1_000,
      samplesTopic: TOPIC, deadLetterTopic: 'dl', partitions: [...parts.keys()], drain: true,
    },
    {
      fetcher: fetcher(records, perFetch), codec, store, model, sendDeadLetters: async () => undefined,
      clock: { now: () => Date.now(), sleep: async () => undefined }, log: silentLogger, progress: () => undefined,
    },
  );
  const summary = await trainer.run(new AbortController().signal);
  // The order the trainer applied them in: per fetch, partition after partition, each partition's slice in offset order.
  const order: SampleRecord[] = [];
  const pos = parts.map(() => 0);
  while (pos.some((p, i) => p < parts[i]!.length)) {
    for (let p = 0; p < parts.length; p++) {
      order.push(...parts[p]!.slice(pos[p], pos[p]! + perFetch));
      pos[p] = Math.min(pos[p]! + perFetch, parts[p]!.length);
    }
  }
  const keys = new Set<string>(['bias']);
  for (const s of order) for (const k of featureKeys(s)) keys.add(k);
  const stored = await store.readRows([...keys]);
  return { summary, order, stored, keys, model, windows: trainer.validation.windows };
}

function hexRows(rows: ReadonlyMap<string, Float32Array>): Map<string, string> {
  return new Map([...rows].map(([k, v]) => [k, floatsToBytes(v).toString('hex')]));
}

describe('trainer rows are byte-identical to the references', () => {
  for (const [batchSize, perFetch] of [[64, 150], [2000, 5000]] as const) {
    it(`batches of ${batchSize}, fetches of ${perFetch} per partition`, async (t) => {
      const parts = samples(3000);
      const run = await train(t, parts, batchSize, perFetch);
      assert.ok(run.summary.counters.duplicates > 0 && run.summary.counters.corrections > 0 && run.summary.counters.stale > 0, JSON.stringify(run.summary.counters));
      assert.equal(run.stored.size, run.keys.size, 'every row is stored');

      const naive = new ReferenceFfm(PARAMS, (key, isBias) => run.model.initialRow(key, isBias));
      const naiveValidation = replay(run.order, (s, labels) => SIGNALS.map((_, i) => naive.step(i, featureKeys(s), labels[i]!)));

      const original = new Ffm(PARAMS);
      const originalRows = new Map<string, Float32Array>();
      const row = (key: string): Float32Array => {
        let r = originalRows.get(key);
        if (r === undefined) originalRows.set(key, (r = original.initialRow(key, key === 'bias')));
        return r;
      };
      const originalValidation = replay(run.order, (s, labels) => {
        const [u, p, c] = featureKeys(s);
        const live: ImpressionRows = { bias: row('bias'), features: [row(u), row(p), row(c)] };
        const scores = SIGNALS.map((_, i) => original.predict(i, live));
        for (let i = 0; i < SIGNALS.length; i++) original.update(i, live, scores[i]!, labels[i]!);
        return scores;
      });

      const trained = hexRows(run.stored);
      assert.deepEqual(hexRows(originalRows), hexRows(naive.rows), 'the two references agree');
      assert.deepEqual(trained, hexRows(naive.rows));
      assert.deepEqual(run.windows, naiveValidation.windows);
      assert.deepEqual(run.windows, originalValidation.windows);
    });
  }
});
