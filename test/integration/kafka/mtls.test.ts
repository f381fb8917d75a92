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
import { makeCa, serverCert } from '../../helpers/tls.js';

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

  it('without a client certificate, or with one of another CA, the broker refuses: one clear line, exit 1, not retried as an outage', async (t) => {
    const other = makeCa(t, 'other-client');
    const foreign = serverCert(other, 'stranger', 'DNS:stranger');
    const base = ['--brokers', broker.bootstrap, '--security-protocol', 'ssl', '--tls-ca-file', broker.client.caFile];
    const p = await createSecuredPipeline(t, broker, 'mtls-refused', 1);
    const runs: Array<[string, string[]]> = [
      ['topics list, no certificate', ['topics', 'list', ...base]],
      ['topics list, a certificate of another CA', ['topics', 'list', ...base, '--tls-cert-file', foreign.cert, '--tls-key-file', foreign.key]],
      ['join, no certificate', ['join', '--drain', ...base, '--views-topic', p.views, '--engagements-topic', p.engagements, '--samples-topic', p.samples, '--dead-letter-topic', p.deadLetter, '--metrics-port', 'off']],
    ];
    for (const [what, args] of runs) {
      const began = Date.now();
      const r = await runCli(args, { LABELJOIN_LOG_LEVEL: 'info', LABELJOIN_LOG_FORMAT: 'json' });
      const elapsed = Date.now() - began;
      assert.equal(r.code, 1, `${what}: ${r.stderr}`);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 1, `${what}: one line, got\n${r.stderr}`);
      assert.match(lines[0]!, /^labeljoin: TLS with Kafka at 127\.0\.0\.1:\d+ failed: the handshake failed \(ERR_SSL_[A-Z0-9_]+_ALERT_[A-Z_]+\): check that the broker speaks TLS on that port and, for mutual TLS, --tls-cert-file and --tls-key-file$/, what);
      assert.ok(elapsed < 15_000, `${what}: failed in ${elapsed} ms`);
    }
  });

  it('a key that does not belong to the certificate is refused at the start (exit 2), naming the files only', async () => {
    const r = await runCli(['topics', 'list', '--brokers', broker.bootstrap, '--security-protocol', 'ssl', '--tls-ca-file', broker.client.caFile,
      '--tls-cert-file', broker.client.certFile ?? '', '--tls-key-file', `${broker.dataDir}/security/broker.key`], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^labeljoin: the TLS files cannot be used \(.*client\.crt, .*broker\.key\): key values mismatch\n$/);
  });
});
