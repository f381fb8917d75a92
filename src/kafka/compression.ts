/**
 * Which batch compressions this process can produce and read. The client
 * compresses gzip with node:zlib, LZ4 and snappy with WebAssembly, and zstd
 * with node:zlib's zstd, which exists from Node 22.15 on.
 */
import zlib from 'node:zlib';
import { KafkaError } from './errors.js';

/** The batch compressions of the Kafka protocol. */
export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

export function compressionAvailable(compression: Compression): boolean {
  return compression !== 'zstd' || typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
}

export function requireCompression(compression: Compression): void {
  if (!compressionAvailable(compression)) {
    throw new KafkaError('COMPRESSION_UNAVAILABLE', `${compression} compression needs Node.js 22.15 or newer (this is ${process.version}); use lz4, gzip or snappy`);
  }
}
