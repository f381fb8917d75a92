/**
 * Settings of `labeljoin repartition` (src/repartition/). Part of the one
 * settings table (src/config/settings.ts). --from and --to are the command's
 * own required flags, not settings: they have no default.
 */
import { durationParser, enumParser, intParser, optionalStringParser } from './parse.js';
import { KEYED_PARTITIONERS, type KeyedPartitionerName } from '../kafka/partitioner.js';
import { setting } from './setting-spec.js';

export const REPARTITION_SETTINGS = {
  'repartition.partitioner': setting<KeyedPartitionerName>({
    default: 'murmur2',
    parse: enumParser(KEYED_PARTITIONERS),
    env: 'LABELJOIN_REPARTITION_PARTITIONER',
    flag: 'partitioner',
    meta: KEYED_PARTITIONERS.join('|'),
    doc: "the partitioner the re-keyed topic is written by (murmur2: the Java client's, which labeljoin's own producers use; the joiner's --views-partitioner / --engagements-partitioner must name the same)",
  }),
  'repartition.groupId': setting<string | undefined>({
    default: undefined,
    parse: optionalStringParser,
    env: 'LABELJOIN_REPARTITION_GROUP',
    flag: 'group',
    meta: 'ID',
    doc: 'consumer group that commits the --from offsets, and the transactional id; unset: labeljoin-repartition-FROM-TO. One process per group: a restart fences the one before',
  }),
  'repartition.batchRecords': setting<number>({
    default: 20_000,
    parse: intParser(1, 10_000_000),
    env: 'LABELJOIN_REPARTITION_BATCH',
    flag: 'batch-records',
    meta: 'N',
    doc: 'records per transaction at most (the records and the --from offsets they cover commit together)',
  }),
  'repartition.batchBytes': setting<number>({
    default: 16 * 1024 * 1024,
    parse: intParser(1_024, 1024 * 1024 * 1024),
    env: 'LABELJOIN_REPARTITION_BATCH_BYTES',
    doc: 'bytes of records (key, value, headers) per transaction at most',
  }),
  'repartition.lingerMs': setting<number>({
    default: 1_000,
    parse: durationParser(0, 3_600_000),
    env: 'LABELJOIN_REPARTITION_LINGER',
    flag: 'linger',
    meta: 'DURATION',
    doc: 'a batch open this long (wall clock) is committed even when not full: the delay live records get',
  }),
  'repartition.fetchBytesPerPartition': setting<number>({
    default: 1_048_576,
    parse: intParser(1_024, 64 * 1024 * 1024),
    env: 'LABELJOIN_REPARTITION_FETCH_BYTES',
    doc: 'bytes fetched per partition of --from at a time',
  }),
  'repartition.progressEveryMs': setting<number>({
    default: 5_000,
    parse: durationParser(100, 3_600_000),
    env: 'LABELJOIN_REPARTITION_PROGRESS_EVERY',
    flag: 'progress-every',
    meta: 'DURATION',
    doc: 'interval of the progress line on stderr',
  }),
} as const;
