/**
 * Comparison of two sample sets, A (under test) and B (the reference), in
 * bounded memory, as the paper compared the old and new pipelines on
 * duplicated traffic before cut-over.
 *
 * Steps:
 *   1. Read A, then B, record by record; keep a sample when its view time is
 *      in [from, to) and its user is in the shadow fraction; spill it to one of
 *      N buckets by a hash of its view event id (src/validate/spill.ts).
 *   2. For each bucket: load A's records and B's, keep the newest version of
 *      each view's sample per side (count repeated sample ids and versions
 *      above 0), and compare view by view: only in A, only in B, or in both
 *      with each label compared (a confusion count per label) and the key
 *      fields (user, post, view time) checked.
 *   3. Count every difference in its view-time bucket (the width is chosen
 *      from the time span, at most MAX_TIME_BUCKETS buckets).
 *
 * Memory: one bucket of each side at a time, plus the write buffers and the
 * time buckets. A sample's identity is its view event id (one sample per
 * view; the sample id of version 0 is the view event id).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigSection } from '../config/config.js';
import { COMPARABLE_BYTES, readComparable, writeComparable, type Comparable } from './comparable.js';
import { compareSchemas, type SchemaComparison, type SideSchema } from './schema-compat.js';
import type { BadInput, SampleSource } from './sources.js';
import type { DownsamplingSummary } from './downsample.js';
import { BucketSpill, hashId } from './spill.js';

const MAX_TIME_BUCKETS = 60;
const EXAMPLES = 5;
const NICE_WIDTHS_MS = [1_000, 5_000, 15_000, 60_000, 300_000, 900_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 86_400_000, 7 * 86_400_000];

export interface CompareOptions extends Pick<ConfigSection<'validate'>, 'shadowFraction' | 'from' | 'to' | 'buckets' | 'minAgreement'> {
  readonly labelTypes: readonly string[];
  readonly keepUser: (userId: number) => boolean;
  /** A fresh directory is made inside it and removed at the end (validate.spillDir, or the system temp directory). */
  readonly spillDir: string;
  readonly onProgress?: (what: string, records: number) => void;
}

export interface SideSummary {
  readonly description: string;
  readonly recordsRead: number;
  readonly badRecords: number;
  readonly badExamples: BadInput[];
  readonly outsideRange: number;
  readonly outsideShadow: number;
  /** distinct views with a sample, in range and shadow */
  readonly samples: number;
  /** records whose sample id was read before (at-least-once repeats) */
  readonly duplicates: number;
  /** of those, repeats whose labels, version or weight differ from the first record of that id (never right: a sample id names one sample) */
  readonly conflictingRepeats: number;
  /** records with a version above 0 (late-policy corrections) */
  readonly corrections: number;
  readonly schema: SideSchema;
}

export interface Confusion {
  /** 1 on both sides */
  readonly both1: number;
  /** 1 in A, 0 in B */
  readonly onlyA1: number;
  /** 0 in A, 1 in B */
  readonly onlyB1: number;
  readonly both0: number;
  /** the label field is missing on a side */
  readonly absent: number;
}

export interface TimeBucketRow {
  readonly start: number;
  readonly samples: number;
  readonly matched: number;
  readonly onlyInA: number;
  readonly onlyInB: number;
  /** in both, with some label or key field different */
  readonly differing: number;
  readonly agreement: number;
}

export interface ComparisonReport {
  readonly a: SideSummary;
  readonly b: SideSummary;
  readonly labelTypes: readonly string[];
  readonly shadowFraction: number;
  readonly from: number | undefined;
  readonly to: number | undefined;
  /** distinct views with a sample on either side */
  readonly union: number;
  readonly matched: number;
  readonly onlyInA: number;
  readonly onlyInB: number;
  /** matched / union */
  readonly matchRate: number;
  /** samples on both sides with every label, key field and weight equal, / union: the figure --min-agreement checks */
  readonly agreement: number;
  /** equal label values / (matched × label types) */
  readonly labelAgreement: number;
  /** matched samples whose user, post or view time differ */
  readonly keyFieldDiffs: number;
  /** matched samples whose weights differ (negative downsampling; a sample without the field has weight 1) */
  readonly weightDiffs: number;
  /** When the reference was downsampled for the comparison (--negative-share below 1; src/validate/downsample.ts). */
  readonly downsampling?: DownsamplingSummary;
  readonly perLabel: Readonly<Record<string, Confusion & { readonly agreement: number }>>;
  readonly timeBuckets: { readonly widthMs: number; readonly rows: TimeBucketRow[] };
  readonly schema: SchemaComparison;
  readonly examples: { readonly onlyInA: string[]; readonly onlyInB: string[]; readonly differing: string[] };
  readonly minAgreement: number;
  readonly passed: boolean;
}

interface SideState {
  recordsRead: number;
  badRecords: number;
  badExamples: BadInput[];
  outsideRange: number;
  outsideShadow: number;
  samples: number;
  duplicates: number;
  conflictingRepeats: number;
  corrections: number;
  minTs: number;
  maxTs: number;
}

export async function compareSampleSets(a: SampleSource, b: SampleSource, o: CompareOptions): Promise<ComparisonReport> {
  const dir = mkdtempSync(join(o.spillDir, 'labeljoin-validate-'));
  const spillA = new BucketSpill(dir, 'a', o.buckets, COMPARABLE_BYTES);
  const spillB = new BucketSpill(dir, 'b', o.buckets, COMPARABLE_BYTES);
  try {
    const sa = newSide();
    const sb = newSide();
    const schemaA = await spillSide(a, spillA, sa, 'A', o);
    const schemaB = await spillSide(b, spillB, sb, 'B', o);
    o.onProgress?.(`read A (${sa.recordsRead} records) and B (${sb.recordsRead}); comparing bucket by bucket`, o.buckets);
    const result = compareBuckets(spillA, spillB, sa, sb, o);
    const summary = (src: SampleSource, s: SideState, schema: SideSchema): SideSummary => ({
      description: src.description,
      recordsRead: s.recordsRead,
      badRecords: s.badRecords,
      badExamples: s.badExamples,
      outsideRange: s.outsideRange,
      outsideShadow: s.outsideShadow,
      samples: s.samples,
      duplicates: s.duplicates,
      conflictingRepeats: s.conflictingRepeats,
      corrections: s.corrections,
      schema,
    });
    return {
      a: summary(a, sa, schemaA),
      b: summary(b, sb, schemaB),
      labelTypes: o.labelTypes,
      shadowFraction: o.shadowFraction,
      from: o.from,
      to: o.to,
      ...result,
      schema: compareSchemas(schemaA, schemaB),
      minAgreement: o.minAgreement,
      passed: result.agreement >= o.minAgreement,
    };
  } finally {
    spillA.remove();
    spillB.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

function newSide(): SideState {
  return { recordsRead: 0, badRecords: 0, badExamples: [], outsideRange: 0, outsideShadow: 0, samples: 0, duplicates: 0, conflictingRepeats: 0, corrections: 0, minTs: Number.POSITIVE_INFINITY, maxTs: Number.NEGATIVE_INFINITY };
}

async function spillSide(src: SampleSource, spill: BucketSpill, s: SideState, name: string, o: CompareOptions): Promise<SideSchema> {
  const schema = await src.read({
    sample(c) {
      if (++s.recordsRead % 1_000_000 === 0) o.onProgress?.(`${name}: records read`, s.recordsRead);
      if ((o.from !== undefined && c.viewTs < o.from) || (o.to !== undefined && c.viewTs >= o.to)) {
        s.outsideRange++;
        return;
      }
      if (!o.keepUser(c.userId)) {
        s.outsideShadow++;
        return;
      }
      if (c.viewTs < s.minTs) s.minTs = c.viewTs;
      if (c.viewTs > s.maxTs) s.maxTs = c.viewTs;
      spill.add(hashId(c.viewId), (buf, at) => writeComparable(c, buf, at));
    },
    bad(b) {
      s.recordsRead++;
      s.badRecords++;
      if (s.badExamples.length < EXAMPLES) s.badExamples.push(b);
    },
  });
  spill.finish();
  return schema;
}

/** The newest version of each view's sample in one bucket of one side; counts repeats. */
function newestByView(bytes: Buffer, s: SideState): Map<string, Comparable> {
  const newest = new Map<string, Comparable>();
  const firstById = new Map<string, Comparable>();
  for (let at = 0; at < bytes.length; at += COMPARABLE_BYTES) {
    const c = readComparable(bytes, at);
    const sid = c.sampleId.toString('hex');
    const first = firstById.get(sid);
    if (first === undefined) firstById.set(sid, c);
    else {
      s.duplicates++;
      if (first.labels !== c.labels || first.absent !== c.absent || first.version !== c.version || first.weight !== c.weight) s.conflictingRepeats++;
    }
    if (c.version > 0) s.corrections++;
    const view = c.viewId.toString('hex');
    const current = newest.get(view);
    if (current === undefined || c.version > current.version) newest.set(view, c);
  }
  s.samples += newest.size;
  return newest;
}

type BucketResult = Pick<ComparisonReport, 'union' | 'matched' | 'onlyInA' | 'onlyInB' | 'matchRate' | 'agreement' | 'labelAgreement' | 'keyFieldDiffs' | 'weightDiffs' | 'perLabel' | 'timeBuckets' | 'examples'>;

function compareBuckets(spillA: BucketSpill, spillB: BucketSpill, sa: SideState, sb: SideState, o: CompareOptions): BucketResult {
  const types = o.labelTypes;
  const minTs = Math.min(sa.minTs, sb.minTs);
  const maxTs = Math.max(sa.maxTs, sb.maxTs);
  const widthMs = chooseWidth(minTs, maxTs);
  const rows = new Map<number, { samples: number; matched: number; onlyInA: number; onlyInB: number; differing: number; agreeing: number }>();
  const row = (ts: number): { samples: number; matched: number; onlyInA: number; onlyInB: number; differing: number; agreeing: number } => {
    const start = Math.floor(ts / widthMs) * widthMs;
    let r = rows.get(start);
    if (r === undefined) rows.set(start, (r = { samples: 0, matched: 0, onlyInA: 0, onlyInB: 0, differing: 0, agreeing: 0 }));
    r.samples++;
    return r;
  };
  const confusion = types.map(() => ({ both1: 0, onlyA1: 0, onlyB1: 0, both0: 0, absent: 0 }));
  const examples = { onlyInA: [] as string[], onlyInB: [] as string[], differing: [] as string[] };
  let matched = 0;
  let onlyInA = 0;
  let onlyInB = 0;
  let agreeing = 0;
  let keyFieldDiffs = 0;
  let weightDiffs = 0;
  let equalLabels = 0;

  for (let bucket = 0; bucket < o.buckets; bucket++) {
    const inA = newestByView(spillA.read(bucket), sa);
    const inB = newestByView(spillB.read(bucket), sb);
    for (const [view, ca] of inA) {
      const cb = inB.get(view);
      const r = row(cb?.viewTs ?? ca.viewTs);
      if (cb === undefined) {
        onlyInA++;
        r.onlyInA++;
        if (examples.onlyInA.length < EXAMPLES) examples.onlyInA.push(describeSample(ca));
        continue;
      }
      matched++;
      r.matched++;
      const keysEqual = ca.userId === cb.userId && ca.postId === cb.postId && ca.viewTs === cb.viewTs;
      if (!keysEqual) keyFieldDiffs++;
      const weightsEqual = ca.weight === cb.weight;
      if (!weightsEqual) weightDiffs++;
      const labelDiffs: string[] = [];
      types.forEach((t, i) => {
        const bit = 1 << i;
        const k = confusion[i]!;
        if (((ca.absent | cb.absent) & bit) !== 0) {
          k.absent++;
          labelDiffs.push(`${t} absent on ${(ca.absent & bit) !== 0 ? 'A' : 'B'}`);
          return;
        }
        const x = (ca.labels & bit) !== 0;
        const y = (cb.labels & bit) !== 0;
        if (x === y) {
          equalLabels++;
          if (x) k.both1++;
          else k.both0++;
        } else {
          if (x) k.onlyA1++;
          else k.onlyB1++;
          labelDiffs.push(`${t} A ${x ? 1 : 0} B ${y ? 1 : 0}`);
        }
      });
      if (!weightsEqual) labelDiffs.push(`weight A ${ca.weight} B ${cb.weight}`);
      if (keysEqual && labelDiffs.length === 0) {
        agreeing++;
        r.agreeing++;
      } else {
        r.differing++;
        if (examples.differing.length < EXAMPLES) {
          const keys = keysEqual ? [] : [`user/post/view_ts A ${ca.userId}/${ca.postId}/${ca.viewTs} B ${cb.userId}/${cb.postId}/${cb.viewTs}`];
          examples.differing.push(`${describeSample(ca)}: ${[...keys, ...labelDiffs].join(', ')}`);
        }
      }
    }
    for (const [view, cb] of inB) {
      if (inA.has(view)) continue;
      onlyInB++;
      row(cb.viewTs).onlyInB++;
      if (examples.onlyInB.length < EXAMPLES) examples.onlyInB.push(describeSample(cb));
    }
  }

  const union = matched + onlyInA + onlyInB;
  const ratio = (x: number, n: number): number => (n === 0 ? 1 : x / n);
  return {
    union,
    matched,
    onlyInA,
    onlyInB,
    matchRate: ratio(matched, union),
    agreement: ratio(agreeing, union),
    labelAgreement: ratio(equalLabels, matched * types.length),
    keyFieldDiffs,
    weightDiffs,
    perLabel: Object.fromEntries(types.map((t, i) => {
      const k = confusion[i]!;
      return [t, { ...k, agreement: ratio(k.both1 + k.both0, matched) }];
    })),
    timeBuckets: {
      widthMs,
      rows: [...rows].sort(([x], [y]) => x - y).map(([start, r]) => ({ start, samples: r.samples, matched: r.matched, onlyInA: r.onlyInA, onlyInB: r.onlyInB, differing: r.differing, agreement: ratio(r.agreeing, r.samples) })),
    },
    examples,
  };
}

/** The smallest "nice" width that covers the span in at most MAX_TIME_BUCKETS buckets. */
export function chooseWidth(minTs: number, maxTs: number): number {
  if (!Number.isFinite(minTs) || !Number.isFinite(maxTs)) return NICE_WIDTHS_MS[0]!;
  const span = maxTs - minTs + 1;
  for (const w of NICE_WIDTHS_MS) if (Math.ceil(span / w) + 1 <= MAX_TIME_BUCKETS) return w;
  return Math.ceil(span / (MAX_TIME_BUCKETS - 1) / 86_400_000) * 86_400_000;
}

function describeSample(c: Comparable): string {
  const h = c.viewId.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)} (user ${c.userId}, view ${new Date(c.viewTs).toISOString()})`;
}
