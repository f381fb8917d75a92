/**
 * The encodings a topic can hold: what the codec reads (auto tells Avro from
 * JSON per record by the single-object header) and what it writes.
 */

export const INPUT_FORMATS = ['auto', 'avro', 'json'] as const;
export const OUTPUT_FORMATS = ['avro', 'json'] as const;

export type InputFormat = (typeof INPUT_FORMATS)[number];
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** How a record of a topic holding views and engagements both says its kind (./record-kind.ts). */
export const KIND_RULES = ['header', 'schema'] as const;
export type KindBy = (typeof KIND_RULES)[number];
