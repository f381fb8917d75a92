/**
 * Progressive validation: every sample is scored by the model before the model
 * learns from it, so the scores are honest out-of-sample predictions on the
 * live stream. Per signal and per window of N samples: logloss and AUC of the
 * live model, and, once frozen, of a copy of the model frozen after the first
 * part of the stream (what training in real time buys under drift).
 *
 * Weights (negative downsampling, the sample's weight): logloss, the mean score
 * and the observed rate are weighted means, so a downsampled stream reports
 * what the full one would (calibration: the mean score against the observed
 * rate). AUC is left unweighted: every positive has weight 1 and every
 * negative the same weight 1/F, and a weight common to all negatives does not
 * change the Mann-Whitney statistic.
 */

export interface WindowReport {
  /** 1-based window number. */
  readonly window: number;
  readonly samples: number;
  /** View event time of the window's first and last samples. */
  readonly fromTs: number;
  readonly toTs: number;
  readonly signals: Record<string, SignalScore>;
}

export interface SignalScore {
  readonly positives: number;
  readonly logloss: number;
  /** Weighted mean of the live scores, and of the labels (the observed rate). */
  readonly meanScore: number;
  readonly observedRate: number;
  /** Area under the ROC curve; NaN when the window has only one class. */
  readonly auc: number;
  readonly frozenLogloss?: number;
  readonly frozenAuc?: number;
}

interface Scores {
  readonly live: number[];
  readonly frozen: number[];
  readonly labels: number[];
}

export class ProgressiveValidation {
  readonly windows: WindowReport[] = [];
  readonly #signals: readonly string[];
  readonly #windowSize: number;
  #current: Scores[];
  /** The samples' weights in the current window (one per sample, every signal). */
  #weights: number[] = [];
  #weighted = false;
  #count = 0;
  #fromTs = 0;
  #toTs = 0;

  constructor(signals: readonly string[], windowSize: number) {
    this.#signals = signals;
    this.#windowSize = windowSize;
    this.#current = this.#fresh();
  }

  /** Records one sample: per signal, the live score, the frozen score (if any) and the label. */
  record(ts: number, live: ArrayLike<number>, frozen: ArrayLike<number> | undefined, labels: ArrayLike<number>, weight = 1): void {
    if (this.#count === 0) this.#fromTs = ts;
    this.#weights.push(weight);
    if (weight !== 1) this.#weighted = true;
    this.#toTs = ts;
    for (let s = 0; s < this.#signals.length; s++) {
      const c = this.#current[s]!;
      c.live.push(live[s]!);
      c.labels.push(labels[s]!);
      if (frozen !== undefined) c.frozen.push(frozen[s]!);
    }
    if (++this.#count >= this.#windowSize) this.close();
  }

  /** Ends the current window (if it has samples) and returns it. */
  close(): WindowReport | undefined {
    if (this.#count === 0) return undefined;
    const signals: Record<string, SignalScore> = {};
    const w = this.#weighted ? this.#weights : undefined;
    this.#signals.forEach((name, s) => {
      const c = this.#current[s]!;
      const frozenComplete = c.frozen.length === c.labels.length;
      signals[name] = {
        positives: c.labels.reduce((a, b) => a + b, 0),
        logloss: logloss(c.live, c.labels, w),
        meanScore: weightedMean(c.live, w),
        observedRate: weightedMean(c.labels, w),
        auc: auc(c.live, c.labels),
        ...(frozenComplete ? { frozenLogloss: logloss(c.frozen, c.labels, w), frozenAuc: auc(c.frozen, c.labels) } : {}),
      };
    });
    const report: WindowReport = { window: this.windows.length + 1, samples: this.#count, fromTs: this.#fromTs, toTs: this.#toTs, signals };
    this.windows.push(report);
    this.#current = this.#fresh();
    this.#weights = [];
    this.#weighted = false;
    this.#count = 0;
    return report;
  }

  #fresh(): Scores[] {
    return this.#signals.map(() => ({ live: [], frozen: [], labels: [] }));
  }
}

const EPS = 1e-7;

/** Mean logloss; with weights, the weighted mean (sum of w * loss over sum of w). */
export function logloss(scores: readonly number[], labels: readonly number[], weights?: readonly number[]): number {
  if (scores.length === 0) return Number.NaN;
  let sum = 0;
  let total = 0;
  for (let i = 0; i < scores.length; i++) {
    const p = Math.min(1 - EPS, Math.max(EPS, scores[i]!));
    const loss = labels[i]! === 1 ? Math.log(p) : Math.log(1 - p);
    const w = weights === undefined ? 1 : weights[i]!;
    sum -= weights === undefined ? loss : w * loss;
    total += w;
  }
  return sum / total;
}

/** The mean of xs, weighted when weights are given; NaN for none. */
export function weightedMean(xs: readonly number[], weights?: readonly number[]): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < xs.length; i++) {
    const w = weights === undefined ? 1 : weights[i]!;
    sum += w * xs[i]!;
    total += w;
  }
  return total === 0 ? Number.NaN : sum / total;
}

/**
 * Exact AUC (Mann-Whitney U), ties counted as one half. NaN with one class only.
 * Scores and positives' scores sorted as Float64Arrays (numeric, no comparator);
 * each positive adds the mean rank of its tie group, in ascending score order.
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const all = Float64Array.from(scores).sort();
  if (n > 0 && Number.isNaN(all[n - 1])) return Number.NaN; // NaN sorts last
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) positives++;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  const pos = new Float64Array(positives);
  for (let i = 0, j = 0; i < n; i++) if (labels[i] === 1) pos[j++] = scores[i]!;
  pos.sort();
  let rankSum = 0;
  let i = 0; // start of the tie group of the current positive's score in `all`
  for (let p = 0; p < positives; ) {
    const v = pos[p]!;
    while (i < n && all[i]! !== v) i++;
    let j = i;
    while (j + 1 < n && all[j + 1] === v) j++;
    const meanRank = (i + j) / 2 + 1;
    for (; p < positives && pos[p] === v; p++) rankSum += meanRank;
    i = j + 1;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
