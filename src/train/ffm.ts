/**
 * Field-aware factorization machine (Juan et al., 2016), one model per signal,
 * trained online with AdaGrad, on three fields: the user, the post and the
 * view context (surface and position). For one impression and signal s:
 *
 *   φ = b + w_user + w_post + w_ctx
 *         + <V_user→post, V_post→user> + <V_user→ctx, V_ctx→user> + <V_post→ctx, V_ctx→post>
 *   p = sigmoid(φ),  loss = w·logloss(p, y),  g = w·(p − y)
 *   (w: the sample's weight, 1 but for a kept negative under negative downsampling)
 *
 * where V_f→g is the k-vector the feature of field f keeps for field g. Each
 * step: grad(b) = g; grad(w) = g + λw; grad(V_f→g) = g·V_g→f + λV_f→g (all from
 * the values before the step); AdaGrad: G += grad², θ −= η·grad/√G, G starting
 * at 1 (as libffm does).
 *
 * Row layout (Float32, little-endian when stored; see src/store/model-store.ts):
 * a feature row holds every signal's parameters, signal after signal, each block
 * of 2 + 4k floats:
 *
 *   [ w, G_w, V_slot0[0..k), G_slot0[0..k), V_slot1[0..k), G_slot1[0..k) ]
 *
 * slot0/slot1 are the two other fields in field order (user, post, ctx). The
 * bias row holds [b, G_b] per signal. A row that is not in the store yet starts
 * from `initialRow`: w = 0, V uniform in [0, 1/√k), G = 1, drawn from a
 * generator seeded by the model seed and the row key only, so every instance
 * and every rerun starts a row the same way.
 */

import type { ConfigSection } from '../config/config.js';

export const FIELDS = ['user', 'post', 'ctx'] as const;
export type Field = (typeof FIELDS)[number];

/** The model's settings (train.k, train.learningRate, train.l2, train.seed) and how many signals it models. */
export interface FfmParams extends Pick<ConfigSection<'train'>, 'k' | 'learningRate' | 'l2' | 'seed'> {
  readonly signals: number;
}

/** The three feature rows of one impression, in FIELDS order, and the bias row. */
export interface ImpressionRows {
  readonly bias: Float32Array;
  readonly features: readonly [Float32Array, Float32Array, Float32Array];
}

const PAIRS: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [0, 2],
  [1, 2],
];

export class Ffm {
  readonly params: FfmParams;
  /** Floats per signal in a feature row. */
  readonly block: number;
  readonly rowLength: number;
  readonly biasLength: number;

  constructor(params: FfmParams) {
    this.params = params;
    this.block = 2 + 4 * params.k;
    this.rowLength = params.signals * this.block;
    this.biasLength = 2 * params.signals;
  }

  /** Offset of V_f→g inside signal s's block of a field-f row (G follows at + k). */
  #slot(s: number, f: number, g: number): number {
    const slot = g < f ? g : g - 1;
    return s * this.block + 2 + slot * 2 * this.params.k;
  }

  /** A row's value before it is ever stored; `into` (zeroed, of the row's length): written there instead of a new array. */
  initialRow(key: string, isBias: boolean, into?: Float32Array): Float32Array {
    if (isBias) {
      const row = into ?? new Float32Array(this.biasLength);
      for (let s = 0; s < this.params.signals; s++) row[2 * s + 1] = 1;
      return row;
    }
    const { k } = this.params;
    const row = into ?? new Float32Array(this.rowLength);
    // rowRandom(seed, key) inlined: the same draws in the same order.
    let state = rowSeed(this.params.seed, key);
    const scale = 1 / Math.sqrt(k);
    for (let s = 0; s < this.params.signals; s++) {
      const base = s * this.block;
      row[base + 1] = 1;
      for (let slot = 0; slot < 2; slot++) {
        const v = base + 2 + slot * 2 * k;
        for (let d = 0; d < k; d++) {
          state = (state + 0x6d2b79f5) >>> 0;
          let t = state;
          t = Math.imul(t ^ (t >>> 15), t | 1);
          t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
          row[v + d] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * scale;
          row[v + k + d] = 1;
        }
      }
    }
    return row;
  }

  /** Probability of signal s for these rows. */
  predict(s: number, rows: ImpressionRows): number {
    return sigmoid(this.#logit(s, rows));
  }

  #logit(s: number, rows: ImpressionRows): number {
    const { k } = this.params;
    const f = rows.features;
    let phi = rows.bias[2 * s]! + f[0][s * this.block]! + f[1][s * this.block]! + f[2][s * this.block]!;
    for (const [a, b] of PAIRS) {
      const va = this.#slot(s, a, b);
      const vb = this.#slot(s, b, a);
      const ra = f[a]!;
      const rb = f[b]!;
      for (let d = 0; d < k; d++) phi += ra[va + d]! * rb[vb + d]!;
    }
    return phi;
  }

  /** One AdaGrad step of signal s towards label y, given the prediction p made before it. Mutates the rows. */
  update(s: number, rows: ImpressionRows, p: number, y: number): void {
    const { k, learningRate: eta, l2 } = this.params;
    const g = p - y;
    const f = rows.features;
    // bias
    const bias = rows.bias;
    bias[2 * s + 1]! += g * g;
    bias[2 * s]! -= (eta * g) / Math.sqrt(bias[2 * s + 1]!);
    // latent vectors first, from the values before the step
    for (const [a, b] of PAIRS) {
      const ra = f[a]!;
      const rb = f[b]!;
      pairStep(ra, this.#slot(s, a, b), rb, this.#slot(s, b, a), k, g, eta, l2);
    }
    // linear weights
    for (let i = 0; i < 3; i++) {
      const r = f[i]!;
      const w = s * this.block;
      const gw = g + l2 * r[w]!;
      r[w + 1]! += gw * gw;
      r[w]! -= (eta * gw) / Math.sqrt(r[w + 1]!);
    }
  }

  /**
   * For every signal s in order: scores[s] = predict(s), then update(s) towards labels[s] — the same arithmetic in
   * the same order as those two (float64, each parameter rounded to float32 where it is stored), without the
   * per-call objects. The signals' blocks are disjoint, so scoring s after the steps of the signals before it
   * gives what scoring them all first gives. Mutates the rows.
   */
  /** weight: the sample's importance weight (negative downsampling): the gradient of its loss times weight; 1 changes nothing. */
  scoreAndStep(bias: Float32Array, ru: Float32Array, rp: Float32Array, rc: Float32Array, labels: ArrayLike<number>, scores: Float64Array, weight = 1): void {
    const { k, learningRate: eta, l2 } = this.params;
    const block = this.block;
    const k2 = 2 * k;
    for (let s = 0; s < this.params.signals; s++) {
      const base = s * block;
      const v0 = base + 2; // slot 0
      const v1 = base + 2 + k2; // slot 1
      // logit: b + w_user + w_post + w_ctx, then the pairs (user, post), (user, ctx), (post, ctx)
      let phi = bias[2 * s]! + ru[base]! + rp[base]! + rc[base]!;
      for (let d = 0; d < k; d++) phi += ru[v0 + d]! * rp[v0 + d]!;
      for (let d = 0; d < k; d++) phi += ru[v1 + d]! * rc[v0 + d]!;
      for (let d = 0; d < k; d++) phi += rp[v1 + d]! * rc[v1 + d]!;
      const p = sigmoid(phi);
      scores[s] = p;
      const g = (p - labels[s]!) * weight;
      bias[2 * s + 1]! += g * g;
      bias[2 * s]! -= (eta * g) / Math.sqrt(bias[2 * s + 1]!);
      pairStep(ru, v0, rp, v0, k, g, eta, l2);
      pairStep(ru, v1, rc, v0, k, g, eta, l2);
      pairStep(rp, v1, rc, v1, k, g, eta, l2);
      linearStep(ru, base, g, eta, l2);
      linearStep(rp, base, g, eta, l2);
      linearStep(rc, base, g, eta, l2);
    }
  }
}

/** The AdaGrad step of one field pair's latent vectors (ra at va, rb at vb; their G at + k), as Ffm.update takes it. */
function pairStep(ra: Float32Array, va: number, rb: Float32Array, vb: number, k: number, g: number, eta: number, l2: number): void {
  for (let d = 0; d < k; d++) {
    const xa = ra[va + d]!;
    const xb = rb[vb + d]!;
    const ga = g * xb + l2 * xa;
    const gb = g * xa + l2 * xb;
    ra[va + k + d]! += ga * ga;
    rb[vb + k + d]! += gb * gb;
    ra[va + d] = xa - (eta * ga) / Math.sqrt(ra[va + k + d]!);
    rb[vb + d] = xb - (eta * gb) / Math.sqrt(rb[vb + k + d]!);
  }
}

/** The AdaGrad step of one linear weight (at w, its G at w + 1), as Ffm.update takes it. */
function linearStep(r: Float32Array, w: number, g: number, eta: number, l2: number): void {
  const gw = g + l2 * r[w]!;
  r[w + 1]! += gw * gw;
  r[w]! -= (eta * gw) / Math.sqrt(r[w + 1]!);
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** The state a row's generator starts from: FNV-1a of the key, xor-seeded. */
function rowSeed(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A uniform [0, 1) generator seeded by (seed, key): FNV-1a of the key, then mulberry32 (what initialRow draws). */
export function rowRandom(seed: number, key: string): () => number {
  let state = rowSeed(seed, key);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
