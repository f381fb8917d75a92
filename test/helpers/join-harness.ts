/**
 * The join operator's test harness: the real joiner (operator, reader and
 * driver, put together by src/join/wiring.ts as the CLI does) on an in-memory
 * log (./memory-log.ts) with a manual clock. A test writes records with
 * view(p, …) and engagement(p, …), runs cycle() or drain(), and checks the
 * samples, dead letters, counters and committed offsets. restart() starts a
 * new joiner on the same log and group, as a crashed process's successor would.
 *
 * Input layouts: one engagements topic (default); several (`engagementTopics`,
 * each engagement going to the topic `route` gives, by default the one of its
 * type's index in the label types, modulo their count); or one consolidated topic
 * (`consolidated`: views and engagements in "events", told apart by the kind header).
 */
import { EventCodec } from '../../src/codec/codec.js';
import type { EngagementEvent, OwnViewEvent, SampleRecord, ViewEvent } from '../../src/codec/events.js';
import { DEFAULT_KIND_HEADER, DEFAULT_LABEL_TYPES } from '../../src/config/settings.js';
import type { KindBy } from '../../src/codec/formats.js';
import { kindHeader, type RecordKind } from '../../src/codec/record-kind.js';
import type { DeclaredInputs } from '../../src/codec/declared/declared-inputs.js';
import type { JoinCounters } from '../../src/join/counters.js';
import type { EngagementIndex } from '../../src/join/engagement-index.js';
import type { Joiner } from '../../src/join/joiner.js';
import type { JoinOperator } from '../../src/join/operator.js';
import { MemoryEngagementIndex } from '../../src/join/memory-index.js';
import { createJoiner, type JoinIo, type JoinSettings } from '../../src/join/wiring.js';
import { expectedPartition } from '../../src/kafka/partitioner.js';
import { createLogger } from '../../src/log/logger.js';
import { ManualClock } from '../../src/time/clock.js';
import { engagement as makeEngagement, id, T0, view as makeView } from './events.js';
import { MemoryDelivery, MemoryLog, MemoryMembership } from './memory-log.js';

export const TOPICS = { views: 'views', engagements: 'engagements', samples: 'samples', deadLetter: 'dead-letter', orphans: 'orphans', late: 'late' } as const;
const KIND_HEADER = DEFAULT_KIND_HEADER;
export const EVENTS_TOPIC = 'events';

export interface HarnessOptions extends Partial<JoinSettings> {
  readonly partitions?: number;
  /** Records per fetch of one partition. */
  readonly maxRecords?: number;
  /** The index each new joiner gets (default: a fresh in-memory one). */
  readonly index?: () => EngagementIndex;
  /** Check each record's partition against its key by the settings' partitioners (default: not checked; the harness puts records where a test says). */
  readonly checkPartitions?: boolean;
  /** Several engagement topics, and which one an engagement goes to (an index into them). */
  readonly engagementTopics?: readonly string[];
  readonly route?: (e: EngagementEvent) => number;
  /** Views and engagements in one topic ("events"), told apart by the kind header or (kindBy "schema") by their Avro writer schemas. */
  readonly consolidated?: boolean;
  readonly kindBy?: KindBy;
  /** Deliver as the exactly-once delivery does: a failed deliver is followed by recover() (src/join/delivery.ts). */
  readonly exactlyOnce?: boolean;
  /** Declared inputs (src/codec/declared/) for the joiner; their records are written with raw(). */
  readonly declared?: DeclaredInputs;
}

const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });

export class JoinHarness {
  readonly log: MemoryLog;
  readonly membership: MemoryMembership;
  readonly delivery: MemoryDelivery;
  /** Wall clock of the joiner; starts a day after T0 so event times are in its past. */
  readonly clock = new ManualClock(T0 + 86_400_000);
  settings: JoinSettings;
  /** Log lines of the joiner (JSON). */
  readonly logLines: string[] = [];
  #joiner!: Joiner;
  #operator!: JoinOperator;
  #index!: EngagementIndex;
  readonly #makeIndex: () => EngagementIndex;
  readonly #partitioners: JoinIo['partitioners'];
  #nextView = 1;
  #nextEngagement = 1;
  readonly #viewsTopic: string;
  readonly #engagementTopics: readonly string[];
  readonly #route: (e: EngagementEvent) => number;
  /** Whether records get the kind header. */
  readonly #headers: boolean;
  readonly #declared: DeclaredInputs | undefined;

  constructor(options: HarnessOptions = {}) {
    const { partitions = 2, maxRecords = 50, index, checkPartitions = false, engagementTopics, route, consolidated = false, kindBy = 'header', declared, exactlyOnce = false, ...overrides } = options;
    this.#headers = consolidated && kindBy === 'header';
    this.#declared = declared;
    this.#viewsTopic = consolidated ? EVENTS_TOPIC : TOPICS.views;
    this.#engagementTopics = consolidated ? [EVENTS_TOPIC] : (engagementTopics ?? [TOPICS.engagements]);
    const types = overrides.labelTypes ?? DEFAULT_LABEL_TYPES;
    this.#route = route ?? ((e) => Math.max(0, types.indexOf(e.type)) % this.#engagementTopics.length);
    this.#partitioners = checkPartitions
      ? { views: (key, n) => expectedPartition(this.settings.viewsPartitioner, key, n), engagements: (key, n) => expectedPartition(this.settings.engagementsPartitioner, key, n), partitions }
      : undefined;
    this.log = new MemoryLog(maxRecords);
    for (const topic of new Set([...Object.values(TOPICS), this.#viewsTopic, ...this.#engagementTopics])) this.log.createTopic(topic, partitions);
    this.membership = new MemoryMembership(Array.from({ length: partitions }, (_, p) => p));
    this.delivery = new MemoryDelivery(this.log, this.membership, exactlyOnce);
    this.settings = {
      topics: { views: this.#viewsTopic, engagements: this.#engagementTopics, kindBy, kindHeader: KIND_HEADER, samples: TOPICS.samples, deadLetter: TOPICS.deadLetter },
      formats: { viewsFormat: 'auto', engagementsFormat: 'auto', samplesFormat: 'avro' },
      orphanTopic: TOPICS.orphans,
      lateTopic: TOPICS.late,
      labelTypes: DEFAULT_LABEL_TYPES,
      windowMs: 60_000,
      maxSkewMs: 10_000,
      outOfOrdernessMs: 5_000,
      viewDisorderMs: 30_000,
      allowedLatenessMs: 60_000,
      maxJumpMs: 60_000,
      // One record moves time at once (no confirmation), so that a test of another
      // behaviour can move a partition's time with one engagement; the tests of event
      // time outliers (test/join/time-outliers.test.ts) set K.
      timeConfirmations: 0,
      outlierPolicy: 'hold',
      latePolicy: 'drop',
      negativeShare: 1,
      idleTimeoutMs: 10_000,
      timeMode: 'event',
      drain: false,
      progressEveryMs: 3_600_000,
      reconnectTimeoutMs: 1_000,
      maxRate: undefined,
      viewsPartitioner: 'murmur2',
      engagementsPartitioner: 'murmur2',
      wrongPartition: 'dead-letter',
      ...overrides,
    };
    this.#makeIndex = index ?? (() => new MemoryEngagementIndex(this.settings));
    this.restart();
  }

  /** A new joiner process on the same log and group (the old one's state is gone), with `changes` to its settings. */
  restart(changes: Partial<JoinSettings> = {}): void {
    this.settings = { ...this.settings, ...changes };
    this.#index = this.#makeIndex();
    const created = createJoiner(this.settings, {
      log: this.log,
      membership: this.membership,
      delivery: this.delivery,
      index: this.#index,
      codec,
      declared: this.#declared,
      clock: this.clock,
      logger: createLogger({ level: 'debug', format: 'json', write: (line) => this.logLines.push(line), now: () => this.clock.now() }),
      progress: () => undefined,
      partitioners: this.#partitioners,
    });
    this.#joiner = created.joiner;
    this.#operator = created.operator;
  }

  get counters(): JoinCounters {
    return this.#joiner.counters;
  }

  get joiner(): Joiner {
    return this.#joiner;
  }

  /** Appends a view to views partition p; returns it. Defaults: the next id, user and post of that id, its time. */
  view(p: number, overrides: Partial<OwnViewEvent> = {}): OwnViewEvent {
    const v = makeView(this.#nextView++, overrides);
    this.log.append(this.#viewsTopic, p, codec.encodeView(v, 'avro'), { key: Buffer.from(String(v.user_id)), timestamp: v.ts, headers: this.#kind('view') });
    return v;
  }

  /** Appends an engagement to engagements partition p; returns it. */
  engagement(p: number, overrides: Partial<EngagementEvent> = {}): EngagementEvent {
    const e = makeEngagement(this.#nextEngagement++, overrides);
    this.log.append(this.#engagementTopics[this.#route(e)]!, p, codec.encodeEngagement(e, 'avro'), { key: Buffer.from(String(e.user_id)), timestamp: e.ts, headers: this.#kind('engagement') });
    return e;
  }

  #kind(kind: RecordKind): Array<[string, Buffer]> {
    return this.#headers ? [kindHeader(KIND_HEADER, kind)] : [];
  }

  /** The topic views are written to ("views", or "events" when consolidated). */
  get viewsTopic(): string {
    return this.#viewsTopic;
  }

  /** An engagement of `type` for a view, `delayMs` after it. */
  engage(p: number, v: ViewEvent, type: string, delayMs: number, overrides: Partial<EngagementEvent> = {}): EngagementEvent {
    return this.engagement(p, { user_id: v.user_id, post_id: v.post_id, type, ts: v.ts + delayMs, ...overrides });
  }

  /** Appends raw bytes (a bad record) to a topic. */
  raw(topic: string, p: number, value: Buffer | null, timestamp = T0): bigint {
    return this.log.append(topic, p, value, { timestamp });
  }

  async cycle(times = 1): Promise<void> {
    for (let i = 0; i < times; i++) await this.#joiner.cycle();
  }

  /** Cycles until nothing changes in the output and the offsets for `quiet` cycles in a row (at most `max`). */
  async settle(quiet = 3, max = 500): Promise<void> {
    let still = 0;
    let before = this.#fingerprint();
    for (let i = 0; i < max && still < quiet; i++) {
      await this.#joiner.cycle();
      const now = this.#fingerprint();
      still = now === before ? still + 1 : 0;
      before = now;
    }
    if (still < quiet) throw new Error(`the joiner did not settle in ${max} cycles`);
  }

  /** Drain mode: cycles until the joiner says it has drained (at most `max`). */
  async drain(max = 1_000): Promise<void> {
    for (let i = 0; i < max; i++) if (await this.#joiner.cycle()) return;
    throw new Error(`the drain did not finish in ${max} cycles`);
  }

  samples(): SampleRecord[] {
    return this.log.records(TOPICS.samples).map((r) => codec.decodeSample(r.value, r));
  }

  /** The newest version of each view's sample, by view id (hex). */
  newestSamples(): Map<string, SampleRecord> {
    const out = new Map<string, SampleRecord>();
    for (const s of this.samples()) {
      const key = s.view_event_id.toString('hex');
      if ((out.get(key)?.version ?? -1) < s.version) out.set(key, s);
    }
    return out;
  }

  sampleOf(v: ViewEvent): SampleRecord | undefined {
    return this.newestSamples().get(v.event_id.toString('hex'));
  }

  deadLetters(): Array<{ offset: bigint; headers: Record<string, string>; value: Buffer | null }> {
    return this.log.records(TOPICS.deadLetter).map((r) => ({ offset: r.offset, value: r.value, headers: Object.fromEntries(r.headers.map(([k, v]) => [k, v.toString()])) }));
  }

  orphans(): unknown[] {
    return this.log.records(TOPICS.orphans).map((r) => JSON.parse(r.value!.toString()) as unknown);
  }

  committed(p: number): bigint | undefined {
    return this.membership.offsets.get(p);
  }

  #fingerprint(): string {
    // What the operator holds too: reading on (a view waiting for the next views' verdict on its time) is progress.
    const held = [...this.#operator.partitions()].map((p) => `${p.partition}:${p.heldViews.length}:${p.heldEngagementCount()}:${p.nextView}`).join(',');
    return `${this.log.records(TOPICS.samples).length}/${this.log.records(TOPICS.deadLetter).length}/${[...this.membership.offsets].join(';')}/${this.#joiner.counters.engagementsIn}/${this.#joiner.counters.viewsIn}/${held}`;
  }
}

export { id, T0 };
