/**
 * Record framing on Kafka: Avro single-object encoding (Avro specification,
 * "Single-object encoding"), so every record names the schema it was written
 * with and readers can resolve old writers against newer reader schemas.
 *
 * Byte layout of an Avro record value:
 *   offset 0   1 byte   0xC3               marker
 *   offset 1   1 byte   0x01               format version
 *   offset 2   8 bytes  fingerprint        CRC-64-AVRO of the writer schema's
 *                                          Parsing Canonical Form, little-endian
 *   offset 10  n bytes  body               Avro binary encoding under that schema
 *
 * A JSON record value is a UTF-8 JSON object (first non-blank byte '{') whose
 * field names are those of the schema. Inputs in `auto` format are told apart
 * by the first byte: 0xC3 is Avro, anything else is tried as JSON.
 * Ten bytes of header per record cost little on the wire: they repeat in every
 * record of a batch and batch compression folds them.
 */

export const SINGLE_OBJECT_MARKER = 0xc3;
export const SINGLE_OBJECT_VERSION = 0x01;
export const HEADER_BYTES = 10;

/** Writes the 10-byte header into the start of `out` (the body goes after it); returns `out`. */
export function frameHeader(fingerprint: Buffer, out: Buffer): Buffer {
  out[0] = SINGLE_OBJECT_MARKER;
  out[1] = SINGLE_OBJECT_VERSION;
  fingerprint.copy(out, 2, 0, 8);
  return out;
}

export function isSingleObject(value: Buffer): boolean {
  return value.length >= HEADER_BYTES && value[0] === SINGLE_OBJECT_MARKER && value[1] === SINGLE_OBJECT_VERSION;
}

/** The fingerprint bytes of a framed record, as hex (the key of the writer-schema table). */
export function fingerprintHex(value: Buffer): string {
  return value.toString('hex', 2, HEADER_BYTES);
}
