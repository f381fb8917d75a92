/**
 * The cost projection's arithmetic, on a price sheet of round numbers where
 * each line can be computed by hand, and on the repository's own inputs.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readMeasurements, readPriceSheet } from '../../src/bench/cost-inputs.js';
import { APPROACHES, COMPONENTS, PRICE_KEYS, projectCosts, SIZING_KEYS, type Measurements, type PriceSheet, type PriceKey, type SizingKey } from '../../src/bench/cost-model.js';
import { costHtml, costTextLines } from '../../src/bench/cost-report.js';
import { packageRoot } from '../../src/paths.js';
import { testDir } from '../helpers/tmp.js';

const GIB = 2 ** 30;
const TIB = 2 ** 40;

function sheet(overrides: Partial<Record<PriceKey | SizingKey, number>> = {}): PriceSheet {
  const prices = Object.fromEntries(PRICE_KEYS.map((k) => [k, { value: overrides[k] ?? 1, source: 'test' }])) as PriceSheet['prices'];
  const sizing: Record<string, number> = {
    secondsPerMonth: 1_000_000, meanToPeak: 0.5, kafkaPeakMBpsPerBroker: 10, kafkaMinBrokers: 3, kafkaBrokerVcpus: 8, kafkaBrokerMemoryGiB: 32,
    replicationFactor: 3, diskFill: 0.5, crossZoneShare: 0.5, cpuUtilization: 0.5, memoryGiBPerVcpu: 4, flinkCpuFactor: 1,
    flinkJobManagerVcpus: 4, flinkStateBytesPerEngagement: 100, flinkCheckpointIntervalSeconds: 100, flinkCheckpointsRetained: 2,
    flinkCheckpointFilesPerVcpu: 1, approach1JoinerToFlink: 2, redisLockOpsPerSample: 2, redisOpsPerSecondPerGiBNode: 100_000,
    redisGiBPerNode: 5, windowSeconds: 600,
  };
  return {
    asOf: 'test', region: 'test', prices,
    sizing: Object.fromEntries(SIZING_KEYS.map((k) => [k, { value: overrides[k] ?? sizing[k]!, source: 'test' }])) as PriceSheet['sizing'],
  };
}

const MEASURED: Measurements = {
  source: 'test',
  wire: { source: 'test', views: { jsonNone: 200, avroLz4: 40 }, engagements: { jsonNone: 100, avroLz4: 30 }, samples: { jsonNone: 500, avroLz4: 60 } },
  engagementsPerView: { value: 1, source: 'test' },
  joinerCpuSecondsPerMillionInputEvents: { value: 10, source: 'test' },
  joinerStateBytesPerViewInFlight: { value: 100, source: 'test' },
  trainerCpuSecondsPerMillionSamples: { value: 50, source: 'test' },
};

const line = (r: ReturnType<typeof projectCosts>, approach: string, item: RegExp) => {
  const found = r.lines.find((l) => l.approach === approach && item.test(l.item));
  assert.ok(found, `no line ${item} for ${approach}`);
  return found;
};

describe('projectCosts', () => {
  // 20 MB/s of 200-byte JSON views: 100,000 views/s at the peak, 50,000 on average; as many engagements.
  const r = projectCosts(MEASURED, sheet({ pubsubThroughputPerTiB: 40, pubsubStoragePerGiBMonth: 0.5, vcpuHour: 0.036, memoryGiBHour: 0.0036 }), { viewsMBps: 20, retentionDays: 2 });

  it('derives the workload from the JSON size of a view', () => {
    assert.equal(r.workload.peakViewsPerSecond, 100_000);
    assert.equal(r.workload.peakEngagementsPerSecond, 100_000);
    assert.equal(r.workload.meanViewsPerSecond, 50_000);
    assert.equal(r.workload.inputBytesPerEvent.approach1, 150);
    assert.ok(Math.abs(r.workload.inputCut.approach2 - 0.85) < 1e-12, 'Approach 2 carries the paper\'s 85 % cut');
    assert.ok(Math.abs(r.workload.inputCut.labeljoin - (1 - 35 / 150)) < 1e-12, 'labeljoin carries the measured bytes');
  });

  it('with --wire compact, labeljoin carries the compact shape\'s input bytes (samples stay Avro); without the figure, it says which', () => {
    const withCompact: Measurements = { ...MEASURED, wire: { ...MEASURED.wire, views: { ...MEASURED.wire.views, compactLz4: 20 }, engagements: { ...MEASURED.wire.engagements, compactLz4: 10 } } };
    const prices = sheet({ pubsubThroughputPerTiB: 40, pubsubStoragePerGiBMonth: 0.5, vcpuHour: 0.036, memoryGiBHour: 0.0036 });
    const compact = projectCosts(withCompact, prices, { viewsMBps: 20, retentionDays: 2, wire: 'compact' });
    assert.equal(compact.workload.inputBytesPerEvent.labeljoin, 15);
    assert.equal(compact.workload.inputBytesPerEvent.approach2, r.workload.inputBytesPerEvent.approach2);
    assert.ok(compact.totals.labeljoin < r.totals.labeljoin);
    assert.throws(() => projectCosts(MEASURED, prices, { viewsMBps: 20, retentionDays: 2, wire: 'compact' }), /wire\.views\.compactLz4/);
  });

    it('prices Pub/Sub by the bytes published and delivered, and the bytes retained', () => {
    // Mean bytes/s as JSON: 50k views × 200 + 50k engagements × 100 + 50k samples × 500 = 40 MB/s.
    const bytesPerSecond = 40e6;
    assert.ok(Math.abs(line(r, 'approach1', /throughput/).monthlyUsd - ((2 * bytesPerSecond * 1e6) / TIB) * 40) < 1e-6);
    assert.ok(Math.abs(line(r, 'approach1', /storage/).monthlyUsd - ((bytesPerSecond * 2 * 86_400) / GIB) * 0.5) < 1e-6);
  });

  it('sizes Kafka brokers by the peak bytes written, never below the minimum', () => {
    // labeljoin at the peak: 100k × (40 + 30 + 60) = 13 MB/s: 2 brokers of 10 MB/s, so the minimum of 3.
    assert.match(line(r, 'labeljoin', /brokers/).how, /^3 × 8 vCPU/);
    // Approach 1's JSON at the peak: 100k × 800 = 80 MB/s would need 8.
    const json = projectCosts({ ...MEASURED, wire: { ...MEASURED.wire, views: { jsonNone: 200, avroLz4: 200 }, engagements: { jsonNone: 100, avroLz4: 100 }, samples: { jsonNone: 500, avroLz4: 500 } } }, sheet(), { viewsMBps: 20, retentionDays: 2 });
    assert.match(line(json, 'labeljoin', /brokers/).how, /^8 × 8 vCPU/);
  });

  it('computes the joiner from its CPU per million events at the peak', () => {
    // 200k events/s × 10 s per M = 2 CPU, at 50 % busy 4 vCPU; memory max(state 100k × 600 × 100 B, 4 × 4 GiB) = 16 GiB.
    const expected = (4 * 0.036 + 16 * 0.0036) * (1_000_000 / 3600);
    assert.ok(Math.abs(line(r, 'labeljoin', /joiner/).monthlyUsd - expected) < 1e-9);
    assert.equal(line(r, 'approach2', /TaskManagers/).monthlyUsd, expected, 'Flink: the same CPU per event (factor 1), 4 GiB per vCPU');
  });

  it('makes Approach 1\'s joiner the paper\'s multiple of Approach 2\'s, and gives only Approach 1 Redis', () => {
    assert.ok(Math.abs(r.byComponent.joiner.approach1 - 2 * r.byComponent.joiner.approach2) < 1e-9);
    assert.ok(r.byComponent.redis.approach1 > 0);
    assert.equal(r.byComponent.redis.approach2, 0);
    assert.equal(r.byComponent.redis.labeljoin, 0);
  });

  it('adds up: totals are the sums of the lines, and of the components', () => {
    for (const a of APPROACHES) {
      const sum = r.lines.filter((l) => l.approach === a).reduce((t, l) => t + l.monthlyUsd, 0);
      assert.ok(Math.abs(r.totals[a] - sum) < 1e-6);
      assert.ok(Math.abs(r.totals[a] - COMPONENTS.reduce((t, c) => t + r.byComponent[c][a], 0)) < 1e-6);
    }
  });

  it('scales the volume lines linearly with the rate', () => {
    const double = projectCosts(MEASURED, sheet({ pubsubThroughputPerTiB: 40 }), { viewsMBps: 40, retentionDays: 2 });
    const single = projectCosts(MEASURED, sheet({ pubsubThroughputPerTiB: 40 }), { viewsMBps: 20, retentionDays: 2 });
    for (const item of [/throughput/, /storage/]) assert.ok(Math.abs(line(double, 'approach1', item).monthlyUsd - 2 * line(single, 'approach1', item).monthlyUsd) < 1e-6);
    assert.ok(Math.abs(line(double, 'labeljoin', /disks/).monthlyUsd - 2 * line(single, 'labeljoin', /disks/).monthlyUsd) < 1e-6);
  });

  it('prints the assumptions, and an HTML page with an inline chart and nothing loaded from elsewhere', () => {
    const text = costTextLines(r).join('\n');
    assert.match(text, /^Assumptions:$/m);
    assert.match(text, /flinkCpuFactor = 1: test/);
    const html = costHtml(r);
    assert.match(html, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.doesNotMatch(html, /\s(src|href)=/);
    assert.equal((html.match(/<rect /g) ?? []).length >= 3 * 3, true, 'a segment per component and approach, and the legend');
  });
});

describe('cost inputs', () => {
  it('the repository\'s price sheet and measurements load, every figure with a source', () => {
    const prices = readPriceSheet(join(packageRoot(), 'cost', 'prices.json'));
    for (const k of PRICE_KEYS) assert.match(prices.prices[k].source, /^https:\/\/cloud\.google\.com\//);
    const measured = readMeasurements(join(packageRoot(), 'cost', 'measurements.json'));
    assert.match(measured.joinerCpuSecondsPerMillionInputEvents.source, /bench\/RESULTS\.md/);
    const r = projectCosts(measured, prices, { viewsMBps: 200, retentionDays: 3 });
    assert.ok(r.totals.labeljoin > 0 && r.totals.approach1 > r.totals.approach2);
  });

  it('a missing figure names the file and the key', (t) => {
    const file = join(testDir(t, 'cost'), 'prices.json');
    const broken = JSON.parse(JSON.stringify({ asOf: 'x', region: 'x', prices: sheet().prices, sizing: sheet().sizing })) as { prices: Record<string, unknown> };
    delete broken.prices['vcpuHour'];
    writeFileSync(file, JSON.stringify(broken));
    assert.throws(() => readPriceSheet(file), (e: unknown) => e instanceof Error && e.message === `${file}: prices.vcpuHour is missing or not an object`);
  });
});
