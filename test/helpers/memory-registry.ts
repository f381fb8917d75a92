/**
 * An in-memory schema lookup for unit tests of the declared codec (pure logic);
 * integration tests use a real schema registry.
 */
import type { SchemaLookup } from '../../src/codec/declared/writers.js';

export class MemorySchemas implements SchemaLookup {
  readonly #byId = new Map<number, string>();
  readonly #subjects = new Map<string, number[]>();
  lookups = 0;

  async schemaById(id: number): Promise<string | undefined> {
    this.lookups++;
    return this.#byId.get(id);
  }

  async register(subject: string, schema: string): Promise<number> {
    const text = JSON.stringify(JSON.parse(schema));
    let id = [...this.#byId].find(([, s]) => s === text)?.[0];
    if (id === undefined) {
      id = this.#byId.size + 1;
      this.#byId.set(id, text);
    }
    const versions = this.#subjects.get(subject) ?? [];
    if (!versions.includes(id)) versions.push(id);
    this.#subjects.set(subject, versions);
    return id;
  }

  async latest(subject: string): Promise<{ id: number; schema: string } | undefined> {
    const id = this.#subjects.get(subject)?.at(-1);
    return id === undefined ? undefined : { id, schema: this.#byId.get(id)! };
  }

  async subjectSchemas(subject: string): Promise<Array<{ id: number; schema: string }>> {
    return (this.#subjects.get(subject) ?? []).map((id) => ({ id, schema: this.#byId.get(id)! }));
  }
}
