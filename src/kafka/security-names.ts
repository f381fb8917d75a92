/**
 * The words of Kafka security: how a client talks to the brokers (Kafka's
 * security.protocol, lower case) and which SASL mechanisms labeljoin speaks.
 * Apart from src/kafka/security.ts so the settings table can use them.
 */

export const SECURITY_PROTOCOLS = ['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** What `labeljoin kafka start --security` can give the local broker: no security, TLS with client certificates, or SASL over TLS. */
export const LOCAL_SECURITY = ['plaintext', 'ssl', 'sasl_ssl'] as const;
export type LocalSecurity = (typeof LOCAL_SECURITY)[number];

export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'ssl' || protocol === 'sasl_ssl';
}

export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'sasl_plaintext' || protocol === 'sasl_ssl';
}
