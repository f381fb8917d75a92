/**
 * Confluent Schema Registry wire framing, the way most Avro on Kafka is framed
 * (Confluent's serializers, Flink's avro-confluent format, Kafka Connect's
 * AvroConverter, Apicurio in its Confluent-compatible mode):
 *
 * Byte layout of a record value:
 *   offset 0   1 byte   0x00          magic byte
 *   offset 1   4 bytes  schema id     unsigned 32-bit, big-endian: the id the
 *                                     registry gave the writer schema
 *   offset 5   n bytes  body          Avro binary encoding under that schema
 *
 * The schema itself is not in the record: a reader fetches it from the registry
 * by id (src/schema-registry/client.ts) and keeps it.
 */

export const CONFLUENT_MAGIC = 0x00;
export const CONFLUENT_HEADER_BYTES = 5;
const MAX_ID = 0xffff_ffff;

/** The 5-byte header for a schema id; the Avro body goes after it. */
export function confluentHeader(schemaId: number): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > MAX_ID) {
    throw new RangeError(`a schema id is an integer in 0..${MAX_ID}, got ${schemaId}`);
  }
  const header = Buffer.alloc(CONFLUENT_HEADER_BYTES);
  header[0] = CONFLUENT_MAGIC;
  header.writeUInt32BE(schemaId, 1);
  return header;
}

/** The schema id of a framed value, or undefined when the value is not Confluent-framed (too short, other first byte). */
export function readConfluentId(value: Uint8Array): number | undefined {
  if (value.length < CONFLUENT_HEADER_BYTES || value[0] !== CONFLUENT_MAGIC) return undefined;
  return ((value[1]! << 24) >>> 0) + (value[2]! << 16) + (value[3]! << 8) + value[4]!;
}

/** The Avro body of a framed value (a view of the same bytes, no copy). */
export function confluentBody(value: Buffer): Buffer {
  return value.subarray(CONFLUENT_HEADER_BYTES);
}
