/**
 * The offline re-join: the samples the join contract gives for the views of a
 * time range, computed from the input topics as they are now, by a different
 * method than the streaming joiner (a reference to validate it against).
 *
 * The streaming joiner keeps an engagement index and reads views late; this
 * reads both topics completely, partitions views and engagements into hash
 * buckets of (user, post) on disk (src/validate/spill.ts), and joins one
 * bucket at a time in memory. The contract (../shared/DESIGN.md):
 *
 *   label_t(v) = 1  iff an engagement e of type t, counted once per event_id,
 *                   with e.view_id = v.event_id, or e.view_id null and the
 *                   same (user, post), has v.ts - maxSkew <= e.ts <= v.ts + window
 *                   and, under the late policy "drop", e is not late for v
 *
 *   e is late for v  iff  the watermark of e's partition before e was read had
 *                         reached release(v) + window, where
 *     watermark before e = max ts of the engagements before e in its partition - outOfOrderness
 *     release(v)         = max ts of the views up to v in its partition (views are joined in order)
 *
 * Under "correct" every matching engagement counts (the newest version of a
 * corrected sample). With several engagement topics, the watermark before e is
 * that of e's own topic: the joiner's (the least over the topics) is at most
 * that, so under "drop" this may call late an engagement the joiner still took
 * in; check such a run under "correct". In a topic of views and engagements
 * both, each record's kind is its kind header (src/codec/record-kind.ts); one
 * that names neither kind is reported as bad input once. Idle-partition releases (a partition without engagements
 * following the time of the others) are not modelled: they matter only for
 * engagements arriving in a partition after it was idle. Duplicate views are
 * joined once (the first copy). Records that do not decode are skipped, as the
 * joiner dead-letters them.
 *
 * Byte layout of a spilled engagement (ENGAGEMENT_BYTES = 72, little-endian):
 *   offset 0   16 bytes  event id
 *   offset 16  16 bytes  view id (zeros when absent)
 *   offset 32   8 bytes  user id, int64
 *   offset 40   8 bytes  post id, int64
 *   offset 48   8 bytes  ts, int64 ms
 *   offset 56   8 bytes  watermark before it in its partition, int64 ms (MIN_SAFE_INTEGER when first)
 *   offset 64   1 byte   type index in labelTypes
 *   offset 65   1 byte   1 when it carries a view id
 *   offset 66   6 bytes  zero
 *
 * Byte layout of a spilled view (VIEW_BYTES = 48, little-endian):
 *   offset 0   16 bytes  event id
 *   offset 16   8 bytes  user id, int64
 *   offset 24   8 bytes  post id, int64
 *   offset 32   8 bytes  ts, int64 ms
 *   offset 40   8 bytes  release time (see above), int64 ms
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EventCodec } from '../codec/codec.js';
import type { DeclaredInputs } from '../codec/declared/declared-inputs.js';
import { BadRecordError } from '../codec/errors.js';
import type { ConfigSection } from '../config/config.js';
import type { ConnectionSettings } from '../kafka/connection.js';
import { readTopicToEnd } from '../kafka/read-all.js';
import type { KindBy } from '../codec/formats.js';
import { kindRule, unknownKindError, type KindRule } from '../codec/record-kind.js';
import type { Comparable } from './comparable.js';
import { BucketSpill, hashPair } from './spill.js';
import type { BadInput, SampleSource } from './sources.js';

const ENGAGEMENT_BYTES = 72;
const VIEW_BYTES = 48;

/** The join's settings it joins by again, and the comparison's (only views with validate.from <= ts < validate.to). */
export interface RejoinOptions
  extends Pick<ConfigSection<'join'>, 'windowMs' | 'maxSkewMs' | 'outOfOrdernessMs' | 'latePolicy'>,
    Pick<ConfigSection<'validate'>, 'from' | 'to' | 'buckets'> {
  readonly connection: ConnectionSettings;
  readonly viewsTopic: string;
  readonly engagementTopics: readonly string[];
  readonly kindBy: KindBy;
  readonly kindHeader: string;
  readonly codec: EventCodec;
  /** Declared inputs (preloaded: src/codec/declared/); their decoders replace the codec's. */
  readonly declared?: DeclaredInputs | undefined;
  readonly keepUser: (userId: number) => boolean;
  readonly spillDir: string;
  readonly onProgress?: (what: string, records: number) => void;
}

interface SpilledEngagement {
  readonly eventId: string;
  readonly viewId: string | undefined;
  readonly ts: number;
  readonly watermarkBefore: number;
  readonly type: number;
}

export function rejoinSource(o: RejoinOptions): SampleSource {
  return {
    description: `re-join of ${[...new Set([o.viewsTopic, ...o.engagementTopics])].join(' + ')} (late policy ${o.latePolicy})`,
    async read(sink) {
      // A directory of its own: two comparisons on one machine must not share spill files.
      const dir = mkdtempSync(join(o.spillDir, 'labeljoin-rejoin-'));
      const engagements = new BucketSpill(dir, 'engagements', o.buckets, ENGAGEMENT_BYTES);
      const views = new BucketSpill(dir, 'views', o.buckets, VIEW_BYTES);
      const bad = (error: unknown): void => {
        if (error instanceof BadRecordError) sink.bad(asBadInput(error));
        else throw error;
      };
      try {
        const shared = new Set(o.engagementTopics.filter((t) => t === o.viewsTopic));
        const kinds = kindRule(o.kindBy, o.kindHeader, o.codec);
        let read = 0;
        for (const topic of o.engagementTopics) {
          read = await spillEngagements(o, topic, shared.has(topic) ? kinds : undefined, engagements, bad, read);
        }
        const newestView = new Map<number, number>();
        read = 0;
        await readTopicToEnd(o.connection, o.viewsTopic, {
          onRecord: (r) => {
            if (++read % 1_000_000 === 0) o.onProgress?.(`re-join: views read`, read);
            if (shared.has(r.topic)) {
              const kind = kinds.kindOf(r);
              if (kind === 'engagement') return;
              if (kind === undefined) {
                bad(unknownKindError(r, kinds));
                return;
              }
            }
            let v;
            try {
              v = o.declared?.views !== undefined ? o.declared.decodeView(r.value, r, r) : o.codec.decodeView(r.value, r);
            } catch (error) {
              bad(error);
              return;
            }
            const release = Math.max(newestView.get(r.partition) ?? Number.MIN_SAFE_INTEGER, v.ts);
            newestView.set(r.partition, release);
            if ((o.from !== undefined && v.ts < o.from) || (o.to !== undefined && v.ts >= o.to) || !o.keepUser(v.user_id)) return;
            views.add(hashPair(v.user_id, v.post_id), (buf, at) => {
              v.event_id.copy(buf, at, 0, 16);
              buf.writeBigInt64LE(BigInt(v.user_id), at + 16);
              buf.writeBigInt64LE(BigInt(v.post_id), at + 24);
              buf.writeBigInt64LE(BigInt(v.ts), at + 32);
              buf.writeBigInt64LE(BigInt(release), at + 40);
            });
          },
        });
        engagements.finish();
        views.finish();
        for (let b = 0; b < o.buckets; b++) joinBucket(engagements.read(b), views.read(b), o, sink.sample.bind(sink));
      } finally {
        engagements.remove();
        views.remove();
        rmSync(dir, { recursive: true, force: true });
      }
      return { kind: 'none', reason: 'the re-join computes labels, it has no writer schema' };
    },
  };
}

/**
 * Reads one engagements topic to its end into the spill, each with the watermark before it in its
 * partition of that topic; `kinds`: the topic holds views too (they are stepped over; one of neither
 * kind is reported with the views). Returns the count of records read so far (for progress).
 */
async function spillEngagements(o: RejoinOptions, topic: string, kinds: KindRule | undefined, spill: BucketSpill, bad: (error: unknown) => void, readBefore: number): Promise<number> {
  const newestEngagement = new Map<number, number>();
  let read = readBefore;
  await readTopicToEnd(o.connection, topic, {
    onRecord: (r) => {
      if (++read % 1_000_000 === 0) o.onProgress?.(`re-join: engagements read`, read);
      if (kinds !== undefined && kinds.kindOf(r) !== 'engagement') return;
      let e;
      try {
        e = o.declared?.declaresEngagements === true ? o.declared.decodeEngagement(r.value, r, r) : o.codec.decodeEngagement(r.value, r);
      } catch (error) {
        bad(error);
        return;
      }
      const newest = newestEngagement.get(r.partition);
      newestEngagement.set(r.partition, Math.max(newest ?? Number.MIN_SAFE_INTEGER, e.ts));
      if (!o.keepUser(e.user_id)) return;
      const type = o.codec.labelTypes.indexOf(e.type);
      const watermarkBefore = newest === undefined ? Number.MIN_SAFE_INTEGER : newest - o.outOfOrdernessMs;
      spill.add(hashPair(e.user_id, e.post_id), (buf, at) => {
        e.event_id.copy(buf, at, 0, 16);
        if (e.view_id === null) buf.fill(0, at + 16, at + 32);
        else e.view_id.copy(buf, at + 16, 0, 16);
        buf.writeBigInt64LE(BigInt(e.user_id), at + 32);
        buf.writeBigInt64LE(BigInt(e.post_id), at + 40);
        buf.writeBigInt64LE(BigInt(e.ts), at + 48);
        buf.writeBigInt64LE(BigInt(watermarkBefore), at + 56);
        buf[at + 64] = type;
        buf[at + 65] = e.view_id === null ? 0 : 1;
        buf.fill(0, at + 66, at + 72);
      });
    },
  });
  return read;
}

function joinBucket(engagementBytes: Buffer, viewBytes: Buffer, o: RejoinOptions, emit: (c: Comparable) => void): void {
  const seen = new Set<string>();
  const byView = new Map<string, SpilledEngagement[]>();
  const byPair = new Map<string, SpilledEngagement[]>();
  for (let at = 0; at < engagementBytes.length; at += ENGAGEMENT_BYTES) {
    const eventId = engagementBytes.toString('hex', at, at + 16);
    if (seen.has(eventId)) continue; // a duplicate: the joiner drops it
    seen.add(eventId);
    const hasView = engagementBytes[at + 65] === 1;
    const e: SpilledEngagement = {
      eventId,
      viewId: hasView ? engagementBytes.toString('hex', at + 16, at + 32) : undefined,
      ts: Number(engagementBytes.readBigInt64LE(at + 48)),
      watermarkBefore: Number(engagementBytes.readBigInt64LE(at + 56)),
      type: engagementBytes[at + 64]!,
    };
    const pair = `${engagementBytes.readBigInt64LE(at + 32)}:${engagementBytes.readBigInt64LE(at + 40)}`;
    const key = e.viewId === undefined ? pair : `${e.viewId}:${pair}`; // a view id matches only a view of the same (user, post)
    const map = e.viewId === undefined ? byPair : byView;
    const list = map.get(key);
    if (list === undefined) map.set(key, [e]);
    else list.push(e);
  }
  const joined = new Set<string>();
  for (let at = 0; at < viewBytes.length; at += VIEW_BYTES) {
    const viewHex = viewBytes.toString('hex', at, at + 16);
    if (joined.has(viewHex)) continue; // a duplicate view is joined once
    joined.add(viewHex);
    const userId = Number(viewBytes.readBigInt64LE(at + 16));
    const postId = Number(viewBytes.readBigInt64LE(at + 24));
    const ts = Number(viewBytes.readBigInt64LE(at + 32));
    const release = Number(viewBytes.readBigInt64LE(at + 40));
    let labels = 0;
    const candidates = [...(byView.get(`${viewHex}:${userId}:${postId}`) ?? []), ...(byPair.get(`${userId}:${postId}`) ?? [])];
    for (const e of candidates) {
      if (e.ts < ts - o.maxSkewMs || e.ts > ts + o.windowMs) continue;
      if (o.latePolicy === 'drop' && e.watermarkBefore >= release + o.windowMs) continue;
      labels |= 1 << e.type;
    }
    const id = viewBytes.subarray(at, at + 16);
    emit({ viewId: id, sampleId: id, viewTs: ts, userId, postId, version: 0, labels, absent: 0, weight: 1 });
  }
}

function asBadInput(error: BadRecordError): BadInput {
  return {
    where: `${error.origin.topic}/${error.origin.partition}@${error.origin.offset}`,
    code: error.code,
    ...(error.field === undefined ? {} : { field: error.field }),
    reason: error.reason,
  };
}
