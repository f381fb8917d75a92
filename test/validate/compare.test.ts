/**
 * The comparison on files (no broker): identical sides, and a known set of
 * injected differences reported exactly.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { SampleRecord } from '../../src/codec/events.js';
import { shadowFilter } from '../../src/codec/shadow.js';
import { DEFAULT_LABEL_TYPES } from '../../src/config/settings.js';
import { compareSampleSets, type CompareOptions } from '../../src/validate/compare.js';
import { openSide } from '../../src/validate/sources.js';
import { id } from '../helpers/events.js';
import { makeSamples, schemaWithoutContextField, writeAvroFile, writeNdjsonFile } from '../helpers/sample-files.js';
import { testDir } from '../helpers/tmp.js';

const context = { connection: { brokers: ['127.0.0.1:1'], clientId: 'unused', requestTimeoutMs: 1_000 }, labelTypes: DEFAULT_LABEL_TYPES, writerSchemas: [] };

function options(t: TestContext, overrides: Partial<CompareOptions> = {}): CompareOptions {
  return { labelTypes: DEFAULT_LABEL_TYPES, keepUser: () => true, shadowFraction: 1, from: undefined, to: undefined, spillDir: testDir(t, 'spill'), buckets: 8, minAgreement: 1, ...overrides };
}

function flip(s: SampleRecord, label: string): SampleRecord {
  return { ...s, labels: { ...s.labels, [label]: 1 - s.labels[label]! } };
}

describe('comparison of two sample sets', () => {
  it('identical samples as an Avro file and as NDJSON: agreement 1, same schema', async (t) => {
    const dir = testDir(t, 'same');
    const samples = makeSamples(500);
    await writeAvroFile(join(dir, 'a.avro'), samples);
    writeNdjsonFile(join(dir, 'b.ndjson'), samples);
    const r = await compareSampleSets(openSide(join(dir, 'a.avro'), context), openSide(join(dir, 'b.ndjson'), context), options(t));
    assert.equal(r.union, 500);
    assert.equal(r.matched, 500);
    assert.equal(r.agreement, 1);
    assert.equal(r.labelAgreement, 1);
    assert.equal(r.passed, true);
    assert.equal(r.a.schema.kind, 'avro');
    assert.equal(r.b.schema.kind, 'json');
    assert.deepEqual([r.schema.added, r.schema.removed, r.schema.changed], [[], [], []]);
    for (const t of DEFAULT_LABEL_TYPES) {
      const k = r.perLabel[t]!;
      assert.equal(k.onlyA1 + k.onlyB1 + k.absent, 0);
      assert.equal(k.both1, samples.filter((s) => s.labels[t] === 1).length);
    }
  });

  it('reports injected differences exactly: dropped, extra, flipped labels, repeats, a removed field', async (t) => {
    const dir = testDir(t, 'diff');
    const reference = makeSamples(500);
    const dropped = new Set([10, 11, 12, 13, 14, 15, 16]);
    const flips = new Map<number, string>([[40, 'like'], [41, 'like'], [300, 'like'], [77, 'skip'], [450, 'share']]);
    const underTest: SampleRecord[] = [];
    reference.forEach((s, i) => {
      if (dropped.has(i)) return;
      const label = flips.get(i);
      underTest.push(label === undefined ? s : flip(s, label));
    });
    const extra = makeSamples(504).slice(500).map((s, i) => ({ ...s, sample_id: id(90_000 + i), view_event_id: id(90_000 + i) }));
    underTest.push(...extra, underTest[100]!, underTest[200]!, underTest[201]!); // 4 extra views, 3 repeats
    await writeAvroFile(join(dir, 'a.avro'), underTest, schemaWithoutContextField('region'));
    await writeAvroFile(join(dir, 'b.avro'), reference);

    const r = await compareSampleSets(openSide(join(dir, 'a.avro'), context), openSide(join(dir, 'b.avro'), context), options(t));
    assert.equal(r.onlyInB, 7);
    assert.equal(r.onlyInA, 4);
    assert.equal(r.matched, 493);
    assert.equal(r.union, 504);
    assert.equal(r.a.duplicates, 3);
    assert.equal(r.b.duplicates, 0);
    assert.equal(r.agreement, (493 - 5) / 504);
    assert.equal(r.labelAgreement, (493 * 6 - 5) / (493 * 6));
    assert.equal(r.passed, false);
    // Per label: the flipped samples, by direction, and everything else on the diagonal.
    const kept = reference.filter((_, i) => !dropped.has(i));
    for (const t of DEFAULT_LABEL_TYPES) {
      const flipped = [...flips].filter(([, l]) => l === t).map(([i]) => reference[i]!);
      const k = r.perLabel[t]!;
      assert.equal(k.onlyA1, flipped.filter((s) => s.labels[t] === 0).length, `${t} A1 B0`);
      assert.equal(k.onlyB1, flipped.filter((s) => s.labels[t] === 1).length, `${t} A0 B1`);
      assert.equal(k.both1, kept.filter((s) => s.labels[t] === 1).length - k.onlyB1, `${t} A1 B1`);
      assert.equal(k.both0, kept.filter((s) => s.labels[t] === 0).length - k.onlyA1, `${t} A0 B0`);
    }
    // The dropped views (10..16 s after T0) sit in the first time bucket; the extra ones in the last.
    const rows = r.timeBuckets.rows;
    assert.equal(rows.reduce((n, x) => n + x.onlyInB, 0), 7);
    assert.equal(rows.find((x) => x.onlyInB > 0)!.start, rows[0]!.start);
    assert.equal(rows.reduce((n, x) => n + x.differing, 0), 5);
    // Schema: A's writer lacks context.region; A can read B's records (it ignores the field), B cannot read A's.
    assert.deepEqual(r.schema.removed, [{ path: 'context.region', type: 'string' }]);
    assert.deepEqual(r.schema.added, []);
    assert.deepEqual(r.schema.changed, []);
    assert.equal(r.schema.aReadsB.ok, true);
    assert.equal(r.schema.bReadsA.ok, false);
  });

  it('the newest version of a sample counts, and corrections are counted', async (t) => {
    const dir = testDir(t, 'versions');
    const [s] = makeSamples(1);
    const v0 = { ...s!, labels: { ...s!.labels, comment: 0 } };
    const v1 = { ...s!, sample_id: id(777), version: 1, labels: { ...s!.labels, comment: 1 } };
    writeNdjsonFile(join(dir, 'a.ndjson'), [v1, v0]); // order does not matter
    writeNdjsonFile(join(dir, 'b.ndjson'), [{ ...s!, labels: { ...s!.labels, comment: 1 } }]);
    const r = await compareSampleSets(openSide(join(dir, 'a.ndjson'), context), openSide(join(dir, 'b.ndjson'), context), options(t));
    assert.equal(r.agreement, 1);
    assert.equal(r.a.corrections, 1);
    assert.equal(r.a.duplicates, 0);
  });

  it('unreadable records are counted with where they are and why; the rest is compared', async (t) => {
    const dir = testDir(t, 'bad');
    const samples = makeSamples(20);
    writeNdjsonFile(join(dir, 'b.ndjson'), samples);
    writeNdjsonFile(join(dir, 'a.ndjson'), samples);
    const { appendFileSync } = await import('node:fs');
    appendFileSync(join(dir, 'a.ndjson'), '{"sample_id": "nope"}\nnot json\n');
    const r = await compareSampleSets(openSide(join(dir, 'a.ndjson'), context), openSide(join(dir, 'b.ndjson'), context), options(t));
    assert.equal(r.a.badRecords, 2);
    assert.equal(r.a.badExamples[0]!.where, `${join(dir, 'a.ndjson')}:line 21`);
    assert.equal(r.a.badExamples[0]!.field, 'labels');
    assert.equal(r.a.badExamples[1]!.code, 'RECORD_UNDECODABLE');
    assert.equal(r.agreement, 1);
  });

  it('a shadow fraction keeps exactly the hash-sampled users, the same on every run', async (t) => {
    const dir = testDir(t, 'shadow');
    const samples = makeSamples(3_000, 400);
    writeNdjsonFile(join(dir, 'a.ndjson'), samples);
    writeNdjsonFile(join(dir, 'b.ndjson'), samples.map((s, i) => (i % 10 === 0 ? flip(s, 'play') : s)));
    const keep = shadowFilter(0.2);
    const expected = samples.filter((s) => keep(s.user_id));
    const run = (): ReturnType<typeof compareSampleSets> => compareSampleSets(openSide(join(dir, 'a.ndjson'), context), openSide(join(dir, 'b.ndjson'), context), options(t, { keepUser: shadowFilter(0.2), shadowFraction: 0.2 }));
    const first = await run();
    const second = await run();
    assert.ok(expected.length > 300 && expected.length < 900, `${expected.length} samples of sampled users`);
    assert.equal(first.union, expected.length);
    assert.equal(first.a.outsideShadow, samples.length - expected.length);
    assert.equal(first.perLabel['play']!.onlyA1 + first.perLabel['play']!.onlyB1, samples.filter((s, i) => i % 10 === 0 && keep(s.user_id)).length);
    assert.deepEqual({ ...second, a: { ...second.a }, b: { ...second.b } }, { ...first, a: { ...first.a }, b: { ...first.b } });
  });
});
