/**
 * A real secured broker (`labeljoin kafka start --security sasl_ssl`: TLS with
 * a CA of its own, SCRAM users), started by this file: the whole pipeline
 * (simulate, join with its consumer group and its own fetch connections,
 * validate) over TLS + SCRAM-SHA-512; the other SASL mechanisms; and the
 * three failures a user meets first (wrong password, unknown CA, a host name
 * the certificate does not carry): one line, exit 1, no retrying.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { compareWithTruth } from '../../../src/validate/truth-report.js';
import { runCli, type CliResult } from '../../helpers/cli.js';
import { joinSummary, runJoin, runSimulate } from '../../helpers/pipeline.js';
import { createSecuredPipeline, startSecuredBroker, type SecuredBroker } from '../../helpers/secured-broker.js';
import { testDir } from '../../helpers/tmp.js';

/** Flags naming the broker and its CA, the user "labeljoin" with SCRAM-SHA-512; the password comes from the environment. */
function scramFlags(b: SecuredBroker, overrides: Readonly<Record<string, string>> = {}): string[] {
  const flags: Record<string, string> = {
    '--brokers': b.bootstrap,
    '--security-protocol': 'sasl_ssl',
    '--tls-ca-file': b.client.caFile,
    '--sasl-mechanism': 'SCRAM-SHA-512',
    '--sasl-username': b.client.saslUsername ?? '',
    ...overrides,
  };
  return Object.entries(flags).flat();
}

function password(b: SecuredBroker): string {
  return readFileSync(b.client.saslPasswordFile ?? '', 'utf8').split('\n')[0]!;
}

/** The lines a failed command wrote on stderr: exactly one, the error. */
function assertOneLineFailure(r: CliResult, pattern: RegExp, elapsedMs: number): void {
  assert.equal(r.code, 1, `exit code 1, got ${r.code}: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /retrying/);
  // The client library tries a refused connection a few times within a second or two; the joiner's own outage loop (minutes) is not entered.
  assert.ok(elapsedMs < 15_000, `failed within 15 s, took ${elapsedMs} ms`);
}

async function timed(run: () => Promise<CliResult>): Promise<[CliResult, number]> {
  const began = Date.now();
  const r = await run();
  return [r, Date.now() - began];
}

describe('a SASL_SSL broker (TLS with its own CA, SCRAM users)', () => {
  let broker: SecuredBroker;
  before(async () => {
    broker = await startSecuredBroker('sasl_ssl');
  });
  after(async () => {
    await broker?.stop();
  });

  it('kafka start --json names what a client needs: CA, user, a 0600 password file, a config file', () => {
    assert.match(broker.bootstrap, /^127\.0\.0\.1:\d+$/);
    assert.equal(broker.client.securityProtocol, 'sasl_ssl');
    assert.match(readFileSync(broker.client.caFile, 'utf8'), /BEGIN CERTIFICATE/);
    assert.equal(broker.client.saslUsername, 'labeljoin');
    assert.equal(statSync(broker.client.saslPasswordFile ?? '').mode & 0o777, 0o600);
    assert.ok(password(broker).length >= 24);
    const config = JSON.parse(readFileSync(broker.client.configFile, 'utf8')) as { kafka: Record<string, string> };
    assert.equal(config.kafka['securityProtocol'], 'sasl_ssl');
    assert.equal(config.kafka['brokers'], broker.bootstrap);
  });

  it('joins end to end over TLS + SCRAM-SHA-512 (simulate, join, validate): labels equal the truth', async (t) => {
    const p = await createSecuredPipeline(t, broker, 'secured-join', 4);
    await runSimulate(p, ['--views', '3000', '--users', '300', '--posts', '200', '--seed', '18', '--duplicate-rate', '0.02']);
    const joined = await runJoin(p);
    assert.equal(joined.code, 0, joined.stderr);
    const summary = joinSummary(joined);
    assert.equal(summary.counters.samplesOut, 3000);
    const report = await compareWithTruth(broker.connection(), p.samples, p.truth, new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES }), 'drop');
    assert.equal(report.missing, 0);
    assert.equal(report.extra, 0);
    assert.equal(report.labelAccuracy, 1, JSON.stringify(report.examples));
    const validated = await runCli(['validate', '--config', broker.client.configFile, '--samples-topic', p.samples, '--truth', p.truth, '--json'], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(validated.code, 0, validated.stderr);
  });

  it('SCRAM-SHA-256, PLAIN and OAUTHBEARER (token file and token command) authenticate as well', async (t) => {
    const p = await createSecuredPipeline(t, broker, 'secured-mechanisms', 1);
    const env = { LABELJOIN_KAFKA_SASL_PASSWORD: password(broker), LABELJOIN_LOG_LEVEL: 'warn' };
    const token = broker.client.saslTokenFile ?? '';
    const runs: Array<[string, string[], NodeJS.ProcessEnv]> = [
      ['SCRAM-SHA-256', scramFlags(broker, { '--sasl-mechanism': 'SCRAM-SHA-256' }), env],
      ['PLAIN', scramFlags(broker, { '--sasl-mechanism': 'PLAIN' }), env],
      ['OAUTHBEARER, token file', ['--brokers', broker.bootstrap, '--security-protocol', 'sasl_ssl', '--tls-ca-file', broker.client.caFile, '--sasl-mechanism', 'OAUTHBEARER', '--sasl-token-file', token], { LABELJOIN_LOG_LEVEL: 'warn' }],
      ['OAUTHBEARER, token command', ['--brokers', broker.bootstrap, '--security-protocol', 'sasl_ssl', '--tls-ca-file', broker.client.caFile, '--sasl-mechanism', 'OAUTHBEARER', '--sasl-token-command', `head -1 '${token}'`], { LABELJOIN_LOG_LEVEL: 'warn' }],
    ];
    for (const [what, flags, runEnv] of runs) {
      const r = await runCli(['topics', 'list', ...flags], runEnv);
      assert.equal(r.code, 0, `${what}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(p.views), what);
      assert.equal(r.stderr, '', `${what}: nothing on stderr`);
    }
  });

  it('verifies the host name: localhost and 127.0.0.1 are in the certificate, another name is a mismatch unless verification is off', async () => {
    const env = { LABELJOIN_KAFKA_SASL_PASSWORD: password(broker), LABELJOIN_LOG_LEVEL: 'warn' };
    const port = broker.bootstrap.split(':')[1]!;
    const byName = await runCli(['topics', 'list', ...scramFlags(broker, { '--brokers': `localhost:${port}` })], env);
    assert.equal(byName.code, 0, byName.stderr);
    const [mismatch, ms] = await timed(() => runCli(['topics', 'list', ...scramFlags(broker, { '--tls-server-name': 'not-the-broker.invalid' })], env));
    assertOneLineFailure(mismatch, /^labeljoin: TLS with Kafka at 127\.0\.0\.1:\d+ failed: the broker's certificate does not name the host connected to \(ERR_TLS_CERT_ALTNAME_INVALID\)/, ms);
    const unchecked = await runCli(['topics', 'list', ...scramFlags(broker, { '--tls-server-name': 'not-the-broker.invalid', '--tls-verify-hostname': 'false' })], env);
    assert.equal(unchecked.code, 0, unchecked.stderr);
  });

  it('a wrong password: one clear line, exit 1, no retry storm (topics list and join)', async (t) => {
    const p = await createSecuredPipeline(t, broker, 'secured-wrong-password', 1);
    const env = { LABELJOIN_KAFKA_SASL_PASSWORD: 'not-the-password', LABELJOIN_LOG_LEVEL: 'info', LABELJOIN_LOG_FORMAT: 'json' };
    const refused = /^labeljoin: Kafka at 127\.0\.0\.1:\d+ refused the SASL authentication \(SASL_AUTHENTICATION_FAILED\): check --sasl-mechanism, --sasl-username and the password/;
    const [list, listMs] = await timed(() => runCli(['topics', 'list', ...scramFlags(broker)], env));
    assertOneLineFailure(list, refused, listMs);
    const [join, joinMs] = await timed(() => runCli(['join', '--drain', ...scramFlags(broker), '--views-topic', p.views, '--engagements-topic', p.engagements, '--samples-topic', p.samples,
      '--dead-letter-topic', p.deadLetter, '--group', p.group, '--metrics-port', 'off'], env));
    assertOneLineFailure(join, refused, joinMs);
  });

  it('an unknown CA (the broker\'s certificate is not signed by the CA given): one clear line, exit 1', async (t) => {
    const dir = testDir(t, 'other-ca');
    const otherCa = join(dir, 'other-ca.crt');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'other-ca.key'), '-out', otherCa, '-days', '1', '-subj', '/CN=some other CA'], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const env = { LABELJOIN_KAFKA_SASL_PASSWORD: password(broker), LABELJOIN_LOG_LEVEL: 'warn' };
    const [r, ms] = await timed(() => runCli(['topics', 'list', ...scramFlags(broker, { '--tls-ca-file': otherCa })], env));
    assertOneLineFailure(r, /^labeljoin: TLS with Kafka at 127\.0\.0\.1:\d+ failed: the broker's certificate is not signed by a trusted CA \([A-Z_]+\); give its CA with --tls-ca-file$/, ms);
  });

  it('settings that do not fit together stop the command before it connects (exit 2)', async () => {
    const noPassword = await runCli(['topics', 'list', ...scramFlags(broker)], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(noPassword.code, 2);
    assert.match(noPassword.stderr, /SASL SCRAM-SHA-512 needs a password: LABELJOIN_KAFKA_SASL_PASSWORD or --sasl-password-file FILE/);
    const plainWithCa = await runCli(['topics', 'list', '--brokers', broker.bootstrap, '--tls-ca-file', broker.client.caFile], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(plainWithCa.code, 2);
    assert.match(plainWithCa.stderr, /--tls-ca-file given, but the security protocol is plaintext/);
    const certWithoutKey = await runCli(['topics', 'list', ...scramFlags(broker, { '--tls-cert-file': broker.client.caFile })], { LABELJOIN_KAFKA_SASL_PASSWORD: 'x' });
    assert.equal(certWithoutKey.code, 2);
    assert.match(certWithoutKey.stderr, /needs both --tls-cert-file and --tls-key-file/);
  });
});
