/**
 * Puts a joiner together from its settings and its I/O: the operator, the
 * reader and the driver. The CLI passes the Kafka classes; the tests' harness
 * passes an in-memory log (test/helpers/join-harness.ts). One place, so both
 * run the same joiner.
 */
import type { EventCodec } from '../codec/codec.js';
import type { DeclaredInputs } from '../codec/declared/declared-inputs.js';
import type { ConfigSection } from '../config/config.js';
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
import { PartitionCheck, type ExpectedPartition } from './partition-check.js';
import { PreparingLog } from './preparing-log.js';

/** The joiner's part of the config (src/config/settings-pipeline.ts), as the sections give it. */
export type JoinSettings = Pick<
  ConfigSection<'join'>,
  'labelTypes' | 'windowMs' | 'maxSkewMs' | 'outOfOrdernessMs' | 'viewDisorderMs' | 'allowedLatenessMs' | 'maxJumpMs' | 'timeConfirmations' | 'outlierPolicy' | 'latePolicy' | 'negativeShare' | 'idleTimeoutMs' | 'timeMode' | 'orphanTopic' | 'lateTopic' | 'progressEveryMs' | 'reconnectTimeoutMs' | 'maxRate' | 'viewsPartitioner' | 'engagementsPartitioner' | 'wrongPartition'
> & {
  readonly topics: Pick<ConfigSection<'topics'>, 'views' | 'engagements' | 'kindBy' | 'kindHeader' | 'samples' | 'deadLetter'>;
  readonly formats: Pick<ConfigSection<'codec'>, 'viewsFormat' | 'engagementsFormat' | 'samplesFormat'>;
  /** Join what is in the topics now, then stop (`join --drain`). */
  readonly drain: boolean;
  /** The dead-letter topic's max.message.bytes, as the cluster says (default: Kafka's default). */
  readonly deadLetterMaxBytes?: number | undefined;
};

export interface JoinIo {
  readonly log: PartitionLog;
  readonly membership: Membership;
  readonly delivery: Delivery;
  readonly index: EngagementIndex;
  readonly codec: EventCodec;
  /** Declared inputs (a user's own schemas, src/codec/declared/); undefined: labeljoin's own. */
  readonly declared?: DeclaredInputs | undefined;
  /** The partitioners of the inputs, to check each joined record's partition against its key (./partition-check.ts); undefined: not checked. */
  readonly partitioners?: { readonly views: ExpectedPartition; readonly engagements: ExpectedPartition; readonly partitions: number } | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly progress: (report: JoinProgress) => void;
  readonly observer?: JoinObserver | undefined;
}

export function createJoiner(s: JoinSettings, io: JoinIo): { readonly joiner: Joiner; readonly operator: JoinOperator } {
  const outbox = new Outbox(io.codec, s.formats.samplesFormat, { samples: s.topics.samples, deadLetter: s.topics.deadLetter, orphans: s.orphanTopic, late: s.lateTopic, deadLetterMaxBytes: s.deadLetterMaxBytes }, io.declared);
  const time = new EngagementTime({ outOfOrdernessMs: s.outOfOrdernessMs, idleTimeoutMs: s.idleTimeoutMs, mode: s.timeMode }, io.clock);
  const operator = new JoinOperator(s, { index: io.index, time, outbox, clock: io.clock, log: io.logger, observer: io.observer });
  // Declared inputs: a views topic and engagement topics of their own (src/cli/declared.ts refuses a consolidated topic).
  const log = io.declared === undefined ? io.log : new PreparingLog(io.log, io.declared, s.topics);
  const reader = new InputReader(s, { log, membership: io.membership, codec: io.codec, declared: io.declared, partitionCheck: partitionCheck(s, io, operator), operator, clock: io.clock, logger: io.logger });
  const joiner = new Joiner(s, { operator, reader, outbox, delivery: io.delivery, membership: io.membership, clock: io.clock, log: io.logger, progress: io.progress, observer: io.observer });
  return { joiner, operator };
}

function partitionCheck(s: JoinSettings, io: JoinIo, operator: JoinOperator): PartitionCheck | undefined {
  const p = io.partitioners;
  if (p === undefined || (s.viewsPartitioner === 'none' && s.engagementsPartitioner === 'none')) return undefined;
  return new PartitionCheck(
    {
      partitions: p.partitions,
      views: s.viewsPartitioner === 'none' ? undefined : { name: s.viewsPartitioner, expected: p.views },
      engagements: s.engagementsPartitioner === 'none' ? undefined : { name: s.engagementsPartitioner, expected: p.engagements },
      policy: s.wrongPartition,
    },
    operator.counters.wrongPartition,
    io.logger.child('partition-check'),
  );
}
