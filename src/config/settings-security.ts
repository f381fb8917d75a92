/**
 * Settings of secured clusters: how every Kafka client of labeljoin (the
 * library's clients and the fetcher's own connections) reaches a cluster that
 * wants TLS and/or SASL, and what security `labeljoin kafka start` gives the
 * local broker. Part of the one settings table (src/config/settings.ts);
 * resolved into client options by src/kafka/security.ts.
 *
 * Secrets have no flag on purpose: a command line is visible to every user of
 * the machine (ps). The SASL password comes from LABELJOIN_KAFKA_SASL_PASSWORD,
 * the config file, or the file named by --sasl-password-file; an OAUTHBEARER
 * token from a file or a command, read again at each authentication. Secret
 * values are held as Secret (src/config/secret.ts) and print as [hidden].
 */
import { LOCAL_SECURITY, SASL_MECHANISMS, SECURITY_PROTOCOLS, type LocalSecurity, type SaslMechanism, type SecurityProtocol } from '../kafka/security-names.js';
import { enumParser, optionalEnumParser, optionalSecretParser, optionalStringParser, parseBoolean } from './parse.js';
import type { Secret } from './secret.js';
import { setting } from './setting-spec.js';

export const SECURITY_SETTINGS = {
  'kafka.securityProtocol': setting<SecurityProtocol>({
    default: 'plaintext',
    parse: enumParser(SECURITY_PROTOCOLS),
    env: 'LABELJOIN_KAFKA_SECURITY_PROTOCOL',
    flag: 'security-protocol',
    meta: SECURITY_PROTOCOLS.join('|'),
    doc: "how to talk to the brokers (Kafka's security.protocol): ssl and sasl_ssl use TLS, sasl_* authenticate with SASL",
  }),
  'kafka.tlsCaFile': setting<string | undefined>({
    default: undefined,
    parse: optionalStringParser,
    env: 'LABELJOIN_KAFKA_TLS_CA_FILE',
    flag: 'tls-ca-file',
    meta: 'FILE',
    doc: "PEM file of the CA certificate(s) the brokers' certificates must chain to (none: the system's CAs)",
  }),
  'kafka.tlsVerifyHostname': setting<boolean>({
    default: true,
    parse: parseBoolean,
    env: 'LABELJOIN_KAFKA_TLS_VERIFY_HOSTNAME',
    flag: 'tls-verify-hostname',
    meta: 'true|false',
    doc: "check that a broker's certificate names the host connected to (false: check the CA chain only)",
  }),
  'kafka.tlsServerName': setting<string | undefined>({
    default: undefined,
    parse: optionalStringParser,
    env: 'LABELJOIN_KAFKA_TLS_SERVER_NAME',
    flag: 'tls-server-name',
    meta: 'NAME',
    doc: "the name the brokers' certificates must carry, sent as SNI (none: the host of each broker address)",
  }),
  'kafka.tlsCertFile': setting<string | undefined>({
    default: undefined,
    parse: optionalStringParser,
    env: 'LABELJOIN_KAFKA_TLS_CERT_FILE',
    flag: 'tls-cert-file',
    meta: 'FILE',
    doc: 'PEM file of the client certificate (chain) for mutual TLS; with --tls-key-file',
  }),
  'kafka.tlsKeyFile': setting<string | undefined>({
    default: undefined,
    parse: optionalStringParser,
    env: 'LABELJOIN_KAFKA_TLS_KEY_FILE',
    flag: 'tls-key-file',
    meta: 'FILE',
    doc: "PEM file of the client certificate's private key; an encrypted key's passphrase from LABELJOIN_KAFKA_TLS_KEY_PASSWORD",
  }),
  'kafka.tlsKeyPassword': setting<Secret | undefined>({
    default: undefined,
    parse: optionalSecretParser,
    env: 'LABELJOIN_KAFKA_TLS_KEY_PASSWORD',
    doc: "passphrase of an encrypted client key (no flag: command lines are visible to all users)",
  }),
  'kafka.saslMechanism': setting<SaslMechanism | undefined>({
    default: undefined,
    parse: optionalEnumParser(SASL_MECHANISMS),
    env: 'LABELJOIN_KAFKA_SASL_MECHANISM',
    flag: 'sasl-mechanism',
    meta: SASL_MECHANISMS.join('|'),
    doc: 'SASL mechanism (needs --security-protocol sasl_ssl or sasl_plaintext)',
  }),
  'kafka.saslUsername': setting<string | undefined>({
    default: undefined,
    parse: optionalStringParser,
    env: 'LABELJOIN_KAFKA_SASL_USERNAME',
    flag: 'sasl-username',
    meta: 'NAME',
    doc: 'SASL user name (PLAIN, SCRAM-*); its password from LABELJOIN_KAFKA_SASL_PASSWORD or --sasl-password-file',
  }),
  'kafka.saslPassword': setting<Secret | undefined>({
    default: undefined,
    parse: optionalSecretParser,
    env: 'LABELJOIN_KAFKA_SASL_PASSWORD',
    doc: 'SASL password (no flag: command lines are visible to all users)',
  }),
  'kafka.saslPasswordFile': setting<string | undefined>({
    default: undefined,
    parse: optionalStringParser,
    env: 'LABELJOIN_KAFKA_SASL_PASSWORD_FILE',
    flag: 'sasl-password-file',
    meta: 'FILE',
    doc: 'file holding the SASL password (its first line)',
  }),
  'kafka.saslTokenFile': setting<string | undefined>({
    default: undefined,
    parse: optionalStringParser,
    env: 'LABELJOIN_KAFKA_SASL_TOKEN_FILE',
    flag: 'sasl-token-file',
    meta: 'FILE',
    doc: 'file holding the OAUTHBEARER token (its first line), read again at each authentication',
  }),
  'kafka.saslTokenCommand': setting<string | undefined>({
    default: undefined,
    parse: optionalStringParser,
    env: 'LABELJOIN_KAFKA_SASL_TOKEN_COMMAND',
    flag: 'sasl-token-command',
    meta: 'COMMAND',
    doc: 'shell command printing the OAUTHBEARER token on its first line, run at each authentication',
  }),
  'local.security': setting<LocalSecurity>({
    default: 'plaintext',
    parse: enumParser(LOCAL_SECURITY),
    env: 'LABELJOIN_KAFKA_LOCAL_SECURITY',
    flag: 'security',
    meta: LOCAL_SECURITY.join('|'),
    doc: 'security of the local broker: plaintext, ssl (TLS, client certificates required) or sasl_ssl (TLS + SASL SCRAM/PLAIN/OAUTHBEARER); certificates and users are generated into the data directory',
  }),
} as const;

/** The settings every command that talks to Kafka takes as flags (next to kafka.brokers). */
export const KAFKA_SECURITY_KEYS: ReadonlyArray<keyof typeof SECURITY_SETTINGS> = [
  'kafka.securityProtocol',
  'kafka.tlsCaFile',
  'kafka.tlsVerifyHostname',
  'kafka.tlsServerName',
  'kafka.tlsCertFile',
  'kafka.tlsKeyFile',
  'kafka.saslMechanism',
  'kafka.saslUsername',
  'kafka.saslPasswordFile',
  'kafka.saslTokenFile',
  'kafka.saslTokenCommand',
];
