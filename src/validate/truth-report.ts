/**
 * Samples in a topic against the simulator's ground truth: how many views got
 * a sample, which are missing or extra, repeated sample ids, and how many
 * labels agree, overall and per type. Of several versions of a view's sample
 * (late-policy corrections) the newest counts.
 *
 * Under the late policy "drop", a label the truth marks late (its engagements
 * were delivered after the view's window closed) is expected to be 0: the
 * joiner counted those engagements as late instead of applying them.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { EventCodec } from '../codec/codec.js';
import type { ConnectionSettings } from '../kafka/connection.js';
import { readTopicToEnd } from '../kafka/read-all.js';
import type { TruthRow } from '../codec/truth-format.js';

export interface TruthReport {
  readonly expected: number;
  readonly found: number;
  readonly missing: number;
  readonly extra: number;
  readonly samplesRead: number;
  readonly duplicateSampleIds: number;
  readonly versionsAboveZero: number;
  readonly labelAccuracy: number;
  readonly perLabel: Record<string, { readonly accuracy: number; readonly expectedPositives: number; readonly foundPositives: number; readonly mismatches: number }>;
  readonly latePolicy: 'drop' | 'correct';
  readonly examples: { readonly missing: string[]; readonly mismatched: string[] };
}

interface Newest {
  version: number;
  labels: Record<string, number>;
}

export async function compareWithTruth(
  settings: ConnectionSettings,
  samplesTopic: string,
  truthFile: string,
  codec: EventCodec,
  latePolicy: 'drop' | 'correct',
): Promise<TruthReport> {
  const newest = new Map<string, Newest>();
  const sampleIds = new Set<string>();
  let samplesRead = 0;
  let duplicateSampleIds = 0;
  let versionsAboveZero = 0;
  await readTopicToEnd(settings, samplesTopic, {
    isolation: 'read_committed',
    onRecord: (r) => {
      const s = codec.decodeSample(r.value, r);
      samplesRead++;
      const sid = s.sample_id.toString('hex');
      if (sampleIds.has(sid)) duplicateSampleIds++;
      sampleIds.add(sid);
      if (s.version > 0) versionsAboveZero++;
      const view = s.view_event_id.toString('hex');
      const current = newest.get(view);
      if (current === undefined || s.version > current.version) newest.set(view, { version: s.version, labels: s.labels });
    },
  });

  const types = codec.labelTypes;
  const per = Object.fromEntries(types.map((t) => [t, { agree: 0, expectedPositives: 0, foundPositives: 0, mismatches: 0 }]));
  let expected = 0;
  let found = 0;
  let agree = 0;
  let compared = 0;
  const missingExamples: string[] = [];
  const mismatchExamples: string[] = [];
  const truthViews = new Set<string>();
  const lines = createInterface({ input: createReadStream(truthFile), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as TruthRow;
    expected++;
    const view = row.view_id.replaceAll('-', '');
    truthViews.add(view);
    const got = newest.get(view);
    if (got === undefined) {
      if (missingExamples.length < 5) missingExamples.push(row.view_id);
      continue;
    }
    found++;
    for (const t of types) {
      const want = latePolicy === 'drop' && row.late?.includes(t) === true ? 0 : (row.labels[t] ?? 0);
      const have = got.labels[t] ?? 0;
      const stats = per[t]!;
      compared++;
      if (want === 1) stats.expectedPositives++;
      if (have === 1) stats.foundPositives++;
      if (want === have) {
        agree++;
        stats.agree++;
      } else {
        stats.mismatches++;
        if (mismatchExamples.length < 5) mismatchExamples.push(`${row.view_id} ${t}: expected ${want}, found ${have}`);
      }
    }
  }
  let extra = 0;
  for (const view of newest.keys()) if (!truthViews.has(view)) extra++;
  return {
    expected,
    found,
    missing: expected - found,
    extra,
    samplesRead,
    duplicateSampleIds,
    versionsAboveZero,
    labelAccuracy: compared === 0 ? 0 : agree / compared,
    perLabel: Object.fromEntries(types.map((t) => {
      const s = per[t]!;
      return [t, { accuracy: found === 0 ? 0 : s.agree / found, expectedPositives: s.expectedPositives, foundPositives: s.foundPositives, mismatches: s.mismatches }];
    })),
    latePolicy,
    examples: { missing: missingExamples, mismatched: mismatchExamples },
  };
}
