/**
 * A naive FFM trainer for identity tests: the formulas of src/train/ffm.ts's
 * header applied parameter by parameter, written from the math, not from the
 * fast path (Ffm.scoreAndStep). One impression, one signal s, label y:
 *
 *   φ = b + w_user + w_post + w_ctx + Σ over the pairs (user,post), (user,ctx), (post,ctx) of <V_f→g, V_g→f>
 *   p = sigmoid(φ), g = p − y
 *   every parameter θ with gradient γ, from the values before the step:
 *     b: γ = g;  w_f: γ = g + λ·w_f;  V_f→g[d]: γ = g·V_g→f[d] + λ·V_f→g[d]
 *     G ← G + γ²,  θ ← θ − η·γ / √G    (float64 arithmetic, each parameter stored as float32)
 *
 * The sums are taken left to right in the order written (b, then the users',
 * posts' and contexts' w, then the pairs in that order, d ascending): the
 * order is part of what "the same scores" means in floating point.
 * Row layout: signal after signal, [w, G_w, then per other field g in field
 * order: V_f→g[0..k), G_f→g[0..k)]; the bias row [b, G_b] per signal.
 */

export interface ReferenceParams {
  readonly signals: number;
  readonly k: number;
  readonly learningRate: number;
  readonly l2: number;
}

export class ReferenceFfm {
  readonly rows = new Map<string, Float32Array>();
  readonly #p: ReferenceParams;
  readonly #initial: (key: string, isBias: boolean) => Float32Array;

  /** `initial`: a row's value before it was ever stored (the model's seeded start). */
  constructor(params: ReferenceParams, initial: (key: string, isBias: boolean) => Float32Array) {
    this.#p = params;
    this.#initial = initial;
  }

  row(key: string, isBias = false): Float32Array {
    let r = this.rows.get(key);
    if (r === undefined) {
      r = Float32Array.from(this.#initial(key, isBias));
      this.rows.set(key, r);
    }
    return r;
  }

  /** Where w of signal s is in a feature row. */
  #w(s: number): number {
    return s * (2 + 4 * this.#p.k);
  }

  /** Where V_f→g[0] of signal s is in a field-f row (its G is k further). */
  #v(s: number, f: number, g: number): number {
    const others = [0, 1, 2].filter((x) => x !== f);
    return this.#w(s) + 2 + others.indexOf(g) * 2 * this.#p.k;
  }

  /** Scores signal s on the impression (feature keys in field order), then takes its step towards y; returns the score. */
  step(s: number, keys: readonly [string, string, string], y: number): number {
    const { k, learningRate: eta, l2 } = this.#p;
    const bias = this.row('bias', true);
    const f = keys.map((key) => this.row(key));
    const pairs = [[0, 1], [0, 2], [1, 2]] as const;
    let phi = bias[2 * s]!;
    for (let i = 0; i < 3; i++) phi += f[i]![this.#w(s)]!;
    for (const [a, b] of pairs) {
      for (let d = 0; d < k; d++) phi += f[a]![this.#v(s, a, b) + d]! * f[b]![this.#v(s, b, a) + d]!;
    }
    const p = phi >= 0 ? 1 / (1 + Math.exp(-phi)) : Math.exp(phi) / (1 + Math.exp(phi));
    const g = p - y;
    // Every gradient first, from the values before the step: [row, index of θ, index of its G, γ].
    const steps: Array<[Float32Array, number, number, number]> = [[bias, 2 * s, 2 * s + 1, g]];
    for (const [a, b] of pairs) {
      for (let d = 0; d < k; d++) {
        const ia = this.#v(s, a, b) + d;
        const ib = this.#v(s, b, a) + d;
        steps.push([f[a]!, ia, ia + k, g * f[b]![ib]! + l2 * f[a]![ia]!]);
        steps.push([f[b]!, ib, ib + k, g * f[a]![ia]! + l2 * f[b]![ib]!]);
      }
    }
    for (let i = 0; i < 3; i++) steps.push([f[i]!, this.#w(s), this.#w(s) + 1, g + l2 * f[i]![this.#w(s)]!]);
    for (const [row, theta, acc, gamma] of steps) {
      row[acc] = row[acc]! + gamma * gamma;
      row[theta] = row[theta]! - (eta * gamma) / Math.sqrt(row[acc]!);
    }
    return p;
  }
}
