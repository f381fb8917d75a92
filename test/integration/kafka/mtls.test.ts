/**
 * Mutual TLS on a real broker (`labeljoin kafka start --security ssl`: client
 * certificates required), started by this file: the pipeline works with the
 * client certificate the broker's CA signed, and not without it.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { compareWithTruth } from '../../../src/validate/truth-report.js';
import { runCli } from '../../helpers/cli.js';
import { joinSummary, runJoin, runSimulate } from '../../helpers/pipeline.js';
import { createSecuredPipeline, startSecuredBroker, type SecuredBroker } from '../../helpers/secured-broker.js';

describe('an SSL broker that requires client certificates (mutual TLS)', () => {
  let broker: SecuredBroker;
  before(async () => {
    broker = await startSecuredBroker('ssl');
  });
  after(async () => {
    await broker?.stop();
  });

  it('kafka start --json names the CA, the client certificate and its key (mode 0600)', () => {
    assert.equal(broker.client.securityProtocol, 'ssl');
    assert.match(readFileSync(broker.client.certFile ?? '', 'utf8'), /BEGIN CERTIFICATE/);
    assert.equal(statSync(broker.client.keyFile ?? '').mode & 0o777, 0o600);
    assert.equal(broker.client.saslUsername, undefined);
  });

  it('joins end to end with the client certificate: labels equal the truth', async (t) => {
    const p = await createSecuredPipeline(t, broker, 'mtls-join', 2);
    await runSimulate(p, ['--views', '1500', '--users', '200', '--posts', '150', '--seed', '19']);
    const joined = await runJoin(p);
    assert.equal(joined.code, 0, joined.stderr);
    assert.equal(joinSummary(joined).counters.samplesOut, 1500);
    const report = await compareWithTruth(broker.connection(), p.samples, p.truth, new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES }), 'drop');
    assert.equal(report.missing, 0);
    assert.equal(report.labelAccuracy, 1, JSON.stringify(report.examples));
  });

  it('without a client certificate the broker refuses the connection: exit 1', async () => {
    const r = await runCli(['topics', 'list', '--brokers', broker.bootstrap, '--security-protocol', 'ssl', '--tls-ca-file', broker.client.caFile], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
  });

  it('a key that does not belong to the certificate is refused at the start (exit 2), naming the files only', async () => {
    const r = await runCli(['topics', 'list', '--brokers', broker.bootstrap, '--security-protocol', 'ssl', '--tls-ca-file', broker.client.caFile,
      '--tls-cert-file', broker.client.certFile ?? '', '--tls-key-file', `${broker.dataDir}/security/broker.key`], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^labeljoin: the TLS files cannot be used \(.*client\.crt, .*broker\.key\): key values mismatch\n$/);
  });
});
