/**
 * The schema registry as the declared codec sees it (SchemaLookup,
 * src/codec/declared/writers.ts), over our client (src/schema-registry/client.ts):
 * "not known" becomes undefined; a registry that does not answer is retried
 * by the client until registry.retryTimeoutMs, then fails the command.
 */
import type { SchemaLookup } from '../codec/declared/writers.js';
import type { LabeljoinConfig } from '../config/config.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { SchemaRegistryClient } from '../schema-registry/client.js';
import { SchemaNotFoundError, SubjectNotFoundError } from '../schema-registry/errors.js';
import { registryClientOptions } from '../schema-registry/settings.js';

/** undefined when no registry is configured. */
export function schemaLookup(config: LabeljoinConfig, log: Logger): SchemaLookup | undefined {
  if (config.registry.url === undefined) return undefined;
  return new RegistryLookup(new SchemaRegistryClient(registryClientOptions(config.registry, { log: log.child('schema-registry') })));
}

export function requireSchemaLookup(config: LabeljoinConfig, log: Logger, why: string): SchemaLookup {
  const lookup = schemaLookup(config, log);
  if (lookup === undefined) throw new UsageError(`${why} needs a schema registry: --schema-registry URL or LABELJOIN_SCHEMA_REGISTRY_URL (\`labeljoin registry start\` runs a local one)`);
  return lookup;
}

export class RegistryLookup implements SchemaLookup {
  constructor(readonly client: SchemaRegistryClient) {}

  async schemaById(id: number): Promise<string | undefined> {
    try {
      return await this.client.getSchemaById(id);
    } catch (error) {
      if (error instanceof SchemaNotFoundError) return undefined;
      throw error;
    }
  }

  register(subject: string, schema: string): Promise<number> {
    return this.client.register(subject, schema);
  }

  async latest(subject: string): Promise<{ id: number; schema: string } | undefined> {
    try {
      const v = await this.client.latestVersion(subject);
      return { id: v.id, schema: v.schema };
    } catch (error) {
      if (error instanceof SubjectNotFoundError) return undefined;
      throw error;
    }
  }

  async subjectSchemas(subject: string): Promise<Array<{ id: number; schema: string }>> {
    try {
      return (await this.client.subjectVersions(subject)).map((v) => ({ id: v.id, schema: v.schema }));
    } catch (error) {
      if (error instanceof SubjectNotFoundError) return [];
      throw error;
    }
  }
}
