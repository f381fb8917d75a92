/**
 * The dashboard's data: it scrapes the /metrics endpoints of the joiners and
 * trainers it is given, sums each metric over them, and keeps a time series of
 * the figures the page draws (rates from consecutive scrapes). The page
 * (src/observe/dashboard-page.ts and web/dashboard.ts) polls state() as JSON.
 *
 * Scraping runs on an injected clock; a target that does not answer is shown
 * as down and contributes nothing until it answers again.
 */
import type { ConfigSection } from '../config/config.js';
import type { Clock } from '../time/clock.js';
import type { Logger } from '../log/logger.js';
import { maxOf, parsePromText, sumOf, type PromSample } from './prom-text.js';

export interface DashboardOptions extends Pick<ConfigSection<'observe'>, 'targets' | 'scrapeEveryMs' | 'historyMs'> {
  readonly clock: Clock;
  readonly log: Logger;
  /** GET a URL's body as text (injected for tests; default: fetch with a timeout). */
  readonly getText?: (url: string) => Promise<string>;
}

export interface Point {
  /** wall-clock ms */
  readonly t: number;
  readonly viewsPerSec: number;
  readonly engagementsPerSec: number;
  readonly samplesPerSec: number;
  /** per label: share of the samples emitted since the previous point with label 1 */
  readonly joinRate: Readonly<Record<string, number>>;
  readonly totals: { readonly views: number; readonly engagements: number; readonly samples: number; readonly late: number; readonly orphans: number; readonly deadLettered: number; readonly duplicates: number; readonly trained: number };
  readonly watermarkLagMaxSec: number | null;
  readonly viewLagBeyondWindowMaxSec: number | null;
  readonly emitLatencyP50Sec: number | null;
  readonly emitLatencyP99Sec: number | null;
  readonly indexEngagements: number;
  readonly auc: Readonly<Record<string, number>>;
  readonly logloss: Readonly<Record<string, number>>;
}

export interface DashboardState {
  readonly now: number;
  readonly targets: ReadonlyArray<{ readonly url: string; readonly up: boolean; readonly error?: string }>;
  readonly points: readonly Point[];
  /** per engagement type: share of labelled engagements per delay bucket (upper bound in seconds) */
  readonly delays: Readonly<Record<string, ReadonlyArray<{ readonly le: string; readonly share: number }>>>;
}

export class Dashboard {
  readonly #o: DashboardOptions;
  readonly #points: Point[] = [];
  readonly #targets = new Map<string, { up: boolean; error?: string }>();
  #delays: DashboardState['delays'] = {};
  #previous: { t: number; samples: PromSample[] } | undefined;
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(options: DashboardOptions) {
    this.#o = options;
    for (const url of options.targets) this.#targets.set(url, { up: false, error: 'not scraped yet' });
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        await this.scrapeOnce();
        await this.#o.clock.sleep(this.#o.scrapeEveryMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  state(): DashboardState {
    return {
      now: this.#o.clock.now(),
      targets: [...this.#targets].map(([url, s]) => ({ url, ...s })),
      points: this.#points,
      delays: this.#delays,
    };
  }

  /** One scrape of every target and one new point (exported for tests). */
  async scrapeOnce(): Promise<void> {
    const get = this.#o.getText ?? getWithTimeout;
    const samples: PromSample[] = [];
    await Promise.all(this.#o.targets.map(async (url) => {
      try {
        samples.push(...parsePromText(await get(url)));
        if (this.#targets.get(url)?.up !== true) this.#o.log.info('target up', { url });
        this.#targets.set(url, { up: true });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (this.#targets.get(url)?.up === true) this.#o.log.warn('target down', { url, error: message });
        this.#targets.set(url, { up: false, error: message });
      }
    }));
    const t = this.#o.clock.now();
    const previous = this.#previous;
    this.#previous = { t, samples };
    this.#delays = delayShares(samples);
    const point = toPoint(t, samples, previous);
    this.#points.push(point);
    while (this.#points.length > 0 && this.#points[0]!.t < t - this.#o.historyMs) this.#points.shift();
  }
}

async function getWithTimeout(url: string): Promise<string> {
  // A target that redirects is not followed (it could point the dashboard at anything): it is down.
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000), redirect: 'manual' });
  if (response.status >= 300 && response.status < 400) throw new Error(`HTTP ${response.status} (a redirect; not followed)`);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.text();
}

function labelValues(samples: readonly PromSample[], name: string, label: string): string[] {
  return [...new Set(samples.filter((s) => s.name === name && s.labels[label] !== undefined).map((s) => s.labels[label]!))];
}

function toPoint(t: number, now: readonly PromSample[], before: { t: number; samples: PromSample[] } | undefined): Point {
  const dt = before === undefined ? 0 : (t - before.t) / 1000;
  const rate = (name: string, match: Record<string, string> = {}): number => {
    if (before === undefined || dt <= 0) return 0;
    return Math.max(0, (sumOf(now, name, match) - sumOf(before.samples, name, match)) / dt);
  };
  const recordsIn = (input: 'views' | 'engagements'): { total: number; rate: number } => ({
    total: sumOf(now, 'labeljoin_join_records_in_total', { input }),
    rate: rate('labeljoin_join_records_in_total', { input }),
  });
  const views = recordsIn('views');
  const engagements = recordsIn('engagements');
  const samplesRate = rate('labeljoin_join_samples_out_total');
  const joinRate: Record<string, number> = {};
  for (const label of labelValues(now, 'labeljoin_join_labels_total', 'label')) {
    const ones = rate('labeljoin_join_labels_total', { label, value: '1' });
    const all = ones + rate('labeljoin_join_labels_total', { label, value: '0' });
    if (all > 0) joinRate[label] = ones / all;
  }
  const gaugeBySignal = (name: string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const signal of labelValues(now, name, 'signal')) {
      const values = now.filter((s) => s.name === name && s.labels['signal'] === signal && Number.isFinite(s.value)).map((s) => s.value);
      if (values.length > 0) out[signal] = values.reduce((a, b) => a + b, 0) / values.length;
    }
    return out;
  };
  return {
    t,
    viewsPerSec: views.rate,
    engagementsPerSec: engagements.rate,
    samplesPerSec: samplesRate,
    joinRate,
    totals: {
      views: views.total,
      engagements: engagements.total,
      samples: sumOf(now, 'labeljoin_join_samples_out_total'),
      late: sumOf(now, 'labeljoin_join_late_total'),
      orphans: sumOf(now, 'labeljoin_join_orphans_total'),
      deadLettered: sumOf(now, 'labeljoin_join_dead_lettered_total'),
      duplicates: sumOf(now, 'labeljoin_join_duplicates_total'),
      trained: sumOf(now, 'labeljoin_train_samples_total', { outcome: 'applied' }),
    },
    watermarkLagMaxSec: maxOf(now, 'labeljoin_join_watermark_lag_seconds'),
    viewLagBeyondWindowMaxSec: maxOf(now, 'labeljoin_join_view_lag_beyond_window_seconds'),
    emitLatencyP50Sec: quantile(now, before?.samples, 'labeljoin_join_emit_latency_seconds', 0.5),
    emitLatencyP99Sec: quantile(now, before?.samples, 'labeljoin_join_emit_latency_seconds', 0.99),
    indexEngagements: sumOf(now, 'labeljoin_join_index_engagements'),
    auc: gaugeBySignal('labeljoin_train_auc'),
    logloss: gaugeBySignal('labeljoin_train_logloss'),
  };
}

/** A quantile of a Prometheus histogram over the interval between two scrapes (whole history for the first), linear within a bucket. */
function quantile(now: readonly PromSample[], before: readonly PromSample[] | undefined, name: string, q: number): number | null {
  const buckets = new Map<number, number>();
  const add = (list: readonly PromSample[], sign: number): void => {
    for (const s of list) {
      if (s.name !== `${name}_bucket`) continue;
      const le = s.labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels['le']);
      buckets.set(le, (buckets.get(le) ?? 0) + sign * s.value);
    }
  };
  add(now, 1);
  if (before !== undefined) add(before, -1);
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const total = sorted[sorted.length - 1]?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lower;
      const inBucket = count - below;
      return inBucket <= 0 ? le : lower + ((rank - below) / inBucket) * (le - lower);
    }
    lower = Number.isFinite(le) ? le : lower;
    below = count;
  }
  return lower;
}

function delayShares(samples: readonly PromSample[]): DashboardState['delays'] {
  const out: Record<string, Array<{ le: string; share: number }>> = {};
  for (const type of labelValues(samples, 'labeljoin_join_engagement_delay_seconds_bucket', 'type')) {
    const cumulative = new Map<string, number>();
    for (const s of samples) {
      if (s.name === 'labeljoin_join_engagement_delay_seconds_bucket' && s.labels['type'] === type) cumulative.set(s.labels['le'] ?? '', (cumulative.get(s.labels['le'] ?? '') ?? 0) + s.value);
    }
    const sorted = [...cumulative].sort(([a], [b]) => (a === '+Inf' ? Infinity : Number(a)) - (b === '+Inf' ? Infinity : Number(b)));
    const total = sorted[sorted.length - 1]?.[1] ?? 0;
    let previous = 0;
    out[type] = sorted.map(([le, c]) => {
      const share = total > 0 ? (c - previous) / total : 0;
      previous = c;
      return { le, share };
    });
  }
  return out;
}
