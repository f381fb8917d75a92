/**
 * The simulated traffic: views and engagements in the order they reach Kafka.
 *
 * Event time: user sessions start as a Poisson process whose rate follows a
 * daily curve (a sine over `dayLength`, peak 1.5x and trough 0.5x the mean);
 * a session shows a user a geometric number of posts (mean 15), a few seconds
 * apart, on one surface, at increasing positions. Each impression is a view;
 * each configured engagement type happens with the probability the population
 * model gives (./population.ts), after a per-type delay:
 *   play, skip: ~2 s   like: ~20 s (seconds to minutes)   favorite: ~40 s
 *   comment: ~2 min    share: ~3 min     (log-normal medians)
 * Disorder knobs: a share of views is delivered 5-60 s late (their engagements
 * arrive first), a share of engagements happens beyond the window (label 0),
 * a share is delivered long after the window closed (late engagements), every
 * event may be sent twice, engagement times carry the user's clock skew, and
 * one engagement partition can be left idle.
 * Late labels are decided by the truth from the order of the sends in each
 * partition (./truth.ts), as the joiner sees the logs.
 *
 * Arrival order: each send gets an arrival time (event time + transport delay)
 * and sends leave in arrival order. A send is released once no event still to
 * be generated can arrive before it (all later events happen after the current
 * view time), so the stream is exact and memory holds only sends in flight.
 */
import { userKey, type EngagementEvent, type OwnViewEvent } from '../codec/events.js';
import type { ConfigSection } from '../config/config.js';
import { partitionForKey } from '../kafka/partitioner.js';
import { MinHeap } from './heap.js';
import { Population, SURFACE_WEIGHTS } from './population.js';
import { Random } from './random.js';
import { TruthTracker, type TrackedEngagement, type TrackedView, type TruthRow } from './truth.js';

/**
 * The simulator's settings (it stops after sim.views views, or at start + sim.durationMs: one of the two) and the
 * join's settings it labels the truth by.
 */
export interface WorkloadOptions
  extends Pick<
      ConfigSection<'sim'>,
      | 'seed' | 'users' | 'posts' | 'views' | 'durationMs' | 'viewsPerSecond' | 'dayLengthMs' | 'driftPeriodMs'
      | 'duplicateRate' | 'earlyRate' | 'lateRate' | 'lateArrivalRate' | 'skewMs' | 'viewIdRate' | 'idlePartition' | 'spike'
    >,
    Pick<ConfigSection<'join'>, 'labelTypes' | 'windowMs' | 'maxSkewMs' | 'outOfOrdernessMs' | 'maxJumpMs' | 'timeConfirmations'> {
  /** Event time of the first view (sim.start, with "now" resolved). */
  readonly startMs: number;
  /** How far the daily curve swings around the mean, 0..1 (default 0.5: peak 1.5x, trough 0.5x; 0: a flat rate). */
  readonly dayAmplitude?: number;
  readonly partitions: number;
  /** The Kafka key of a user's events, which decides their partition (default: the user id as decimal text). */
  readonly userKey?: (userId: number) => Buffer;
  /**
   * How event ids are made: 'random' (default), a random UUID (version 4); 'sequenced', as a producer with a
   * counter makes them (the compact shape, ./compact-shape.ts):
   *   producer u64 big-endian (PRODUCER_BASE + one of 64 producers) | that producer's counter u64 big-endian
   * The random draws are the same either way, so both give the same events apart from their ids.
   */
  readonly ids?: 'random' | 'sequenced';
}

/** The first of the 64 simulated producers' numbers in a sequenced id ("lj" in its low half). */
export const PRODUCER_BASE = 0x6c6a0000n;
const PRODUCERS = 64;

export type Send =
  | { readonly kind: 'view'; readonly event: OwnViewEvent; readonly partition: number; readonly arrival: number; readonly duplicate: boolean }
  | { readonly kind: 'engagement'; readonly event: EngagementEvent; readonly partition: number; readonly arrival: number; readonly duplicate: boolean };

/** A send waiting for its arrival time, with what the truth tracks of its event (the first copy tells the truth it is in the log). */
interface InFlight {
  readonly send: Send;
  readonly view?: TrackedView | undefined;
  readonly engagement?: TrackedEngagement | undefined;
}

export interface WorkloadStats {
  views: number;
  engagements: number;
  duplicates: number;
  earlyViews: number;
  lateTail: number;
  lateArrivals: number;
  idleDropped: number;
  /** Engagements delivered before their view. */
  engagementsBeforeView: number;
}

const MEAN_VIEWS_PER_SESSION = 15;
const MEAN_VIEW_GAP_MS = 4_000;
const DAY_AMPLITUDE = 0.5;

interface Session {
  readonly user: number;
  readonly surface: OwnViewEvent['context']['surface'];
  remaining: number;
  position: number;
  next: number;
}

export class Workload {
  readonly stats: WorkloadStats = { views: 0, engagements: 0, duplicates: 0, earlyViews: 0, lateTail: 0, lateArrivals: 0, idleDropped: 0, engagementsBeforeView: 0 };
  readonly #o: WorkloadOptions;
  readonly #random: Random;
  readonly #population: Population;
  readonly #truth: TruthTracker;
  readonly #sessions = new MinHeap<Session>();
  readonly #inFlight = new MinHeap<InFlight>();
  readonly #ready: Send[] = [];
  readonly #sessionsPerMs: number;
  #nextSessionAt: number;
  #finished = false;
  #stopRequested = false;

  constructor(options: WorkloadOptions, onTruth: (row: TruthRow) => void) {
    if (options.idlePartition !== undefined && options.idlePartition >= options.partitions) {
      throw new RangeError(`idle partition ${options.idlePartition} does not exist (partitions: ${options.partitions})`);
    }
    this.#o = options;
    this.#random = new Random(options.seed);
    this.#population = new Population(this.#random, {
      users: options.users,
      posts: options.posts,
      labelTypes: options.labelTypes,
      skewMs: options.skewMs,
      driftPeriodMs: options.driftPeriodMs,
    });
    this.#truth = new TruthTracker(
      {
        labelTypes: options.labelTypes,
        windowMs: options.windowMs,
        maxSkewMs: options.maxSkewMs,
        outOfOrdernessMs: options.outOfOrdernessMs,
        maxJumpMs: options.maxJumpMs,
        timeConfirmations: options.timeConfirmations,
        maxClockSkewMs: 5 * options.skewMs,
      },
      onTruth,
    );
    this.#sessionsPerMs = options.viewsPerSecond / MEAN_VIEWS_PER_SESSION / 1000;
    this.#nextSessionAt = options.startMs;
  }

  /** The sends in arrival order; truth rows go to the callback as views are finalised. */
  *sends(): Generator<Send> {
    while (!this.#finished) {
      this.#step();
      for (const send of this.#ready) yield send;
      this.#ready.length = 0;
    }
  }

  /** Ends the workload early: no new views; what is in flight is still sent and the truth is finished. */
  stop(): void {
    this.#stopRequested = true;
  }

  /** Done at the view count, or when the next event would fall past start + duration, or when stopped. */
  #done(): boolean {
    const o = this.#o;
    if (this.#stopRequested) return true;
    if (o.views !== undefined) return this.stats.views >= o.views;
    const next = Math.min(this.#nextSessionAt, this.#sessions.peekKey() ?? Number.POSITIVE_INFINITY);
    return next >= o.startMs + (o.durationMs ?? 0);
  }

  #step(): void {
    if (this.#done()) {
      while (this.#inFlight.size > 0) this.#deliver(this.#inFlight.pop()!);
      this.#truth.finish();
      this.#finished = true;
      return;
    }
    const nextView = this.#sessions.peekKey();
    if (nextView === undefined || this.#nextSessionAt <= nextView) {
      this.#startSession(this.#nextSessionAt);
      this.#nextSessionAt = this.#drawNextSessionStart(this.#nextSessionAt);
      return;
    }
    const session = this.#sessions.pop()!;
    const ts = session.next;
    this.#emitView(session, ts);
    session.remaining--;
    session.position++;
    if (session.remaining > 0) {
      const gap = 300 + Math.round(this.#random.exponential(MEAN_VIEW_GAP_MS));
      session.next += this.#inSpike(ts) ? Math.max(1, Math.round(gap / this.#o.spike!.factor)) : gap;
      this.#sessions.push(session.next, session);
    }
    // No event still to be generated happens before the next view or session start.
    this.#release(Math.min(this.#nextSessionAt, this.#sessions.peekKey() ?? Number.POSITIVE_INFINITY));
  }

  /**
   * Whether event time t is in the spike. In it, sessions start `factor` times as often and their
   * views come `factor` times as fast, so the view rate is `factor` times at once and stays so.
   */
  #inSpike(t: number): boolean {
    const spike = this.#o.spike;
    if (spike === undefined) return false;
    const from = this.#o.startMs + spike.afterMs;
    return t >= from && t < from + spike.durationMs;
  }

  /** Poisson process with a daily rate curve (times the spike's factor during the spike), by thinning. */
  #drawNextSessionStart(after: number): number {
    const amplitude = this.#o.dayAmplitude ?? DAY_AMPLITUDE;
    const spike = this.#o.spike;
    const peak = this.#sessionsPerMs * (1 + amplitude) * Math.max(1, spike?.factor ?? 1);
    let t = after;
    for (;;) {
      t += this.#random.exponential(1 / peak);
      const phase = (2 * Math.PI * (t - this.#o.startMs)) / this.#o.dayLengthMs;
      const factor = this.#inSpike(t) ? spike!.factor : 1;
      const rate = this.#sessionsPerMs * (1 - amplitude * Math.cos(phase)) * factor;
      if (this.#random.next() * peak <= rate) return Math.round(t);
    }
  }

  #startSession(at: number): void {
    let u = this.#random.next();
    let surface = SURFACE_WEIGHTS[0]![0];
    for (const [name, weight] of SURFACE_WEIGHTS) {
      if (u < weight) {
        surface = name;
        break;
      }
      u -= weight;
    }
    const session: Session = { user: this.#population.drawUser(this.#random), surface, remaining: this.#random.geometric(MEAN_VIEWS_PER_SESSION), position: 0, next: at };
    this.#sessions.push(at, session);
  }

  /** Each producer's next sequence number (ids 'sequenced'). */
  readonly #sequences = new Array<bigint>(PRODUCERS).fill(0n);

  /** A new event id (WorkloadOptions.ids); draws the same random numbers whichever the kind of id. */
  #eventId(): Buffer {
    const id = this.#random.uuid();
    if (this.#o.ids !== 'sequenced') return id;
    const producer = id[0]! % PRODUCERS;
    const out = Buffer.allocUnsafe(16);
    out.writeBigUInt64BE(PRODUCER_BASE + BigInt(producer), 0);
    out.writeBigUInt64BE(this.#sequences[producer]!++, 8);
    return out;
  }

  #emitView(session: Session, ts: number): void {
    const r = this.#random;
    const profile = this.#population.users[session.user]!;
    const postIndex = this.#population.drawPost(r);
    const view: OwnViewEvent = {
      event_id: this.#eventId(),
      user_id: profile.id,
      post_id: this.#population.postId(postIndex),
      ts,
      context: {
        language: profile.language,
        region: profile.region,
        device: profile.device,
        app_version: profile.appVersion,
        surface: session.surface,
        position: session.position,
      },
    };
    const partition = partitionForKey((this.#o.userKey ?? userKey)(profile.id), this.#o.partitions);
    const early = r.chance(this.#o.earlyRate);
    if (early) this.stats.earlyViews++;
    const viewArrival = ts + (early ? 5_000 + r.int(55_000) : Math.round(r.exponential(150)));
    this.#send({ kind: 'view', event: view, partition, arrival: viewArrival, duplicate: false }, { view: this.#truth.addView(view, partition) });
    this.stats.views++;

    for (const [type, p] of this.#population.engagementProbabilities(session.user, postIndex, session.position, ts)) {
      if (!r.chance(p)) continue;
      const beyondWindow = r.chance(this.#o.lateRate);
      const delay = beyondWindow ? this.#o.windowMs + 1_000 + r.int(this.#o.windowMs) : Math.round(typeDelay(type, r));
      const trueTs = ts + delay;
      const lateArrival = r.chance(this.#o.lateArrivalRate);
      // A late arrival comes 60-300 s after the view's window closed, counted from when the view itself arrived
      // (a view that arrives late is joined late). Usually late, but not always: whether the view's sample was
      // emitted before it depends on the engagements before it in its partition's log (at the end of the traffic
      // the watermark may not have moved that far), and the truth judges it by exactly that (./truth.ts).
      const transport = lateArrival ? Math.max(0, viewArrival - trueTs) + this.#o.windowMs + 60_000 + r.int(240_000) : Math.min(5_000, Math.round(r.exponential(300)));
      const engagement: EngagementEvent = {
        event_id: this.#eventId(),
        user_id: profile.id,
        post_id: view.post_id,
        type,
        ts: trueTs + profile.skewMs,
        view_id: r.chance(this.#o.viewIdRate) ? view.event_id : null,
      };
      if (partition === this.#o.idlePartition) {
        this.stats.idleDropped++;
        continue;
      }
      if (beyondWindow) this.stats.lateTail++;
      if (lateArrival) this.stats.lateArrivals++;
      const arrival = trueTs + transport;
      if (arrival < viewArrival) this.stats.engagementsBeforeView++;
      this.#send({ kind: 'engagement', event: engagement, partition, arrival, duplicate: false }, { engagement: this.#truth.addEngagement(engagement, partition) });
      this.stats.engagements++;
    }
  }

  /** `tracked`: the truth's record of the event, told when the first copy is sent (a repeat always arrives later). */
  #send(send: Send, tracked: Omit<InFlight, 'send'>): void {
    this.#inFlight.push(send.arrival, { send, ...tracked });
    if (this.#random.chance(this.#o.duplicateRate)) {
      const arrival = send.arrival + 50 + Math.round(this.#random.exponential(2_000));
      this.#inFlight.push(arrival, { send: { ...send, arrival, duplicate: true } });
      this.stats.duplicates++;
    }
  }

  /** Every send arriving at or before `now` is final: later events happen after now. */
  #release(now: number): void {
    while ((this.#inFlight.peekKey() ?? Number.POSITIVE_INFINITY) <= now) this.#deliver(this.#inFlight.pop()!);
    this.#truth.advance(now);
  }

  /** Sends leave in this order, which is the order of the records in each partition's log. */
  #deliver(item: InFlight): void {
    this.#ready.push(item.send);
    if (item.view !== undefined) this.#truth.deliverView(item.view);
    if (item.engagement !== undefined) this.#truth.deliverEngagement(item.engagement);
    else if (item.send.kind === 'engagement' && item.send.duplicate) this.#truth.deliverRepeat(item.send.event, item.send.partition);
  }
}

const DELAYS: Record<string, readonly [median: number, sigma: number]> = {
  play: [2_000, 0.6],
  skip: [1_500, 0.5],
  like: [20_000, 1.2],
  favorite: [40_000, 1.0],
  comment: [120_000, 0.8],
  share: [180_000, 0.8],
};

function typeDelay(type: string, random: Random): number {
  const [median, sigma] = DELAYS[type] ?? [30_000, 1.0];
  return random.logNormal(median, sigma);
}
