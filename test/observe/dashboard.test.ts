/**
 * The dashboard's data from scraped metrics, on a manual clock and canned
 * scrapes: rates, join rate per label, quantiles, targets going down and up.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dashboard } from '../../src/observe/dashboard.js';
import { ManualClock } from '../../src/time/clock.js';
import { createLogger } from '../../src/log/logger.js';

const log = createLogger({ level: 'error', format: 'json', write: () => undefined });

function joiner(views: number, engagements: number, likes: number, samples: number, latencyBuckets: Array<[string, number]>): string {
  return [
    `labeljoin_join_records_in_total{input="views",topic="v",instance="a"} ${views}`,
    `labeljoin_join_records_in_total{input="engagements",topic="e",instance="a"} ${engagements}`,
    `labeljoin_join_samples_out_total{instance="a"} ${samples}`,
    `labeljoin_join_labels_total{label="like",value="1",instance="a"} ${likes}`,
    `labeljoin_join_labels_total{label="like",value="0",instance="a"} ${samples - likes}`,
    `labeljoin_join_watermark_lag_seconds{partition="0"} 20`,
    `labeljoin_join_watermark_lag_seconds{partition="1"} 35`,
    ...latencyBuckets.map(([le, n]) => `labeljoin_join_emit_latency_seconds_bucket{le="${le}"} ${n}`),
  ].join('\n');
}

describe('dashboard data', () => {
  it('turns two scrapes of two targets into rates, join rates, lag and quantiles', async () => {
    const clock = new ManualClock(1_000_000);
    const pages = new Map<string, string>([
      ['http://j/metrics', joiner(1_000, 3_000, 100, 1_000, [['1', 0], ['2', 0], ['+Inf', 0]])],
      ['http://t/metrics', 'labeljoin_train_auc{signal="like"} 0.61\nlabeljoin_train_samples_total{outcome="applied"} 500'],
    ]);
    const d = new Dashboard({ targets: [...pages.keys()], scrapeEveryMs: 1_000, historyMs: 60_000, clock, log, getText: async (url) => pages.get(url) ?? Promise.reject(new Error('connection refused')) });
    await d.scrapeOnce();
    clock.advance(2_000);
    // 2 s later: +2,000 views, +4,000 engagements, +2,000 samples of which 500 liked; 100 emitted, 50 within 1 s, 99 within 2 s.
    pages.set('http://j/metrics', joiner(3_000, 7_000, 600, 3_000, [['1', 50], ['2', 99], ['+Inf', 100]]));
    await d.scrapeOnce();
    const p = d.state().points[1]!;
    assert.equal(p.viewsPerSec, 1_000);
    assert.equal(p.engagementsPerSec, 2_000);
    assert.equal(p.samplesPerSec, 1_000);
    assert.equal(p.joinRate['like'], 0.25);
    assert.equal(p.watermarkLagMaxSec, 35);
    assert.equal(p.emitLatencyP50Sec, 1);
    assert.ok(Math.abs(p.emitLatencyP99Sec! - 2) < 1e-9);
    assert.equal(p.auc['like'], 0.61);
    assert.equal(p.totals.trained, 500);
    assert.deepEqual(d.state().targets.map((t) => t.up), [true, true]);

    pages.delete('http://t/metrics');
    clock.advance(1_000);
    await d.scrapeOnce();
    const down = d.state().targets.find((t) => t.url === 'http://t/metrics')!;
    assert.equal(down.up, false);
    assert.match(down.error ?? '', /connection refused/);
  });

  it('keeps only the history asked for', async () => {
    const clock = new ManualClock(0);
    const d = new Dashboard({ targets: ['http://j/metrics'], scrapeEveryMs: 1_000, historyMs: 10_000, clock, log, getText: async () => joiner(0, 0, 0, 0, []) });
    for (let i = 0; i < 30; i++) {
      await d.scrapeOnce();
      clock.advance(1_000);
    }
    const points = d.state().points;
    assert.equal(points.length, 11);
    assert.equal(points[0]!.t, 19_000);
  });
});
