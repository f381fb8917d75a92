/**
 * What negative downsampling costs in model quality (a quality figure, not a
 * speed benchmark): simulated samples (views with their true labels,
 * src/sim/samples.ts) in view-time order; the first part trains two models of
 * the trainer's FFM (src/train/ffm.ts, the trainer's feature keys and step) —
 * one on every sample, one on the samples the joiner keeps at --negative-share F
 * (src/join/labels.ts) with their weights —; the last part (every sample,
 * held out, the same for both) is scored by each without learning: per signal
 * AUC, and the mean predicted probability against the observed rate
 * (calibration).
 */
import { type SampleRecord } from '../codec/events.js';
import { keepsSample, sampleWeight } from '../join/labels.js';
import { simulatedSamples } from '../sim/samples.js';
import type { WorkloadOptions } from '../sim/workload.js';
import { auc } from '../train/evaluation.js';
import { Ffm, type FfmParams } from '../train/ffm.js';
import { featureKeys } from '../train/trainer.js';

export interface DownsampleQualityOptions {
  readonly workload: WorkloadOptions;
  readonly share: number;
  /** The share of the samples (the last ones in view time) held out. */
  readonly holdout: number;
  readonly model: Omit<FfmParams, 'signals'>;
}

export interface SignalQuality {
  readonly observedRate: number;
  readonly full: { readonly auc: number; readonly meanScore: number };
  readonly downsampled: { readonly auc: number; readonly meanScore: number };
}

export interface DownsampleQualityResult {
  readonly samples: number;
  readonly trained: { readonly full: number; readonly downsampled: number };
  readonly heldOut: number;
  readonly keptNegativeShare: number;
  readonly signals: Record<string, SignalQuality>;
}

export function runDownsampleQuality(o: DownsampleQualityOptions): DownsampleQualityResult {
  const signals = o.workload.labelTypes;
  const samples = simulatedSamples(o.workload).sort((a, b) => a.view_ts - b.view_ts);
  const cut = Math.floor(samples.length * (1 - o.holdout));
  const train = samples.slice(0, cut);
  const held = samples.slice(cut);
  const bits = (s: SampleRecord): number => signals.reduce((b, t, i) => b | ((s.labels[t] === 1 ? 1 : 0) << i), 0);
  const kept = train.filter((s) => keepsSample(bits(s), s.view_event_id, o.share));
  const negatives = train.filter((s) => bits(s) === 0).length;
  const keptNegatives = kept.filter((s) => bits(s) === 0).length;
  const full = score(trainModel(train, () => 1, o, signals), held, signals);
  const down = score(trainModel(kept, (s) => sampleWeight(bits(s), o.share), o, signals), held, signals);
  const out: Record<string, SignalQuality> = {};
  signals.forEach((t, j) => {
    const labels = held.map((s) => (s.labels[t] === 1 ? 1 : 0));
    const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    out[t] = {
      observedRate: mean(labels),
      full: { auc: auc(full[j]!, labels), meanScore: mean(full[j]!) },
      downsampled: { auc: auc(down[j]!, labels), meanScore: mean(down[j]!) },
    };
  });
  return { samples: samples.length, trained: { full: train.length, downsampled: kept.length }, heldOut: held.length, keptNegativeShare: keptNegatives / negatives, signals: out };
}

interface Trained {
  readonly model: Ffm;
  readonly rows: Map<string, Float32Array>;
}

function rowOf(t: Trained, key: string, bias: boolean): Float32Array {
  let r = t.rows.get(key);
  if (r === undefined) t.rows.set(key, (r = t.model.initialRow(key, bias)));
  return r;
}

function trainModel(samples: readonly SampleRecord[], weight: (s: SampleRecord) => number, o: DownsampleQualityOptions, signals: readonly string[]): Trained {
  const t: Trained = { model: new Ffm({ ...o.model, signals: signals.length }), rows: new Map() };
  const labels = new Float64Array(signals.length);
  const scores = new Float64Array(signals.length);
  for (const s of samples) {
    const [u, p, c] = featureKeys(s);
    for (let j = 0; j < signals.length; j++) labels[j] = s.labels[signals[j]!] === 1 ? 1 : 0;
    t.model.scoreAndStep(rowOf(t, 'bias', true), rowOf(t, u, false), rowOf(t, p, false), rowOf(t, c, false), labels, scores, weight(s));
  }
  return t;
}

/** Per signal, the score of each held-out sample, the model not learning (each step is taken on copies). */
function score(t: Trained, held: readonly SampleRecord[], signals: readonly string[]): number[][] {
  const out = signals.map(() => [] as number[]);
  const labels = new Float64Array(signals.length);
  const scores = new Float64Array(signals.length);
  for (const s of held) {
    const [u, p, c] = featureKeys(s);
    const copy = (key: string, bias: boolean): Float32Array => (t.rows.get(key) ?? t.model.initialRow(key, bias)).slice();
    t.model.scoreAndStep(copy('bias', true), copy(u, false), copy(p, false), copy(c, false), labels, scores);
    for (let j = 0; j < signals.length; j++) out[j]!.push(scores[j]!);
  }
  return out;
}
