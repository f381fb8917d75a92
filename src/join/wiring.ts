/**
 * Puts a joiner together from its settings and its I/O: the operator, the
 * reader and the driver. The CLI passes the Kafka classes; the tests' harness
 * passes an in-memory log (test/helpers/join-harness.ts). One place, so both
 * run the same joiner.
 */
import type { EventCodec, InputFormat, OutputFormat } from '../codec/codec.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../time/clock.js';
import { EngagementTime } from '../time/watermarks.js';
import type { JoinObserver } from './counters.js';
import type { Delivery } from './delivery.js';
import type { EngagementIndex } from './engagement-index.js';
import { InputReader } from './input-reader.js';
import { Joiner, type JoinProgress } from './joiner.js';
import { JoinOperator } from './operator.js';
import { Outbox } from './outbox.js';
import type { Membership, PartitionLog } from './partition-log.js';

export interface JoinSettings {
  readonly viewsTopic: string;
  readonly engagementsTopic: string;
  readonly samplesTopic: string;
  readonly deadLetterTopic: string;
  readonly orphanTopic: string | undefined;
  readonly viewsFormat: InputFormat;
  readonly engagementsFormat: InputFormat;
  readonly samplesFormat: OutputFormat;
  readonly labelTypes: readonly string[];
  readonly windowMs: number;
  readonly maxSkewMs: number;
  readonly outOfOrdernessMs: number;
  readonly viewDisorderMs: number;
  /** An event time more than this ahead of its partition's confirmed time is a candidate outlier. */
  readonly maxJumpMs: number;
  /** K: later records of the partition that confirm (or refute) a candidate. */
  readonly confirmations: number;
  readonly outlierPolicy: 'hold' | 'dead-letter';
  readonly latePolicy: 'drop' | 'correct';
  readonly idleTimeoutMs: number;
  readonly timeMode: 'event' | 'processing';
  readonly drain: boolean;
  readonly progressEveryMs: number;
  readonly reconnectTimeoutMs: number;
}

export interface JoinIo {
  readonly log: PartitionLog;
  readonly membership: Membership;
  readonly delivery: Delivery;
  readonly index: EngagementIndex;
  readonly codec: EventCodec;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly progress: (report: JoinProgress) => void;
  readonly observer?: JoinObserver | undefined;
}

export function createJoiner(s: JoinSettings, io: JoinIo): { readonly joiner: Joiner; readonly operator: JoinOperator } {
  const outbox = new Outbox(io.codec, s.samplesFormat, { samples: s.samplesTopic, deadLetter: s.deadLetterTopic, orphans: s.orphanTopic });
  const time = new EngagementTime({ outOfOrdernessMs: s.outOfOrdernessMs, idleTimeoutMs: s.idleTimeoutMs, mode: s.timeMode }, io.clock);
  const operator = new JoinOperator(s, { index: io.index, time, outbox, clock: io.clock, log: io.logger, observer: io.observer });
  const reader = new InputReader(s, { log: io.log, membership: io.membership, codec: io.codec, operator, clock: io.clock, logger: io.logger });
  const joiner = new Joiner(s, { operator, reader, outbox, delivery: io.delivery, membership: io.membership, clock: io.clock, log: io.logger, progress: io.progress, observer: io.observer });
  return { joiner, operator };
}
