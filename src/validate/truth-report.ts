/**
 * Samples in a topic against the simulator's ground truth, in the terms tests
 * and the demo use: how many views got a sample, which are missing or extra,
 * repeated sample ids, and how many labels agree, overall and per type. A thin
 * view of the general comparison (src/validate/compare.ts) with the topic as A
 * and the truth as B.
 */
import { tmpdir } from 'node:os';
import type { EventCodec } from '../codec/codec.js';
import type { ConnectionSettings } from '../kafka/connection.js';
import { compareSampleSets } from './compare.js';
import { openSide, truthSource, type SourceContext } from './sources.js';

export interface TruthReport {
  readonly expected: number;
  readonly found: number;
  readonly missing: number;
  readonly extra: number;
  readonly samplesRead: number;
  readonly duplicateSampleIds: number;
  /** Repeated sample ids whose labels, version or weight differ from the first (0 when every repeat is an at-least-once resend). */
  readonly conflictingRepeats: number;
  readonly versionsAboveZero: number;
  readonly labelAccuracy: number;
  readonly perLabel: Record<string, { readonly accuracy: number; readonly expectedPositives: number; readonly foundPositives: number; readonly mismatches: number }>;
  readonly latePolicy: 'drop' | 'correct';
  readonly examples: { readonly missing: string[]; readonly mismatched: string[] };
}

export async function compareWithTruth(
  settings: ConnectionSettings,
  samplesTopic: string,
  truthFile: string,
  codec: EventCodec,
  latePolicy: 'drop' | 'correct',
  declared?: SourceContext['declared'],
): Promise<TruthReport> {
  const labelTypes = codec.labelTypes;
  const r = await compareSampleSets(
    openSide(`topic:${samplesTopic}`, { connection: settings, labelTypes, writerSchemas: [], declared }),
    truthSource(truthFile, labelTypes, latePolicy),
    { labelTypes, keepUser: () => true, shadowFraction: 1, from: undefined, to: undefined, spillDir: tmpdir(), buckets: 16, minAgreement: 1 },
  );
  return {
    expected: r.b.samples,
    found: r.matched,
    missing: r.onlyInB,
    extra: r.onlyInA,
    samplesRead: r.a.recordsRead,
    duplicateSampleIds: r.a.duplicates,
    conflictingRepeats: r.a.conflictingRepeats,
    versionsAboveZero: r.a.corrections,
    labelAccuracy: r.labelAgreement,
    perLabel: Object.fromEntries(labelTypes.map((t) => {
      const k = r.perLabel[t]!;
      return [t, { accuracy: k.agreement, expectedPositives: k.both1 + k.onlyB1, foundPositives: k.both1 + k.onlyA1, mismatches: k.onlyA1 + k.onlyB1 + k.absent }];
    })),
    latePolicy,
    examples: { missing: r.examples.onlyInB, mismatched: r.examples.differing },
  };
}
