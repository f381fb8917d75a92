/**
 * What a secured local broker needs, made by the project itself with the
 * machine's openssl and the JDK's keytool, once per data directory:
 *
 *   <data>/security/ca.crt, ca.key          a CA of this data directory (ca.key 0600)
 *   <data>/security/broker.crt, broker.key   the broker's certificate (SAN DNS:localhost, IP:127.0.0.1), signed by the CA
 *   <data>/security/broker.p12               its PKCS12 keystore (key + chain) for the broker
 *   <data>/security/truststore.p12           the CA as a PKCS12 truststore (the broker checks client certificates with it)
 *   <data>/security/client.crt, client.key   a client certificate for mutual TLS (client.key 0600)
 *   <data>/security/sasl-password            the SASL/SCRAM password of the user "labeljoin" (0600)
 *   <data>/security/oauth-token              an unsigned OAUTHBEARER token for "labeljoin" (0600; the broker's development validator), new at each start
 *   <data>/security/secrets.json             store passwords and the broker's own SASL password (0600)
 *   <data>/security/client.json              a labeljoin config file (--config) naming all of the above (no secret in it)
 *
 * Nothing here is committed or leaves the data directory. Passwords reach
 * openssl and keytool through the environment, never their command lines.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerStartError } from '../errors.js';
import { Secret } from '../../config/secret.js';
import type { KafkaSecurity } from '../security.js';
import type { LocalSecurity } from '../security-names.js';

/** The SASL user every client of the local broker authenticates as. */
export const LOCAL_SASL_USER = 'labeljoin';
/** The broker's own user (it talks to itself over its listener). */
export const LOCAL_BROKER_USER = 'broker';

export interface SecurityFiles {
  readonly dir: string;
  readonly caFile: string;
  readonly caKey: string;
  readonly brokerCert: string;
  readonly brokerKey: string;
  readonly keystore: string;
  readonly truststore: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly saslPasswordFile: string;
  readonly tokenFile: string;
  readonly secrets: string;
  readonly clientConfig: string;
}

export interface BrokerSecrets {
  /** Password of broker.p12 and truststore.p12. */
  readonly storePassword: string;
  readonly brokerPassword: string;
}

export function securityFiles(dataDir: string): SecurityFiles {
  const dir = join(dataDir, 'security');
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    brokerCert: join(dir, 'broker.crt'),
    brokerKey: join(dir, 'broker.key'),
    keystore: join(dir, 'broker.p12'),
    truststore: join(dir, 'truststore.p12'),
    clientCertFile: join(dir, 'client.crt'),
    clientKeyFile: join(dir, 'client.key'),
    saslPasswordFile: join(dir, 'sasl-password'),
    tokenFile: join(dir, 'oauth-token'),
    secrets: join(dir, 'secrets.json'),
    clientConfig: join(dir, 'client.json'),
  };
}

const PRIVATE = 0o600;

/** The security material of this data directory: made on the first secured start, read on later ones. */
export function ensureSecurityMaterial(dataDir: string, keytool: string): { files: SecurityFiles; secrets: BrokerSecrets; clientPassword: string } {
  const f = securityFiles(dataDir);
  if (!existsSync(f.secrets)) generate(f, keytool);
  const secrets = JSON.parse(readFileSync(f.secrets, 'utf8')) as BrokerSecrets;
  const clientPassword = readFileSync(f.saslPasswordFile, 'utf8').split('\n')[0] ?? '';
  return { files: f, secrets, clientPassword };
}

/** The config file a client of the local broker can use with --config (and the OAUTHBEARER token), written at every secured start (the port may change). */
export function writeClientConfig(f: SecurityFiles, bootstrap: string, security: Exclude<LocalSecurity, 'plaintext'>): void {
  const kafka = security === 'ssl'
    ? { brokers: bootstrap, securityProtocol: 'ssl', tlsCaFile: f.caFile, tlsCertFile: f.clientCertFile, tlsKeyFile: f.clientKeyFile }
    : { brokers: bootstrap, securityProtocol: 'sasl_ssl', tlsCaFile: f.caFile, saslMechanism: 'SCRAM-SHA-512', saslUsername: LOCAL_SASL_USER, saslPasswordFile: f.saslPasswordFile };
  writePrivate(f.clientConfig, `${JSON.stringify({ kafka }, null, 2)}\n`);
  if (security === 'sasl_ssl') writePrivate(f.tokenFile, `${unsecuredJwt(LOCAL_SASL_USER)}\n`);
}

function generate(f: SecurityFiles, keytool: string): void {
  mkdirSync(f.dir, { recursive: true, mode: 0o700 });
  const secrets: BrokerSecrets = { storePassword: randomSecret(), brokerPassword: randomSecret() };
  const env = { ...process.env, LABELJOIN_STORE_PASSWORD: secrets.storePassword };

  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f.caKey, '-out', f.caFile, '-days', '3650', '-subj', '/CN=labeljoin local CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  signed(f, 'localhost', f.brokerKey, f.brokerCert, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  signed(f, LOCAL_SASL_USER, f.clientKeyFile, f.clientCertFile, 'extendedKeyUsage=clientAuth\n');
  run('openssl', ['pkcs12', '-export', '-in', f.brokerCert, '-inkey', f.brokerKey, '-certfile', f.caFile, '-name', 'broker', '-out', f.keystore, '-passout', 'env:LABELJOIN_STORE_PASSWORD'], env);
  run(keytool, ['-importcert', '-noprompt', '-alias', 'labeljoin-ca', '-file', f.caFile, '-keystore', f.truststore, '-storetype', 'PKCS12', '-storepass:env', 'LABELJOIN_STORE_PASSWORD'], env);
  for (const key of [f.caKey, f.brokerKey, f.clientKeyFile, f.keystore, f.truststore]) chmodSync(key, PRIVATE);

  writePrivate(f.saslPasswordFile, `${randomSecret()}\n`);
  // Last: its presence says the material is complete.
  writePrivate(f.secrets, `${JSON.stringify(secrets)}\n`);
}

/** A key and a certificate for this subject, signed by the CA, with the given X.509 extensions. */
function signed(f: SecurityFiles, subject: string, keyFile: string, certFile: string, extensions: string): void {
  const csr = `${certFile}.csr`;
  const ext = `${certFile}.ext`;
  writeFileSync(ext, extensions);
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', `/CN=${subject}`]);
  run('openssl', ['x509', '-req', '-in', csr, '-CA', f.caFile, '-CAkey', f.caKey, '-CAcreateserial', '-out', certFile, '-days', '825', '-extfile', ext]);
}

/**
 * An unsigned JWT (alg "none") for OAUTHBEARER, which the broker's built-in
 * development validator accepts. For the local broker only: a real cluster's
 * tokens come from its identity provider. Valid for 7 days from the broker's
 * start (written anew at each start): the broker tells the client the token's
 * lifetime, and the client library re-authenticates at 80 % of it with a
 * timer, which Node cannot set beyond 24.8 days (it would fire at once, again
 * and again).
 */
export function unsecuredJwt(subject: string, nowMs = Date.now()): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const iat = Math.floor(nowMs / 1000);
  return `${part({ alg: 'none' })}.${part({ sub: subject, iat, exp: iat + 7 * 86_400 })}.`;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { encoding: 'utf8', env });
  if (result.error !== undefined) {
    throw new BrokerStartError(`could not run ${command} to make the TLS material (${(result.error as NodeJS.ErrnoException).code ?? 'error'}); install openssl and a JDK (keytool)`, []);
  }
  if (result.status !== 0) throw new BrokerStartError(`${command} ${args[0]} failed making the TLS material`, `${result.stderr}`.trim().split('\n').slice(-10));
}

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: PRIVATE });
  chmodSync(path, PRIVATE);
}

function randomSecret(): string {
  return randomBytes(18).toString('hex');
}

/** How a client of ours reaches the local broker of this data directory secured this way (the broker's readiness probe, `kafka status`, tests). */
export function localClientSecurity(dataDir: string, mode: LocalSecurity): KafkaSecurity {
  if (mode === 'plaintext') return { protocol: 'plaintext' };
  const f = securityFiles(dataDir);
  const ca = readFileSync(f.caFile);
  if (mode === 'ssl') {
    return { protocol: 'ssl', tls: { ca, cert: readFileSync(f.clientCertFile), key: readFileSync(f.clientKeyFile), verifyHostname: true } };
  }
  const password = new Secret(readFileSync(f.saslPasswordFile, 'utf8').split('\n')[0] ?? '');
  return { protocol: 'sasl_ssl', tls: { ca, verifyHostname: true }, sasl: { mechanism: 'SCRAM-SHA-512', username: LOCAL_SASL_USER, password } };
}

/** The --add-scram arguments of Kafka's storage tool: the users "labeljoin" (SHA-256 and SHA-512) and "broker". */
export function scramUserArgs(secrets: BrokerSecrets, clientPassword: string): string[] {
  const user = (mechanism: string, name: string, password: string): string[] => ['--add-scram', `${mechanism}=[name=${name},password=${password}]`];
  return [
    ...user('SCRAM-SHA-512', LOCAL_BROKER_USER, secrets.brokerPassword),
    ...user('SCRAM-SHA-256', LOCAL_BROKER_USER, secrets.brokerPassword),
    ...user('SCRAM-SHA-512', LOCAL_SASL_USER, clientPassword),
    ...user('SCRAM-SHA-256', LOCAL_SASL_USER, clientPassword),
  ];
}
