/**
 * The client's options from the registry section of the config: the URL and,
 * when a user name is set, the password from the setting (environment or
 * config file) or from the first line of the password file; for https, the CA
 * file when one is given.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigSection } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../time/clock.js';
import type { SchemaRegistryClientOptions, SchemaRegistryCredentials } from './client.js';

export function registryClientOptions(
  section: ConfigSection<'registry'>,
  extra: { readonly clock?: Clock; readonly log?: Logger } = {},
): SchemaRegistryClientOptions {
  if (section.url === undefined) {
    throw new ConfigError('no schema registry is configured: set --schema-registry URL or LABELJOIN_SCHEMA_REGISTRY_URL (`labeljoin registry start` runs a local one)');
  }
  const credentials = registryCredentials(section);
  if (section.tlsCaFile !== undefined && !section.url.startsWith('https:')) {
    throw new ConfigError('--schema-registry-ca-file given, but the schema registry URL is not https');
  }
  const tlsCa = section.tlsCaFile === undefined ? undefined : readCaFile(section.tlsCaFile);
  return { url: section.url, retryTimeoutMs: section.retryTimeoutMs, ...(credentials === undefined ? {} : { credentials }), ...(tlsCa === undefined ? {} : { tlsCa }), ...extra };
}

export function registryCredentials(section: ConfigSection<'registry'>): SchemaRegistryCredentials | undefined {
  const password = section.password?.reveal() ?? (section.passwordFile === undefined ? undefined : readPasswordFile(section.passwordFile));
  if (section.username === undefined) {
    if (password !== undefined) throw new ConfigError('a schema registry password is set but no user name (--schema-registry-username or LABELJOIN_SCHEMA_REGISTRY_USERNAME)');
    return undefined;
  }
  if (password === undefined) {
    throw new ConfigError('a schema registry user name is set but no password (LABELJOIN_SCHEMA_REGISTRY_PASSWORD or --schema-registry-password-file)');
  }
  return { username: section.username, password };
}

function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`cannot read the schema registry CA file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function readPasswordFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the schema registry password file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const first = text.split(/\r?\n/)[0] ?? '';
  if (first === '') throw new ConfigError(`the schema registry password file ${path} is empty`);
  return first;
}
