/**
 * Schema compatibility of the two sides of a comparison: fields added, removed
 * and changed in type (by dotted path, e.g. "context.region"), and whether
 * each side can read the other's records by Avro schema resolution (the rules
 * a consumer upgraded to one schema applies to records written with the other).
 *
 * A side's schema is the writer schema of its records: from the single-object
 * fingerprint on a topic (the schema most records carry), from the header of
 * an Avro container file, or inferred from the JSON of a JSON topic or NDJSON
 * file (field paths and their JSON kinds). Between an Avro and a JSON side the
 * Avro schema is compared as the JSON it encodes to; resolution needs two
 * Avro schemas.
 */
import type { AvroSchema } from '../codec/schemas.js';
import { avroType } from '../codec/schemas.js';

export type SideSchema =
  | { readonly kind: 'avro'; readonly schema: AvroSchema; readonly fingerprint: string; readonly records: number; readonly otherSchemas: number }
  | { readonly kind: 'json'; readonly fields: Readonly<Record<string, readonly string[]>>; readonly inferredFrom: number }
  | { readonly kind: 'none'; readonly reason: string };

export interface FieldType {
  readonly path: string;
  readonly type: string;
}

export interface Resolution {
  /** null when it cannot be decided (a side has no Avro schema) */
  readonly ok: boolean | null;
  readonly reason?: string;
}

export interface SchemaComparison {
  readonly compared: boolean;
  readonly reason?: string;
  /** in A's schema, not in B's */
  readonly added: FieldType[];
  /** in B's schema, not in A's */
  readonly removed: FieldType[];
  readonly changed: Array<{ readonly path: string; readonly a: string; readonly b: string }>;
  readonly aReadsB: Resolution;
  readonly bReadsA: Resolution;
}

export function compareSchemas(a: SideSchema, b: SideSchema): SchemaComparison {
  const na: Resolution = { ok: null, reason: 'needs an Avro schema on both sides' };
  if (a.kind === 'none' || b.kind === 'none') {
    return { compared: false, reason: a.kind === 'none' ? `A: ${a.reason}` : `B: ${(b as { reason: string }).reason}`, added: [], removed: [], changed: [], aReadsB: na, bReadsA: na };
  }
  if (a.kind === 'avro' && b.kind === 'avro') {
    const fa = avroFields(a.schema);
    const fb = avroFields(b.schema);
    return { compared: true, ...diff(fa, fb, (x, y) => x === y), aReadsB: resolves(a.schema, b.schema), bReadsA: resolves(b.schema, a.schema) };
  }
  const ka = a.kind === 'avro' ? jsonKindsOfAvro(a.schema) : new Map(Object.entries(a.fields).map(([p, k]) => [p, [...k]]));
  const kb = b.kind === 'avro' ? jsonKindsOfAvro(b.schema) : new Map(Object.entries(b.fields).map(([p, k]) => [p, [...k]]));
  const show = (m: Map<string, string[]>): Map<string, string> => new Map([...m].map(([p, k]) => [p, k.join('|')]));
  // Kinds inferred from data are a subset of what the schema allows (a nullable field may be seen only as null).
  const same = (x: string, y: string): boolean => {
    const sx = x.split('|');
    const sy = y.split('|');
    return sx.every((k) => sy.includes(k)) || sy.every((k) => sx.includes(k));
  };
  return { compared: true, ...diff(show(ka), show(kb), same), aReadsB: na, bReadsA: na };
}

function diff(a: Map<string, string>, b: Map<string, string>, same: (x: string, y: string) => boolean): Pick<SchemaComparison, 'added' | 'removed' | 'changed'> {
  const added = [...a].filter(([p]) => !b.has(p)).map(([path, type]) => ({ path, type }));
  const removed = [...b].filter(([p]) => !a.has(p)).map(([path, type]) => ({ path, type }));
  const changed = [...a].filter(([p, t]) => b.has(p) && !same(t, b.get(p)!)).map(([path, t]) => ({ path, a: t, b: b.get(path)! }));
  return { added, removed, changed };
}

/** Can a reader with `reader` read records written with `writer`? */
function resolves(reader: AvroSchema, writer: AvroSchema): Resolution {
  try {
    avroType(reader).createResolver(avroType(writer));
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** Leaf fields of a record schema by dotted path, with a short type description. */
export function avroFields(schema: AvroSchema): Map<string, string> {
  const out = new Map<string, string>();
  const named = new Map<string, unknown>();
  walkRecord(schema, '', named, (path, t) => out.set(path, describe(t, named)));
  return out;
}

function walkRecord(schema: unknown, prefix: string, named: Map<string, unknown>, leaf: (path: string, type: unknown) => void): void {
  const rec = schema as { name?: string; fields?: Array<{ name: string; type: unknown }> };
  if (rec.name !== undefined) named.set(rec.name, rec);
  for (const f of rec.fields ?? []) {
    const path = prefix === '' ? f.name : `${prefix}.${f.name}`;
    remember(f.type, named);
    const t = typeof f.type === 'string' && named.has(f.type) ? named.get(f.type) : f.type;
    if (t !== null && typeof t === 'object' && !Array.isArray(t) && (t as { type?: unknown }).type === 'record') walkRecord(t, path, named, leaf);
    else leaf(path, f.type);
  }
}

function remember(t: unknown, named: Map<string, unknown>): void {
  if (Array.isArray(t)) for (const u of t) remember(u, named);
  else if (t !== null && typeof t === 'object') {
    const o = t as { type?: unknown; name?: unknown };
    if (typeof o.name === 'string' && (o.type === 'fixed' || o.type === 'enum')) named.set(o.name, o);
  }
}

function describe(t: unknown, named: Map<string, unknown>): string {
  if (typeof t === 'string') return PRIMITIVES.has(t) ? t : named.has(t) ? describe(named.get(t), named) : t;
  if (Array.isArray(t)) return `union[${t.map((u) => describe(u, named)).join(',')}]`;
  const o = t as { type: unknown; logicalType?: unknown; name?: unknown; size?: unknown; symbols?: unknown[]; items?: unknown; values?: unknown };
  switch (o.type) {
    case 'fixed':
      return `fixed(${String(o.size)})`;
    case 'enum':
      return `enum{${(o.symbols ?? []).join(',')}}`;
    case 'array':
      return `array<${describe(o.items, named)}>`;
    case 'map':
      return `map<${describe(o.values, named)}>`;
    case 'record':
      return `record ${String(o.name)}`;
    default:
      return typeof o.logicalType === 'string' ? `${describe(o.type, named)}(${o.logicalType})` : describe(o.type, named);
  }
}

/** The JSON kinds each leaf of an Avro record encodes to in labeljoin's JSON format (UUIDs as text). */
function jsonKindsOfAvro(schema: AvroSchema): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const named = new Map<string, unknown>();
  walkRecord(schema, '', named, (path, t) => out.set(path, [...new Set(kinds(t, named))].sort()));
  return out;
}

function kinds(t: unknown, named: Map<string, unknown>): string[] {
  if (Array.isArray(t)) return t.flatMap((u) => kinds(u, named));
  if (typeof t === 'string') {
    if (named.has(t)) return kinds(named.get(t), named);
    if (t === 'int' || t === 'long') return ['integer'];
    if (t === 'float' || t === 'double') return ['number', 'integer']; // JSON writes an integral double (a weight of 1) as an integer
    if (t === 'bytes') return ['string'];
    return [t];
  }
  const o = t as { type: unknown };
  if (o.type === 'fixed' || o.type === 'enum') return ['string'];
  if (o.type === 'array') return ['array'];
  if (o.type === 'map' || o.type === 'record') return ['object'];
  return kinds(o.type, named);
}

/** Accumulates the leaf paths and JSON kinds of JSON objects (an inferred schema). */
export class JsonSchemaInference {
  readonly #fields = new Map<string, Set<string>>();
  #count = 0;

  constructor(readonly limit = 10_000) {}

  add(o: Record<string, unknown>): void {
    if (this.#count >= this.limit) return;
    this.#count++;
    this.#walk(o, '');
  }

  result(): SideSchema {
    const fields: Record<string, string[]> = {};
    for (const [p, k] of [...this.#fields].sort(([x], [y]) => x.localeCompare(y))) fields[p] = [...k].sort();
    return { kind: 'json', fields, inferredFrom: this.#count };
  }

  #walk(o: Record<string, unknown>, prefix: string): void {
    for (const [k, v] of Object.entries(o)) {
      const path = prefix === '' ? k : `${prefix}.${k}`;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        this.#walk(v as Record<string, unknown>, path);
        continue;
      }
      const kind = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;
      let set = this.#fields.get(path);
      if (set === undefined) this.#fields.set(path, (set = new Set()));
      set.add(kind);
    }
  }
}
