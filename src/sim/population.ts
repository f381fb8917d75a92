/**
 * Who the simulated users and posts are, and what makes a user engage.
 *
 * Every user and post has a latent vector of DIM numbers. The chance that a
 * view leads to an engagement of type t is
 *   sigmoid(bias_t + weight_t * <user(ts), post> + positionEffect_t * position)
 * so a factorization model can learn it. A user's vector turns slowly with
 * event time between two fixed directions (user(ts) = a cos θ + b sin θ,
 * θ = 2π ts / driftPeriod), so what a user likes drifts and a model trained
 * once goes stale.
 */
import type { Device, Language, Surface } from '../codec/events.js';
import { Random, Zipf } from './random.js';

export const DIM = 8;

export interface UserProfile {
  readonly id: number;
  readonly language: Language;
  readonly region: string;
  readonly device: Device;
  readonly appVersion: string;
  /** Device clock skew added to this user's engagement times, ms. */
  readonly skewMs: number;
}

/** Base rate (as a logit), sensitivity to affinity, position effect, per type. */
interface TypeModel {
  readonly bias: number;
  readonly weight: number;
  readonly position: number;
}

/** Known types get realistic rates; others get a moderate default. */
const TYPE_MODELS: Record<string, TypeModel> = {
  play: { bias: -0.4, weight: 1.6, position: -0.02 },
  skip: { bias: -1.2, weight: -1.6, position: 0.03 },
  like: { bias: -3.3, weight: 2.0, position: -0.02 },
  favorite: { bias: -4.8, weight: 2.2, position: -0.02 },
  comment: { bias: -5.6, weight: 2.0, position: -0.03 },
  share: { bias: -5.2, weight: 2.4, position: -0.03 },
};
const DEFAULT_TYPE_MODEL: TypeModel = { bias: -3, weight: 2, position: -0.02 };

const REGIONS = ['IN-UP', 'IN-MH', 'IN-BR', 'IN-WB', 'IN-MP', 'IN-TN', 'IN-RJ', 'IN-KA', 'IN-GJ', 'IN-AP', 'IN-OR', 'IN-TG', 'IN-KL', 'IN-JH', 'IN-AS', 'IN-PB'];
const LANGS: readonly Language[] = ['hi', 'hi', 'hi', 'en', 'bn', 'te', 'mr', 'ta', 'gu', 'kn', 'ml', 'pa', 'or'];
const APP_VERSIONS = ['2026.11.3', '2026.11.2', '2026.10.7', '2026.9.1'];

export class Population {
  readonly users: readonly UserProfile[];
  readonly #userA: Float64Array;
  readonly #userB: Float64Array;
  readonly #posts: Float64Array;
  readonly #postZipf: Zipf;
  readonly #userZipf: Zipf;
  /** Random rank → post id and user id, so popularity is not ordered by id. */
  readonly #postIdOfRank: Int32Array;
  readonly #userOfRank: Int32Array;
  readonly #types: ReadonlyArray<readonly [string, TypeModel]>;
  readonly #driftPeriodMs: number;

  constructor(random: Random, options: { users: number; posts: number; labelTypes: readonly string[]; skewMs: number; driftPeriodMs: number }) {
    const r = random.fork();
    const gauss = (n: number, scale: number): Float64Array => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = r.normal() * scale;
      return out;
    };
    const scale = 1 / Math.sqrt(DIM);
    this.#userA = gauss(options.users * DIM, 1);
    this.#userB = gauss(options.users * DIM, 1);
    this.#posts = gauss(options.posts * DIM, scale * 1.2);
    this.#postZipf = new Zipf(options.posts, 1.05);
    this.#userZipf = new Zipf(options.users, 0.7);
    this.#postIdOfRank = shuffled(options.posts, r);
    this.#userOfRank = shuffled(options.users, r);
    this.#types = options.labelTypes.map((t) => [t, TYPE_MODELS[t] ?? DEFAULT_TYPE_MODEL] as const);
    this.#driftPeriodMs = options.driftPeriodMs;

    const skewLimit = 5 * options.skewMs;
    this.users = Array.from({ length: options.users }, (_, i) => ({
      id: 100_000 + i,
      language: r.pick(LANGS),
      region: r.pick(REGIONS),
      device: r.chance(0.86) ? 'android' : r.chance(0.7) ? 'ios' : 'web',
      appVersion: r.pick(APP_VERSIONS),
      skewMs: Math.round(Math.max(-skewLimit, Math.min(skewLimit, r.normal() * options.skewMs))),
    }));
  }

  /** A user index, active users drawn more often (Zipf 0.7). */
  drawUser(random: Random): number {
    return this.#userOfRank[this.#userZipf.draw(random)]!;
  }

  /** A post index, popular posts drawn more often (Zipf 1.05). */
  drawPost(random: Random): number {
    return this.#postIdOfRank[this.#postZipf.draw(random)]!;
  }

  postId(index: number): number {
    return 1_000_000 + index;
  }

  /** Probability of each configured type for this impression at event time ts. */
  engagementProbabilities(user: number, post: number, position: number, ts: number): Array<readonly [string, number]> {
    const theta = (2 * Math.PI * ts) / this.#driftPeriodMs;
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    let affinity = 0;
    for (let k = 0; k < DIM; k++) {
      const u = this.#userA[user * DIM + k]! * c + this.#userB[user * DIM + k]! * s;
      affinity += u * this.#posts[post * DIM + k]!;
    }
    return this.#types.map(([type, m]) => [type, sigmoid(m.bias + m.weight * affinity + m.position * position)] as const);
  }
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function shuffled(n: number, random: Random): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

export const SURFACE_WEIGHTS: ReadonlyArray<readonly [Surface, number]> = [
  ['home', 0.55],
  ['video', 0.2],
  ['trending', 0.1],
  ['following', 0.08],
  ['search', 0.04],
  ['profile', 0.03],
];
