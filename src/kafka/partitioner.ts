/**
 * Kafka's default partitioner for keyed records, as the Java client computes it:
 *   partition = toPositive(murmur2(keyBytes)) % numPartitions
 * with toPositive(h) = h & 0x7fffffff and murmur2 the 32-bit MurmurHash2 with
 * seed 0x9747b28c over the key's bytes (little-endian 4-byte words).
 *
 * Every producer of labeljoin routes by this function, so that partition p of
 * the views, engagements and samples topics holds the same users no matter
 * which client (Java, librdkafka with `murmur2_random`, ours) wrote them.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Java's Utils.murmur2: a signed 32-bit hash of the bytes. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const words = length >>> 2;

  for (let i = 0; i < words; i++) {
    const o = i << 2;
    let k = (data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24)) | 0;
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }

  const tail = words << 2;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }

  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition the Java client's default partitioner picks for a key. */
export function partitionForKey(key: Uint8Array | string, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return (murmur2(bytes) & 0x7fffffff) % numPartitions;
}

/**
 * librdkafka's partitioners for keyed records (`partitioner` of a librdkafka
 * producer: Python, Go, .NET, kcat), by name:
 *   consistent          crc32(key) % n, a null key too (crc32 of nothing = 0)
 *   consistent_random   crc32(key) % n; null and empty keys random (librdkafka's default)
 *   murmur2             the Java client's (above)
 *   murmur2_random      the Java client's; null keys random
 * (A null key is random with the Java client, so neither murmur2 checks it.)
 * crc32 is the IEEE / zlib CRC-32 (reflected, polynomial 0xEDB88320), as
 * librdkafka's rd_crc32. A partitioner that would pick a random partition for
 * the key gives undefined: such a record cannot be checked.
 */
export const PARTITIONERS = ['murmur2', 'murmur2_random', 'consistent', 'consistent_random', 'none'] as const;
export type PartitionerName = (typeof PARTITIONERS)[number];
/** The partitioners that place a key (all but "none"): what `labeljoin repartition` can write by. */
export const KEYED_PARTITIONERS = ['murmur2', 'murmur2_random', 'consistent', 'consistent_random'] as const satisfies readonly PartitionerName[];
export type KeyedPartitionerName = (typeof KEYED_PARTITIONERS)[number];

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** The partition `name` gives this key, or undefined when it would pick one at random (or checks nothing: "none"). */
export function expectedPartition(name: PartitionerName, key: Uint8Array | null, numPartitions: number): number | undefined {
  switch (name) {
    case 'none':
      return undefined;
    case 'murmur2':
      return key === null ? undefined : partitionForKey(key, numPartitions);
    case 'murmur2_random':
      return key === null ? undefined : partitionForKey(key, numPartitions);
    case 'consistent':
      return crc32(key ?? new Uint8Array(0)) % numPartitions;
    case 'consistent_random':
      return key === null || key.length === 0 ? undefined : crc32(key) % numPartitions;
  }
}
