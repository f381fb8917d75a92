/**
 * What the metrics cost the joiner, behind docs/decisions/metrics-and-logs.md:
 * the per-sample observer hook (an emit-latency histogram and a delay
 * histogram per labelled type, prom-client), a scrape of the joiner's whole
 * registry with 8 partitions, and the structured logger's line rate.
 *
 *   node build/src/bench/decisions/metrics-cost.js [--samples 2000000]
 */
import { parseArgs } from 'node:util';
import type { SampleRecord } from '../../codec/events.js';
import { DEFAULT_LABEL_TYPES } from '../../config/settings.js';
import { createLogger } from '../../log/logger.js';
import { JoinMetrics, newRegistry, type JoinSource } from '../../observe/metrics.js';
import { systemClock } from '../../time/clock.js';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '2000000' } } });
const n = Number(values.samples);
const registry = newRegistry('join', 'bench');
const metrics = new JoinMetrics(registry, { labelTypes: DEFAULT_LABEL_TYPES, windowMs: 600_000, viewsTopic: 'views', engagementTopics: ['engagements'], clock: systemClock });
const source: JoinSource = {
  counters: { viewsIn: n, engagementsIn: n, samplesOut: n, positives: Object.fromEntries(DEFAULT_LABEL_TYPES.map((t) => [t, n / 4])), duplicateViews: 1, duplicateEngagements: 1, late: 1, corrections: 0, orphans: 1, deadLetteredBy: { RECORD_UNDECODABLE: 1 }, lostToRetention: 0, timeOutliers: { views: 0, engagements: 0 }, wrongPartition: { views: {}, engagements: {} } },
  partitionStates: () => Array.from({ length: 8 }, (_, partition) => ({ partition, watermark: Date.now() - 20_000, viewsPosition: 10n, viewsEnd: 20n, engagements: [{ position: 10n, end: 20n }], newestJoinedTs: Date.now() - 630_000 })),
  indexSize: () => 1_000_000,
};
metrics.attach(source);

// A typical sample: 2-3 labels set (play, skip, sometimes like).
const samples: SampleRecord[] = Array.from({ length: 1024 }, (_, i) => ({
  sample_id: Buffer.alloc(16), view_event_id: Buffer.alloc(16), user_id: i, post_id: i, view_ts: Date.now() - 620_000,
  labels: {}, delays_ms: { like: i % 3 === 0 ? 15_000 : null, share: null, comment: null, favorite: null, play: 2_000, skip: i % 2 === 0 ? 1_500 : null },
  context: { language: 'hi', region: 'IN-KA', device: 'android', app_version: '1', surface: 'home', position: 0 }, version: 0, emitted_at: Date.now(), weight: 1,
}));
let t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) metrics.observer.sampleEmitted(samples[i & 1023]!);
const hookNs = Number(process.hrtime.bigint() - t0) / n;

const scrapes = 200;
t0 = process.hrtime.bigint();
let bytes = 0;
for (let i = 0; i < scrapes; i++) bytes = (await registry.metrics()).length;
const scrapeMs = Number(process.hrtime.bigint() - t0) / scrapes / 1e6;

let lines = 0;
const log = createLogger({ level: 'info', format: 'json', write: () => void lines++ });
const logN = 200_000;
t0 = process.hrtime.bigint();
for (let i = 0; i < logN; i++) log.info('bench line', { partition: i & 7, offset: i });
const logNs = Number(process.hrtime.bigint() - t0) / logN;

process.stdout.write(`${JSON.stringify({ samples: n, hookNsPerSample: Math.round(hookNs), scrapeMs: Number(scrapeMs.toFixed(2)), scrapeBytes: bytes, logNsPerLine: Math.round(logNs), linesWritten: lines })}\n`);
