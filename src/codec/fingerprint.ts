/**
 * CRC-64-AVRO, the Rabin fingerprint the Avro specification defines for
 * schema fingerprints (used by single-object encoding), over the schema's
 * Parsing Canonical Form.
 */
import type avro from 'avsc';

const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE: bigint[] = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK);
  return fp;
});

export function rabinFingerprint(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const b of bytes) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(b)) & 0xffn)]!;
  return fp;
}

/** The Parsing Canonical Form of a type (avsc's schema() without options). */
export function canonicalForm(type: avro.Type): string {
  return JSON.stringify(type.schema());
}

/** The 8-byte little-endian fingerprint of a type, as single-object encoding writes it. */
export function schemaFingerprint(type: avro.Type): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(rabinFingerprint(Buffer.from(canonicalForm(type), 'utf8')));
  return out;
}
