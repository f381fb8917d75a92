/**
 * validate's downsampled reference (src/validate/downsample.ts): its rule is
 * the joiner's (src/join/labels.ts) and the tests' (test/helpers/truth.ts), and
 * `--against` a full run checks a downsampled one: every positive, every kept
 * negative with weight 1/F, nothing else; a wrong weight or a missing kept
 * negative is a difference.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { SampleRecord } from '../../src/codec/events.js';
import { DEFAULT_LABEL_TYPES } from '../../src/config/settings.js';
import { keepsSample, sampleWeight } from '../../src/join/labels.js';
import { compareSampleSets, type CompareOptions } from '../../src/validate/compare.js';
import { downsampledReference, keepsNegativeView } from '../../src/validate/downsample.js';
import { openSide } from '../../src/validate/sources.js';
import { makeSamples, writeNdjsonFile } from '../helpers/sample-files.js';
import { testDir } from '../helpers/tmp.js';
import { contractDownsample } from '../helpers/truth.js';

const context = { connection: { brokers: ['127.0.0.1:1'], clientId: 'unused', requestTimeoutMs: 1_000 }, labelTypes: DEFAULT_LABEL_TYPES, writerSchemas: [] };

function options(t: TestContext): CompareOptions {
  return { labelTypes: DEFAULT_LABEL_TYPES, keepUser: () => true, shadowFraction: 1, from: undefined, to: undefined, spillDir: testDir(t, 'spill'), buckets: 8, minAgreement: 1 };
}

/** 4000 samples, one in four with labels (makeSamples gives every one some label 1), the rest all negative. */
function fullRun(): SampleRecord[] {
  return makeSamples(4_000).map((s, i) => (i % 4 === 0 ? s : { ...s, labels: Object.fromEntries(DEFAULT_LABEL_TYPES.map((t) => [t, 0])), delays_ms: Object.fromEntries(DEFAULT_LABEL_TYPES.map((t) => [t, null])) }));
}

/** What the joiner emits of those at share F. */
function downsampledRun(full: readonly SampleRecord[], share: number): SampleRecord[] {
  const bits = (s: SampleRecord): number => DEFAULT_LABEL_TYPES.reduce((b, t, i) => b | ((s.labels[t] ?? 0) << i), 0);
  return full.filter((s) => keepsSample(bits(s), s.view_event_id, share)).map((s) => ({ ...s, weight: sampleWeight(bits(s), share) }));
}

describe('validate against a full run (negative downsampling)', () => {
  it('keeps the views the joiner and the contract keep', () => {
    for (let i = 0; i < 50_000; i++) {
      const v = randomBytes(16);
      for (const share of [0.1, 0.5]) {
        assert.equal(keepsNegativeView(v, share), keepsSample(0, v, share));
        assert.equal(keepsNegativeView(v, share), contractDownsample(v, false, share).kept);
      }
    }
  });

  it('a downsampled run agrees with the full run downsampled; the kept share is reported', async (t) => {
    const dir = testDir(t, 'ds');
    const full = fullRun();
    const down = downsampledRun(full, 0.1);
    writeNdjsonFile(join(dir, 'full.ndjson'), full);
    writeNdjsonFile(join(dir, 'down.ndjson'), down);
    const ref = downsampledReference(openSide(join(dir, 'full.ndjson'), context), 0.1);
    const r = await compareSampleSets(openSide(join(dir, 'down.ndjson'), context), ref.source, options(t));
    const s = ref.summary();
    assert.equal(r.agreement, 1);
    assert.equal(r.weightDiffs, 0);
    assert.equal(r.union, down.length);
    assert.equal(s.negatives, 3_000);
    assert.equal(s.kept, down.length - 1_000);
    assert.ok(Math.abs(s.keptShare - 0.1) < 0.02, `kept share ${s.keptShare}`);
    assert.ok(down.some((x) => x.weight === 10) && down.some((x) => x.weight === 1));
  });

  it('a wrong weight, or a kept negative missing, is a difference', async (t) => {
    const dir = testDir(t, 'bad');
    const full = fullRun();
    const down = downsampledRun(full, 0.1);
    const negative = down.findIndex((x) => x.weight === 10);
    const wrong = down.map((x, i) => (i === negative ? { ...x, weight: 1 } : x));
    writeNdjsonFile(join(dir, 'full.ndjson'), full);
    writeNdjsonFile(join(dir, 'wrong.ndjson'), wrong);
    writeNdjsonFile(join(dir, 'all.ndjson'), full);
    const r = await compareSampleSets(openSide(join(dir, 'wrong.ndjson'), context), downsampledReference(openSide(join(dir, 'full.ndjson'), context), 0.1).source, options(t));
    assert.equal(r.weightDiffs, 1);
    assert.equal(r.passed, false);
    assert.match(r.examples.differing[0] ?? '', /weight A 1 B 10/);
    // the full run as A: its dropped negatives are extra, and its kept ones have weight 1, not 10
    const all = await compareSampleSets(openSide(join(dir, 'all.ndjson'), context), downsampledReference(openSide(join(dir, 'full.ndjson'), context), 0.1).source, options(t));
    assert.equal(all.onlyInA, 3_000 - (down.length - 1_000));
    assert.equal(all.weightDiffs, down.length - 1_000);
  });
});
