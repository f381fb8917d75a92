/**
 * murmur3's 32-bit finaliser (fmix32): spreads the bits of a 32-bit value so
 * that nearby inputs give unrelated outputs. Used for shadow sampling of users
 * and for the comparison's spill buckets.
 */
export function fmix32(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
