/**
 * The Schema Registry wire format (Confluent's, which Apicurio, Karapace,
 * Flink's avro-confluent format and Kafka Connect read and write):
 *
 *   offset 0  1 byte   0x00            magic byte
 *   offset 1  4 bytes  schema id       u32 big-endian, the id the registry gave the writer schema
 *   offset 5  n bytes  body            Avro binary encoding under that schema
 */

export const CONFLUENT_MAGIC = 0x00;
export const CONFLUENT_HEADER_BYTES = 5;

/** The 5-byte header for schema `id`. */
export function confluentHeader(id: number): Buffer {
  const header = Buffer.allocUnsafe(CONFLUENT_HEADER_BYTES);
  header[0] = CONFLUENT_MAGIC;
  header.writeUInt32BE(id, 1);
  return header;
}

/** The schema id of a framed value, or undefined when the value is not framed so. */
export function readConfluentId(value: Buffer): number | undefined {
  if (value.length < CONFLUENT_HEADER_BYTES || value[0] !== CONFLUENT_MAGIC) return undefined;
  return value.readUInt32BE(1);
}
