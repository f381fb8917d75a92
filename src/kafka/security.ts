/**
 * From the kafka section of the config to what a connection needs to reach a
 * secured cluster: TLS (CA, server name check, client certificate) and SASL
 * (mechanism and credentials). The same KafkaSecurity goes to every client of
 * ours: the library's producer, consumer and admin clients and the fetcher's
 * own connection pool (src/kafka/connection.ts turns it into their options).
 *
 * Files are read here, once per command: a CA, certificate or key that cannot
 * be read, or settings that do not fit together (a client certificate without
 * TLS, SASL without a mechanism, a user without a password), stop the command
 * with a ConfigError naming the setting. An OAUTHBEARER token is read (file)
 * or made (command) at each authentication, so a refreshed token is used.
 * Secrets are held as Secret and handed out by functions, so neither this
 * object nor the library's options print them.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type ConnectionOptions } from 'node:tls';
import { ConfigError, type ConfigSection } from '../config/config.js';
import { Secret } from '../config/secret.js';
import { usesSasl, usesTls, type SaslMechanism, type SecurityProtocol } from './security-names.js';

export interface TlsSettings {
  /** PEM CA certificates; undefined: the system's CAs. */
  readonly ca?: Buffer | undefined;
  readonly cert?: Buffer | undefined;
  readonly key?: Buffer | undefined;
  readonly keyPassword?: Secret | undefined;
  readonly verifyHostname: boolean;
  /** The name the certificates must carry (and SNI); undefined: each broker's host. */
  readonly serverName?: string | undefined;
}

export interface SaslSettings {
  readonly mechanism: SaslMechanism;
  readonly username?: string | undefined;
  readonly password?: Secret | undefined;
  /** Gives the OAUTHBEARER token, read or made anew each time. */
  readonly token?: (() => Promise<string>) | undefined;
}

export interface KafkaSecurity {
  readonly protocol: SecurityProtocol;
  readonly tls?: TlsSettings | undefined;
  readonly sasl?: SaslSettings | undefined;
}

export const PLAINTEXT: KafkaSecurity = { protocol: 'plaintext' };

/** The security of the kafka section; throws a ConfigError when the settings do not fit together or a file cannot be read. */
export function kafkaSecurity(k: ConfigSection<'kafka'>): KafkaSecurity {
  const protocol = k.securityProtocol;
  const tlsGiven = ([['tlsCaFile', '--tls-ca-file'], ['tlsCertFile', '--tls-cert-file'], ['tlsKeyFile', '--tls-key-file'], ['tlsServerName', '--tls-server-name']] as const).filter(([key]) => k[key] !== undefined);
  const saslGiven = ([['saslMechanism', '--sasl-mechanism'], ['saslUsername', '--sasl-username'], ['saslPasswordFile', '--sasl-password-file'], ['saslTokenFile', '--sasl-token-file'], ['saslTokenCommand', '--sasl-token-command']] as const).filter(([key]) => k[key] !== undefined);
  if (!usesTls(protocol) && tlsGiven.length > 0) {
    throw new ConfigError(`${tlsGiven.map(([, flag]) => flag).join(', ')} given, but the security protocol is ${protocol}: use --security-protocol ssl or sasl_ssl (LABELJOIN_KAFKA_SECURITY_PROTOCOL)`);
  }
  if (!usesSasl(protocol) && (saslGiven.length > 0 || k.saslPassword !== undefined)) {
    const what = [...saslGiven.map(([, flag]) => flag), ...(k.saslPassword === undefined ? [] : ['LABELJOIN_KAFKA_SASL_PASSWORD'])];
    throw new ConfigError(`${what.join(', ')} given, but the security protocol is ${protocol}: use --security-protocol sasl_ssl or sasl_plaintext (LABELJOIN_KAFKA_SECURITY_PROTOCOL)`);
  }
  return {
    protocol,
    ...(usesTls(protocol) ? { tls: tlsSettings(k) } : {}),
    ...(usesSasl(protocol) ? { sasl: saslSettings(k, protocol) } : {}),
  };
}

function tlsSettings(k: ConfigSection<'kafka'>): TlsSettings {
  if ((k.tlsCertFile === undefined) !== (k.tlsKeyFile === undefined)) {
    throw new ConfigError('a client certificate needs both --tls-cert-file and --tls-key-file (LABELJOIN_KAFKA_TLS_CERT_FILE, LABELJOIN_KAFKA_TLS_KEY_FILE)');
  }
  const tls: TlsSettings = {
    ca: k.tlsCaFile === undefined ? undefined : readSettingFile(k.tlsCaFile, 'the CA file (--tls-ca-file)'),
    cert: k.tlsCertFile === undefined ? undefined : readSettingFile(k.tlsCertFile, 'the client certificate file (--tls-cert-file)'),
    key: k.tlsKeyFile === undefined ? undefined : readSettingFile(k.tlsKeyFile, 'the client key file (--tls-key-file)'),
    keyPassword: k.tlsKeyPassword,
    verifyHostname: k.tlsVerifyHostname,
    serverName: k.tlsServerName,
  };
  // Not PEM, a key that does not fit the certificate, a wrong passphrase: say so now, not at the first connection.
  try {
    createSecureContext(nodeTlsOptions(tls));
  } catch (error) {
    const files = [k.tlsCaFile, k.tlsCertFile, k.tlsKeyFile].filter((f) => f !== undefined).join(', ');
    throw new ConfigError(`the TLS files cannot be used (${files}): ${openSslReason(error)}`);
  }
  return tls;
}

/** OpenSSL's reason ("key values mismatch", "bad decrypt"), which names no secret. */
function openSslReason(error: unknown): string {
  const reason = (error as { reason?: unknown }).reason;
  if (typeof reason === 'string') return reason;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'not usable';
}

function saslSettings(k: ConfigSection<'kafka'>, protocol: SecurityProtocol): SaslSettings {
  const mechanism = k.saslMechanism;
  if (mechanism === undefined) {
    throw new ConfigError(`the security protocol ${protocol} needs a SASL mechanism: --sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512|OAUTHBEARER (LABELJOIN_KAFKA_SASL_MECHANISM)`);
  }
  if (mechanism === 'OAUTHBEARER') {
    if (k.saslUsername !== undefined || k.saslPassword !== undefined || k.saslPasswordFile !== undefined) {
      throw new ConfigError('OAUTHBEARER takes a token (--sasl-token-file or --sasl-token-command), not a user name and password');
    }
    if ((k.saslTokenFile === undefined) === (k.saslTokenCommand === undefined)) {
      throw new ConfigError('OAUTHBEARER needs its token from exactly one of --sasl-token-file FILE and --sasl-token-command COMMAND');
    }
    const token = k.saslTokenFile !== undefined ? tokenFromFile(k.saslTokenFile) : tokenFromCommand(k.saslTokenCommand!);
    return { mechanism, token };
  }
  if (k.saslTokenFile !== undefined || k.saslTokenCommand !== undefined) {
    throw new ConfigError(`--sasl-token-file and --sasl-token-command are for OAUTHBEARER, not ${mechanism}`);
  }
  if (k.saslUsername === undefined) throw new ConfigError(`SASL ${mechanism} needs a user name: --sasl-username NAME (LABELJOIN_KAFKA_SASL_USERNAME)`);
  if (k.saslPassword !== undefined && k.saslPasswordFile !== undefined) {
    throw new ConfigError('the SASL password is given twice: LABELJOIN_KAFKA_SASL_PASSWORD (or the config file) and --sasl-password-file; give one');
  }
  const password = k.saslPassword ?? (k.saslPasswordFile === undefined ? undefined : new Secret(firstLine(readSettingFile(k.saslPasswordFile, 'the SASL password file (--sasl-password-file)'), 'the SASL password file', k.saslPasswordFile)));
  if (password === undefined) throw new ConfigError(`SASL ${mechanism} needs a password: LABELJOIN_KAFKA_SASL_PASSWORD or --sasl-password-file FILE`);
  return { mechanism, username: k.saslUsername, password };
}

function readSettingFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function firstLine(content: Buffer, what: string, path: string): string {
  const line = content.toString('utf8').split(/\r?\n/)[0] ?? '';
  if (line === '') throw new ConfigError(`${what} ${path} is empty`);
  return line;
}

/** The token file's first line, read at each authentication (the file may be refreshed meanwhile). */
function tokenFromFile(path: string): () => Promise<string> {
  readSettingFile(path, 'the OAUTHBEARER token file (--sasl-token-file)'); // unreadable: stop at the start, not at the first connection
  return async () => {
    let content: Buffer;
    try {
      content = await readFile(path);
    } catch (error) {
      throw new ConfigError(`cannot read the OAUTHBEARER token file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    return firstLine(content, 'the OAUTHBEARER token file', path);
  };
}

/** The first line the command prints, run by /bin/sh at each authentication. Its output is never shown; a failure says only the exit status. */
function tokenFromCommand(command: string): () => Promise<string> {
  return () => new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', command], { timeout: 30_000, maxBuffer: 1024 * 1024, encoding: 'utf8' }, (error, stdout) => {
      if (error !== null) {
        const how = typeof error.code === 'number' ? `exit code ${error.code}` : error.signal !== undefined && error.signal !== null ? `signal ${error.signal}` : String(error.code ?? 'error');
        reject(new ConfigError(`the OAUTHBEARER token command (--sasl-token-command) failed (${how})`));
        return;
      }
      const line = stdout.split(/\r?\n/)[0] ?? '';
      if (line === '') reject(new ConfigError('the OAUTHBEARER token command (--sasl-token-command) printed no token'));
      else resolve(line);
    });
  });
}

/** Node's TLS options for these settings (what the library's `tls` option takes). */
export function nodeTlsOptions(tls: TlsSettings): ConnectionOptions {
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.keyPassword === undefined ? {} : { passphrase: tls.keyPassword.reveal() }),
    rejectUnauthorized: true,
    // Node checks the certificate against `servername` when set, else against the host connected to.
    ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
    ...(tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}
