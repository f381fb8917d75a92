/**
 * Shadow sampling of users: a stable, hash-sampled fraction of users, as the
 * paper's shadow pipeline started with 0.1 % of traffic.
 *
 * user u is in the shadow of fraction F  iff  h(u) < F · 2^32
 *   h(u) = murmur3's 32-bit finaliser (fmix32) of FNV-1a 32 over the user id's
 *          decimal text (ASCII)
 *
 * Deterministic (the same users on every run, process and machine), nested
 * (the users of 0.001 are among those of 0.01, so growing a shadow keeps its
 * earlier users) and independent of Kafka's partitioner (murmur2), so a
 * fraction spreads over every partition.
 */
import { fmix32 } from './hash.js';

export function userHash(userId: number): number {
  const text = String(userId);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** A predicate for fraction F in (0, 1]; F = 1 keeps every user. */
export function shadowFilter(fraction: number): (userId: number) => boolean {
  if (fraction >= 1) return () => true;
  const limit = fraction * 2 ** 32;
  return (userId) => userHash(userId) < limit;
}
