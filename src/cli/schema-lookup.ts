/** placeholder until the registry client lands */
import type { SchemaLookup } from '../codec/declared/writers.js';
import type { LabeljoinConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { UsageError } from '../errors.js';
export function schemaLookup(_config: LabeljoinConfig, _log: Logger): SchemaLookup | undefined {
  return undefined;
}
export function requireSchemaLookup(config: LabeljoinConfig, log: Logger, why: string): SchemaLookup {
  const l = schemaLookup(config, log);
  if (l === undefined) throw new UsageError(`${why} needs a schema registry`);
  return l;
}
