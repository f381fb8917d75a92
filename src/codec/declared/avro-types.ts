/**
 * Avro types for a user's own schemas: every `long` decodes to a bigint, so
 * that a field above 2^53 (a Snowflake id, a trace id) neither fails the
 * record (avsc's default long refuses to lose precision) nor is rounded. The
 * join reads its mapped fields from such values (./ids.ts takes bigints);
 * everything else it copies as bytes.
 */
import avro from 'avsc';
import type { AvroSchema } from '../schemas.js';

const BigIntLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (json: unknown) => BigInt(json as number | string),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/** The type of a user's schema; throws (avsc's error) when it is not a valid Avro schema. */
export function declaredType(schema: AvroSchema): avro.Type {
  // A fresh registry each time: avsc records the schema's named types in it.
  return avro.Type.forSchema(schema as avro.Schema, { registry: { long: BigIntLong } });
}

/** Parses a registry's or a file's schema text; the error's message says why it cannot be used. */
export function parseDeclaredSchema(text: string): { schema: AvroSchema; type: avro.Type } {
  const schema = JSON.parse(text) as AvroSchema;
  return { schema, type: declaredType(schema) };
}
