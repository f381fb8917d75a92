/**
 * The Redis store's connection from the train section of the config: the URL,
 * the password (LABELJOIN_REDIS_PASSWORD, the config file or the first line of
 * --redis-password-file; a password in the URL still works but shows in `ps`),
 * and for a rediss:// URL the CA its certificate must chain to. Files are read
 * here; what does not fit together is a ConfigError.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigSection } from '../config/config.js';
import { Secret } from '../config/secret.js';
import { shownUrl } from './redis-model-store.js';

export interface RedisConnection {
  readonly url: string;
  readonly password?: Secret | undefined;
  /** PEM CA for TLS (rediss://); undefined: the system's CAs. */
  readonly tlsCa?: Buffer | undefined;
}

export function redisConnection(train: ConfigSection<'train'>): RedisConnection {
  const url = train.redisUrl;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('--redis-url is not a URL such as redis://127.0.0.1:6379 or rediss://host:6380 (not shown: it may hold a password)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new ConfigError(`--redis-url ${shownUrl(url)}: expected redis:// or rediss:// (TLS)`);
  if (train.redisTlsCaFile !== undefined && parsed.protocol !== 'rediss:') {
    throw new ConfigError(`--redis-tls-ca-file given, but ${shownUrl(url)} is not TLS: use a rediss:// URL`);
  }
  const given = [parsed.password !== '' ? 'the URL' : undefined, train.redisPassword !== undefined ? 'LABELJOIN_REDIS_PASSWORD' : undefined, train.redisPasswordFile !== undefined ? '--redis-password-file' : undefined].filter((g) => g !== undefined);
  if (given.length > 1) throw new ConfigError(`the Redis password is given ${given.length} times (${given.join(', ')}); give it once`);
  const password = train.redisPassword ?? (train.redisPasswordFile === undefined ? undefined : new Secret(firstLine(train.redisPasswordFile)));
  const tlsCa = train.redisTlsCaFile === undefined ? undefined : readOrFail(train.redisTlsCaFile, 'the Redis CA file (--redis-tls-ca-file)');
  return { url, password, tlsCa };
}

function firstLine(path: string): string {
  const line = readOrFail(path, 'the Redis password file (--redis-password-file)').toString('utf8').split(/\r?\n/)[0] ?? '';
  if (line === '') throw new ConfigError(`the Redis password file ${path} is empty`);
  return line;
}

function readOrFail(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
