/**
 * The reference side of a comparison downsampled as a run under test with
 * --negative-share F was (the contract: ../join/labels.ts, implemented here
 * apart from the joiner, on purpose): a reference sample with some label 1 is
 * kept as it is; one with every label 0 is kept iff
 *
 *   fmix32(FNV-1a 32 over the 16 bytes of its view event id) < F * 2^32
 *
 * and then expected with weight 1/F. So `validate --against FULL-RUN` on a
 * downsampled run checks that every positive matches, every kept negative is
 * in the full run (and no other), each with its weight; and reports the kept
 * share: the reference's negative records kept, over all its negative records.
 * The same for the truth and the offline re-join. A reference that is itself
 * downsampled by F passes through unchanged.
 */
import type { Comparable } from './comparable.js';
import type { SampleSource } from './sources.js';

export interface DownsamplingSummary {
  readonly share: number;
  /** the reference's records with every label 0, and those of them kept */
  readonly negatives: number;
  readonly kept: number;
  /** kept / negatives (NaN when there is none) */
  readonly keptShare: number;
}

/** Whether the contract keeps an all-negative view at share F (F = 1 keeps every one). */
export function keepsNegativeView(viewId: Buffer, share: number): boolean {
  if (share >= 1) return true;
  let h = 2166136261;
  for (const byte of viewId) h = Math.imul(h ^ byte, 16777619) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 2246822507) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 3266489909) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h < share * 4294967296;
}

export function downsampledReference(source: SampleSource, share: number): { readonly source: SampleSource; summary(): DownsamplingSummary } {
  let negatives = 0;
  let kept = 0;
  return {
    source: {
      description: `${source.description}, negatives downsampled to ${share}`,
      read(sink) {
        return source.read({
          sample(c: Comparable) {
            if (c.labels !== 0) return sink.sample(c);
            negatives++;
            if (!keepsNegativeView(c.viewId, share)) return;
            kept++;
            sink.sample({ ...c, weight: 1 / share });
          },
          bad: (b) => sink.bad(b),
        });
      },
    },
    summary: () => ({ share, negatives, kept, keptShare: negatives === 0 ? Number.NaN : kept / negatives }),
  };
}
