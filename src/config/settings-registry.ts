/**
 * Settings of the schema registry: where it is and who we are to it (the
 * client, src/schema-registry/client.ts), and the local one that
 * `labeljoin registry start` runs. Part of the one settings table
 * (src/config/settings.ts).
 *
 * The password has no flag on purpose: a command line is visible to every user
 * of the machine (ps). It comes from the environment, the config file or a
 * file named by --schema-registry-password-file.
 */
import { join } from 'node:path';
import { durationParser, intParser, optionalSecretParser, optionalStringParser, optionalUrlParser, parseString } from './parse.js';
import type { Secret } from './secret.js';
import { defaultDataHome, setting } from './setting-spec.js';

export const REGISTRY_SETTINGS = {
  'registry.url': setting<string | undefined>({
    default: undefined,
    parse: optionalUrlParser,
    env: 'LABELJOIN_SCHEMA_REGISTRY_URL',
    flag: 'schema-registry',
    meta: 'URL',
    doc: 'base URL of a Confluent-compatible schema registry API, e.g. http://127.0.0.1:8081/apis/ccompat/v7 (what `registry start` prints)',
  }),
  'registry.username': setting<string | undefined>({
    default: undefined,
    parse: optionalStringParser,
    env: 'LABELJOIN_SCHEMA_REGISTRY_USERNAME',
    flag: 'schema-registry-username',
    meta: 'NAME',
    doc: 'user name for the registry (HTTP Basic); its password from LABELJOIN_SCHEMA_REGISTRY_PASSWORD or --schema-registry-password-file',
  }),
  'registry.password': setting<Secret | undefined>({
    default: undefined,
    parse: optionalSecretParser,
    env: 'LABELJOIN_SCHEMA_REGISTRY_PASSWORD',
    doc: 'password for the registry (no flag: command lines are visible to all users)',
  }),
  'registry.passwordFile': setting<string | undefined>({
    default: undefined,
    parse: optionalStringParser,
    env: 'LABELJOIN_SCHEMA_REGISTRY_PASSWORD_FILE',
    flag: 'schema-registry-password-file',
    meta: 'FILE',
    doc: 'file holding the registry password (its first line)',
  }),
  'registry.tlsCaFile': setting<string | undefined>({
    default: undefined,
    parse: optionalStringParser,
    env: 'LABELJOIN_SCHEMA_REGISTRY_CA_FILE',
    flag: 'schema-registry-ca-file',
    meta: 'FILE',
    doc: "PEM CA the registry's certificate must chain to, for an https URL (none: the system's CAs)",
  }),
  'registry.retryTimeoutMs': setting<number>({
    default: 30_000,
    parse: durationParser(0, 3_600_000),
    env: 'LABELJOIN_SCHEMA_REGISTRY_RETRY_TIMEOUT',
    doc: 'how long a registry that does not answer is retried before the call fails (0: not retried)',
  }),
  'registry.port': setting<number>({
    default: 8081,
    parse: intParser(1, 65_535),
    env: 'LABELJOIN_SCHEMA_REGISTRY_PORT',
    flag: 'port',
    meta: 'N',
    doc: 'port of the local schema registry (listens on 127.0.0.1 only)',
  }),
  'registry.dataDir': setting<string>({
    default: join(defaultDataHome(), 'labeljoin', 'schema-registry'),
    parse: parseString,
    env: 'LABELJOIN_SCHEMA_REGISTRY_DATA',
    flag: 'data',
    meta: 'DIR',
    doc: 'directory of the local schema registry: its state file and log (schemas are kept in memory only)',
  }),
  'registry.heapMb': setting<number>({
    default: 256,
    parse: intParser(64, 65_536),
    env: 'LABELJOIN_SCHEMA_REGISTRY_HEAP_MB',
    doc: 'Java heap of the local schema registry, in MiB',
  }),
  'registry.startTimeoutMs': setting<number>({
    default: 90_000,
    parse: intParser(1_000, 600_000),
    env: 'LABELJOIN_SCHEMA_REGISTRY_START_TIMEOUT_MS',
    doc: 'how long `registry start` waits for the registry to answer',
  }),
} as const;
